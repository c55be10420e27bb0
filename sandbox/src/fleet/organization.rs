//! An organization as generated: its plan, its configurations (deployment tokens) and devices.

use super::configuration::Configuration;
use super::device::Device;

/// Plan limits (`db.AccountPlanLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// Deployment tokens.
    pub deployment_tokens: i64,
    /// Devices.
    pub devices: i64,
    /// Alert rules.
    pub rules: i64,
    /// Spaces.
    pub spaces: i64,
    /// Users.
    pub users: i64,
}

/// An organization's plan (`db.AccountPlan`).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Plan name (`Pro`, `Business`, `Enterprise`).
    pub name: String,
    /// Feature flags of the plan.
    pub features: Vec<String>,
    /// Configuration entitlements.
    pub entitlements: Vec<String>,
    /// The plan's limits.
    pub limits: Limits,
    /// Per-organization overrides of the limits (zeros: none).
    pub overrides: Limits,
}

/// The partner that manages an organization (`server.OrganizationManager`); empty strings when
/// the organization is not managed (Go zero values).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manager {
    /// Logo.
    pub icon_image_url: String,
    /// Name.
    pub name: String,
    /// The managing organization's id.
    pub organization_id: String,
}

/// An organization and everything in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// Its id (28 lowercase alphanumerics).
    pub organization_id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Billing customer id (`cus_…`).
    pub customer_id: String,
    /// Billing subscription id (`sub_…`).
    pub subscription_id: String,
    /// Logo URL (may be empty).
    pub icon_image_url: String,
    /// Flags.
    pub flags: Vec<String>,
    /// Roles of the API key's user in the organization.
    pub roles: Vec<String>,
    /// The plan.
    pub plan: Plan,
    /// Allocations.
    pub allocations: Limits,
    /// Managing partner.
    pub manager: Manager,
    /// The configuration new devices get.
    pub default_configuration_id: String,
    /// Configurations (deployment tokens).
    pub configurations: Vec<Configuration>,
    /// Devices.
    pub devices: Vec<Device>,
}
