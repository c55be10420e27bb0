//! The local sandbox every section measures against, and the API key it and the clients share.

use orb_cloud_sandbox::{Sandbox, SandboxHandle};

/// The API key the sandbox accepts and every client (Rust or Python, parent or child) sends.
pub const KEY: &str = "orb-ok1-bench";

/// A seeded sandbox with `orgs` organizations of `devices` devices each; without `rate` its rate
/// limit is set far beyond reach, so that only the fan-out section is ever throttled.
pub async fn start(orgs: usize, devices: usize, rate: Option<(f64, u32)>) -> SandboxHandle {
    let mut builder = Sandbox::builder()
        .orgs(orgs)
        .devices(devices)
        .seed(7)
        .api_key(KEY);
    builder = match rate {
        Some((r, b)) => builder.rate_limit(r, b),
        None => builder.rate_limit(1e9, u32::MAX / 2),
    };
    builder.start().await.expect("sandbox")
}
