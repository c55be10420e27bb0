//! Which handler answers which path, behind which guard.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;

use super::authorized::{AnyDevice, OrgDevice};
use super::bodies::json_value;
use super::configuration::{delete_configuration, get_configuration, patch_configuration};
use super::guards::{admin_guard, orb_guard};
use super::organizations::{list_configurations, list_devices, list_organizations};
use super::sandbox_api::{device_state, list_keys, mint_key, push_log, revoke_key};
use super::speed_tests::trigger_speed_test;
use super::temp_datasets::start_temp_datasets;
use crate::error::ErrorBody;
use crate::shared::Shared;

/// Builds the router (without the fault layer, which lives at the connection level).
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let orb = Router::new()
        .route("/api/v2/organizations", get(list_organizations))
        .route(
            "/api/v2/organization/{organization_id}/devices",
            get(list_devices),
        )
        .route(
            "/api/v1/device/{orb_id}/temp-datasets",
            post(start_temp_datasets::<AnyDevice>),
        )
        .route(
            "/api/v2/device/{orbID}/trigger-speedtest/{testType}",
            post(trigger_speed_test::<AnyDevice>),
        )
        .route(
            "/api/v1/organization/{organization_id}/configurations",
            get(list_configurations),
        )
        .route(
            "/api/v2/organization/{organization_id}/devices/{orb_id}/configuration",
            get(get_configuration)
                .patch(patch_configuration)
                .delete(delete_configuration),
        )
        .route(
            "/api/v2/organization/{organization_id}/devices/{orb_id}/temp-datasets",
            post(start_temp_datasets::<OrgDevice>),
        )
        .route(
            "/api/v2/organization/{organization_id}/devices/{orb_id}/trigger-speedtest/{testType}",
            post(trigger_speed_test::<OrgDevice>),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), orb_guard));

    let admin = Router::new()
        .route("/_sandbox/api-keys", post(mint_key).get(list_keys))
        .route("/_sandbox/api-keys/{id}", delete(revoke_key))
        .route("/_sandbox/devices/{orb_id}", get(device_state))
        .route("/_sandbox/push-log", get(push_log))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), admin_guard));

    Router::new()
        .route(
            "/_sandbox/health",
            get(|| async { json_value(StatusCode::OK, &json!({"status": "ok"})) }),
        )
        .merge(admin)
        .merge(orb)
        .with_state(shared)
}

/// Any other path: Orb's error shape rather than an empty 404.
async fn not_found() -> ErrorBody {
    ErrorBody::new(StatusCode::NOT_FOUND, "NOT_FOUND", "No such API endpoint")
}

/// A known path with another method.
async fn method_not_allowed(method: Method) -> ErrorBody {
    ErrorBody::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("Method {method} is not allowed on this endpoint"),
    )
}
