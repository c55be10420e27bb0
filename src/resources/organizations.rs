//! `client.organizations()` and `client.organization(&org)`.

use super::{Configuration, DeviceHandle, DevicesHandle, OrbId, Organization, OrganizationId};
use crate::client::OrbCloud;
use crate::error::Error;

/// `client.organizations()`: every organization the key can see.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationsHandle<'a> {
    client: &'a OrbCloud,
}

impl<'a> OrganizationsHandle<'a> {
    pub(crate) fn new(client: &'a OrbCloud) -> Self {
        Self { client }
    }

    /// Every organization the key can see. Needs "Organizations: Read".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// for org in client.organizations().list().await? {
    ///     let devices = client.organization(&org).devices().list().await?;
    ///     println!("{:?}: {} devices", org.name, devices.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Organization>, Error> {
        let client = self.client;
        client.call_list(client.raw().get_v2_organizations()).await
    }
}

/// `client.organization(&org)`: one organization, its devices and configurations.
#[derive(Debug, Clone)]
pub struct OrganizationHandle<'a> {
    client: &'a OrbCloud,
    id: OrganizationId,
}

impl<'a> OrganizationHandle<'a> {
    pub(crate) fn new(client: &'a OrbCloud, id: OrganizationId) -> Self {
        Self { client, id }
    }

    /// The organization's id.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The organization's devices.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let devices = client.organization("org-id").devices().list().await?;
    /// # Ok(()) }
    /// ```
    pub fn devices(&self) -> DevicesHandle<'a> {
        DevicesHandle::new(self.client, self.id.clone())
    }

    /// One device of the organization: every device operation, the organization's endpoints
    /// where there are two.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let device = client.organization("org-id").device("orb-id");
    /// let config = device.config().get().await?;
    /// # Ok(()) }
    /// ```
    pub fn device(&self, orb_id: impl Into<OrbId>) -> DeviceHandle<'a> {
        DeviceHandle::new(self.client, Some(self.id.clone()), orb_id.into())
    }

    /// The organization's configurations (deployment tokens). Probably needs "Organizations: Read".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let configs = client.organization("org-id").configurations().await?;
    /// # Ok(()) }
    /// ```
    pub async fn configurations(&self) -> Result<Vec<Configuration>, Error> {
        let client = self.client;
        let request = client
            .raw()
            .get_v1_organization_configurations()
            .organization_id(self.id.get()?);
        client.call_list(request).await
    }
}
