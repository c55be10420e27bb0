//! Listings of an organization's parts: the organizations, their devices, their configurations.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::authorized::Permitted;
use super::authorized::{Authorized, ListConfigurations, ListDevices, ListOrganizations, Org};
use super::bodies::json_response;
use crate::shared::Shared;

/// `GET /api/v2/organizations`: every organization (the body is serialized once, at start).
pub(super) async fn list_organizations(
    State(shared): State<Arc<Shared>>,
    _: Permitted<ListOrganizations>,
) -> Response {
    json_response(StatusCode::OK, shared.organizations_body.clone())
}

/// `GET /api/v2/organization/{organization_id}/devices`.
pub(super) async fn list_devices(
    State(shared): State<Arc<Shared>>,
    request: Authorized<ListDevices, Org>,
) -> Response {
    json_response(StatusCode::OK, shared.devices_body(request.target.index))
}

/// `GET /api/v1/organization/{organization_id}/configurations`, with how many devices follow each.
pub(super) async fn list_configurations(
    State(shared): State<Arc<Shared>>,
    request: Authorized<ListConfigurations, Org>,
) -> Response {
    let org = request.target.index;
    let counts = shared.configuration_counts(org);
    json_response(
        StatusCode::OK,
        crate::responses::configurations_json(shared.fleet_org(org), &counts),
    )
}
