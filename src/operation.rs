//! The operations of Orb Cloud's API, with the API-key permission each needs, so that errors can
//! say what to fix.

/// One Orb Cloud operation (or a raw request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /api/v2/organizations`
    ListOrganizations,
    /// `GET /api/v2/organization/{organization_id}/devices`
    ListDevices,
    /// `GET /api/v1/organization/{organization_id}/configurations`
    ListConfigurations,
    /// `GET /api/v2/organization/{organization_id}/devices/{orb_id}/configuration`
    GetDeviceConfiguration,
    /// `PATCH /api/v2/organization/{organization_id}/devices/{orb_id}/configuration`
    PatchDeviceConfiguration,
    /// `DELETE /api/v2/organization/{organization_id}/devices/{orb_id}/configuration`
    ResetDeviceConfiguration,
    /// `POST /api/v2/organization/{organization_id}/devices/{orb_id}/temp-datasets`
    TempDatasets,
    /// `POST /api/v1/device/{orb_id}/temp-datasets`
    DeviceTempDatasets,
    /// `POST /api/v2/organization/{organization_id}/devices/{orb_id}/trigger-speedtest/{testType}`
    SpeedTest,
    /// `POST /api/v2/device/{orbID}/trigger-speedtest/{testType}`
    DeviceSpeedTest,
    /// A request made through [`crate::OrbCloud::request`] or the raw generated client.
    Raw,
}

impl Operation {
    /// A short name for logs and error messages.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ListOrganizations => "list organizations",
            Operation::ListDevices => "list devices",
            Operation::ListConfigurations => "list configurations",
            Operation::GetDeviceConfiguration => "get device configuration",
            Operation::PatchDeviceConfiguration => "patch device configuration",
            Operation::ResetDeviceConfiguration => "reset device configuration",
            Operation::TempDatasets => "configure temporary datasets",
            Operation::DeviceTempDatasets => "configure temporary datasets (v1)",
            Operation::SpeedTest => "trigger speed test",
            Operation::DeviceSpeedTest => "trigger speed test (device)",
            Operation::Raw => "request",
        }
    }

    /// The API-key permission the operation needs, and whether Orb documents that (`true`) or it
    /// is this crate's inference (`false`).
    pub fn permission(self) -> Option<(Permission, bool)> {
        Some(match self {
            Operation::ListOrganizations => (Permission::OrganizationsRead, true),
            Operation::ListDevices => (Permission::DevicesRead, true),
            Operation::TempDatasets | Operation::DeviceTempDatasets => {
                (Permission::DatasetsWrite, true)
            }
            Operation::ListConfigurations => (Permission::OrganizationsRead, false),
            Operation::GetDeviceConfiguration => (Permission::DevicesRead, false),
            Operation::PatchDeviceConfiguration | Operation::ResetDeviceConfiguration => {
                (Permission::DeviceActions, false)
            }
            Operation::SpeedTest | Operation::DeviceSpeedTest => (Permission::DeviceActions, false),
            Operation::Raw => return None,
        })
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An API-key permission, as Orb Cloud's key settings name it (Orchestration > API Keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Permission {
    /// "Organizations: Read": list and query organizations.
    OrganizationsRead,
    /// "Devices: Read": list devices.
    DevicesRead,
    /// "Devices: Stream": real-time data.
    DevicesStream,
    /// "Datasets: Write": configure temporary data collection.
    DatasetsWrite,
    /// Device actions such as speed tests (Orb's docs do not name this permission).
    DeviceActions,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Permission::OrganizationsRead => "Organizations: Read",
            Permission::DevicesRead => "Devices: Read",
            Permission::DevicesStream => "Devices: Stream",
            Permission::DatasetsWrite => "Datasets: Write",
            Permission::DeviceActions => "device actions (speed tests, configuration)",
        })
    }
}
