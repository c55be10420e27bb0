//! The two ways past the typed client: the generated client (`client.raw()`, one method per
//! operation of Orb's OpenAPI document, same authentication, retries and errors), and
//! `client.request(method, path)` for an endpoint the document does not have.
//!
//! ```sh
//! ORB_CLOUD_API_KEY=... cargo run --example raw_requests
//! ```

use orb_cloud::{Method, OrbCloud};

#[tokio::main]
async fn main() -> Result<(), orb_cloud::Error> {
    let client = OrbCloud::from_env()?;

    // Generated: typed as the spec says; progenitor's errors convert into orb_cloud::Error.
    let orgs = client
        .raw()
        .get_v2_organizations()
        .send()
        .await?
        .into_inner();
    println!("{} organizations (generated client)", orgs.len());
    if let Some(id) = orgs.first().and_then(|o| o.organization_id.as_deref()) {
        let configurations = client
            .send(
                client
                    .raw()
                    .get_v1_organization_configurations()
                    .organization_id(id),
            )
            .await?;
        println!(
            "{} configurations in {id} (generated builder, typed send)",
            configurations.len()
        );
    }

    // By hand: any path, the answer as JSON.
    let orgs: serde_json::Value = client
        .request(Method::GET, "/api/v2/organizations")
        .send_json()
        .await?;
    println!(
        "{} organizations (hand-written request)",
        orgs.as_array().map_or(0, Vec::len)
    );
    Ok(())
}
