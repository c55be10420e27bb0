//! Every device of every organization the key sees, best Orb Score first, with the score's parts.
//!
//! ```sh
//! ORB_CLOUD_API_KEY=... cargo run --example list_devices
//! # or against the local sandbox (cargo run -p orb-cloud-sandbox -- --api-key orb-ok1-local):
//! ORB_CLOUD_BASE_URL=http://127.0.0.1:8080 ORB_CLOUD_API_KEY=orb-ok1-local cargo run --example list_devices
//! ```

use orb_cloud::{Device, OrbCloud};

#[tokio::main]
async fn main() -> Result<(), orb_cloud::Error> {
    let client = OrbCloud::from_env()?;
    for org in client.organizations().list().await? {
        let name = org.name.as_deref().unwrap_or("(unnamed)");
        // A device Orb sends in a shape this version cannot read is reported, not fatal.
        let listing = client.organization(&org).devices().list_lenient().await?;
        for skipped in &listing.skipped {
            eprintln!("warning: {skipped}");
        }
        let mut devices = listing.items;
        devices.sort_by_key(|d| std::cmp::Reverse(display(d, None)));
        println!("{name}: {} devices", devices.len());
        println!(
            "  {:28} {:24} {:>9} {:>5} {:>14} {:>11} {:>9}",
            "ORB ID", "NAME", "CONNECTED", "SCORE", "RESPONSIVENESS", "RELIABILITY", "BANDWIDTH"
        );
        for d in &devices {
            let shown = |part| display(d, part).map_or("-".to_string(), |v| v.to_string());
            println!(
                "  {:28} {:24} {:>9} {:>5} {:>14} {:>11} {:>9}",
                d.orb_id,
                d.name,
                d.is_connected(),
                shown(None),
                shown(Some("responsiveness_score")),
                shown(Some("reliability_score")),
                shown(Some("bandwidth_score")),
            );
        }
    }
    Ok(())
}

/// The device's Orb Score for display (0 to 100), or one of its parts.
fn display(device: &Device, part: Option<&str>) -> Option<i64> {
    let score = device.orb_score()?;
    match part {
        None => score.display,
        Some(name) => score.component(name)?.display,
    }
}
