//! `client.organization(&org).devices()` and one device's handle, which reaches every device
//! operation.

use super::{DeviceConfigHandle, JsonObject, OrbId, OrganizationId};
use crate::client::OrbCloud;
use crate::device::Device;
use crate::error::Error;
use crate::listing::{Lenient, WithJson};
use crate::speedtest::{SpeedTest, SpeedTestStarted};
use crate::temp_datasets::TempDatasets;

/// `client.organization(&org).devices()`: the organization's devices.
#[derive(Debug, Clone)]
pub struct DevicesHandle<'a> {
    client: &'a OrbCloud,
    organization: OrganizationId,
}

impl<'a> DevicesHandle<'a> {
    pub(crate) fn new(client: &'a OrbCloud, organization: OrganizationId) -> Self {
        Self {
            client,
            organization,
        }
    }

    /// The listing request every `list` variant sends (they differ in how they decode it).
    fn listing(&self) -> Result<crate::api::builder::GetV2OrganizationDevices<'a>, Error> {
        Ok(self
            .client
            .raw()
            .get_v2_organization_devices()
            .organization_id(self.organization.get()?))
    }

    /// Every device of the organization, decoded once straight into [`Device`]s. Needs
    /// "Devices: Read". One device that does not decode fails the listing (with the field it
    /// failed at); [`DevicesHandle::list_lenient`] keeps the others.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let devices = client.organization("org-id").devices().list().await?;
    /// let online = devices.iter().filter(|d| d.is_connected()).count();
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Device>, Error> {
        self.client.call_list(self.listing()?).await
    }

    /// Every device of the organization that decodes, and an error for each one that does not
    /// (valid JSON of another shape). A body that is not a JSON array of values still fails.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let listing = client.organization("org-id").devices().list_lenient().await?;
    /// for skipped in &listing.skipped {
    ///     eprintln!("warning: {skipped}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_lenient(&self) -> Result<Lenient<Device>, Error> {
        self.client.call_list_lenient(self.listing()?).await
    }

    /// [`DevicesHandle::list_lenient`], with each device's JSON text as Orb sent it: for
    /// passing Orb's objects on unchanged (fields this version does not know included). The
    /// text is copied out of the body as it is decoded; nothing is encoded again.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let listing = client.organization("org-id").devices().list_lenient_with_json().await?;
    /// for device in listing.items.iter().filter(|d| d.value.is_connected()) {
    ///     println!("{}", device.json);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_lenient_with_json(&self) -> Result<Lenient<WithJson<Device>>, Error> {
        self.client.call_list_lenient(self.listing()?).await
    }
}

/// One device: `client.organization(&org).device(&orb_id)`, or `client.device(&orb_id)` for the
/// operations that need no organization.
///
/// Where Orb has two endpoints for one action (temporary datasets, speed tests), the handle uses
/// the organization's when it knows the organization, else the device-level one. The config
/// operations need the organization.
#[derive(Debug, Clone)]
pub struct DeviceHandle<'a> {
    client: &'a OrbCloud,
    organization: Option<OrganizationId>,
    orb_id: OrbId,
}

impl<'a> DeviceHandle<'a> {
    pub(crate) fn new(
        client: &'a OrbCloud,
        organization: Option<OrganizationId>,
        orb_id: OrbId,
    ) -> Self {
        Self {
            client,
            organization,
            orb_id,
        }
    }

    /// The device's id.
    pub fn orb_id(&self) -> &str {
        self.orb_id.as_str()
    }

    /// The organization, when the handle was made from one.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization.as_ref().map(OrganizationId::as_str)
    }

    /// The device's config (its `{key: [values]}` map): get, patch, reset.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let config = client.organization("org-id").device("orb-id").config().get().await?;
    /// println!("{:?}", config.push());
    /// # Ok(()) }
    /// ```
    pub fn config(&self) -> DeviceConfigHandle<'_> {
        DeviceConfigHandle::new(self)
    }

    pub(crate) fn client(&self) -> &'a OrbCloud {
        self.client
    }

    /// The organization, when the handle was made from one.
    #[cfg(feature = "push")]
    pub(crate) fn organization(&self) -> Option<&OrganizationId> {
        self.organization.as_ref()
    }

    /// The device's id, or an error before anything is sent if it is empty.
    #[cfg(feature = "push")]
    pub(crate) fn checked_orb_id(&self) -> Result<&str, Error> {
        self.orb_id.get()
    }

    /// The organization and device ids, for the organization's endpoints.
    pub(crate) fn in_organization(&self) -> Result<(&str, &str), Error> {
        let organization = self
            .organization
            .as_ref()
            .ok_or_else(|| Error::InvalidInput {
                what: "device handle",
                reason: format!(
                "this needs the device's organization: use client.organization(ORG).device({:?})",
                self.orb_id.as_str()
            ),
            })?;
        Ok((organization.get()?, self.orb_id.get()?))
    }

    /// Collect datasets and push them to a URL for a while. Needs "Datasets: Write".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let request = orb_cloud::TempDatasets::push_to("https://example.com/orb", ["scores_1s"], "5m".parse()?);
    /// client.organization("org-id").device("orb-id").temp_datasets(&request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn temp_datasets(&self, request: &TempDatasets) -> Result<JsonObject, Error> {
        request.validate()?;
        let (client, body) = (self.client, request.to_request());
        match &self.organization {
            Some(_) => {
                let (organization, orb_id) = self.in_organization()?;
                let request = client
                    .raw()
                    .post_v2_organization_devices_temp_datasets()
                    .organization_id(organization)
                    .orb_id(orb_id)
                    .body(body);
                client.call(request).await
            }
            None => {
                let request = client
                    .raw()
                    .post_v1_device_temp_datasets()
                    .orb_id(self.orb_id.get()?)
                    .body(body);
                client.call(request).await
            }
        }
    }

    /// Start a speed test.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let device = client.organization("org-id").device("orb-id");
    /// let started = device.speed_test(orb_cloud::SpeedTest::Content).await?;
    /// println!("{:?}", started.test_uuid);
    /// # Ok(()) }
    /// ```
    pub async fn speed_test(&self, kind: SpeedTest) -> Result<SpeedTestStarted, Error> {
        let client = self.client;
        match &self.organization {
            Some(_) => {
                let (organization, orb_id) = self.in_organization()?;
                let request = client
                    .raw()
                    .post_v2_organization_devices_trigger_speedtest()
                    .organization_id(organization)
                    .orb_id(orb_id)
                    .test_type(kind);
                client.call(request).await
            }
            None => {
                let request = client
                    .raw()
                    .post_v2_device_trigger_speedtest()
                    .orb_id(self.orb_id.get()?)
                    .test_type(kind);
                client.call(request).await
            }
        }
    }
}
