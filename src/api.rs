//! The generated Orb Cloud bindings, re-exported as they are.
//!
//! Everything here is generated from `spec/openapi.json` by progenitor (see
//! `generated/orb_cloud_api.rs` for the reviewed copy), except the hook below that sends the
//! generated client's requests through this crate's transport, so the raw client gets the same
//! authentication, retries, deadline and tracing as [`crate::OrbCloud`]. Operations are methods
//! on [`Client`]; schemas are in [`types`], named after Orb's schema names
//! (`server.OrganizationDeviceResponse` is [`types::ServerOrganizationDeviceResponse`]).
//!
//! Struct builders (`types::builder`) are kept only for the request bodies the operations take;
//! build other types with struct literals or `Default`. The code generator drops the rest, which
//! were two thirds of the generated code (`xtask/src/codegen.rs`).

#[allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/orb_cloud_api.rs"));
}

pub use generated::*;

use progenitor_client::{ClientHooks, OperationInfo};

use crate::operation::Operation;
use crate::transport::Transport;

impl ClientHooks<Transport> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = operation_for(info.operation_id);
        self.inner().execute_raw(operation, request).await.result
    }
}

/// The operation a generated operationId stands for.
fn operation_for(operation_id: &str) -> Operation {
    match operation_id {
        "get_v2_organizations" => Operation::ListOrganizations,
        "get_v2_organization_devices" => Operation::ListDevices,
        "get_v1_organization_configurations" => Operation::ListConfigurations,
        "get_v2_organization_devices_configuration" => Operation::GetDeviceConfiguration,
        "patch_v2_organization_devices_configuration" => Operation::PatchDeviceConfiguration,
        "delete_v2_organization_devices_configuration" => Operation::ResetDeviceConfiguration,
        "post_v2_organization_devices_temp_datasets" => Operation::TempDatasets,
        "post_v1_device_temp_datasets" => Operation::DeviceTempDatasets,
        "post_v2_organization_devices_trigger_speedtest" => Operation::SpeedTest,
        "post_v2_device_trigger_speedtest" => Operation::DeviceSpeedTest,
        _ => Operation::Raw,
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
