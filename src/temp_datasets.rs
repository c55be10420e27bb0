//! The body of a temporary-datasets call: which datasets a device collects and where it pushes
//! them, for how long. After the duration the device reverts to its normal configuration.

use std::time::Duration;

use crate::api::types::{ConfigDataPush, ConfigDatasets, ServerDatasetsRequest};
use crate::dataset_duration::DatasetDuration;
use crate::datasets::DatasetName;

/// How a device formats pushed records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PushFormat {
    /// One JSON object per line (Orb's default).
    #[default]
    Jsonl,
    /// A JSON array per request.
    Json,
}

impl PushFormat {
    /// Orb's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            PushFormat::Jsonl => "jsonl",
            PushFormat::Json => "json",
        }
    }
}

/// A temporary datasets configuration.
///
/// ```
/// use orb_cloud::{TempDatasets, PushFormat};
/// use std::time::Duration;
/// let request = TempDatasets::push_to("https://example.com/orb", ["responsiveness_1s", "scores_1s"], "5m".parse()?)
///     .format(PushFormat::Json)
///     .interval(Duration::from_millis(500));
/// let body = serde_json::to_value(request.to_request())?;
/// assert_eq!(body["duration"], "5m");
/// assert_eq!(body["datasets_config"]["push"]["interval_ms"], 500);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TempDatasets {
    duration: DatasetDuration,
    datasets: Vec<DatasetName>,
    url: String,
    format: PushFormat,
    interval: Option<Duration>,
    identifiable: Option<bool>,
    buffer_kb: Option<i64>,
}

impl TempDatasets {
    /// Collect `datasets` and push them to `url` for `duration`.
    pub fn push_to<S: AsRef<str>>(
        url: impl Into<String>,
        datasets: impl IntoIterator<Item = S>,
        duration: DatasetDuration,
    ) -> Self {
        Self {
            duration,
            datasets: datasets
                .into_iter()
                .map(|d| DatasetName::from(d.as_ref()))
                .collect(),
            url: url.into(),
            format: PushFormat::default(),
            interval: None,
            identifiable: None,
            buffer_kb: None,
        }
    }

    /// Record format (default jsonl).
    pub fn format(mut self, format: PushFormat) -> Self {
        self.format = format;
        self
    }

    /// How often the device pushes (Orb's default is 60 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Send identifiable fields (names, IPs, coordinates) unmasked.
    pub fn identifiable(mut self, identifiable: bool) -> Self {
        self.identifiable = Some(identifiable);
        self
    }

    /// How much the device buffers while pushes fail, in kB (Orb's default is 2 MB).
    pub fn buffer_kb(mut self, kb: i64) -> Self {
        self.buffer_kb = Some(kb);
        self
    }

    /// The duration.
    pub fn duration(&self) -> DatasetDuration {
        self.duration
    }

    /// The datasets.
    pub fn datasets(&self) -> &[DatasetName] {
        &self.datasets
    }

    /// The push URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Check what can be checked before sending.
    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        let invalid = |reason: String| crate::Error::InvalidInput {
            what: "temporary datasets",
            reason,
        };
        if self.datasets.is_empty() {
            return Err(invalid("no datasets chosen".into()));
        }
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| invalid(format!("push URL {:?}: {e}", self.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "push URL {:?} must be http or https",
                self.url
            )));
        }
        if self.interval.is_some_and(|i| i < Duration::from_millis(1)) {
            return Err(invalid("the push interval must be at least 1ms".into()));
        }
        Ok(())
    }

    /// The request body, in Orb's schema (`server.DatasetsRequest`).
    pub fn to_request(&self) -> ServerDatasetsRequest {
        let names: Vec<String> = self.datasets.iter().map(ToString::to_string).collect();
        ServerDatasetsRequest {
            duration: Some(self.duration.to_string()),
            datasets_config: Some(ConfigDatasets {
                enabled: Some(true),
                datasets: Some(names.clone()),
                push: Some(ConfigDataPush {
                    enabled: Some(true),
                    url: Some(self.url.clone()),
                    datasets: Some(names),
                    format: Some(self.format.as_str().to_string()),
                    interval_ms: self
                        .interval
                        .map(|i| i.as_millis().min(i64::MAX as u128) as i64),
                    identifiable: self.identifiable,
                    buffer_kb: self.buffer_kb,
                }),
                api: None,
                cloud_push: None,
            }),
        }
    }
}
