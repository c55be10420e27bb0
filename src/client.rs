//! [`OrbCloud`], the client users hold, and its builder.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::api;
use crate::api_key::ApiKey;
use crate::array_decoder::Element;
use crate::endpoint::{Endpoint, FromGenerated};
use crate::error::Error;
use crate::listing::Lenient;
use crate::operation::Operation;
use crate::ratelimit::RateLimit;
use crate::request_options::RequestOptions;
use crate::retry::{RetryPolicy, Sleeper, TokioSleeper};
use crate::transport::{Transport, TransportConfig};

/// Environment variable for the base URL (for a sandbox or a staging host).
pub const BASE_URL_ENV: &str = "ORB_CLOUD_BASE_URL";

/// The Orb Cloud client. Cheap to clone (clones share connections and rate-limit state),
/// `Send + Sync`.
///
/// ```no_run
/// # async fn demo() -> Result<(), orb_cloud::Error> {
/// let client = orb_cloud::OrbCloud::from_env()?; // ORB_CLOUD_API_KEY
/// for org in client.organizations().list().await? {
///     for device in client.organization(&org).devices().list().await? {
///         let score = device.orb_score().and_then(|s| s.display);
///         println!("{} connected={} score={score:?}", device.name, device.is_connected());
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OrbCloud {
    transport: Transport,
    raw: api::Client,
}

impl OrbCloud {
    /// A builder with the defaults: key from `ORB_CLOUD_API_KEY`, base URL from
    /// `ORB_CLOUD_BASE_URL` or `https://panel.orb.net`.
    pub fn builder() -> OrbCloudBuilder {
        OrbCloudBuilder::default()
    }

    /// A client configured from the environment (`ORB_CLOUD_API_KEY`, `ORB_CLOUD_BASE_URL`).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A client for `api_key` with every other setting at its default.
    ///
    /// ```
    /// let client = orb_cloud::OrbCloud::new("orb-ok1-example")?;
    /// # Ok::<(), orb_cloud::Error>(())
    /// ```
    pub fn new(api_key: impl AsRef<str>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// The generated client, sharing this client's authentication, retries and tracing. Its
    /// errors convert into [`Error`] with `?` (Orb's message kept); [`OrbCloud::send`] sends its
    /// request builders the way typed calls do.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let orgs = client.raw().get_v2_organizations().send().await?.into_inner();
    /// # Ok(()) }
    /// ```
    pub fn raw(&self) -> &api::Client {
        &self.raw
    }

    /// Send one of the generated client's request builders as typed calls are sent (the
    /// attempt timeout covering the body too; errors as [`Error`]) and decode the answer into
    /// the type the spec gives it.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let configurations = client
    ///     .send(client.raw().get_v1_organization_configurations().organization_id("org-id"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn send<E>(&self, endpoint: E) -> Result<E::Response, Error>
    where
        E: Endpoint,
        E::Response: DeserializeOwned,
    {
        self.call(endpoint).await
    }

    /// The same client (connections, rate-limit state) with `options` over its settings, for
    /// the calls made through it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let quick = client.with_options(
    ///     orb_cloud::RequestOptions::new().attempt_timeout(Duration::from_secs(3)),
    /// );
    /// let orgs = quick.organizations().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> OrbCloud {
        let transport = self.transport.with_options(options);
        let raw = api::Client::new_with_client(
            self.transport.base_url(),
            self.transport.http().clone(),
            transport.clone(),
        );
        OrbCloud { transport, raw }
    }

    /// A request to any path, for endpoints this crate does not know (like the Python client's
    /// `request`). Authentication, retries, deadline and tracing apply.
    ///
    /// ```no_run
    /// use orb_cloud::Method;
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let orgs: serde_json::Value = client.request(Method::GET, "/api/v2/organizations").send_json().await?;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: &str) -> RawRequest<'_> {
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        RawRequest {
            client: self,
            builder: self.transport.request(method, &path),
        }
    }

    /// The rate-limit state of the last response that reported one.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.transport.rate_limit()
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The largest successful answer this client reads ([`OrbCloudBuilder::max_body_bytes`]).
    pub fn max_body_bytes(&self) -> u64 {
        self.transport.max_body_bytes()
    }

    /// The request a generated builder makes, and its operation.
    fn request_of<E: Endpoint>(endpoint: E) -> Result<(Operation, reqwest::Request), Error> {
        let operation = Operation::of::<E>();
        let request = endpoint
            .into_request()
            .map_err(|e| Error::from_request_builder(operation, e))?;
        Ok((operation, request))
    }

    /// A typed call: the generated builder's request, sent through the transport, the answer
    /// decoded once straight into `T`.
    pub(crate) async fn call<E, T>(&self, endpoint: E) -> Result<T, Error>
    where
        E: Endpoint,
        T: FromGenerated<E::Response>,
    {
        let (operation, request) = Self::request_of(endpoint)?;
        self.transport.json(operation, request).await
    }

    /// [`OrbCloud::call`] for a listing, decoded in batches while it arrives.
    pub(crate) async fn call_list<E, G, T>(&self, endpoint: E) -> Result<Vec<T>, Error>
    where
        E: Endpoint<Response = Vec<G>>,
        T: FromGenerated<G> + Element,
    {
        let (operation, request) = Self::request_of(endpoint)?;
        self.transport.json_array(operation, request).await
    }

    /// [`OrbCloud::call_list`] that leaves out the elements that do not decode.
    pub(crate) async fn call_list_lenient<E, G, T>(&self, endpoint: E) -> Result<Lenient<T>, Error>
    where
        E: Endpoint<Response = Vec<G>>,
        T: FromGenerated<G> + Element,
    {
        let (operation, request) = Self::request_of(endpoint)?;
        self.transport.json_array_lenient(operation, request).await
    }
}

/// A raw request through the client's transport. See [`OrbCloud::request`].
pub struct RawRequest<'a> {
    client: &'a OrbCloud,
    builder: reqwest::RequestBuilder,
}

impl<'a> RawRequest<'a> {
    /// A JSON body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.builder = self.builder.json(body);
        self
    }

    /// Query parameters.
    pub fn query<Q: serde::Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.builder = self.builder.query(query);
        self
    }

    /// A header.
    pub fn header(
        mut self,
        name: crate::header::HeaderName,
        value: crate::header::HeaderValue,
    ) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// Send; a non-success status is an [`Error`].
    pub async fn send(self) -> Result<reqwest::Response, Error> {
        let (client, request) = self.build()?;
        client.transport.send(Operation::RAW, request).await
    }

    /// Send and decode the JSON answer.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let (client, request) = self.build()?;
        client.transport.json(Operation::RAW, request).await
    }

    fn build(self) -> Result<(&'a OrbCloud, reqwest::Request), Error> {
        let request = self.builder.build().map_err(|e| Error::InvalidInput {
            what: "request",
            reason: e.to_string(),
        })?;
        Ok((self.client, request))
    }
}

/// Settings for an [`OrbCloud`].
///
/// ```
/// use std::time::Duration;
/// let client = orb_cloud::OrbCloud::builder()
///     .api_key("orb-ok1-example")
///     .base_url("http://127.0.0.1:8080")
///     .attempt_timeout(Duration::from_secs(10))
///     .deadline(Duration::from_secs(60))
///     .retry(orb_cloud::RetryPolicy::standard().max_attempts(5))
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
/// # Ok::<(), orb_cloud::Error>(())
/// ```
#[must_use]
pub struct OrbCloudBuilder {
    key: Option<Result<ApiKey, Error>>,
    base_url: Option<String>,
    connect_timeout: Duration,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    user_agent: String,
    http: Option<reqwest::Client>,
    sleeper: Arc<dyn Sleeper>,
    max_body: u64,
}

/// The default of [`OrbCloudBuilder::max_body_bytes`]: 256 MiB. A device in a listing is about
/// 2 KB of JSON, so this is a listing of some 100,000 devices, while a server that sends without
/// end (or a 1 GB answer) is cut off before it costs more memory than that.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 256 << 20;

/// Redirects followed at most, within the base URL's origin.
const MAX_REDIRECTS: usize = 5;

impl Default for OrbCloudBuilder {
    fn default() -> Self {
        Self {
            key: None,
            base_url: None,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Some(Duration::from_secs(30)),
            deadline: Some(Duration::from_secs(120)),
            retry: RetryPolicy::standard(),
            user_agent: concat!("orb-cloud-rust/", env!("CARGO_PKG_VERSION")).to_string(),
            http: None,
            sleeper: Arc::new(TokioSleeper),
            max_body: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl std::fmt::Debug for OrbCloudBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrbCloudBuilder")
            .field(
                "key",
                &self
                    .key
                    .as_ref()
                    .map(|k| k.as_ref().map(|_| "redacted").map_err(|_| "invalid")),
            )
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl OrbCloudBuilder {
    /// The API key (otherwise `ORB_CLOUD_API_KEY`).
    pub fn api_key(mut self, key: impl AsRef<str>) -> Self {
        self.key = Some(ApiKey::new(key));
        self
    }

    /// The base URL (otherwise `ORB_CLOUD_BASE_URL`, else `https://panel.orb.net`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Time allowed to open a connection (default 10 s). Ignored with [`Self::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, answer included (default 30 s): reqwest's per-request
    /// timeout, which also bounds reading the body of an answer handed on unread
    /// ([`RawRequest::send`], [`OrbCloud::raw`]) wherever it is read.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call, retries and waits included (default 120 s).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// No total deadline: only the attempt timeout and the retry policy bound a call.
    pub fn no_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// How failures are retried (default: 3 attempts, 1 s base, 20 s cap).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The User-Agent (default `orb-cloud-rust/<version>`). Ignored with [`Self::http_client`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Use this reqwest client (its proxy, TLS and pool settings) instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The largest successful answer read, in bytes (default [`DEFAULT_MAX_BODY_BYTES`],
    /// 256 MiB): a larger one fails with [`Error::BodyTooLarge`] as soon as it passes the limit,
    /// so a broken or hostile server cannot make the client hold more. A listing counts whole.
    ///
    /// ```
    /// let client = orb_cloud::OrbCloud::builder()
    ///     .api_key("orb-ok1-example")
    ///     .max_body_bytes(1 << 30) // a fleet of several hundred thousand devices
    ///     .build()?;
    /// assert_eq!(client.max_body_bytes(), 1 << 30);
    /// # Ok::<(), orb_cloud::Error>(())
    /// ```
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// How the client waits between attempts (tests use one that does not really sleep).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// Build the client. Fails without a usable key or with a bad base URL.
    pub fn build(self) -> Result<OrbCloud, Error> {
        let key = match self.key {
            Some(key) => key?,
            None => ApiKey::from_env()?,
        };
        let base_url = match self.base_url {
            Some(url) => url,
            None => std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| crate::DEFAULT_BASE_URL.to_string()),
        };
        let base_url = validate_base_url(&base_url)?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .redirect(same_origin_redirects())
                .referer(false)
                .build()
                .map_err(|e| Error::Setup {
                    what: "the HTTP client",
                    source: Box::new(e),
                })?,
        };
        let transport = Transport::new(TransportConfig {
            http: http.clone(),
            base_url: base_url.clone(),
            key,
            retry: self.retry,
            attempt_timeout: self.attempt_timeout,
            deadline: self.deadline,
            sleeper: self.sleeper,
            max_body: self.max_body,
        });
        let raw = api::Client::new_with_client(&base_url, http, transport.clone());
        Ok(OrbCloud { transport, raw })
    }
}

/// Redirects are followed only within the origin (scheme, host and port) of the request, so
/// the key never goes to another host, nor over plain HTTP after HTTPS; one that leaves it comes
/// back as the answer, and its error names where it pointed. Orb documents no redirect.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// The base URL without a trailing slash.
fn validate_base_url(url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|e| Error::InvalidBaseUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::InvalidBaseUrl {
            url: url.to_string(),
            reason: "it must start with http:// or https://".into(),
        });
    }
    if parsed.cannot_be_a_base() || parsed.host_str().is_none() {
        return Err(Error::InvalidBaseUrl {
            url: url.to_string(),
            reason: "it has no host".into(),
        });
    }
    if parsed.query().is_some() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::InvalidBaseUrl {
            url: url.to_string(),
            reason: "it must not carry a query or credentials".into(),
        });
    }
    Ok(trimmed.to_string())
}
