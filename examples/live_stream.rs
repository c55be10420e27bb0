//! Live records from one device: start a push receiver, point the device's temporary datasets
//! at it, and print each record as it arrives, for a minute.
//!
//! The device must reach the receiver: `PUBLIC_URL` is this machine's address as the device sees
//! it (the receiver listens on 0.0.0.0:7081 by default).
//!
//! ```sh
//! ORB_CLOUD_API_KEY=... cargo run --example live_stream --features push -- ORB_ID http://203.0.113.7:7081
//! ```

use std::time::Duration;

use futures_util::StreamExt;
use orb_cloud::push::LiveOptions;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(orb_id), Some(public_url)) = (args.next(), args.next()) else {
        eprintln!("usage: live_stream ORB_ID PUBLIC_URL");
        std::process::exit(2);
    };
    let client = orb_cloud::OrbCloud::from_env()?;
    let options = LiveOptions::new(public_url, ["responsiveness_1s", "scores_1m"])
        .interval(Duration::from_secs(1))
        .stop_after(Duration::from_secs(60));
    let mut records = client
        .device(orb_id.as_str())
        .stream(options)
        .await?
        .records();
    let mut count = 0u64;
    while let Some(record) = records.next().await {
        let record = record?;
        count += 1;
        println!("{:?} at {:?}", record.dataset(), record.timestamp_ms());
    }
    println!("{count} records");
    Ok(())
}
