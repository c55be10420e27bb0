//! Draws a device from the seed: place and provider, network, host, measurements, configuration.

use crate::places::{Isp, Place, Technology, PLACES, PUBLIC_FIRST_OCTETS};
use crate::rng::{mix, orb_id, Rng, LOWER};

use super::configuration::{config_map, Configuration};
use super::device::{
    Device, DeviceInfo, DeviceLink, GeoIp, NetworkInterface, NetworkKind, WifiLink,
};
use super::fleet_config::{FleetConfig, DAY, HOUR, MINUTE};
use super::measurements::{score_tree, Profile};

const SITE_KINDS: &[&str] = &[
    "Front Desk",
    "Lobby",
    "Office",
    "Warehouse",
    "Conference Room",
    "Server Room",
    "Store",
    "Branch",
    "Clinic",
    "Classroom",
    "Home",
    "Kitchen",
];

const ADJECTIVES: &[&str] = &[
    "hardy", "brisk", "calm", "eager", "gentle", "jolly", "lucky", "mellow", "nimble", "plucky",
    "quiet", "rapid", "sunny", "tidy", "vivid", "witty", "zesty", "bold", "crisp", "daring",
];

const SSIDS: &[&str] = &[
    "HomeNet",
    "Office-5G",
    "CORP-WLAN",
    "Guest",
    "NETGEAR42",
    "TP-Link_5G_8A2C",
    "eero",
    "Staff",
    "Store-WiFi",
    "Clinic-Secure",
];

const VERSIONS: &[(&str, f64)] = &[
    ("v1.3.2", 0.1),
    ("v1.4.0", 0.15),
    ("v1.4.1", 0.35),
    ("v1.5.0", 0.4),
];

fn round_to(x: f64, decimals: i32) -> f64 {
    let m = match decimals {
        2 => 100.0,
        4 => 10_000.0,
        _ => 1.0,
    };
    (x * m).round() / m
}

fn mac(rng: &mut Rng, oui: &str) -> String {
    format!(
        "{oui}:{:02x}:{:02x}:{:02x}",
        rng.below(256),
        rng.below(256),
        rng.below(256)
    )
}

fn profile_for(rng: &mut Rng, tech: Technology, network: NetworkKind, troubled: bool) -> Profile {
    // (download range kbps, upload ratio or range, lag ms range, loss % range)
    let (down, up, lag_ms, loss) = match tech {
        Technology::Fiber => (
            (250_000.0, 1_000_000.0),
            (0.5, 1.0),
            (6.0, 18.0),
            (0.0, 0.3),
        ),
        Technology::Cable => (
            (150_000.0, 1_000_000.0),
            (0.02, 0.05),
            (12.0, 32.0),
            (0.0, 0.8),
        ),
        Technology::Dsl => ((10_000.0, 100_000.0), (0.1, 0.2), (22.0, 55.0), (0.1, 1.5)),
        Technology::FixedWireless => ((50_000.0, 300_000.0), (0.1, 0.25), (25.0, 55.0), (0.2, 2.0)),
        Technology::Satellite => (
            (60_000.0, 250_000.0),
            (0.08, 0.15),
            (30.0, 65.0),
            (0.3, 2.5),
        ),
        Technology::Cellular => ((20_000.0, 300_000.0), (0.1, 0.3), (30.0, 75.0), (0.2, 2.0)),
    };
    let mut download = rng.range_f64(down.0, down.1);
    let mut upload = download * rng.range_f64(up.0, up.1);
    if tech == Technology::Cable {
        upload = upload.max(rng.range_f64(10_000.0, 45_000.0));
    }
    let mut lag_us = rng.range_f64(lag_ms.0, lag_ms.1) * 1000.0;
    let mut loss = rng.range_f64(loss.0, loss.1);
    let mut router_lag_us = rng.range_f64(400.0, 1500.0);
    if network == NetworkKind::Wifi {
        download = download.min(rng.range_f64(250_000.0, 650_000.0));
        upload = upload.min(rng.range_f64(150_000.0, 450_000.0));
        lag_us += rng.range_f64(1_500.0, 9_000.0);
        router_lag_us += rng.range_f64(1_500.0, 6_000.0);
    }
    if troubled {
        lag_us *= rng.range_f64(1.8, 3.5);
        loss += rng.range_f64(1.5, 6.0);
        download *= rng.range_f64(0.2, 0.6);
    }
    Profile {
        download_kbps: download,
        upload_kbps: upload,
        lag_us,
        jitter_us: (lag_us * rng.range_f64(0.05, 0.25)).round(),
        loss_pct: round_to(loss, 2),
        router_lag_us: router_lag_us.round(),
        dns_us: rng.range_f64(4_000.0, 40_000.0).round(),
        ttfb_us: (lag_us * rng.range_f64(3.0, 6.0) + rng.range_f64(20_000.0, 80_000.0)).round(),
    }
}

fn drift(rng: &mut Rng, p: &Profile, spread: f64) -> Profile {
    let mut f = |x: f64| x * rng.range_f64(1.0 - spread, 1.0 + spread);
    Profile {
        download_kbps: f(p.download_kbps),
        upload_kbps: f(p.upload_kbps),
        lag_us: f(p.lag_us),
        jitter_us: f(p.jitter_us),
        loss_pct: round_to(p.loss_pct * rng.range_f64(0.7, 1.3), 2),
        router_lag_us: p.router_lag_us,
        dns_us: p.dns_us,
        ttfb_us: p.ttfb_us,
    }
}

fn wifi_link(rng: &mut Rng) -> WifiLink {
    let band = rng.weighted(&[0.15, 0.7, 0.15]);
    let (band_name, channel, frequency_mhz, widths): (&str, i64, i64, &[&str]) = match band {
        0 => {
            let ch = *rng.pick(&[1i64, 6, 11]);
            ("2.4 GHz", ch, 2407 + 5 * ch, &["20 MHz", "40 MHz"])
        }
        1 => {
            let ch = *rng.pick(&[36i64, 40, 44, 48, 149, 153, 157, 161]);
            ("5 GHz", ch, 5000 + 5 * ch, &["40 MHz", "80 MHz", "160 MHz"])
        }
        _ => {
            let ch = *rng.pick(&[5i64, 21, 37, 53, 69, 85]);
            ("6 GHz", ch, 5950 + 5 * ch, &["80 MHz", "160 MHz"])
        }
    };
    let rssi = -(rng.between(45, 78) as i64);
    let phy_mode = if band == 2 {
        "802.11ax"
    } else {
        *rng.pick(&["802.11ax", "802.11ax", "802.11ac", "802.11n"])
    };
    let quality = (90 + rssi).clamp(5, 45) as f64 / 45.0; // 1.0 at -45 dBm
    let max_rate = match phy_mode {
        "802.11n" => 300.0,
        "802.11ac" => 867.0,
        _ => 1201.0,
    };
    let tx = (max_rate * quality * rng.range_f64(0.7, 1.0)).round() as i64;
    let ap_oui = *rng.pick(&["a4:2b:b0", "f0:9f:c2", "3c:37:86", "b4:fb:e4"]);
    WifiLink {
        ssid: rng.pick(SSIDS).to_string(),
        bssid: mac(rng, ap_oui),
        band: band_name.to_string(),
        channel,
        frequency_mhz,
        channel_width: rng.pick(widths).to_string(),
        phy_mode: phy_mode.to_string(),
        security: rng
            .pick(&["WPA2 Personal", "WPA3 Personal", "WPA2 Enterprise"])
            .to_string(),
        rssi,
        noise: -(rng.between(90, 96) as i64),
        tx_rate_mbps: tx.max(6),
        rx_rate_mbps: ((tx as f64) * rng.range_f64(0.8, 1.1)).round().max(6.0) as i64,
        mcs: (quality * 11.0).round() as i64,
        nss: rng.between(1, 2) as i64,
        supported_wlan_channels: "1,6,11,36,40,44,48,149,153,157,161".to_string(),
    }
}

pub(super) fn generate_device(
    cfg: &FleetConfig,
    org_index: usize,
    organization_id: &str,
    configurations: &[Configuration],
    index: usize,
) -> Device {
    let mut rng = Rng::new(mix(&[cfg.seed, 0xDE7, org_index as u64, index as u64]));
    let epoch = cfg.epoch_ms as i64;
    let orb_id = orb_id(&mut rng);
    let place: &Place = rng.pick(PLACES);
    let isp: &Isp = rng.pick(place.isps);

    // Operating system and network. The first two devices of every organization are connected,
    // on Ethernet and on Wi-Fi, so tests always have one of each.
    let os = match index {
        0 | 1 => "linux",
        _ => ["linux", "macos", "windows", "android", "ios"]
            [rng.weighted(&[0.55, 0.15, 0.15, 0.08, 0.07])],
    };
    let network = match index {
        0 => NetworkKind::Ethernet,
        1 => NetworkKind::Wifi,
        _ if isp.technology == Technology::Cellular && matches!(os, "android" | "ios") => {
            NetworkKind::Cellular
        }
        _ => {
            let wifi_share = match os {
                "linux" => 0.3,
                "android" | "ios" => 1.0,
                _ => 0.7,
            };
            if rng.chance(wifi_share) {
                NetworkKind::Wifi
            } else {
                NetworkKind::Ethernet
            }
        }
    };
    let is_connected = index < 2 || rng.chance(0.88);
    let troubled = index >= 2 && rng.chance(0.07);
    let profile = profile_for(&mut rng, isp.technology, network, troubled);

    let adjective = rng.pick(ADJECTIVES);
    let host = format!(
        "{adjective}-{}{}",
        rng.string(LOWER, 3),
        rng.between(1000, 9999)
    );
    let site = rng.pick(SITE_KINDS);
    let name = format!("{} {} {:02}", place.city, site, index % 97 + 1);
    let (oui, iface, cpu_count) = match os {
        "linux" => (
            *rng.pick(&["dc:a6:32", "d8:3a:dd", "00:90:0b", "e4:5f:01"]),
            if network == NetworkKind::Wifi {
                "wlan0"
            } else {
                "eth0"
            },
            *rng.pick(&[2i64, 4, 4, 4, 8]),
        ),
        "macos" => (
            *rng.pick(&["f0:18:98", "a4:83:e7", "3c:22:fb"]),
            "en0",
            *rng.pick(&[8i64, 10, 12]),
        ),
        "windows" => (
            *rng.pick(&["3c:7c:3f", "74:d8:3e", "f4:8c:50"]),
            if network == NetworkKind::Wifi {
                "Wi-Fi"
            } else {
                "Ethernet"
            },
            *rng.pick(&[4i64, 8, 16]),
        ),
        _ => (
            *rng.pick(&["ac:5f:3e", "f8:4d:89", "28:c2:1f"]),
            if network == NetworkKind::Cellular {
                "rmnet0"
            } else {
                "wlan0"
            },
            *rng.pick(&[6i64, 8]),
        ),
    };
    let local_ip = if rng.chance(0.6) {
        format!(
            "192.168.{}.{}",
            rng.pick(&[0, 1, 1, 10, 50, 86, 207]),
            rng.between(2, 254)
        )
    } else {
        format!(
            "10.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.between(2, 254)
        )
    };
    let mac_address = mac(&mut rng, oui);
    let public_ip = format!(
        "{}.{}.{}.{}",
        rng.pick(PUBLIC_FIRST_OCTETS),
        rng.below(256),
        rng.below(256),
        rng.between(1, 254)
    );
    let wifi = (network == NetworkKind::Wifi).then(|| wifi_link(&mut rng));

    // Time line: created long ago; connection state changed some time before "now".
    let created_ts = epoch - rng.between(30 * DAY, 700 * DAY) as i64;
    let is_connected_updated_at = if is_connected {
        epoch - rng.between(MINUTE, 20 * DAY) as i64
    } else {
        epoch - rng.between(HOUR, 30 * DAY) as i64
    }
    .max(created_ts + HOUR as i64);
    let summary_created_ts = if is_connected {
        epoch - rng.between(0, 60_000) as i64
    } else {
        is_connected_updated_at - rng.between(0, 60_000) as i64
    };

    let bandwidth_included = rng.chance(0.93);
    let orb_score = score_tree(&profile, bandwidth_included, MINUTE as i64);
    let orb_scores = vec![
        score_tree(&drift(&mut rng, &profile, 0.08), true, HOUR as i64),
        score_tree(&drift(&mut rng, &profile, 0.15), true, DAY as i64),
    ];

    // Configuration: 60 % on the default, the rest spread over the others.
    let configuration_id = if configurations.len() > 1 && rng.chance(0.4) {
        configurations[rng.below(configurations.len() as u64) as usize]
            .id
            .clone()
    } else {
        configurations
            .iter()
            .find(|c| c.name == "Default Configuration")
            .unwrap_or(&configurations[0])
            .id
            .clone()
    };
    let config_override = (index >= 2 && rng.chance(0.08)).then(|| {
        config_map(&[
            ("datasets.datasets", &["responsiveness_1s", "speed_results"]),
            (
                "datasets.cloud_push",
                &["identifiable=true", "responsiveness_1s"],
            ),
        ])
    });
    let has_stale_config = !is_connected && rng.chance(0.25);
    let shared = index >= 2 && rng.chance(0.04);
    let links = if shared {
        let mut lrng = Rng::new(mix(&[cfg.seed, 0x11E, org_index as u64, index as u64]));
        let invite_id = crate::rng::orb_id(&mut lrng);
        vec![DeviceLink {
            expiration_ts: epoch + lrng.between(DAY, 60 * DAY) as i64,
            invite_id,
            invite_name: "Support access".to_string(),
            invite_description: "Shared with the ISP's support team for troubleshooting"
                .to_string(),
            organization_id: crate::rng::orb_id(&mut lrng),
            organization_name: format!("{} Support", isp.name),
            bandwidth_tier: lrng.pick(&["community", "commercial"]).to_string(),
            relationship: "viewer".to_string(),
        }]
    } else {
        vec![]
    };
    let mut extra_tags = Vec::new();
    if rng.chance(0.35) {
        extra_tags.push(format!(
            "site={}",
            place.city.to_lowercase().replace(' ', "-")
        ));
    }
    if rng.chance(0.15) {
        extra_tags.push(format!("floor={}", rng.between(1, 9)));
    }
    let _ = organization_id;

    Device {
        orb_id,
        name,
        is_connected,
        is_connected_updated_at,
        created_ts,
        can_notify: is_connected && rng.chance(0.8),
        relationship: if shared { "shared" } else { "owner" }.to_string(),
        configuration_id,
        config_override,
        has_stale_config,
        extra_tags,
        links,
        geoip: GeoIp {
            city: place.city.to_string(),
            state: place.state.to_string(),
            country: place.country.to_string(),
            isp_name: isp.name.to_string(),
            latitude: round_to(place.latitude + rng.range_f64(-0.04, 0.04), 4),
            longitude: round_to(place.longitude + rng.range_f64(-0.05, 0.05), 4),
            country_code: place.country_code.to_string(),
        },
        device_info: DeviceInfo {
            full_name: if os == "macos" {
                format!("{host}.local")
            } else {
                host.clone()
            },
            name: host,
            version: VERSIONS[rng.weighted(&VERSIONS.iter().map(|v| v.1).collect::<Vec<_>>())]
                .0
                .to_string(),
            cpu_count,
            operating_system: os.to_string(),
        },
        network_interface: NetworkInterface {
            name: iface.to_string(),
            kind: network.summary_type().to_string(),
            local_ip,
            mac_address,
        },
        network,
        technology: isp.technology,
        public_ip,
        wifi,
        profile,
        summary_created_ts,
        orb_score,
        orb_scores,
    }
}
