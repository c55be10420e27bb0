//! Speed tests: which kind to run, and what Orb answers when one starts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of speed test.
///
/// ```
/// use orb_cloud::SpeedTest;
/// assert_eq!("peak".parse::<SpeedTest>()?, SpeedTest::Top);
/// assert_eq!(SpeedTest::Content.as_str(), "content");
/// # Ok::<(), orb_cloud::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeedTest {
    /// A content speed test: the speed a typical content download gets.
    Content,
    /// A top (peak) speed test: the most the connection can do; Orb's apps call it "Peak".
    Top,
}

impl SpeedTest {
    /// The path segment Orb expects (`content`, `top`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpeedTest::Content => "content",
            SpeedTest::Top => "top",
        }
    }
}

impl fmt::Display for SpeedTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpeedTest {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "content" => Ok(SpeedTest::Content),
            "top" | "peak" => Ok(SpeedTest::Top),
            other => Err(crate::Error::InvalidInput {
                what: "speed test kind",
                reason: format!("{other:?} is not one: use content or top (peak)"),
            }),
        }
    }
}

/// Orb's answer to a speed-test trigger. Orb does not document it; it is probably
/// `commands.SpeedtestCallback`, so those fields are read when present and the whole answer is
/// kept in `raw`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpeedTestStarted {
    /// The id of the test started.
    #[serde(default)]
    pub test_uuid: Option<String>,
    /// The kind of a test already running, if any.
    #[serde(default)]
    pub in_progress_test_type: Option<String>,
    /// The id of a test already running, if any.
    #[serde(default)]
    pub in_progress_test_uuid: Option<String>,
    /// The whole answer.
    #[serde(flatten)]
    pub raw: serde_json::Map<String, serde_json::Value>,
}

/// What a speed-test answer means ([`SpeedTestStarted::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpeedTestStatus<'a> {
    /// A test was started; its result arrives in the `speed_results` dataset.
    Started {
        /// The new test's id.
        test: &'a str,
    },
    /// Nothing was started: a test is already running on the device.
    AlreadyRunning {
        /// Its kind, when Orb said.
        kind: Option<&'a str>,
        /// Its id, when Orb said.
        test: Option<&'a str>,
    },
    /// The answer names neither a new test nor a running one (Orb documents no other case).
    Unclear,
}

impl SpeedTestStarted {
    /// Whether a test started. Orb answers `test_uuid: ""` beside the running test's id when
    /// one is already running, so an empty id is no test.
    ///
    /// ```
    /// use orb_cloud::{SpeedTestStarted, SpeedTestStatus};
    /// let busy: SpeedTestStarted = serde_json::from_str(
    ///     r#"{"test_uuid": "", "in_progress_test_type": "top", "in_progress_test_uuid": "t-1"}"#,
    /// )?;
    /// assert_eq!(
    ///     busy.status(),
    ///     SpeedTestStatus::AlreadyRunning { kind: Some("top"), test: Some("t-1") }
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn status(&self) -> SpeedTestStatus<'_> {
        fn given(s: &Option<String>) -> Option<&str> {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        match (
            given(&self.test_uuid),
            given(&self.in_progress_test_type),
            given(&self.in_progress_test_uuid),
        ) {
            (Some(test), _, _) => SpeedTestStatus::Started { test },
            (None, None, None) => SpeedTestStatus::Unclear,
            (None, kind, test) => SpeedTestStatus::AlreadyRunning { kind, test },
        }
    }
}

// The kinds as the spec types the path parameter of each speed-test operation: a value renamed or
// removed upstream stops the build here.
impl From<SpeedTest> for crate::api::types::PostV2DeviceTriggerSpeedtestTestType {
    fn from(kind: SpeedTest) -> Self {
        match kind {
            SpeedTest::Content => Self::Content,
            SpeedTest::Top => Self::Top,
        }
    }
}

impl From<SpeedTest> for crate::api::types::PostV2OrganizationDevicesTriggerSpeedtestTestType {
    fn from(kind: SpeedTest) -> Self {
        match kind {
            SpeedTest::Content => Self::Content,
            SpeedTest::Top => Self::Top,
        }
    }
}

/// The spec types the answer as a free-form object; this reads the fields it is known to carry.
impl crate::endpoint::FromGenerated<crate::JsonObject> for SpeedTestStarted {
    fn from_generated(value: crate::JsonObject) -> Result<Self, serde_json::Error> {
        serde_json::from_value(serde_json::Value::Object(value))
    }
}
