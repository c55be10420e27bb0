//! The client a command runs with: a real Orb Cloud, or the sandbox started in this process.

use std::time::Duration;

use clap::Args;
use orb_cloud::{OrbCloud, Organization};
use orb_cloud_sandbox::{Sandbox, SandboxHandle};

use crate::error::CliError;
use crate::output::Output;

/// The key the in-process sandbox accepts (it only listens on loopback and lives as long as
/// this process).
const SANDBOX_KEY: &str = "orb-ok1-sandbox-local-key";

#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Orb Cloud API key (Orchestration > API Keys in Orb Cloud).
    #[arg(long, global = true, env = "ORB_CLOUD_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Orb Cloud base URL.
    #[arg(long, global = true, env = "ORB_CLOUD_BASE_URL")]
    pub(crate) base_url: Option<String>,
    /// Run against a local sandbox Orb Cloud started in this process (no key, no network).
    #[arg(long, global = true)]
    pub(crate) sandbox: bool,
    /// One JSON object per line instead of tables, for scripts.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

pub struct Context {
    pub client: OrbCloud,
    pub out: Output,
    /// Kept alive for the command's duration; `Some` on the sandbox.
    pub sandbox: Option<SandboxHandle>,
}

impl Context {
    /// Connect as `global` says; `sandbox` forces the in-process sandbox.
    pub async fn new(global: &Global, sandbox: bool) -> Result<Self, CliError> {
        let out = Output::new(global.json);
        if sandbox {
            let handle = {
                let _spinner = out.spinner("starting the sandbox");
                Sandbox::builder()
                    .orgs(1)
                    .devices(12)
                    .seed(2026)
                    .api_key(SANDBOX_KEY)
                    .speed_test_duration(Duration::from_secs(2))
                    .start()
                    .await
                    .map_err(|e| CliError::Sandbox(e.to_string()))?
            };
            let client = OrbCloud::builder()
                .api_key(SANDBOX_KEY)
                .base_url(handle.base_url())
                .build()?;
            return Ok(Self {
                client,
                out,
                sandbox: Some(handle),
            });
        }
        let key = global
            .api_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .ok_or(CliError::NoKey)?;
        let mut builder = OrbCloud::builder().api_key(key);
        if let Some(url) = &global.base_url {
            builder = builder.base_url(url);
        }
        Ok(Self {
            client: builder.build()?,
            out,
            sandbox: None,
        })
    }

    pub fn on_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    pub async fn organizations(&self) -> Result<Vec<Organization>, CliError> {
        let _spinner = self.out.spinner("listing organizations");
        Ok(self.client.organizations().list().await?)
    }

    /// The organization's devices. A device Orb sends in a shape this version cannot read is
    /// left out with a warning on stderr rather than failing the whole command.
    pub async fn devices(&self, org: &str) -> Result<Vec<orb_cloud::Device>, CliError> {
        let listing = self
            .client
            .organization(org)
            .devices()
            .list_lenient()
            .await?;
        for skipped in &listing.skipped {
            crate::output::eprintln_human(&format!("warning: organization {org:?}: {skipped}"));
        }
        Ok(listing.items)
    }

    /// `--org`, or the only organization the key sees.
    pub async fn org_id(&self, org: Option<&str>) -> Result<String, CliError> {
        if let Some(org) = org {
            return Ok(org.to_owned());
        }
        let orgs = self.organizations().await?;
        match orgs.as_slice() {
            [] => Err(CliError::Usage(
                "the API key sees no organization; check its permissions in Orb Cloud".into(),
            )),
            [only] => Ok(only.organization_id.clone().unwrap_or_default()),
            many => Err(CliError::Usage(format!(
                "the key sees {} organizations; choose one with --org ({})",
                many.len(),
                many.iter()
                    .filter_map(|o| o.organization_id.as_deref())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The organization a device belongs to: `--org`, or found by listing.
    pub async fn org_of(
        &self,
        orb_id: &str,
        org: Option<&str>,
    ) -> Result<(String, orb_cloud::Device), CliError> {
        let orgs = match org {
            Some(org) => vec![org.to_owned()],
            None => self
                .organizations()
                .await?
                .into_iter()
                .filter_map(|o| o.organization_id)
                .collect(),
        };
        let _spinner = self.out.spinner("looking for the device");
        for id in orgs {
            let devices = self.devices(&id).await?;
            if let Some(device) = devices.into_iter().find(|d| d.orb_id == orb_id) {
                return Ok((id, device));
            }
        }
        Err(CliError::Usage(format!(
            "no device {orb_id:?} in {}; `orb devices` lists the ids",
            org.map(|o| format!("organization {o:?}"))
                .unwrap_or_else(|| "the organizations this key sees".into())
        )))
    }
}
