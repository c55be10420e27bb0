//! The synchronous client, for scripts that do not run an async runtime of their own: count each
//! organization's devices and how many are connected.
//!
//! ```sh
//! ORB_CLOUD_API_KEY=... cargo run --example blocking --features blocking
//! ```

use orb_cloud::blocking::OrbCloud;

fn main() -> Result<(), orb_cloud::Error> {
    let client = OrbCloud::from_env()?;
    for org in client.list_organizations()? {
        let Some(id) = org.organization_id.as_deref() else {
            continue;
        };
        let devices = client.list_devices(id)?;
        let connected = devices.iter().filter(|d| d.is_connected()).count();
        println!(
            "{:30} {:4} devices, {:4} connected",
            org.name.as_deref().unwrap_or(id),
            devices.len(),
            connected
        );
    }
    Ok(())
}
