//! `device.config()`: a device's `{key: [values]}` configuration map.

use super::{DeviceHandle, JsonObject};
use crate::api::types::ServerOrganizationDeviceConfigurationDeleteRequest;
use crate::device::config::{ConfigAnswer, DeviceConfig};
use crate::error::Error;

/// `client.organization(&org).device(&orb_id).config()`.
#[derive(Debug, Clone, Copy)]
pub struct DeviceConfigHandle<'a> {
    device: &'a DeviceHandle<'a>,
}

impl<'a> DeviceConfigHandle<'a> {
    pub(crate) fn new(device: &'a DeviceHandle<'a>) -> Self {
        Self { device }
    }

    /// The device's current configuration.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let device = client.organization("org-id").device("orb-id");
    /// let config = device.config().get().await?;
    /// println!("{:?}", config.push());
    /// # Ok(()) }
    /// ```
    ///
    /// Orb does not document this answer; both a bare `{key: [values]}` map and one wrapped in
    /// `{"config": {...}}` are read.
    pub async fn get(&self) -> Result<DeviceConfig, Error> {
        let client = self.device.client();
        let (organization, orb_id) = self.device.in_organization()?;
        let request = client
            .raw()
            .get_v2_organization_devices_configuration()
            .organization_id(organization)
            .orb_id(orb_id);
        let ConfigAnswer(config) = client.call(request).await?;
        Ok(config)
    }

    /// Patch the configuration and set it as an override for the device. Returns Orb's answer.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let mut patch = orb_cloud::DeviceConfig::default();
    /// patch.set("orb.identifiable_level", ["minimal"]);
    /// client.organization("org-id").device("orb-id").config().patch(&patch).await?;
    /// # Ok(()) }
    /// ```
    pub async fn patch(&self, patch: &DeviceConfig) -> Result<JsonObject, Error> {
        let client = self.device.client();
        let (organization, orb_id) = self.device.in_organization()?;
        let request = client
            .raw()
            .patch_v2_organization_devices_configuration()
            .organization_id(organization)
            .orb_id(orb_id)
            .body(patch);
        client.call(request).await
    }

    /// Remove the device's override; with `fallback`, use that configuration instead.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// client.organization("org-id").device("orb-id").config().reset(None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn reset(&self, fallback: Option<&str>) -> Result<JsonObject, Error> {
        let client = self.device.client();
        let (organization, orb_id) = self.device.in_organization()?;
        let request = client
            .raw()
            .delete_v2_organization_devices_configuration()
            .organization_id(organization)
            .orb_id(orb_id)
            .body(ServerOrganizationDeviceConfigurationDeleteRequest {
                configuration_id: fallback.map(str::to_string),
            });
        client.call(request).await
    }
}
