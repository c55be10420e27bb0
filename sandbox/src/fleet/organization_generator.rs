//! Draws an organization from the seed: name, plan, configurations, then its devices.

use crate::rng::{mix, orb_id, Rng, LOWER_ALNUM};

use super::configuration::{config_map, ConfigMap, Configuration};
use super::device_generator::generate_device;
use super::fleet_config::{FleetConfig, DAY};
use super::organization::{Limits, Manager, Organization, Plan};

const ORG_NAMES: &[(&str, &str)] = &[
    ("Northwind Retail", "Stores and distribution centres"),
    ("Harbor Health Clinics", "Outpatient clinics"),
    ("Summit Coworking", "Shared office spaces"),
    ("Bluebird Schools", "K-12 school district"),
    ("Cascade Credit Union", "Branches and ATMs"),
    ("Evergreen Hotels", "Hotels and resorts"),
    ("Ridgeway Logistics", "Warehouses and depots"),
    ("Lumen Dental Group", "Dental practices"),
    ("Orchard Cafés", "Coffee shops"),
    ("Pioneer Field Services", "Remote field offices"),
    ("Juniper Home Office", "Employees working from home"),
    ("Meridian ISP Support", "Customer premises monitoring"),
];

const MANAGERS: &[&str] = &["Orb Partner Network", "Clearpath Managed IT", "Skyline MSP"];

fn prefixed_id(rng: &mut Rng, prefix: &str, len: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    format!("{prefix}{}", rng.string(alphabet, len))
}

/// The settings templates configurations are drawn from: name, settings.
fn configuration_templates() -> Vec<(&'static str, ConfigMap)> {
    vec![
        (
            "Default Configuration",
            config_map(&[
                ("datasets.cloud_push", &["scores_1m"]),
                ("orb.identifiable_level", &["minimal"]),
            ]),
        ),
        (
            "Retail Stores",
            config_map(&[
                (
                    "datasets.cloud_push",
                    &["scores_1m", "responsiveness_1m", "speed_results"],
                ),
                (
                    "datasets.datasets",
                    &[
                        "scores_1m",
                        "responsiveness_1m",
                        "speed_results",
                        "web_responsiveness_results",
                    ],
                ),
                ("datasets.identifiable", &["true"]),
                (
                    "collectors.bandwidth.speed_servers",
                    &["https://speed.cloudflare.com/"],
                ),
                ("orb.identifiable_level", &["full"]),
            ]),
        ),
        (
            "Remote Workers",
            config_map(&[
                ("datasets.cloud_push", &["scores_1m", "wifi_link_1m"]),
                ("orb.identifiable_level", &["none"]),
            ]),
        ),
        (
            "Branch Offices",
            config_map(&[
                ("datasets.cloud_push", &["scores_1m", "responsiveness_1m"]),
                (
                    "datasets.push",
                    &[
                        "scores_1m",
                        "responsiveness_1m",
                        "format=jsonl",
                        "url=https://collector.example.com/orb/ingest",
                    ],
                ),
                (
                    "collectors.response.lag_endpoints",
                    &["https://www.google.com", "https://www.cloudflare.com"],
                ),
            ]),
        ),
        (
            "Lab Sensors",
            config_map(&[
                (
                    "datasets.api",
                    &[
                        "port=7080",
                        "scores_1s",
                        "responsiveness_1s",
                        "speed_results",
                    ],
                ),
                ("datasets.cloud_push", &["scores_1m"]),
                ("orb.identifiable_level", &["full"]),
            ]),
        ),
    ]
}

pub(super) fn generate_org(cfg: &FleetConfig, index: usize) -> Organization {
    let mut rng = Rng::new(mix(&[cfg.seed, 0x0E6, index as u64]));
    let epoch = cfg.epoch_ms as i64;
    let organization_id = orb_id(&mut rng);
    let (base_name, description) =
        ORG_NAMES[(mix(&[cfg.seed, 0xA11]) as usize + index) % ORG_NAMES.len()];
    let name = if index >= ORG_NAMES.len() {
        format!("{base_name} {}", index / ORG_NAMES.len() + 1)
    } else {
        base_name.to_string()
    };

    // Configurations: the default one plus one to three others; sometimes one is revoked.
    let templates = configuration_templates();
    let extra = rng.between(1, 3) as usize;
    let mut chosen = vec![0usize];
    let mut pool: Vec<usize> = (1..templates.len()).collect();
    for _ in 0..extra {
        let i = rng.below(pool.len() as u64) as usize;
        chosen.push(pool.remove(i));
    }
    let mut configurations: Vec<Configuration> = chosen
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let created_at = epoch - rng.between(60 * DAY, 700 * DAY) as i64;
            let updated_at = created_at + rng.between(0, 50 * DAY) as i64;
            Configuration {
                id: orb_id(&mut rng),
                name: templates[*t].0.to_string(),
                token: format!("orb-dt1-{}", rng.string(LOWER_ALNUM, 32)),
                access_code: format!(
                    "{}-{}",
                    rng.string(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4),
                    rng.string(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4)
                ),
                access_code_expiration_ts: epoch + rng.between(DAY, 30 * DAY) as i64,
                config: templates[*t].1.clone(),
                tags: if n == 0 {
                    vec![]
                } else {
                    vec![format!(
                        "group={}",
                        templates[*t].0.to_lowercase().replace(' ', "-")
                    )]
                },
                created_at,
                updated_at,
                last_used_at: updated_at + rng.between(0, 10 * DAY) as i64,
                is_revoked: n > 0 && n == extra && extra >= 3,
            }
        })
        .collect();
    configurations.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let default_configuration_id = configurations
        .iter()
        .find(|c| c.name == "Default Configuration")
        .map(|c| c.id.clone())
        .unwrap_or_default();

    let plan_tier = if cfg.devices > 1000 {
        2
    } else if cfg.devices > 100 {
        1
    } else {
        rng.below(2) as usize
    };
    let (plan_name, device_limit) =
        [("Pro", 100i64), ("Business", 1000), ("Enterprise", 10_000)][plan_tier];
    let limits = Limits {
        deployment_tokens: [10, 50, 500][plan_tier],
        devices: device_limit,
        rules: [25, 100, 1000][plan_tier],
        spaces: [5, 50, 500][plan_tier],
        users: [5, 25, 250][plan_tier],
    };
    let mut features = vec![
        "api_access".to_string(),
        "datasets".to_string(),
        "speed_tests".to_string(),
        "alerts".to_string(),
    ];
    if plan_tier >= 1 {
        features.push("sso".to_string());
    }
    let plan = Plan {
        name: plan_name.to_string(),
        features,
        entitlements: vec![
            "datasets.push".to_string(),
            "datasets.api".to_string(),
            "datasets.cloud_push".to_string(),
        ],
        limits,
        overrides: Limits {
            deployment_tokens: 0,
            devices: 0,
            rules: 0,
            spaces: 0,
            users: 0,
        },
    };
    let managed = index % 3 == 2;
    let manager = if managed {
        let mut mrng = Rng::new(mix(&[cfg.seed, 0x3A9, index as u64 % 3]));
        Manager {
            icon_image_url: String::new(),
            name: MANAGERS[(index / 3) % MANAGERS.len()].to_string(),
            organization_id: orb_id(&mut mrng),
        }
    } else {
        Manager::default()
    };

    let devices = (0..cfg.devices)
        .map(|d| generate_device(cfg, index, &organization_id, &configurations, d))
        .collect();

    Organization {
        description: description.to_string(),
        customer_id: prefixed_id(&mut rng, "cus_", 14),
        subscription_id: prefixed_id(&mut rng, "sub_", 24),
        icon_image_url: if rng.chance(0.5) {
            format!("https://example.com/icons/{organization_id}.png")
        } else {
            String::new()
        },
        flags: if rng.chance(0.3) {
            vec!["beta_features".to_string()]
        } else {
            vec![]
        },
        roles: vec![if index == 0 { "owner" } else { "admin" }.to_string()],
        plan,
        allocations: Limits {
            deployment_tokens: limits.deployment_tokens,
            devices: device_limit,
            rules: limits.rules,
            spaces: limits.spaces,
            users: limits.users,
        },
        manager,
        default_configuration_id,
        configurations,
        devices,
        organization_id,
        name,
    }
}
