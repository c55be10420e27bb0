//! Orb's official Python client, unchanged, against the sandbox (issue: "Orb's official client
//! must work against it"). Runs when `ORB_PYTHON` names a Python that has `orb-cloud-client`
//! installed; `.ci/run` makes such a virtualenv from PyPI and sets it. Without it the test says
//! so and checks nothing.

use std::time::Duration;

use orb_cloud::push::PushReceiver;
use orb_cloud_sandbox::Sandbox;

const KEY: &str = "orb-ok1-python-compat";

/// Calls of Orb's client that cannot work against any faithful server, with the reason. They are
/// run and reported, not required.
const KNOWN_CLIENT_LIMITS: &[(&str, &str)] = &[
    (
        "get_organization_configurations",
        "its model types `config` as list[int] (Go's json.RawMessage read as bytes), while the \
         server sends the configuration as a JSON object",
    ),
    (
        "delete_organization_device_configuration",
        "it passes json= to httpx.Client.delete, which httpx does not accept (TypeError before \
         any request is sent)",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orbs_python_client_works_against_the_sandbox() {
    let Some(python) = std::env::var_os("ORB_PYTHON") else {
        eprintln!("ORB_PYTHON is not set: skipping the Python client check (.ci/run sets it)");
        return;
    };
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(4)
        .seed(3)
        .api_key(KEY)
        .speed_test_duration(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let (receiver, events) = PushReceiver::builder().bind("127.0.0.1:0").await.unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/orb_client_compat.py"
    );
    let args = [
        script.to_owned(),
        sandbox.base_url(),
        KEY.to_owned(),
        receiver.local_url(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
    })
    .await
    .unwrap()
    .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("a JSON report");
    let results = report["results"].as_object().unwrap();
    let mut failures = Vec::new();
    for (call, result) in results {
        let ok = result["ok"].as_bool().unwrap_or(false);
        match KNOWN_CLIENT_LIMITS.iter().find(|(name, _)| name == call) {
            Some((_, why)) => eprintln!(
                "{call}: {} (known limit of orb-cloud-client: {why})",
                if ok { "works" } else { "fails" }
            ),
            None if !ok => {
                failures.push(format!("{call}: {}\n{}", result["detail"], result["trace"]))
            }
            None => eprintln!("{call}: ok ({})", result["detail"]),
        }
    }
    assert!(
        failures.is_empty(),
        "orb-cloud-client {} failed against the sandbox:\n{}",
        report["version"],
        failures.join("\n")
    );
    for required in [
        "get_organizations",
        "get_organization_devices",
        "device_fields",
        "get_organization_device_configuration",
        "patch_organization_device_configuration",
        "configure_temporary_datasets",
        "push_organization_device_temp_datasets",
        "trigger_speedtest",
        "organization_device_trigger_speedtest",
    ] {
        assert!(results.contains_key(required), "{required} was not run");
    }
    // The temp datasets the Python client configured really push, to the crate's receiver.
    let mut records = events.records();
    let first = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::StreamExt::next(&mut records),
    )
    .await
    .expect("the device pushes within 10 s")
    .expect("stream open");
    assert!(first.orb_id().is_some());
    drop(receiver);
    sandbox.shutdown().await.unwrap();
}
