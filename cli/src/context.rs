//! The client a command runs with: a real Orb Cloud, or the sandbox started in this process.

use std::time::Duration;

use clap::Args;
use orb_cloud::{Device, OrbCloud, OrbCloudBuilder, Organization, RetryPolicy, WithJson};
use orb_cloud_sandbox::{Sandbox, SandboxHandle};

use crate::args::parse_duration;
use crate::error::CliError;
use crate::output::{shown, Format, Output};
use crate::profiles;

/// The key the in-process sandbox accepts (it only listens on loopback and lives as long as
/// this process).
const SANDBOX_KEY: &str = "orb-ok1-sandbox-local-key";

#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Orb Cloud API key (Orchestration > API Keys in Orb Cloud).
    #[arg(long, global = true, env = "ORB_CLOUD_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Orb Cloud base URL (default: Orb's own, panel.orb.net over HTTPS).
    #[arg(
        long,
        global = true,
        env = "ORB_CLOUD_BASE_URL",
        hide_env_values = true
    )]
    pub(crate) base_url: Option<String>,
    /// Time allowed for one attempt of a call, answer included (Go syntax: 10s, 2m; default 30s).
    #[arg(long, global = true, value_name = "DURATION")]
    pub(crate) timeout: Option<String>,
    /// How many times a failed call is tried again (default 2; 0 tries once).
    #[arg(long, global = true, value_name = "N")]
    pub(crate) retries: Option<u32>,
    /// The profile of the config file to use (~/.config/orb/config.toml; default: "default").
    #[arg(long, global = true, env = "ORB_PROFILE", value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// No progress lines on stderr while waiting.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    /// Run against a local sandbox Orb Cloud started in this process (no key, no network).
    #[arg(long, global = true)]
    pub(crate) sandbox: bool,
    /// One JSON object per line instead of tables, for scripts (same as --format json).
    #[arg(long, global = true, conflicts_with = "format")]
    pub(crate) json: bool,
    /// How to write results: table, json (one object per line) or csv (listings).
    #[arg(long, global = true, value_enum)]
    pub(crate) format: Option<Format>,
    /// The columns of a listing, comma separated (e.g. --fields name,score,isp), in every format.
    #[arg(long, global = true, value_delimiter = ',', value_name = "FIELDS")]
    pub(crate) fields: Option<Vec<String>>,
}

/// A client to call, where results go, and the columns asked for.
pub struct Context {
    pub client: OrbCloud,
    pub out: Output,
    /// `--fields`.
    pub fields: Option<Vec<String>>,
    /// Kept alive for the command's duration; `Some` on the sandbox.
    pub sandbox: Option<SandboxHandle>,
}

impl Context {
    /// Connect as `global` says; `sandbox` forces the in-process sandbox.
    pub async fn new(global: &Global, sandbox: bool) -> Result<Self, CliError> {
        let out = global.output();
        if global.sandbox && global.base_url.is_some() {
            return Err(CliError::Usage(
                "--sandbox runs its own Orb Cloud in this process, so --base-url (or ORB_CLOUD_BASE_URL) would be ignored: leave one out".into(),
            ));
        }
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
            let client = settings(OrbCloud::builder(), global)?
                .api_key(SANDBOX_KEY)
                .base_url(handle.base_url())
                .build()?;
            return Ok(Self {
                client,
                out,
                fields: global.fields.clone(),
                sandbox: Some(handle),
            });
        }
        // The command line and the environment first, then the profile.
        let profile = profiles::load(global.profile.as_deref())?;
        let key = match global.api_key.as_deref().filter(|k| !k.trim().is_empty()) {
            Some(key) => zeroize::Zeroizing::new(key.to_owned()),
            None => zeroize::Zeroizing::new(profile.api_key()?.ok_or(CliError::NoKey)?),
        };
        let mut builder = settings(OrbCloud::builder(), global)?.api_key(key.as_str());
        if let Some(url) = global.base_url.as_ref().or(profile.base_url.as_ref()) {
            builder = builder.base_url(url);
        }
        Ok(Self {
            client: builder.build()?,
            out,
            fields: global.fields.clone(),
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
    /// left out with a warning on stderr rather than failing the whole command. Each comes with
    /// the JSON Orb sent for it, which `--json` prints as it is.
    pub async fn devices(&self, org: &str) -> Result<Vec<WithJson<Device>>, CliError> {
        let listing = self
            .client
            .organization(org)
            .devices()
            .list_lenient_with_json()
            .await?;
        for skipped in &listing.skipped {
            crate::output::eprintln_human(&format!("warning: organization {org:?}: {skipped}"));
        }
        Ok(listing.items)
    }

    /// `--org` as an id or a name (names are matched without regard to case; two
    /// organizations of that name are an error listing both).
    pub async fn resolve_org(&self, given: &str) -> Result<String, CliError> {
        let orgs = self.organizations().await?;
        if orgs
            .iter()
            .any(|o| o.organization_id.as_deref() == Some(given))
        {
            return Ok(given.to_owned());
        }
        let named: Vec<&Organization> = orgs
            .iter()
            .filter(|o| {
                o.name
                    .as_deref()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(given.trim()))
            })
            .collect();
        match named.as_slice() {
            [only] => Ok(only.organization_id.clone().unwrap_or_default()),
            [] => Err(CliError::Usage(format!(
                "--org {}: no organization with that id or name; the key sees {}",
                shown(given),
                describe(orgs.iter())
            ))),
            many => Err(CliError::Usage(format!(
                "--org {}: {} organizations have that name; use an id: {}",
                shown(given),
                many.len(),
                describe(many.iter().copied())
            ))),
        }
    }

    /// `--org`, or the only organization the key sees.
    pub async fn org_id(&self, org: Option<&str>) -> Result<String, CliError> {
        if let Some(org) = org {
            return self.resolve_org(org).await;
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
    ) -> Result<(String, WithJson<Device>), CliError> {
        let orgs = match org {
            Some(org) => vec![self.resolve_org(org).await?],
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
            if let Some(device) = devices.into_iter().find(|d| d.value.orb_id == orb_id) {
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

/// `--timeout` and `--retries` on a client's settings.
fn settings(mut builder: OrbCloudBuilder, global: &Global) -> Result<OrbCloudBuilder, CliError> {
    if let Some(timeout) = &global.timeout {
        builder = builder.attempt_timeout(parse_duration("--timeout", timeout)?);
    }
    if let Some(retries) = global.retries {
        builder = builder.retry(RetryPolicy::standard().max_attempts(retries.saturating_add(1)));
    }
    Ok(builder)
}

impl Global {
    /// Where results go: `--format`, `--json`, table by default.
    pub(crate) fn output(&self) -> Output {
        let format = match (self.json, self.format) {
            (true, _) => Format::Json,
            (false, Some(format)) => format,
            (false, None) => Format::Table,
        };
        Output::new(format).quiet(self.quiet)
    }
}

/// `id (name), id (name)` for messages.
fn describe<'a>(orgs: impl Iterator<Item = &'a Organization>) -> String {
    orgs.map(|o| {
        format!(
            "{} ({})",
            shown(o.organization_id.as_deref().unwrap_or("?")),
            shown(o.name.as_deref().unwrap_or("no name"))
        )
    })
    .collect::<Vec<_>>()
    .join(", ")
}
