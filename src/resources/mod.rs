//! The API grouped by resource, one handle per resource, so that calls read like what they do:
//! `client.organization(&org).device(&orb_id).config().get()`.
//!
//! Every handle is `XHandle`, borrows the client, and is cheap to make. Words: an *organization*
//! has *devices*; a device has a *config* (its `{key: [values]}` map, [`DeviceConfig`](crate::DeviceConfig));
//! an organization has *configurations* (Orb's word for deployment tokens, [`Configuration`]);
//! the *fleet* is every device of every organization the key sees ([`FleetHandle`]).
//!
//! Each call builds its request with the generated request builder of its operation
//! (`client.raw().get_v2_organization_devices()...`; see [`crate::Endpoint`]), so no path or
//! method is written here.

mod device_config;
mod devices;
mod fleet;
mod organizations;

pub use device_config::DeviceConfigHandle;
pub use devices::{DeviceHandle, DevicesHandle};
pub use fleet::{FleetHandle, FleetItem};
pub use organizations::{OrganizationHandle, OrganizationsHandle};

use crate::api::types::{ServerOrganizationConfigurationsResponse, ServerOrganizationsResponse};
use crate::client::OrbCloud;
use crate::device::Device;
use crate::error::Error;

/// The handles, made from the client: the entry points of every typed call.
impl OrbCloud {
    /// The organizations the key can see.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let orgs = client.organizations().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn organizations(&self) -> OrganizationsHandle<'_> {
        OrganizationsHandle::new(self)
    }

    /// One organization, by id or as listed: its devices, configurations and device operations.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// for org in client.organizations().list().await? {
    ///     let devices = client.organization(&org).devices().list().await?;
    /// }
    /// let devices = client.organization("org-id").devices().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn organization(&self, organization: impl Into<OrganizationId>) -> OrganizationHandle<'_> {
        OrganizationHandle::new(self, organization.into())
    }

    /// One device without its organization: the operations that need none (temporary datasets,
    /// speed tests, live streams through the device-level endpoints). For its config, use
    /// `client.organization(&org).device(&orb_id)`.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// client.device("orb-id").speed_test(orb_cloud::SpeedTest::Top).await?;
    /// # Ok(()) }
    /// ```
    pub fn device(&self, orb_id: impl Into<OrbId>) -> DeviceHandle<'_> {
        DeviceHandle::new(self, None, orb_id.into())
    }

    /// Every device of every organization, listed concurrently within the rate limit.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let fleet = client.fleet().concurrency(4).devices().await?;
    /// # Ok(()) }
    /// ```
    pub fn fleet(&self) -> FleetHandle<'_> {
        FleetHandle::new(self)
    }
}

/// An organization, as `list organizations` returns it (Orb's `server.OrganizationsResponse`).
pub type Organization = ServerOrganizationsResponse;

impl crate::array_decoder::Element for Organization {
    fn id_of(bytes: &[u8]) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Id {
            organization_id: Option<String>,
        }
        serde_json::from_slice::<Id>(bytes).ok()?.organization_id
    }
}

/// A configuration (deployment token) of an organization (Orb's `server.OrganizationConfigurationsResponse`).
pub type Configuration = ServerOrganizationConfigurationsResponse;

impl crate::array_decoder::Element for Configuration {
    fn id_of(bytes: &[u8]) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Id {
            id: Option<String>,
        }
        serde_json::from_slice::<Id>(bytes).ok()?.id
    }
}

/// Orb's answer to calls whose answer it does not document: the JSON object as sent.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Which organization: its id, or a listed [`Organization`].
///
/// ```
/// use orb_cloud::OrganizationId;
/// let listed = orb_cloud::Organization { organization_id: Some("org-1".into()), ..Default::default() };
/// assert_eq!(OrganizationId::from(&listed).as_str(), "org-1");
/// assert_eq!(OrganizationId::from("org-1").as_str(), "org-1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganizationId(String);

impl OrganizationId {
    /// The id (empty for a listed organization Orb sent without one).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id, or an error before any request is sent if it is empty (which would ask for
    /// `/organization//devices`).
    pub(crate) fn get(&self) -> Result<&str, Error> {
        non_empty(&self.0, "organization id")
    }
}

impl From<&str> for OrganizationId {
    fn from(id: &str) -> Self {
        Self(id.to_string())
    }
}

impl From<String> for OrganizationId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&String> for OrganizationId {
    fn from(id: &String) -> Self {
        Self(id.clone())
    }
}

impl From<&Organization> for OrganizationId {
    fn from(org: &Organization) -> Self {
        Self(org.organization_id.clone().unwrap_or_default())
    }
}

/// Which device: its Orb id, or a listed [`Device`].
///
/// ```
/// use orb_cloud::OrbId;
/// assert_eq!(OrbId::from("cjwbntmuy97ta4rx3mbrjf2gj8j7").as_str(), "cjwbntmuy97ta4rx3mbrjf2gj8j7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrbId(String);

impl OrbId {
    /// The id (empty for a listed device Orb sent without one).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn get(&self) -> Result<&str, Error> {
        non_empty(&self.0, "orb id")
    }
}

impl From<&str> for OrbId {
    fn from(id: &str) -> Self {
        Self(id.to_string())
    }
}

impl From<String> for OrbId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&String> for OrbId {
    fn from(id: &String) -> Self {
        Self(id.clone())
    }
}

impl From<&Device> for OrbId {
    fn from(device: &Device) -> Self {
        Self(device.orb_id.clone())
    }
}

fn non_empty<'a>(id: &'a str, what: &'static str) -> Result<&'a str, Error> {
    if id.trim().is_empty() {
        return Err(Error::InvalidInput {
            what,
            reason: "it is empty (was it taken from a listing that did not include it?)".into(),
        });
    }
    Ok(id)
}
