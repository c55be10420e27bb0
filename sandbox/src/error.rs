//! Errors: [`Error`] for people starting a sandbox, [`ErrorBody`] for the HTTP answers it gives.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Why a sandbox could not start or stop.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listen address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A setting is out of range.
    #[error("invalid sandbox setting: {0}")]
    Invalid(String),
    /// The HTTP client that simulated devices push with could not be built.
    #[error("could not build the HTTP client for device pushes: {0}")]
    PushClient(#[source] reqwest::Error),
    /// Some device tasks did not stop in time.
    #[error("{tasks} sandbox task(s) did not stop within 5 s of shutdown")]
    ShutdownTimeout {
        /// Tasks still running.
        tasks: usize,
    },
    /// An I/O error while running.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// An error answer in Orb's error shape, `{"message": string, "code": string}`, with its status
/// (and `Retry-After`). Named apart from the library's `ApiError`, which is the client's view of
/// such an answer.
///
/// ```
/// use orb_cloud_sandbox::error::ErrorBody;
/// let e = ErrorBody::not_found_org("x");
/// assert_eq!(e.status.as_u16(), 404);
/// assert_eq!(e.code, "INVALID_ORG_ID");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message} ({code})")]
pub struct ErrorBody {
    /// HTTP status.
    pub status: StatusCode,
    /// Orb-style error code (`INVALID_ORG_ID`).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// `Retry-After`, in seconds, when the client should wait.
    pub retry_after: Option<u64>,
}

impl ErrorBody {
    /// Any error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ErrorBody {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with code `INVALID_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
    }

    /// 404 for an organization that does not exist or the key cannot see.
    pub fn not_found_org(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "INVALID_ORG_ID",
            format!("Invalid organization ID: no organization {id:?}"),
        )
    }

    /// 404 for a device that does not exist (in that organization).
    pub fn not_found_device(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "INVALID_DEVICE_ID",
            format!("Invalid device ID: no device {id:?}"),
        )
    }

    /// The JSON the client reads.
    pub fn json(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"message": self.message, "code": self.code}))
            .unwrap_or_default()
    }
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> Response {
        let mut resp = (self.status, self.json()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}
