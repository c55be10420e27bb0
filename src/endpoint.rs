//! How the hand-written client uses the generated bindings: every typed call takes one of
//! progenitor's request builders (`client.raw().get_v2_organization_devices()...`), which the code
//! generator makes an [`Endpoint`] (`codegen/endpoints.rs`). The request is built by progenitor's
//! code from `spec/openapi.json` (method, path, parameter names and encoding, body, headers); this
//! crate only sends it, through its transport, and decodes the answer in one pass.
//!
//! So an upstream change reaches the typed client through `cargo xtask regen`, or stops its build
//! at the call it affects: a moved operation gets a new id and its builder method disappears, a
//! renamed parameter renames the builder's setter, a retyped body or response changes
//! [`Endpoint::Response`] and the types the hand-written layer converts from
//! ([`FromGenerated`]).

use serde::de::DeserializeOwned;

/// One operation of the spec, as [`crate::api::OPERATIONS`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpecOperation {
    /// The spec's operationId (`get_v2_organization_devices`).
    pub id: &'static str,
    /// The HTTP method, upper case (`GET`).
    pub method: &'static str,
    /// The path template (`/api/v2/organization/{organization_id}/devices`).
    pub path: &'static str,
}

/// A request builder of the generated client, ready to be sent by [`crate::OrbCloud::send`].
/// Implemented by the code generator for every operation of the spec; not meant to be implemented
/// by hand.
///
/// ```
/// use orb_cloud::api::builder::GetV2OrganizationDevices;
/// use orb_cloud::Endpoint;
///
/// assert_eq!(GetV2OrganizationDevices::METHOD, "GET");
/// assert_eq!(
///     GetV2OrganizationDevices::PATH,
///     "/api/v2/organization/{organization_id}/devices"
/// );
/// ```
pub trait Endpoint: Send {
    /// The spec's operationId.
    const OPERATION_ID: &'static str;
    /// The HTTP method, upper case.
    const METHOD: &'static str;
    /// The path template, as the spec writes it.
    const PATH: &'static str;
    /// What a success answer decodes into, as progenitor types it.
    type Response;
    /// The request the builder's `send()` would send, built by progenitor's own code, unsent.
    /// Fails like `send()` does for a parameter that was not set or does not convert.
    // The error is progenitor's own, which the copied statements build; it is converted at once.
    #[allow(clippy::result_large_err)]
    fn into_request(self) -> Result<reqwest::Request, progenitor_client::Error>;
}

/// A hand-written type that reads the same answer as the generated type `G`, straight from the
/// JSON (one decode, no detour through `G`), and can also be made from a `G` that
/// [`crate::OrbCloud::raw`] returned.
///
/// It ties the typed layer to the spec: a typed call only compiles when its type reads the
/// operation's response type ([`Endpoint::Response`]), and the conversions name the generated
/// fields they rely on, so a property retyped upstream breaks the build there.
///
/// ```
/// use orb_cloud::api::types::ServerOrganizationDeviceResponse;
/// use orb_cloud::{Device, FromGenerated};
///
/// let raw = ServerOrganizationDeviceResponse {
///     orb_id: Some("cjwbntmuy97ta4rx3mbrjf2gj8j7".into()),
///     is_connected: Some(1),
///     ..Default::default()
/// };
/// let device = Device::from_generated(raw)?;
/// assert!(device.is_connected());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait FromGenerated<G>: DeserializeOwned + Sized {
    /// `value`, as this type.
    fn from_generated(value: G) -> Result<Self, serde_json::Error>;
}

/// Where the generated type is what users get (organizations, configurations), it reads itself.
impl<T: DeserializeOwned> FromGenerated<T> for T {
    fn from_generated(value: T) -> Result<Self, serde_json::Error> {
        Ok(value)
    }
}
