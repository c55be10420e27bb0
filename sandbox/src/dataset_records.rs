//! Dataset records a simulated device produces, with the fields Orb's dataset docs list and values
//! drawn around the device's profile (so a device whose summary says 91 pushes `orb_score`s near 91).
//!
//! `dataset` values: `scores`, `responsiveness`, `web_responsiveness`, `speed` (Orb's example and
//! dashboards), and `wifi_link` for Wi-Fi records (an assumption: Orb's value is unknown).

use serde_json::{json, Map, Value};

use crate::fleet::{scores, Device, NetworkKind};
use crate::rng::Rng;

/// Which family of datasets a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    /// `scores_*`.
    Scores,
    /// `responsiveness_*`.
    Responsiveness,
    /// `web_responsiveness_results`.
    Web,
    /// `speed_results`.
    Speed,
    /// `wifi_link_*`.
    Wifi,
}

/// Kind and window of a dataset name Orb documents; `None` for names the sandbox cannot produce
/// (they are accepted and passed through, but yield no record).
///
/// ```
/// use orb_cloud_sandbox::dataset_records::{dataset_kind, DatasetKind};
/// assert_eq!(dataset_kind("scores_1s"), Some((DatasetKind::Scores, 1000)));
/// assert_eq!(dataset_kind("speed_results"), Some((DatasetKind::Speed, 3_600_000)));
/// assert_eq!(dataset_kind("latency_1s"), None);
/// ```
pub fn dataset_kind(name: &str) -> Option<(DatasetKind, i64)> {
    Some(match name {
        "scores_1s" => (DatasetKind::Scores, 1_000),
        "scores_1m" => (DatasetKind::Scores, 60_000),
        "scores_30m" => (DatasetKind::Scores, 1_800_000),
        "responsiveness_1s" => (DatasetKind::Responsiveness, 1_000),
        "responsiveness_15s" => (DatasetKind::Responsiveness, 15_000),
        "responsiveness_1m" => (DatasetKind::Responsiveness, 60_000),
        "responsiveness_30m" => (DatasetKind::Responsiveness, 1_800_000),
        "web_responsiveness_results" => (DatasetKind::Web, 60_000),
        "speed_results" => (DatasetKind::Speed, 3_600_000),
        "wifi_link_1s" => (DatasetKind::Wifi, 1_000),
        "wifi_link_15s" => (DatasetKind::Wifi, 15_000),
        "wifi_link_1m" => (DatasetKind::Wifi, 60_000),
        "wifi_link_30m" => (DatasetKind::Wifi, 1_800_000),
        _ => return None,
    })
}

/// Masks a name as Orb does for non-identifiable destinations (`Firefly` → `Fi****ly`).
///
/// ```
/// assert_eq!(orb_cloud_sandbox::dataset_records::mask_name("Firefly"), "Fi****ly");
/// ```
pub fn mask_name(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 4 {
        return "****".to_string();
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}****{tail}")
}

fn mask_ip(ip: &str) -> String {
    let parts: Vec<&str> = ip.split('.').collect();
    if parts.len() == 4 {
        format!("{}.{}.0.0", parts[0], parts[1])
    } else {
        String::new()
    }
}

fn mask_mac(mac: &str) -> String {
    match mac.get(..8) {
        Some(oui) if mac.len() == 17 => format!("{oui}:00:00:00"),
        _ => String::new(),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// When one dataset's next record is due, and how often it comes.
#[derive(Debug, Clone)]
struct Schedule {
    kind: DatasetKind,
    period_ms: i64,
    next_ms: i64,
}

/// Makes the records of one device for a set of datasets, in time order.
#[derive(Debug, Clone)]
pub struct RecordGenerator {
    device: Device,
    identifiable: bool,
    rng: Rng,
    schedules: Vec<Schedule>,
}

impl RecordGenerator {
    /// Records of `datasets` for `device` from `start_ms` on. Unknown names are ignored; Wi-Fi
    /// datasets produce nothing on a device that is not on Wi-Fi.
    pub fn new(
        device: &Device,
        datasets: &[String],
        identifiable: bool,
        start_ms: i64,
        seed: u64,
    ) -> Self {
        let mut schedules: Vec<Schedule> = Vec::new();
        for name in datasets {
            let Some((kind, period_ms)) = dataset_kind(name) else {
                continue;
            };
            if kind == DatasetKind::Wifi && device.network != NetworkKind::Wifi {
                continue;
            }
            if schedules
                .iter()
                .any(|c| c.kind == kind && c.period_ms == period_ms)
            {
                continue;
            }
            // Web results come about once a minute, the first soon after the start; the others at
            // the end of each window.
            // Windows are aligned to the clock (a 1 s dataset ends on whole seconds), so a session
            // that replaces another continues its series without a gap or an overlap.
            let first = if kind == DatasetKind::Web {
                start_ms + 1_000
            } else {
                (start_ms.div_euclid(period_ms) + 1) * period_ms
            };
            schedules.push(Schedule {
                kind,
                period_ms,
                next_ms: first,
            });
        }
        RecordGenerator {
            device: device.clone(),
            identifiable,
            rng: Rng::new(seed),
            schedules,
        }
    }

    /// Whether any dataset will produce records.
    pub fn is_empty(&self) -> bool {
        self.schedules.is_empty()
    }

    /// Every record due up to `now_ms`, as JSON objects (a long gap produces at most 10,000).
    pub fn produce_until(&mut self, now_ms: i64) -> Vec<Value> {
        let mut out = Vec::new();
        for i in 0..self.schedules.len() {
            while self.schedules[i].next_ms <= now_ms && out.len() < 10_000 {
                let c = self.schedules[i].clone();
                let interval_start = c.next_ms - c.period_ms;
                let rec = match c.kind {
                    DatasetKind::Scores => self.scores(interval_start, c.period_ms),
                    DatasetKind::Responsiveness => self.responsiveness(interval_start, c.period_ms),
                    DatasetKind::Web => self.web(c.next_ms),
                    DatasetKind::Speed => self.speed(c.next_ms, "content"),
                    DatasetKind::Wifi => self.wifi(interval_start, c.period_ms),
                };
                out.push(rec);
                self.schedules[i].next_ms += c.period_ms;
            }
        }
        out.sort_by_key(|r| r.get("timestamp").and_then(Value::as_i64).unwrap_or(0));
        out
    }

    fn common(&self, into: &mut Map<String, Value>) {
        let d = &self.device;
        let id = self.identifiable;
        let (bssid, network_name) = match &d.wifi {
            Some(w) => (w.bssid.clone(), w.ssid.clone()),
            None => (String::new(), d.network_interface.name.clone()),
        };
        let fields = json!({
            "bssid": if id { bssid } else { mask_mac(&bssid) },
            "mac_address": if id { d.network_interface.mac_address.clone() } else { mask_mac(&d.network_interface.mac_address) },
            "network_name": if id { network_name } else { mask_name(&network_name) },
            "network_type": d.network.dataset_code(),
            "network_state": 1,
            "country_code": d.geoip.country_code,
            "state": d.geoip.state,
            "city": d.geoip.city,
            "isp_name": d.geoip.isp_name,
            "public_ip": if id { d.public_ip.clone() } else { mask_ip(&d.public_ip) },
            "private_ip": if id { d.network_interface.local_ip.clone() } else { mask_ip(&d.network_interface.local_ip) },
            "latitude": if id { d.geoip.latitude } else { round2(d.geoip.latitude) },
            "longitude": if id { d.geoip.longitude } else { round2(d.geoip.longitude) },
            "location_source": 1,
            "measure_endpoint": "https://www.google.com",
            "measure_endpoint_name": "Google",
        });
        if let Value::Object(m) = fields {
            into.extend(m);
        }
    }

    fn ids(&self, dataset: &str, timestamp: i64, interval_ms: Option<i64>) -> Map<String, Value> {
        let d = &self.device;
        let name = if self.identifiable {
            d.name.clone()
        } else {
            mask_name(&d.name)
        };
        let host = if self.identifiable {
            d.device_info.name.clone()
        } else {
            mask_name(&d.device_info.name)
        };
        let mut m = Map::new();
        m.insert("orb_id".into(), json!(d.orb_id));
        m.insert("orb_name".into(), json!(name));
        m.insert("device_name".into(), json!(host));
        m.insert("orb_version".into(), json!(d.device_info.version));
        m.insert("timestamp".into(), json!(timestamp));
        if let Some(i) = interval_ms {
            m.insert("interval_ms".into(), json!(i));
        }
        m.insert("dataset".into(), json!(dataset));
        m
    }

    /// Relative jitter for a window: short windows vary more.
    fn spread(period_ms: i64) -> f64 {
        if period_ms <= 1_000 {
            0.12
        } else if period_ms <= 60_000 {
            0.06
        } else {
            0.03
        }
    }

    fn scores(&mut self, timestamp: i64, period_ms: i64) -> Value {
        let p = self.device.profile;
        let s = Self::spread(period_ms);
        let lag = p.lag_us * self.rng.range_f64(1.0 - s, 1.0 + s);
        let loss = (p.loss_pct * self.rng.range_f64(1.0 - s, 1.0 + s)).max(0.0);
        let down = p.download_kbps;
        let up = p.upload_kbps;
        let [bandwidth, reliability, responsiveness, orb] = scores(down, up, lag, loss);
        let lag_count = (period_ms / 200).max(1);
        let mut m = self.ids("scores", timestamp, Some(period_ms));
        m.insert("score_version".into(), json!(crate::fleet::SCORE_VERSION));
        m.insert("orb_score".into(), json!(round2(orb * 100.0)));
        m.insert(
            "responsiveness_score".into(),
            json!(round2(responsiveness * 100.0)),
        );
        m.insert(
            "reliability_score".into(),
            json!(round2(reliability * 100.0)),
        );
        m.insert("speed_score".into(), json!(round2(bandwidth * 100.0)));
        m.insert(
            "speed_age_ms".into(),
            json!(self.rng.between(60_000, 3_600_000)),
        );
        m.insert("lag_avg_us".into(), json!(lag.round()));
        m.insert("download_avg_kbps".into(), json!(down as i64));
        m.insert("upload_avg_kbps".into(), json!(up as i64));
        m.insert("unresponsive_ms".into(), json!(0));
        m.insert("measured_ms".into(), json!(period_ms));
        m.insert("lag_count".into(), json!(lag_count));
        m.insert(
            "speed_count".into(),
            json!(i64::from(period_ms >= 3_600_000)),
        );
        self.common(&mut m);
        Value::Object(m)
    }

    fn responsiveness(&mut self, timestamp: i64, period_ms: i64) -> Value {
        let p = self.device.profile;
        let s = Self::spread(period_ms);
        let lag = (p.lag_us * self.rng.range_f64(1.0 - s, 1.0 + s)).round() as i64;
        let latency = (lag as f64 * self.rng.range_f64(0.85, 0.97)).round() as i64;
        let jitter = (p.jitter_us * self.rng.range_f64(0.6, 1.4)).round() as i64;
        let count = (period_ms / 200).max(1);
        let lost =
            ((count as f64) * p.loss_pct / 100.0 * self.rng.range_f64(0.0, 2.0)).floor() as i64;
        let router_lag = (p.router_lag_us * self.rng.range_f64(0.8, 1.25)).round() as i64;
        let mut m = self.ids("responsiveness", timestamp, Some(period_ms));
        m.insert("lag_avg_us".into(), json!(lag));
        m.insert("latency_avg_us".into(), json!(latency));
        m.insert("jitter_avg_us".into(), json!(jitter));
        m.insert("latency_count".into(), json!(count));
        m.insert("latency_lost_count".into(), json!(lost));
        m.insert(
            "packet_loss_pct".into(),
            json!(round2(lost as f64 * 100.0 / count as f64)),
        );
        m.insert("lag_count".into(), json!(count));
        m.insert("router_lag_avg_us".into(), json!(router_lag));
        m.insert(
            "router_latency_avg_us".into(),
            json!((router_lag as f64 * 0.9).round() as i64),
        );
        m.insert(
            "router_jitter_avg_us".into(),
            json!((router_lag as f64 * 0.2).round() as i64),
        );
        m.insert("router_latency_count".into(), json!(count));
        m.insert("router_latency_lost_count".into(), json!(0));
        m.insert("router_packet_loss_pct".into(), json!(0.0));
        m.insert("router_lag_count".into(), json!(count));
        m.insert(
            "pingers".into(),
            json!("icmp|1.1.1.1|4,https|www.google.com|4,h3|www.cloudflare.com|4"),
        );
        self.common(&mut m);
        Value::Object(m)
    }

    fn web(&mut self, timestamp: i64) -> Value {
        let p = self.device.profile;
        let mut m = self.ids("web_responsiveness", timestamp, None);
        m.insert(
            "ttfb_us".into(),
            json!((p.ttfb_us * self.rng.range_f64(0.8, 1.25)).round() as i64),
        );
        m.insert(
            "dns_us".into(),
            json!((p.dns_us * self.rng.range_f64(0.6, 1.6)).round() as i64),
        );
        m.insert(
            "web_url".into(),
            json!(*self.rng.pick(&[
                "https://www.google.com/",
                "https://www.wikipedia.org/",
                "https://www.amazon.com/"
            ])),
        );
        self.common(&mut m);
        Value::Object(m)
    }

    /// A `speed_results` record for a finished test (`content` or `top`).
    pub fn speed(&mut self, timestamp: i64, test_type: &str) -> Value {
        let p = self.device.profile;
        // A peak ("top") test uses more connections and finds more headroom.
        let boost = if test_type == "top" { 1.15 } else { 1.0 };
        let down = (p.download_kbps * boost * self.rng.range_f64(0.88, 1.08)).round() as i64;
        let up = (p.upload_kbps * boost * self.rng.range_f64(0.88, 1.08)).round() as i64;
        let mut m = self.ids("speed", timestamp, None);
        m.insert("download_kbps".into(), json!(down));
        m.insert("download_status".into(), json!(1));
        m.insert("upload_kbps".into(), json!(up));
        m.insert("upload_status".into(), json!(1));
        m.insert("speed_test_engine".into(), json!(0));
        m.insert(
            "speed_test_server".into(),
            json!("https://speed.cloudflare.com/"),
        );
        self.common(&mut m);
        m.insert(
            "network_state".into(),
            json!(if test_type == "top" { 7 } else { 6 }),
        );
        Value::Object(m)
    }

    fn wifi(&mut self, timestamp: i64, period_ms: i64) -> Value {
        let Some(w) = self.device.wifi.clone() else {
            return Value::Null;
        };
        let count = (period_ms / 1000).max(1);
        let rssi = w.rssi + self.rng.between(0, 4) as i64 - 2;
        let tx = ((w.tx_rate_mbps as f64) * self.rng.range_f64(0.85, 1.1)).round() as i64;
        let rx = ((w.rx_rate_mbps as f64) * self.rng.range_f64(0.85, 1.1)).round() as i64;
        let mut m = self.ids("wifi_link", timestamp, Some(period_ms));
        m.insert("rssi_avg".into(), json!(rssi));
        m.insert("rssi_count".into(), json!(count));
        m.insert("frequency_mhz".into(), json!(w.frequency_mhz));
        m.insert("tx_rate_mbps".into(), json!(tx));
        m.insert("tx_rate_count".into(), json!(count));
        m.insert("rx_rate_mbps".into(), json!(rx));
        m.insert("rx_rate_count".into(), json!(count));
        m.insert("snr_avg".into(), json!(rssi - w.noise));
        m.insert("snr_count".into(), json!(count));
        m.insert("noise_avg".into(), json!(w.noise));
        m.insert("noise_count".into(), json!(count));
        m.insert("phy_mode".into(), json!(w.phy_mode));
        m.insert("security".into(), json!(w.security));
        m.insert("channel_width".into(), json!(w.channel_width));
        m.insert("channel_number".into(), json!(w.channel));
        m.insert("channel_band".into(), json!(w.band));
        m.insert(
            "supported_wlan_channels".into(),
            json!(w.supported_wlan_channels),
        );
        m.insert("mcs".into(), json!(w.mcs));
        m.insert("nss".into(), json!(w.nss));
        self.common(&mut m);
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{Fleet, FleetConfig};

    #[test]
    fn records_follow_the_device() {
        let f = Fleet::generate(&FleetConfig {
            orgs: 1,
            devices: 2,
            seed: 3,
            ..Default::default()
        });
        let d = &f.organizations[0].devices[1]; // Wi-Fi
        let names: Vec<String> = [
            "scores_1s",
            "responsiveness_1s",
            "wifi_link_1s",
            "web_responsiveness_results",
            "nope",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut g = RecordGenerator::new(d, &names, false, 0, 1);
        let recs = g.produce_until(10_000);
        let scores: Vec<&Value> = recs.iter().filter(|r| r["dataset"] == "scores").collect();
        assert_eq!(scores.len(), 10);
        for r in &scores {
            let s = r["orb_score"].as_f64().unwrap();
            assert!(
                (s - d.display_score() as f64).abs() <= 6.0,
                "{s} vs {}",
                d.display_score()
            );
            assert_eq!(r["interval_ms"], 1000);
            assert!(r["orb_name"].as_str().unwrap().contains("****"));
        }
        assert_eq!(
            recs.iter().filter(|r| r["dataset"] == "wifi_link").count(),
            10
        );
        assert_eq!(
            recs.iter()
                .filter(|r| r["dataset"] == "web_responsiveness")
                .count(),
            1
        );
        let lag = d.profile.lag_us;
        for r in recs.iter().filter(|r| r["dataset"] == "responsiveness") {
            let l = r["lag_avg_us"].as_f64().unwrap();
            assert!((l - lag).abs() <= lag * 0.13);
        }
        // Ethernet devices have no Wi-Fi records.
        let e = &f.organizations[0].devices[0];
        let g = RecordGenerator::new(e, &["wifi_link_1s".to_string()], true, 0, 1);
        assert!(g.is_empty());
    }
}
