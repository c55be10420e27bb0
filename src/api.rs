//! The generated Orb Cloud bindings, and the hand-written glue that makes them usable: bearer
//! authentication and a base URL.
//!
//! Everything in here except [`AuthError`] and [`Client::with_api_key`] is generated from
//! `spec/openapi.json` by progenitor (see `generated/orb_cloud_api.rs` for the reviewed copy).
//! Operations are methods on [`Client`]; schemas are in [`types`], named after Orb's schema names
//! (`server.OrganizationDeviceResponse` is [`types::ServerOrganizationDeviceResponse`]).

#[allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/orb_cloud_api.rs"));
}

pub use generated::*;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The API key is empty.
    #[error("the Orb Cloud API key is empty: create one in Orb Cloud under Orchestration > API Keys")]
    EmptyKey,
    /// The API key has characters that cannot go in an HTTP header (the key itself is not shown).
    #[error("the Orb Cloud API key contains characters that are not allowed in an HTTP header (is it pasted with a newline or quotes?)")]
    InvalidKey,
    /// reqwest could not build its client (TLS set-up).
    #[error("could not build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl Client {
    /// A client for `base_url` that sends `Authorization: Bearer <api_key>` on every request.
    ///
    /// The header is marked sensitive, so reqwest never prints it.
    ///
    /// ```
    /// use orb_cloud::api::{Client, ClientInfo};
    ///
    /// let client = Client::with_api_key("https://panel.orb.net", "orb-ok1-example")?;
    /// assert_eq!(client.baseurl(), "https://panel.orb.net");
    /// # Ok::<(), orb_cloud::api::AuthError>(())
    /// ```
    pub fn with_api_key(base_url: &str, api_key: &str) -> Result<Self, AuthError> {
        let key = api_key.trim();
        if key.is_empty() {
            return Err(AuthError::EmptyKey);
        }
        let mut value =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| AuthError::InvalidKey)?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("orb-cloud-rust/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        Ok(Self::new_with_client(base_url.trim_end_matches('/'), http))
    }
}
