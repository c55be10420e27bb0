//! The on-device Local API: pull dataset records straight from one Orb on your network.
//!
//! `GET http://<orb>:7080/api/v2/datasets/{name}.{json|jsonl}?id={caller_id}`: the Orb remembers,
//! per caller id, which records it has handed out and returns only newer ones (the first call
//! returns everything it has buffered, 100 records by default). The records are the same as
//! Data Push's, so they decode into the same [`Record`] types. The device must have the Local
//! API enabled (`"datasets.api": ["port=7080", "scores_1m", ...]`). Not part of Orb Cloud and
//! needs no API key.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use orb_cloud::local_api::LocalApi;
//! use std::time::Duration;
//! # async fn demo() -> Result<(), orb_cloud::local_api::LocalApiError> {
//! let orb = LocalApi::new("192.168.1.20")?.caller_id("my-dashboard");
//! let outcome = orb.fetch("scores_1m").await?;
//! println!("{} records now", outcome.records.len());
//!
//! let mut live = Box::pin(orb.poll(["responsiveness_1s"], Duration::from_secs(1)));
//! while let Some(record) = live.next().await {
//!     println!("{:?}", record?.timestamp_ms());
//! }
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::Stream;

use crate::datasets::{
    decode_body, parse_push, DatasetName, Format, ParseOutcome, Record, RecordError,
};
use crate::PushFormat;

/// The Local API's default port.
pub const DEFAULT_PORT: u16 = 7080;

/// The caller id used unless [`LocalApi::caller_id`] sets one.
pub const DEFAULT_CALLER_ID: &str = "orb-cloud-rs";

/// Largest response read (the device buffers 100 records by default; this leaves ample room).
const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// What can go wrong talking to an Orb's Local API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalApiError {
    /// The address given is not usable.
    #[error("invalid Local API address {input:?}: {reason}")]
    InvalidAddress {
        /// What was given.
        input: String,
        /// Why.
        reason: String,
    },
    /// The Orb could not be reached or the connection failed.
    #[error("could not reach the Orb's Local API at {url}: {reason} (is the Local API enabled with \"datasets.api\", and is the Orb on this network?)")]
    Transport {
        /// The URL requested.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The Orb answered with an error status.
    #[error("the Orb's Local API answered HTTP {status} for {url}{}", if .body_start.is_empty() { String::new() } else { format!(": {}", .body_start) })]
    Status {
        /// The URL requested.
        url: String,
        /// The status.
        status: u16,
        /// The start of the answer's body.
        body_start: String,
    },
    /// The body could not be decoded (bad gzip, too large).
    #[error("the Orb's Local API answer for {url} could not be decoded: {source}")]
    Body {
        /// The URL requested.
        url: String,
        /// Why.
        #[source]
        source: crate::datasets::BodyError,
    },
    /// One record of an answer did not decode (the others were delivered).
    #[error("a record of {dataset} did not decode: {error}")]
    Record {
        /// The dataset it was requested as.
        dataset: DatasetName,
        /// Where and why.
        error: Box<RecordError>,
        /// Its bytes.
        raw: Vec<u8>,
    },
}

/// A client of one Orb's Local API.
#[derive(Debug, Clone)]
pub struct LocalApi {
    base: reqwest::Url,
    caller_id: String,
    format: PushFormat,
    http: reqwest::Client,
}

impl LocalApi {
    /// For the Orb at `address`: a host (`"192.168.1.20"`, `"orb.local"`; port 7080 and http are
    /// assumed), `host:port`, or a full base URL.
    ///
    /// ```
    /// let orb = orb_cloud::local_api::LocalApi::new("192.168.1.20")?;
    /// assert_eq!(orb.url_for(&"scores_1m".into()).as_str(),
    ///            "http://192.168.1.20:7080/api/v2/datasets/scores_1m.jsonl?id=orb-cloud-rs");
    /// assert!(orb_cloud::local_api::LocalApi::new("ftp://x").is_err());
    /// # Ok::<(), orb_cloud::local_api::LocalApiError>(())
    /// ```
    pub fn new(address: &str) -> Result<Self, LocalApiError> {
        let invalid = |reason: String| LocalApiError::InvalidAddress {
            input: address.to_owned(),
            reason,
        };
        let trimmed = address.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty".into()));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("http://{trimmed}")
        };
        let mut base = reqwest::Url::parse(&with_scheme).map_err(|e| invalid(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(invalid("use http://host[:port]".into()));
        }
        if !trimmed.contains("://") && base.port().is_none() {
            base.set_port(Some(DEFAULT_PORT))
                .map_err(|()| invalid("cannot set the port".into()))?;
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("orb-cloud-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(format!("could not set up the HTTP client: {e}")))?;
        Ok(Self {
            base,
            caller_id: DEFAULT_CALLER_ID.to_owned(),
            format: PushFormat::Jsonl,
            http,
        })
    }

    /// The caller id the Orb tracks what it has handed out by. Keep it stable across runs to
    /// resume where you left off; use one per consumer (two consumers sharing an id split the
    /// records between them).
    pub fn caller_id(mut self, id: impl Into<String>) -> Self {
        self.caller_id = id.into();
        self
    }

    /// The format asked for (default jsonl).
    pub fn format(mut self, format: PushFormat) -> Self {
        self.format = format;
        self
    }

    /// Use your own `reqwest` client (timeouts, proxies).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = client;
        self
    }

    /// The URL for one dataset.
    pub fn url_for(&self, dataset: &DatasetName) -> reqwest::Url {
        let mut url = self.base.clone();
        let file = format!("{}.{}", dataset.as_str(), self.format.as_str());
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["api", "v2", "datasets", &file]);
        }
        url.query_pairs_mut()
            .clear()
            .append_pair("id", &self.caller_id);
        url
    }

    /// The records of `dataset` the Orb has not yet handed to this caller id.
    pub async fn fetch(
        &self,
        dataset: impl Into<DatasetName>,
    ) -> Result<ParseOutcome, LocalApiError> {
        self.fetch_with_body(&dataset.into())
            .await
            .map(|(_, outcome)| outcome)
    }

    /// [`fetch`](Self::fetch), also returning the decoded body (the errors' spans point into it).
    async fn fetch_with_body(
        &self,
        dataset: &DatasetName,
    ) -> Result<(Vec<u8>, ParseOutcome), LocalApiError> {
        let url = self.url_for(dataset);
        let transport = |e: reqwest::Error| LocalApiError::Transport {
            url: url.to_string(),
            reason: crate::transport::error_chain(&e),
        };
        let response = self.http.get(url.clone()).send().await.map_err(transport)?;
        let status = response.status();
        let encoding = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(body.get(..200).unwrap_or(&body));
            return Err(LocalApiError::Status {
                url: url.to_string(),
                status: status.as_u16(),
                body_start: text.trim().to_owned(),
            });
        }
        let body =
            decode_body(&body, encoding.as_deref(), MAX_RESPONSE_BYTES).map_err(|source| {
                LocalApiError::Body {
                    url: url.to_string(),
                    source,
                }
            })?;
        let format = match self.format {
            PushFormat::Jsonl => Format::Jsonl,
            PushFormat::Json => Format::Json,
        };
        let outcome = parse_push(&body, format, Some(dataset));
        Ok((body, outcome))
    }

    /// Fetch `datasets` every `every`, yielding new records as they come, and an `Err` for a
    /// failed fetch or a record that did not decode (the stream goes on; the Orb keeps what it
    /// has not handed out, so a failed fetch loses nothing). Never ends by itself.
    pub fn poll<S: AsRef<str>>(
        &self,
        datasets: impl IntoIterator<Item = S>,
        every: Duration,
    ) -> impl Stream<Item = Result<Record, LocalApiError>> + Send + 'static {
        let datasets: Vec<DatasetName> = datasets
            .into_iter()
            .map(|d| DatasetName::from(d.as_ref()))
            .collect();
        let mut ticker = tokio::time::interval(every.max(Duration::from_millis(10)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let state = Poller {
            api: self.clone(),
            datasets,
            ticker,
            pending: VecDeque::new(),
        };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.pending.pop_front() {
                    return Some((item, state));
                }
                if state.datasets.is_empty() {
                    return None;
                }
                state.ticker.tick().await;
                for dataset in state.datasets.clone() {
                    match state.api.fetch_with_body(&dataset).await {
                        Ok((body, outcome)) => {
                            state.pending.extend(outcome.records.into_iter().map(Ok));
                            // Errors come after the records (body order is not kept across them).
                            state
                                .pending
                                .extend(outcome.errors.into_iter().map(|error| {
                                    Err(LocalApiError::Record {
                                        dataset: dataset.clone(),
                                        raw: body
                                            .get(error.span.clone())
                                            .unwrap_or_default()
                                            .to_vec(),
                                        error: Box::new(error),
                                    })
                                }));
                        }
                        Err(e) => state.pending.push_back(Err(e)),
                    }
                }
            }
        })
    }
}

struct Poller {
    api: LocalApi,
    datasets: Vec<DatasetName>,
    ticker: tokio::time::Interval,
    pending: VecDeque<Result<Record, LocalApiError>>,
}
