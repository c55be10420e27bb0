//! A device's typical measurements and the Orb Score computed from them.

/// The scoring algorithm's version, as devices report it.
pub const SCORE_VERSION: &str = "1.2.0";

/// A device's typical measurements, which its summary and its dataset records are drawn around.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Download bandwidth (kbps).
    pub download_kbps: f64,
    /// Upload bandwidth (kbps).
    pub upload_kbps: f64,
    /// Internet lag (µs).
    pub lag_us: f64,
    /// Jitter (µs).
    pub jitter_us: f64,
    /// Packet loss (%).
    pub loss_pct: f64,
    /// Lag to the router (µs).
    pub router_lag_us: f64,
    /// DNS resolution time (µs).
    pub dns_us: f64,
    /// Time to first byte of web pages (µs).
    pub ttfb_us: f64,
}

/// An Orb Score tree (Orb's hand-written `OrbScore`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrbScore {
    /// Raw score, 0 to 1.
    pub score: f64,
    /// Display score, 0 to 100.
    pub display: i64,
    /// Whether enough measurements were made to be conclusive.
    pub included: bool,
    /// Raw measurement (leaves only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Components (not on leaves), serialized as a JSON object in this order. A list rather than
    /// a map keeps 10,000 devices' trees small in memory.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_components"
    )]
    pub components: Vec<(&'static str, OrbScore)>,
    /// Window of the score (ms).
    pub duration_ms: i64,
    /// Scoring algorithm version.
    pub score_version: &'static str,
}

fn serialize_components<S: serde::Serializer>(
    components: &[(&'static str, OrbScore)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(components.len()))?;
    for (k, v) in components {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

impl OrbScore {
    /// A component by key (`"responsiveness_score"`), if present.
    ///
    /// ```
    /// use orb_cloud_sandbox::fleet::{Fleet, FleetConfig};
    /// let fleet = Fleet::generate(&FleetConfig::default());
    /// let score = &fleet.organizations[0].devices[0].orb_score;
    /// let lag = score.component("responsiveness_score").and_then(|c| c.component("internet_lag_us"));
    /// assert!(lag.and_then(|l| l.value).is_some());
    /// ```
    pub fn component(&self, key: &str) -> Option<&OrbScore> {
        self.components
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// Score of a measurement in `[0, 1]`, by a rational curve (portable: no transcendental function).
pub fn bandwidth_down_score(kbps: f64) -> f64 {
    kbps / (kbps + 50_000.0)
}

/// Upload bandwidth score.
pub fn bandwidth_up_score(kbps: f64) -> f64 {
    kbps / (kbps + 10_000.0)
}

/// Lag score: 1 at zero lag, 0.5 at 80 ms.
pub fn lag_score(lag_us: f64) -> f64 {
    let r = lag_us / 80_000.0;
    1.0 / (1.0 + r * r)
}

/// Loss score: 1 at no loss, 0.5 at 2 %.
pub fn loss_score(loss_pct: f64) -> f64 {
    let r = loss_pct / 2.0;
    1.0 / (1.0 + r * r)
}

/// Component scores from measurements: (bandwidth, reliability, responsiveness, orb score), all 0-1.
pub fn scores(download_kbps: f64, upload_kbps: f64, lag_us: f64, loss_pct: f64) -> [f64; 4] {
    let bandwidth =
        0.6 * bandwidth_down_score(download_kbps) + 0.4 * bandwidth_up_score(upload_kbps);
    let reliability = loss_score(loss_pct);
    let responsiveness = lag_score(lag_us);
    let orb = 0.45 * responsiveness + 0.35 * reliability + 0.2 * bandwidth;
    [bandwidth, reliability, responsiveness, orb]
}

fn display(score: f64) -> i64 {
    (score * 100.0).round().clamp(0.0, 100.0) as i64
}

fn leaf(score: f64, value: f64, included: bool, duration_ms: i64) -> OrbScore {
    OrbScore {
        score,
        display: display(score),
        included,
        value: Some(value),
        components: Vec::new(),
        duration_ms,
        score_version: SCORE_VERSION,
    }
}

fn node(
    score: f64,
    included: bool,
    duration_ms: i64,
    components: Vec<(&'static str, OrbScore)>,
) -> OrbScore {
    OrbScore {
        score,
        display: display(score),
        included,
        value: None,
        components,
        duration_ms,
        score_version: SCORE_VERSION,
    }
}

/// The full Orb Score tree for measurements over a window.
pub fn score_tree(p: &Profile, bandwidth_included: bool, duration_ms: i64) -> OrbScore {
    let [bandwidth, reliability, responsiveness, orb] =
        scores(p.download_kbps, p.upload_kbps, p.lag_us, p.loss_pct);
    node(
        orb,
        true,
        duration_ms,
        vec![
            (
                "bandwidth_score",
                node(
                    bandwidth,
                    bandwidth_included,
                    duration_ms,
                    vec![
                        (
                            "download_bandwidth_kbps",
                            leaf(
                                bandwidth_down_score(p.download_kbps),
                                p.download_kbps,
                                bandwidth_included,
                                duration_ms,
                            ),
                        ),
                        (
                            "upload_bandwidth_kbps",
                            leaf(
                                bandwidth_up_score(p.upload_kbps),
                                p.upload_kbps,
                                bandwidth_included,
                                duration_ms,
                            ),
                        ),
                    ],
                ),
            ),
            (
                "reliability_score",
                node(
                    reliability,
                    true,
                    duration_ms,
                    vec![(
                        "internet_loss_status",
                        leaf(reliability, p.loss_pct, true, duration_ms),
                    )],
                ),
            ),
            (
                "responsiveness_score",
                node(
                    responsiveness,
                    true,
                    duration_ms,
                    vec![(
                        "internet_lag_us",
                        leaf(responsiveness, p.lag_us, true, duration_ms),
                    )],
                ),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_tree_is_consistent() {
        let p = Profile {
            download_kbps: 500_000.0,
            upload_kbps: 20_000.0,
            lag_us: 20_000.0,
            jitter_us: 2000.0,
            loss_pct: 0.1,
            router_lag_us: 800.0,
            dns_us: 10_000.0,
            ttfb_us: 100_000.0,
        };
        let t = score_tree(&p, true, 60_000);
        assert_eq!(t.components.len(), 3);
        let lag = t
            .component("responsiveness_score")
            .and_then(|c| c.component("internet_lag_us"))
            .unwrap();
        assert_eq!(lag.value, Some(20_000.0));
        assert!(t.display > 80, "{}", t.display);
    }
}
