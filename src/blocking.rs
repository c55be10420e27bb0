//! A blocking client for scripts, like the Python client's synchronous class: the same
//! [`crate::OrbCloud`] driven by a private single-threaded Tokio runtime. Do not use it inside an
//! async runtime (it would block that runtime's thread); use [`crate::OrbCloud`] there.

use std::sync::Arc;

use crate::{
    Configuration, Device, DeviceConfig, Error, JsonObject, Organization, SpeedTest,
    SpeedTestStarted, TempDatasets,
};

/// The blocking client.
///
/// ```no_run
/// let client = orb_cloud::blocking::OrbCloud::from_env()?;
/// for org in client.list_organizations()? {
///     let id = org.organization_id.unwrap_or_default();
///     println!("{id}: {} devices", client.list_devices(&id)?.len());
/// }
/// # Ok::<(), orb_cloud::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct OrbCloud {
    runtime: Arc<tokio::runtime::Runtime>,
    inner: crate::OrbCloud,
}

impl OrbCloud {
    /// Wrap an async client built with [`crate::OrbCloud::builder`].
    pub fn from_async(inner: crate::OrbCloud) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Setup {
                what: "the blocking client's runtime",
                source: Box::new(e),
            })?;
        Ok(Self {
            runtime: Arc::new(runtime),
            inner,
        })
    }

    /// A client configured from the environment (`ORB_CLOUD_API_KEY`, `ORB_CLOUD_BASE_URL`).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_async(crate::OrbCloud::from_env()?)
    }

    /// A client for `api_key` with the default settings.
    pub fn new(api_key: impl AsRef<str>) -> Result<Self, Error> {
        Self::from_async(crate::OrbCloud::new(api_key)?)
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::OrbCloud {
        &self.inner
    }

    /// Run any async call of the client to completion.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// See [`crate::OrganizationsHandle::list`].
    pub fn list_organizations(&self) -> Result<Vec<Organization>, Error> {
        self.block_on(self.inner.organizations().list())
    }

    /// See [`crate::DevicesHandle::list`].
    pub fn list_devices(&self, organization_id: &str) -> Result<Vec<Device>, Error> {
        self.block_on(self.inner.organization(organization_id).devices().list())
    }

    /// See [`crate::OrganizationHandle::configurations`].
    pub fn list_configurations(&self, organization_id: &str) -> Result<Vec<Configuration>, Error> {
        self.block_on(self.inner.organization(organization_id).configurations())
    }

    /// See [`crate::DeviceConfigHandle::get`].
    pub fn device_configuration(
        &self,
        organization_id: &str,
        orb_id: &str,
    ) -> Result<DeviceConfig, Error> {
        let org = self.inner.organization(organization_id);
        let device = org.device(orb_id);
        self.block_on(device.config().get())
    }

    /// See [`crate::DeviceConfigHandle::patch`].
    pub fn patch_device_configuration(
        &self,
        organization_id: &str,
        orb_id: &str,
        patch: &DeviceConfig,
    ) -> Result<JsonObject, Error> {
        let org = self.inner.organization(organization_id);
        let device = org.device(orb_id);
        self.block_on(device.config().patch(patch))
    }

    /// See [`crate::DeviceConfigHandle::reset`].
    pub fn reset_device_configuration(
        &self,
        organization_id: &str,
        orb_id: &str,
        fallback: Option<&str>,
    ) -> Result<JsonObject, Error> {
        let org = self.inner.organization(organization_id);
        let device = org.device(orb_id);
        self.block_on(device.config().reset(fallback))
    }

    /// See [`crate::DeviceHandle::temp_datasets`].
    pub fn temp_datasets(
        &self,
        organization_id: &str,
        orb_id: &str,
        request: &TempDatasets,
    ) -> Result<JsonObject, Error> {
        let org = self.inner.organization(organization_id);
        self.block_on(org.device(orb_id).temp_datasets(request))
    }

    /// See [`crate::DeviceHandle::speed_test`].
    pub fn speed_test(
        &self,
        organization_id: &str,
        orb_id: &str,
        kind: SpeedTest,
    ) -> Result<SpeedTestStarted, Error> {
        let org = self.inner.organization(organization_id);
        self.block_on(org.device(orb_id).speed_test(kind))
    }
}
