//! The API grouped by resource, so that calls read like what they do:
//! `client.organization(id).device(orb_id).configuration().get()`.

use reqwest::Method;

use crate::api::types::{ServerOrganizationConfigurationsResponse, ServerOrganizationsResponse};
use crate::client::OrbCloud;
use crate::config::DeviceConfig;
use crate::device::Device;
use crate::error::Error;
use crate::operation::Operation;
use crate::speedtest::{SpeedTest, SpeedTestStarted};
use crate::temp_datasets::TempDatasets;

/// An organization, as `list organizations` returns it (Orb's `server.OrganizationsResponse`).
pub type Organization = ServerOrganizationsResponse;

impl crate::array_decoder::Element for Organization {}
/// A configuration (deployment token) of an organization (Orb's `server.OrganizationConfigurationsResponse`).
pub type Configuration = ServerOrganizationConfigurationsResponse;
/// Orb's answer to calls whose answer it does not document: the JSON object as sent.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// `client.organizations()`.
#[derive(Debug, Clone, Copy)]
pub struct Organizations<'a> {
    client: &'a OrbCloud,
}

impl<'a> Organizations<'a> {
    pub(crate) fn new(client: &'a OrbCloud) -> Self {
        Self { client }
    }

    /// Every organization the key can see. Needs "Organizations: Read".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// for org in client.organizations().list().await? {
    ///     println!("{:?} {:?}", org.organization_id, org.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Organization>, Error> {
        let request = self
            .client
            .endpoint(Method::GET, &["api", "v2", "organizations"])?;
        self.client
            .call_list(Operation::ListOrganizations, request)
            .await
    }
}

/// `client.organization(id)`.
#[derive(Debug, Clone)]
pub struct OrganizationHandle<'a> {
    client: &'a OrbCloud,
    id: String,
}

impl<'a> OrganizationHandle<'a> {
    pub(crate) fn new(client: &'a OrbCloud, id: String) -> Self {
        Self { client, id }
    }

    /// The organization's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The organization's devices.
    pub fn devices(&self) -> Devices<'_> {
        Devices { org: self }
    }

    /// The organization's configurations (deployment tokens). Probably needs "Organizations: Read".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let configs = client.organization("org-id").configurations().await?;
    /// # Ok(()) }
    /// ```
    pub async fn configurations(&self) -> Result<Vec<Configuration>, Error> {
        let request = self.client.endpoint(
            Method::GET,
            &["api", "v1", "organization", &self.id, "configurations"],
        )?;
        self.client
            .call(Operation::ListConfigurations, request)
            .await
    }

    /// One device of the organization.
    pub fn device(&self, orb_id: impl Into<String>) -> OrgDevice<'_> {
        OrgDevice {
            org: self,
            orb_id: orb_id.into(),
        }
    }
}

/// `client.organization(id).devices()`.
#[derive(Debug, Clone, Copy)]
pub struct Devices<'a> {
    org: &'a OrganizationHandle<'a>,
}

impl Devices<'_> {
    /// Every device of the organization, decoded once straight into [`Device`]s. Needs
    /// "Devices: Read".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let devices = client.organization("org-id").devices().list().await?;
    /// let online = devices.iter().filter(|d| d.is_connected()).count();
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Device>, Error> {
        let org = self.org;
        let request = org.client.endpoint(
            Method::GET,
            &["api", "v2", "organization", &org.id, "devices"],
        )?;
        org.client.call_list(Operation::ListDevices, request).await
    }
}

/// `client.organization(id).device(orb_id)`.
#[derive(Debug, Clone)]
pub struct OrgDevice<'a> {
    org: &'a OrganizationHandle<'a>,
    orb_id: String,
}

impl OrgDevice<'_> {
    /// The device's id.
    pub fn orb_id(&self) -> &str {
        &self.orb_id
    }

    fn path<'s>(&'s self, tail: &[&'s str]) -> Vec<&'s str> {
        let mut p = vec![
            "api",
            "v2",
            "organization",
            self.org.id.as_str(),
            "devices",
            self.orb_id.as_str(),
        ];
        p.extend_from_slice(tail);
        p
    }

    /// The device's configuration.
    pub fn configuration(&self) -> DeviceConfiguration<'_> {
        DeviceConfiguration { device: self }
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
        let client = self.org.client;
        let builder = client
            .endpoint(Method::POST, &self.path(&["temp-datasets"]))?
            .json(&request.to_request());
        client.call(Operation::TempDatasets, builder).await
    }

    /// Start a speed test.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let started = client.organization("org-id").device("orb-id").speed_test(orb_cloud::SpeedTest::Content).await?;
    /// println!("{:?}", started.test_uuid);
    /// # Ok(()) }
    /// ```
    pub async fn speed_test(&self, kind: SpeedTest) -> Result<SpeedTestStarted, Error> {
        let client = self.org.client;
        let builder = client.endpoint(
            Method::POST,
            &self.path(&["trigger-speedtest", kind.as_str()]),
        )?;
        client.call(Operation::SpeedTest, builder).await
    }
}

/// `client.organization(id).device(orb_id).configuration()`.
#[derive(Debug, Clone, Copy)]
pub struct DeviceConfiguration<'a> {
    device: &'a OrgDevice<'a>,
}

impl DeviceConfiguration<'_> {
    /// The device's current configuration.
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let org = client.organization("org-id");
    /// let config = org.device("orb-id").configuration().get().await?;
    /// println!("{:?}", config.push());
    /// # Ok(()) }
    /// ```
    ///
    /// Orb does not document this answer; both a bare `{key: [values]}` map and one wrapped in
    /// `{"config": {...}}` are read.
    pub async fn get(&self) -> Result<DeviceConfig, Error> {
        let client = self.device.org.client;
        let builder = client.endpoint(Method::GET, &self.device.path(&["configuration"]))?;
        let answer: JsonObject = client
            .call(Operation::GetDeviceConfiguration, builder)
            .await?;
        let map = match answer.get("config") {
            Some(serde_json::Value::Object(inner)) => inner.clone(),
            _ => answer,
        };
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| Error::Decode {
            operation: Operation::GetDeviceConfiguration,
            path: ".".into(),
            message: e.to_string(),
            body_start: String::new(),
        })
    }

    /// Patch the configuration and set it as an override for the device. Returns Orb's answer.
    pub async fn patch(&self, patch: &DeviceConfig) -> Result<JsonObject, Error> {
        let client = self.device.org.client;
        let builder = client
            .endpoint(Method::PATCH, &self.device.path(&["configuration"]))?
            .json(patch);
        client
            .call(Operation::PatchDeviceConfiguration, builder)
            .await
    }

    /// Remove the device's override; with `fallback`, use that configuration instead.
    pub async fn reset(&self, fallback: Option<&str>) -> Result<JsonObject, Error> {
        let client = self.device.org.client;
        let mut builder = client.endpoint(Method::DELETE, &self.device.path(&["configuration"]))?;
        if let Some(id) = fallback {
            builder = builder.json(&serde_json::json!({ "configuration_id": id }));
        }
        client
            .call(Operation::ResetDeviceConfiguration, builder)
            .await
    }
}

/// `client.device(orb_id)`: the device-level endpoints (`/api/v1/device/...`, `/api/v2/device/...`).
#[derive(Debug, Clone)]
pub struct DeviceHandle<'a> {
    client: &'a OrbCloud,
    orb_id: String,
}

impl<'a> DeviceHandle<'a> {
    pub(crate) fn new(client: &'a OrbCloud, orb_id: String) -> Self {
        Self { client, orb_id }
    }

    /// Temporary datasets through the v1 device endpoint. Needs "Datasets: Write".
    ///
    /// ```no_run
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let request = orb_cloud::TempDatasets::push_to("https://example.com/orb", ["scores_1s"], "5m".parse()?);
    /// client.device("orb-id").temp_datasets(&request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn temp_datasets(&self, request: &TempDatasets) -> Result<JsonObject, Error> {
        request.validate()?;
        let builder = self
            .client
            .endpoint(
                Method::POST,
                &["api", "v1", "device", &self.orb_id, "temp-datasets"],
            )?
            .json(&request.to_request());
        self.client
            .call(Operation::DeviceTempDatasets, builder)
            .await
    }

    /// Live records from this device: starts a push receiver, configures temporary datasets that
    /// push `options`' datasets to it, renews them before they end while the stream lives, and
    /// yields the records as they arrive. Needs the `push` feature and "Datasets: Write".
    ///
    /// The device must be able to reach [`LiveOptions`](crate::push::LiveOptions)' public URL;
    /// the receiver binds [`LiveOptions::listen`](crate::push::LiveOptions::listen).
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use orb_cloud::push::LiveOptions;
    /// use std::time::Duration;
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let options = LiveOptions::new("http://203.0.113.7:7081", ["responsiveness_1s"])
    ///     .interval(Duration::from_secs(1))
    ///     .stop_after(Duration::from_secs(60));
    /// let mut records = client.device("orb-id").stream(options).await?.records();
    /// while let Some(record) = records.next().await {
    ///     println!("{:?}", record?.timestamp_ms());
    /// }
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "push")]
    pub async fn stream(
        &self,
        options: crate::push::LiveOptions,
    ) -> Result<crate::push::LiveStream, Error> {
        crate::push::live::start(self.client, &self.orb_id, options).await
    }

    /// Start a speed test through the v2 device endpoint.
    pub async fn speed_test(&self, kind: SpeedTest) -> Result<SpeedTestStarted, Error> {
        let builder = self.client.endpoint(
            Method::POST,
            &[
                "api",
                "v2",
                "device",
                &self.orb_id,
                "trigger-speedtest",
                kind.as_str(),
            ],
        )?;
        self.client.call(Operation::DeviceSpeedTest, builder).await
    }
}
