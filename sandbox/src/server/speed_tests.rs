//! Speed tests: one at a time per device, on connected devices only; the result arrives after the
//! test's duration (and is pushed if the device pushes `speed_results`).

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::authorized::{AnyDevice, Authorized, DeviceAt, OrgDevice, Target, TriggerSpeedTest};
use super::bodies::json_value;
use crate::device_state::SpeedTest;
use crate::error::ErrorBody;
use crate::rng::Rng;
use crate::shared::Shared;
use crate::simulated_devices;

/// A device and a test type, from a path ending in `trigger-speedtest/{testType}`: the type is
/// checked before the device `D` (`AnyDevice` or `OrgDevice`) is looked up.
pub(super) struct SpeedTestOn<D> {
    device: DeviceAt,
    test_type: String,
    path: PhantomData<fn() -> D>,
}

impl<D> SpeedTestOn<D> {
    fn checked(
        test_type: String,
        device: impl FnOnce() -> Result<DeviceAt, ErrorBody>,
    ) -> Result<Self, ErrorBody> {
        check_test_type(&test_type)?;
        Ok(SpeedTestOn {
            device: device()?,
            test_type,
            path: PhantomData,
        })
    }
}

impl Target for SpeedTestOn<AnyDevice> {
    type Params = (String, String);

    fn find(shared: &Shared, (orb_id, test_type): Self::Params) -> Result<Self, ErrorBody> {
        Self::checked(test_type, || DeviceAt::anywhere(shared, &orb_id))
    }
}

impl Target for SpeedTestOn<OrgDevice> {
    type Params = (String, String, String);

    fn find(
        shared: &Shared,
        (organization_id, orb_id, test_type): Self::Params,
    ) -> Result<Self, ErrorBody> {
        Self::checked(test_type, || {
            DeviceAt::in_org(shared, &organization_id, &orb_id)
        })
    }
}

/// 400 `INVALID_TEST_TYPE` unless `content` or `top`.
fn check_test_type(t: &str) -> Result<(), ErrorBody> {
    if t == "content" || t == "top" {
        Ok(())
    } else {
        Err(ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TEST_TYPE",
            format!("Invalid test type {t:?}: use \"content\" or \"top\""),
        ))
    }
}

/// `POST …/trigger-speedtest/{testType}`, under Orb's device path (`AnyDevice`) or an
/// organization's (`OrgDevice`): starts a test unless one is running (then reports that one).
pub(super) async fn trigger_speed_test<D>(
    State(shared): State<Arc<Shared>>,
    request: Authorized<TriggerSpeedTest, SpeedTestOn<D>>,
) -> Result<Response, ErrorBody>
where
    SpeedTestOn<D>: Target,
{
    let SpeedTestOn {
        device: DeviceAt {
            org: oi,
            device: di,
        },
        test_type,
        ..
    } = request.target;
    let test_type = test_type.as_str();
    let device = shared.fleet_device(oi, di);
    if !device.is_connected {
        return Err(ErrorBody::new(
            StatusCode::CONFLICT,
            "DEVICE_NOT_CONNECTED",
            format!(
                "Device {} is not connected; a speed test needs a connected device",
                device.orb_id
            ),
        ));
    }
    let now = shared.clock.now_ms();
    let mut org = shared.org(oi);
    let rt = &mut org.devices[di];
    if let Some(running) = rt.speed_tests.iter().find(|t| t.finished_ms.is_none()) {
        // One test at a time: report the one in progress, start nothing.
        return Ok(json_value(
            StatusCode::OK,
            &json!({
                "test_uuid": "",
                "in_progress_test_type": running.test_type,
                "in_progress_test_uuid": running.test_uuid,
            }),
        ));
    }
    let n = shared.next_generation();
    let uuid = Rng::new(crate::rng::mix(&[
        shared.fleet.config.seed,
        0x7E57,
        n,
        now as u64,
    ]))
    .uuid();
    rt.remember_speed_test(SpeedTest {
        test_uuid: uuid.clone(),
        test_type: test_type.to_string(),
        requested_ms: now,
        finished_ms: None,
        result: None,
    });
    drop(org);
    shared.notify();
    shared.tasks.spawn(simulated_devices::run_speed_test(
        shared.clone(),
        oi,
        di,
        uuid.clone(),
        test_type.to_string(),
    ));
    Ok(json_value(
        StatusCode::OK,
        &json!({
            "test_uuid": uuid,
            "in_progress_test_type": test_type,
            "in_progress_test_uuid": uuid,
        }),
    ))
}
