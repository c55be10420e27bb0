//! The one table of operations: what this crate knows about each operation of the spec beyond the
//! spec itself (a short name for messages, the API-key permission it needs, whether it may be
//! sent twice), keyed by the spec's operationId. Method, path, parameters and types are the
//! spec's and are not repeated here (see [`crate::api::OPERATIONS`]).
//!
//! A test fails when the spec has an operation the table lacks, or the table one the spec lacks.

use std::fmt;

/// What the crate knows about one operation. See [`Operation::all`].
#[derive(Debug)]
struct Facts {
    /// The spec's operationId.
    id: &'static str,
    /// A short name for logs and error messages.
    name: &'static str,
    /// The permission a key needs, and how we know.
    permission: (Permission, Evidence),
    /// Whether sending it twice does no more than sending it once, so that it may be retried
    /// after a timeout (when Orb may already have acted on the first).
    repeatable: bool,
}

use Evidence::{Documented, Inferred};
use Permission::{DatasetsWrite, DeviceActions, DevicesRead, OrganizationsRead};

/// Every operation of the spec, sorted by id. Permissions Orb documents ("Organizations: Read:
/// list and query organizations", "Devices: Read: list devices", "Datasets: Write: configure
/// temporary data collection") are `Documented`; the rest are inferred from what the operation
/// does. Repeatable: reads; a configuration patch or reset (the same keys set or removed again);
/// temporary datasets (the same configuration set again, its duration restarted). Not: a speed
/// test, which could start a second test.
static TABLE: [Facts; 10] = [
    Facts {
        id: "delete_v2_organization_devices_configuration",
        name: "reset device configuration",
        permission: (DeviceActions, Inferred),
        repeatable: true,
    },
    Facts {
        id: "get_v1_organization_configurations",
        name: "list configurations",
        permission: (OrganizationsRead, Inferred),
        repeatable: true,
    },
    Facts {
        id: "get_v2_organization_devices",
        name: "list devices",
        permission: (DevicesRead, Documented),
        repeatable: true,
    },
    Facts {
        id: "get_v2_organization_devices_configuration",
        name: "get device configuration",
        permission: (DevicesRead, Inferred),
        repeatable: true,
    },
    Facts {
        id: "get_v2_organizations",
        name: "list organizations",
        permission: (OrganizationsRead, Documented),
        repeatable: true,
    },
    Facts {
        id: "patch_v2_organization_devices_configuration",
        name: "patch device configuration",
        permission: (DeviceActions, Inferred),
        repeatable: true,
    },
    Facts {
        id: "post_v1_device_temp_datasets",
        name: "configure temporary datasets (v1)",
        permission: (DatasetsWrite, Documented),
        repeatable: true,
    },
    Facts {
        id: "post_v2_device_trigger_speedtest",
        name: "trigger speed test (device)",
        permission: (DeviceActions, Inferred),
        repeatable: false,
    },
    Facts {
        id: "post_v2_organization_devices_temp_datasets",
        name: "configure temporary datasets",
        permission: (DatasetsWrite, Documented),
        repeatable: true,
    },
    Facts {
        id: "post_v2_organization_devices_trigger_speedtest",
        name: "trigger speed test",
        permission: (DeviceActions, Inferred),
        repeatable: false,
    },
];

/// One Orb Cloud operation of the spec, or a request made by hand.
///
/// ```
/// use orb_cloud::{Endpoint, Operation, Permission};
/// use orb_cloud::api::builder::GetV2OrganizationDevices;
///
/// let op = Operation::of::<GetV2OrganizationDevices>();
/// assert_eq!(op.id(), Some("get_v2_organization_devices"));
/// assert_eq!(op.name(), "list devices");
/// assert_eq!(op.permission().map(|(p, _)| p), Some(Permission::DevicesRead));
/// assert!(Operation::all().any(|o| o == op));
/// ```
#[derive(Clone, Copy)]
pub struct Operation(Kind);

#[derive(Clone, Copy)]
enum Kind {
    Listed(&'static Facts),
    /// An operation of the spec the table lacks (a test keeps this from shipping).
    Unlisted(&'static str),
    /// [`crate::OrbCloud::request`], or a raw call whose operation is unknown.
    Raw,
}

impl Operation {
    /// A request made through [`crate::OrbCloud::request`].
    pub const RAW: Operation = Operation(Kind::Raw);

    /// The operation of a generated request builder.
    pub fn of<E: crate::Endpoint>() -> Operation {
        Operation::from_id(E::OPERATION_ID)
    }

    /// The operation with the spec's operationId `id`.
    pub fn from_id(id: &'static str) -> Operation {
        match TABLE.iter().find(|facts| facts.id == id) {
            Some(facts) => Operation(Kind::Listed(facts)),
            None => Operation(Kind::Unlisted(id)),
        }
    }

    /// Every operation in the table.
    pub fn all() -> impl ExactSizeIterator<Item = Operation> {
        TABLE.iter().map(|facts| Operation(Kind::Listed(facts)))
    }

    /// The spec's operationId; `None` for a request made by hand.
    pub fn id(self) -> Option<&'static str> {
        match self.0 {
            Kind::Listed(facts) => Some(facts.id),
            Kind::Unlisted(id) => Some(id),
            Kind::Raw => None,
        }
    }

    /// A short name for logs and error messages (`list devices`).
    pub fn name(self) -> &'static str {
        match self.0 {
            Kind::Listed(facts) => facts.name,
            Kind::Unlisted(id) => id,
            Kind::Raw => "request",
        }
    }

    /// The API-key permission the operation needs, and whether Orb documents that or it is this
    /// crate's inference.
    pub fn permission(self) -> Option<(Permission, Evidence)> {
        match self.0 {
            Kind::Listed(facts) => Some(facts.permission),
            Kind::Unlisted(_) | Kind::Raw => None,
        }
    }

    /// Whether a request sent with `method` may be retried after Orb may have acted on it
    /// (after a timeout). The table says for each operation; anything else goes by its method.
    pub fn repeatable(self, method: &reqwest::Method) -> bool {
        use reqwest::Method;
        match self.0 {
            Kind::Listed(facts) => facts.repeatable,
            Kind::Unlisted(_) | Kind::Raw => matches!(
                *method,
                Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
            ),
        }
    }
}

impl PartialEq for Operation {
    fn eq(&self, other: &Self) -> bool {
        match (self.0, other.0) {
            (Kind::Raw, Kind::Raw) => true,
            _ => self.id().is_some() && self.id() == other.id(),
        }
    }
}

impl Eq for Operation {}

impl std::hash::Hash for Operation {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id() {
            Some(id) => write!(f, "Operation({id})"),
            None => f.write_str("Operation(raw)"),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the crate knows which permission an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// Orb's documentation says so.
    Documented,
    /// Inferred from what the operation does; Orb does not say.
    Inferred,
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

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Permission::OrganizationsRead => "Organizations: Read",
            Permission::DevicesRead => "Devices: Read",
            Permission::DevicesStream => "Devices: Stream",
            Permission::DatasetsWrite => "Datasets: Write",
            Permission::DeviceActions => "device actions (speed tests, configuration)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_operation_of_the_spec_and_no_other() {
        let spec: Vec<&str> = crate::api::OPERATIONS.iter().map(|op| op.id).collect();
        let table: Vec<&str> = TABLE.iter().map(|facts| facts.id).collect();
        for id in &spec {
            assert!(
                table.contains(id),
                "the spec's operation {id} is not in src/operation.rs's table: add it"
            );
        }
        for id in &table {
            assert!(
                spec.contains(id),
                "src/operation.rs's table names {id}, which the spec does not have: remove it"
            );
        }
        assert_eq!(spec.len(), table.len(), "an operation is listed twice");
    }

    #[test]
    fn the_table_is_sorted_by_id_and_names_are_unique() {
        let ids: Vec<&str> = TABLE.iter().map(|facts| facts.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        let mut names: Vec<&str> = TABLE.iter().map(|facts| facts.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn operations_outside_the_table_go_by_their_method() {
        let unknown = Operation::from_id("get_v9_new_thing");
        assert_eq!(unknown.name(), "get_v9_new_thing");
        assert_eq!(unknown.permission(), None);
        assert!(unknown.repeatable(&reqwest::Method::GET));
        assert!(!unknown.repeatable(&reqwest::Method::POST));
        assert!(!Operation::RAW.repeatable(&reqwest::Method::PATCH));
        assert_eq!(Operation::RAW, Operation::RAW);
        assert_ne!(Operation::RAW, unknown);
    }
}
