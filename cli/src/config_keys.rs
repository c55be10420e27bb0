//! The device configuration keys Orb documents and the shape of their values, to check a
//! `config patch` before it is sent. The source is Orb's documentation of the configuration map
//! (shared/reference/orb-cloud-api.md, "Device configuration map"); a key or option it does not
//! name is refused unless `--force` says it is newer than this version.

use orb_cloud::{config_keys, DatasetName};

use crate::error::CliError;

/// What the values of a key may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Dataset names, and `option=value` entries among them.
    Datasets(&'static [&'static str]),
    /// Exactly one of these words.
    OneOf(&'static [&'static str]),
    /// Any non-empty strings (endpoints, server names).
    Strings,
}

/// A documented key: its name, what its values may be, and what it does.
pub(crate) struct Key {
    pub name: &'static str,
    pub shape: Shape,
    pub about: &'static str,
}

/// Every key Orb documents.
pub(crate) const KEYS: &[Key] = &[
    Key {
        name: config_keys::PUSH,
        shape: Shape::Datasets(&["url", "format", "identifiable", "interval_ms", "buffer_kb"]),
        about: "datasets pushed to your endpoint, with url=, format=json|jsonl, identifiable=",
    },
    Key {
        name: config_keys::CLOUD_PUSH,
        shape: Shape::Datasets(&[]),
        about: "datasets sent to Orb Cloud",
    },
    Key {
        name: config_keys::API,
        shape: Shape::Datasets(&["port"]),
        about: "datasets served by the device's Local API, with port=",
    },
    Key {
        name: config_keys::DATASETS,
        shape: Shape::Datasets(&[]),
        about: "datasets collected",
    },
    Key {
        name: config_keys::IDENTIFIABLE,
        shape: Shape::OneOf(&["true", "false"]),
        about: "whether identifiable fields are sent unmasked",
    },
    Key {
        name: config_keys::IDENTIFIABLE_LEVEL,
        shape: Shape::OneOf(&["none", "minimal", "full"]),
        about: "how much identifying information the Orb reports",
    },
    Key {
        name: "collectors.response.lag_endpoints",
        shape: Shape::Strings,
        about: "the endpoints lag is measured against",
    },
    Key {
        name: "collectors.bandwidth.speed_servers",
        shape: Shape::Strings,
        about: "the servers speed tests use",
    },
];

/// How a value looks, for `orb config keys`.
pub(crate) fn shape_text(shape: Shape) -> String {
    match shape {
        Shape::Datasets([]) => "dataset names".into(),
        Shape::Datasets(options) => format!("dataset names, {}", options.join("=, ") + "="),
        Shape::OneOf(words) => format!("one of {}", words.join(", ")),
        Shape::Strings => "strings".into(),
    }
}

/// Check `values` of `key`; `force` lets unknown keys, options and dataset names through.
pub(crate) fn check(key: &str, values: &[String], force: bool) -> Result<(), CliError> {
    let usage = |text: String| Err(CliError::Usage(text));
    let Some(known) = KEYS.iter().find(|k| k.name == key) else {
        if force {
            return Ok(());
        }
        let nearest = KEYS
            .iter()
            .min_by_key(|k| strsim::levenshtein(key, k.name))
            .map_or("datasets.push", |k| k.name);
        return usage(format!(
            "unknown configuration key {key:?}: did you mean {nearest:?}? (`orb config keys` lists them; --force sends it anyway)"
        ));
    };
    if values.iter().any(|v| v.trim().is_empty()) {
        return usage(format!(
            "{key}= has an empty value; to clear the key use --remove {key}"
        ));
    }
    match known.shape {
        Shape::OneOf(words) => {
            if values.len() != 1 || !words.contains(&values[0].as_str()) {
                return usage(format!(
                    "{key} takes one of {}, not {}",
                    words.join(", "),
                    values.join(", ")
                ));
            }
        }
        Shape::Strings => {}
        Shape::Datasets(options) => {
            for value in values {
                match value.split_once('=') {
                    Some((option, setting)) => check_option(key, options, option, setting, force)?,
                    None if force || DatasetName::from(value.as_str()).is_known() => {}
                    None => {
                        let nearest = DatasetName::DOCUMENTED
                            .iter()
                            .min_by_key(|d| strsim::levenshtein(value, d))
                            .copied()
                            .unwrap_or("scores_1m");
                        return usage(format!(
                            "{key}: unknown dataset {value:?}: did you mean {nearest:?}? (--force sends it anyway)"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_option(
    key: &str,
    options: &[&str],
    option: &str,
    setting: &str,
    force: bool,
) -> Result<(), CliError> {
    let usage = |text: String| Err(CliError::Usage(text));
    if !options.contains(&option) {
        if force {
            return Ok(());
        }
        return usage(if options.is_empty() {
            format!("{key} takes dataset names only, not {option}=")
        } else {
            format!(
                "{key} has no option {option}= (it has {}=; --force sends it anyway)",
                options.join("=, ")
            )
        });
    }
    let valid = match option {
        "url" => setting.starts_with("http://") || setting.starts_with("https://"),
        "format" => matches!(setting, "json" | "jsonl"),
        "identifiable" => matches!(setting, "true" | "false"),
        "port" => setting.parse::<u16>().is_ok_and(|p| p > 0),
        "interval_ms" | "buffer_kb" => setting.parse::<u64>().is_ok_and(|n| n > 0),
        _ => true,
    };
    if valid {
        Ok(())
    } else {
        usage(format!("{key}: {option}={setting} is not a valid {option}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(key: &str, values: &[&str]) -> bool {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        check(key, &values, false).is_ok()
    }

    #[test]
    fn documented_shapes_pass_and_mistakes_do_not() {
        assert!(ok(
            "datasets.push",
            &["scores_1m", "format=json", "url=http://h:7081/x"]
        ));
        assert!(ok("datasets.api", &["port=7080", "responsiveness_1s"]));
        assert!(ok("orb.identifiable_level", &["minimal"]));
        assert!(!ok("orb.identifiable_level", &["bogusvalue"]));
        assert!(!ok("totally.unknown.key", &["1"]));
        assert!(!ok("datasets.cloud_push", &[""]));
        assert!(!ok("datasets.push", &["responsivness_1s"]));
        assert!(!ok("datasets.push", &["format=xml"]));
        assert!(!ok("datasets.cloud_push", &["url=http://x"]));
        assert!(check("totally.unknown.key", &["1".into()], true).is_ok());
    }
}
