//! The preamble Orb's operations share, as extractors: the key (authenticated by the guard) must
//! hold the operation's permission, then the organization and device its path names must exist.
//! The checks run in that order, so a key without the permission learns nothing about which ids
//! exist, and a malformed path is answered before any lookup.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::auth::{ApiKey, Permission};
use crate::error::ErrorBody;
use crate::shared::Shared;

/// An Orb operation: the permission it needs and what a refusal says it is needed for.
pub(super) trait Operation {
    /// The permission the key must hold.
    const PERMISSION: Permission;
    /// Ends the refusal's sentence "…, which is required to {ACTION}".
    const ACTION: &'static str;
}

/// Declares the operations, each a type that says its permission (the crate docs' table).
macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident: $permission:ident, $action:literal;)*) => {$(
        $(#[$doc])*
        pub(super) struct $name;

        impl Operation for $name {
            const PERMISSION: Permission = Permission::$permission;
            const ACTION: &'static str = $action;
        }
    )*};
}

operations! {
    /// `GET /api/v2/organizations`.
    ListOrganizations: OrganizationsRead, "list organizations";
    /// `GET …/organization/{organization_id}/devices`.
    ListDevices: DevicesRead, "list devices";
    /// `GET …/organization/{organization_id}/configurations`.
    ListConfigurations: OrganizationsRead, "list configurations";
    /// `GET …/devices/{orb_id}/configuration`.
    ReadConfiguration: DevicesRead, "read device configuration";
    /// `PATCH …/devices/{orb_id}/configuration`.
    ChangeConfiguration: DevicesAction, "change device configuration";
    /// `DELETE …/devices/{orb_id}/configuration`.
    ResetConfiguration: DevicesAction, "reset device configuration";
    /// `POST …/{orb_id}/temp-datasets`.
    StartTempDatasets: DatasetsWrite, "configure temporary datasets";
    /// `POST …/trigger-speedtest/{testType}`.
    TriggerSpeedTest: DevicesAction, "trigger a speed test";
}

/// The path's parameters, or 400 when they do not parse (axum's own answer would be plain text).
pub(super) struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = ErrorBody;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ErrorBody> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(params)) => Ok(PathParams(params)),
            Err(e) => Err(ErrorBody::bad_request(format!(
                "Invalid path: {}",
                e.body_text()
            ))),
        }
    }
}

/// The key may run `Op` (for operations whose path names nothing).
pub(super) struct Permitted<Op>(PhantomData<Op>);

impl<Op: Operation, S: Send + Sync> FromRequestParts<S> for Permitted<Op> {
    type Rejection = ErrorBody;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ErrorBody> {
        // The guard puts the key there before any handler runs; its absence is the sandbox's bug.
        let key = parts.extensions.get::<Arc<ApiKey>>().ok_or_else(|| {
            ErrorBody::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "The request reached its handler without an authenticated key",
            )
        })?;
        key.require(Op::PERMISSION, Op::ACTION)?;
        Ok(Permitted(PhantomData))
    }
}

/// What an operation's path names, found in the fleet.
pub(super) trait Target: Sized {
    /// The path's parameters, in route order.
    type Params: DeserializeOwned + Send;
    /// Finds them, or answers 404 (or 400) saying which one is wrong.
    fn find(shared: &Shared, params: Self::Params) -> Result<Self, ErrorBody>;
}

/// The key may run `Op`, on the `T` its path names.
pub(super) struct Authorized<Op, T> {
    /// What the path names.
    pub target: T,
    operation: PhantomData<Op>,
}

impl<Op: Operation, T: Target + Send> FromRequestParts<Arc<Shared>> for Authorized<Op, T> {
    type Rejection = ErrorBody;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, ErrorBody> {
        Permitted::<Op>::from_request_parts(parts, shared).await?;
        let PathParams(params) = PathParams::from_request_parts(parts, shared).await?;
        Ok(Authorized {
            target: T::find(shared, params)?,
            operation: PhantomData,
        })
    }
}

/// `{organization_id}`: an organization of the fleet.
pub(super) struct Org {
    /// Its index in the fleet.
    pub index: usize,
}

impl Org {
    /// 404 `INVALID_ORG_ID` for an id the fleet does not have.
    fn find_by_id(shared: &Shared, organization_id: &str) -> Result<Self, ErrorBody> {
        match shared.org_index.get(organization_id) {
            Some(&index) => Ok(Org { index }),
            None => Err(ErrorBody::not_found_org(organization_id)),
        }
    }
}

impl Target for Org {
    type Params = String;

    fn find(shared: &Shared, organization_id: String) -> Result<Self, ErrorBody> {
        Org::find_by_id(shared, &organization_id)
    }
}

/// Where a device is in the fleet.
#[derive(Debug, Clone, Copy)]
pub(super) struct DeviceAt {
    /// Its organization's index.
    pub org: usize,
    /// Its index in the organization.
    pub device: usize,
}

impl DeviceAt {
    /// A device of an organization: 404 `INVALID_ORG_ID` for an unknown organization first, then
    /// `INVALID_DEVICE_ID` for a device that is not one of its devices.
    pub(super) fn in_org(
        shared: &Shared,
        organization_id: &str,
        orb_id: &str,
    ) -> Result<Self, ErrorBody> {
        let org = Org::find_by_id(shared, organization_id)?.index;
        match shared.device_index.get(orb_id) {
            Some(&(o, device)) if o == org => Ok(DeviceAt { org, device }),
            _ => Err(ErrorBody::not_found_device(orb_id)),
        }
    }

    /// A device of any organization (Orb's paths without one): 404 `INVALID_DEVICE_ID`.
    pub(super) fn anywhere(shared: &Shared, orb_id: &str) -> Result<Self, ErrorBody> {
        match shared.device_index.get(orb_id) {
            Some(&(org, device)) => Ok(DeviceAt { org, device }),
            None => Err(ErrorBody::not_found_device(orb_id)),
        }
    }
}

/// `{organization_id}/devices/{orb_id}`: a device of that organization.
pub(super) struct OrgDevice(pub DeviceAt);

impl Target for OrgDevice {
    type Params = (String, String);

    fn find(shared: &Shared, (organization_id, orb_id): Self::Params) -> Result<Self, ErrorBody> {
        DeviceAt::in_org(shared, &organization_id, &orb_id).map(OrgDevice)
    }
}

impl From<OrgDevice> for DeviceAt {
    fn from(OrgDevice(at): OrgDevice) -> Self {
        at
    }
}

/// `device/{orb_id}`: a device of any organization.
pub(super) struct AnyDevice(pub DeviceAt);

impl Target for AnyDevice {
    type Params = String;

    fn find(shared: &Shared, orb_id: String) -> Result<Self, ErrorBody> {
        DeviceAt::anywhere(shared, &orb_id).map(AnyDevice)
    }
}

impl From<AnyDevice> for DeviceAt {
    fn from(AnyDevice(at): AnyDevice) -> Self {
        at
    }
}
