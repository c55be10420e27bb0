//! The generated Orb Cloud bindings, re-exported as they are.
//!
//! Everything here is generated from `spec/openapi.json` by progenitor (see
//! `generated/orb_cloud_api.rs` for the reviewed copy), except the hook below that sends the
//! generated client's requests through this crate's transport, so the raw client gets the same
//! authentication, retries, deadline and tracing as [`crate::OrbCloud`], and the conversion of
//! its errors into [`crate::Error`]. Operations are methods on [`Client`]; schemas are in
//! [`types`], named after Orb's schema names (`server.OrganizationDeviceResponse` is
//! [`types::ServerOrganizationDeviceResponse`]); [`OPERATIONS`] lists the spec's operations.
//!
//! The request builders in [`builder`] are also [`crate::Endpoint`]s: the typed client builds
//! every request with them.
//!
//! Progenitor sends an `api-version` header with the document's version on every request; Orb
//! does not document it and is not known to read it.
//!
//! Struct builders (`types::builder`) are kept only for the request bodies the operations take;
//! build other types with struct literals or `Default`. The code generator drops the rest, which
//! were two thirds of the generated code (`codegen/builders.rs`).

#[allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/orb_cloud_api.rs"));
}

pub use generated::*;

use progenitor_client::{ClientHooks, OperationInfo};

use crate::error::ApiError;
use crate::operation::Operation;
use crate::transport::{RawFailure, Transport};

impl ClientHooks<Transport> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = Operation::from_id(info.operation_id);
        self.inner().send_raw(operation, request).await
    }
}

/// The raw client's errors, as the typed client's: a non-success answer keeps Orb's message,
/// code and request id (read by the hook before progenitor sees the answer), failures keep their
/// source.
///
/// ```no_run
/// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
/// let orgs = client.raw().get_v2_organizations().send().await?; // progenitor's error, converted
/// # Ok(()) }
/// ```
impl<E> From<progenitor_client::Error<E>> for crate::Error {
    fn from(e: progenitor_client::Error<E>) -> Self {
        use crate::Error;
        use progenitor_client::Error as P;
        let operation = Operation::RAW;
        match e {
            P::UnexpectedResponse(response) => match response.extensions().get::<RawFailure>() {
                Some(RawFailure(failure)) => Error::from_api(failure.0, failure.1.clone()),
                None => Error::from_api(
                    operation,
                    ApiError {
                        status: response.status().as_u16(),
                        ..ApiError::default()
                    },
                ),
            },
            P::ErrorResponse(response) => Error::from_api(
                operation,
                ApiError {
                    status: response.status().as_u16(),
                    ..ApiError::default()
                },
            ),
            P::InvalidResponsePayload(bytes, source) => Error::Decode {
                operation,
                path: ".".into(),
                message: source.to_string(),
                // Without the client's key at hand, the body is not shown (it could echo it).
                body_start: format!("({} bytes, not shown)", bytes.len()),
                source: Some(source),
            },
            P::CommunicationError(source)
            | P::InvalidUpgrade(source)
            | P::ResponseBodyError(source) => Error::from_reqwest(operation, source),
            P::InvalidRequest(reason) | P::Custom(reason) => Error::InvalidInput {
                what: "request",
                reason,
            },
        }
    }
}

impl crate::Error {
    /// A generated request builder that could not build its request.
    pub(crate) fn from_request_builder(operation: Operation, e: progenitor_client::Error) -> Self {
        match e {
            progenitor_client::Error::InvalidRequest(reason) => crate::Error::InvalidInput {
                what: "request",
                reason: format!("{operation}: {reason}"),
            },
            other => crate::Error::from(other),
        }
    }

    fn from_reqwest(operation: Operation, source: reqwest::Error) -> Self {
        // A timeout stays a transport failure here: which limit passed is not known.
        let source = source.without_url();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&source);
        while let Some(e) = cause {
            if let Some(limit) = e.downcast_ref::<crate::BodyLimitExceeded>() {
                return crate::Error::BodyTooLarge {
                    operation,
                    limit: limit.limit,
                };
            }
            cause = e.source();
        }
        crate::Error::Transport {
            operation,
            url: String::new(),
            reason: crate::transport::error_chain(&source),
            attempts: 0,
            connect: source.is_connect(),
            source,
        }
    }
}

impl Client {
    /// A generated client for `base_url` authenticating with `api_key`, with the default
    /// retries and timeouts. Same as `OrbCloud::builder().api_key(..).base_url(..).build()?.raw()`.
    ///
    /// ```
    /// use orb_cloud::api::{Client, ClientInfo};
    ///
    /// let client = Client::with_api_key("https://panel.orb.net", "orb-ok1-example")?;
    /// assert_eq!(client.baseurl(), "https://panel.orb.net");
    /// # Ok::<(), orb_cloud::Error>(())
    /// ```
    pub fn with_api_key(base_url: &str, api_key: &str) -> Result<Self, crate::Error> {
        Ok(crate::OrbCloud::builder()
            .api_key(api_key)
            .base_url(base_url)
            .build()?
            .raw()
            .clone())
    }
}
