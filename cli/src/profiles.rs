//! Named profiles in a config file, beside the environment: which key and base URL to use.
//!
//! ```toml
//! # ~/.config/orb/config.toml (or $XDG_CONFIG_HOME/orb/config.toml, or $ORB_CONFIG)
//! [profiles.default]
//! api_key_command = "pass show orb/api-key"   # run with sh -c; its output is the key
//!
//! [profiles.staging]
//! api_key = "orb-ok1-..."
//! base_url = "https://api.staging.orb.net"
//! ```
//!
//! The command line and the environment (`--api-key`, `ORB_CLOUD_API_KEY`, `--base-url`,
//! `ORB_CLOUD_BASE_URL`) come first; then the profile named by `--profile` (or `ORB_PROFILE`),
//! else `default`. A key is never printed, whichever way it came.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::error::CliError;

/// One profile.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    api_key: Option<String>,
    api_key_command: Option<String>,
    pub base_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Where the config file is: `$ORB_CONFIG`, else `$XDG_CONFIG_HOME/orb/config.toml`, else
/// `~/.config/orb/config.toml`.
pub(crate) fn path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORB_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("orb").join("config.toml"))
}

/// The profile `name` (`None`: `default`, which may be absent). A named profile that does not
/// exist, or a file that does not parse, is an error that says where.
pub(crate) fn load(name: Option<&str>) -> Result<Profile, CliError> {
    let Some(path) = path() else {
        return match name {
            Some(name) => Err(CliError::Usage(format!(
                "--profile {name}: no config file (set ORB_CONFIG or HOME)"
            ))),
            None => Ok(Profile::default()),
        };
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && name.is_none() => {
            return Ok(Profile::default())
        }
        Err(e) => {
            return Err(CliError::Usage(format!(
                "could not read {}: {e}",
                path.display()
            )))
        }
    };
    let mut file: File = toml::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{}: {}", path.display(), e.message())))?;
    match file.profiles.remove(name.unwrap_or("default")) {
        Some(profile) => Ok(profile),
        None if name.is_none() => Ok(Profile::default()),
        None => Err(CliError::Usage(format!(
            "--profile {}: {} has no [profiles.{0}] (it has: {})",
            name.unwrap_or_default(),
            path.display(),
            file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
    }
}

impl Profile {
    /// The key: `api_key`, or the output of `api_key_command` (trimmed). The command's output
    /// is never shown, also when it fails.
    pub(crate) fn api_key(&self) -> Result<Option<String>, CliError> {
        if let Some(key) = &self.api_key {
            return Ok(Some(key.clone()));
        }
        let Some(command) = &self.api_key_command else {
            return Ok(None);
        };
        let output = std::process::Command::new("sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| CliError::Usage(format!("api_key_command could not run: {e}")))?;
        if !output.status.success() {
            return Err(CliError::Usage(format!(
                "api_key_command failed ({}); its output is not shown",
                output.status
            )));
        }
        let key = String::from_utf8(output.stdout)
            .map_err(|_| {
                CliError::Usage("api_key_command printed something that is not text".into())
            })?
            .trim()
            .to_owned();
        Ok((!key.is_empty()).then_some(key))
    }
}
