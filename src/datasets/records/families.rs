//! The typed record of each dataset family, and [`Dimensions`], the fields they all share.

use std::time::{Duration, SystemTime};

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

#[cfg(doc)]
use super::UNRESPONSIVE_US;
use super::{epoch_ms_to_system_time, FromSlots};
use crate::datasets::enums::{
    LocationSource, NetworkState, NetworkType, SpeedTestEngine, TransferStatus,
};
use crate::datasets::name::DatasetKind;
use crate::datasets::record_fields::{FieldError, FromSlot, Key, Slots};

record_struct! {
    /// The dimensions every dataset shares: network, location and measurement endpoint.
    ///
    /// Identifiable fields (`network_name`, `public_ip`, `private_ip`, `bssid`, `mac_address`,
    /// `latitude`, `longitude`) arrive masked unless the destination is configured
    /// `identifiable` (e.g. `"public_ip": "50.125.0.0"`, coordinates rounded to 2 decimals).
    ///
    /// Older docs and `orbnet` call `city` `city_name`: both are read into [`Dimensions::city`]
    /// (`city` wins when a record has both); it is written back as `city`.
    ///
    /// ```
    /// use orb_cloud::datasets::{Dimensions, NetworkType};
    /// let d: Dimensions = serde_json::from_str(r#"{"city_name": "Lynnwood", "network_type": 4}"#)?;
    /// assert_eq!(d.city.as_deref(), Some("Lynnwood"));
    /// assert_eq!(d.network_type, Some(NetworkType::Cellular));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct Dimensions {
        /// `bssid`: the BSSID (access point MAC address) of the Wi-Fi network, masked unless
        /// identifiable.
        pub bssid: String = Bssid,
        /// `mac_address`: the MAC address of the Orb's network interface, masked unless
        /// identifiable.
        pub mac_address: String = MacAddress,
        /// `network_name`: the network's name (e.g. the Wi-Fi SSID), masked unless identifiable.
        pub network_name: String = NetworkName,
        /// `network_type`: the kind of network (int enumeration).
        pub network_type: NetworkType = NetworkType,
        /// `network_state`: the speed-test load on the network during the interval (int
        /// enumeration).
        pub network_state: NetworkState = NetworkState,
        /// `country_code`: the country of the public IP address (e.g. `"US"`).
        pub country_code: String = CountryCode,
        /// `state`: the state or region of the public IP address.
        pub state: String = State,
        /// `city` (older: `city_name`): the city of the public IP address.
        pub city: String = City,
        /// `isp_name`: the internet service provider's name.
        pub isp_name: String = IspName,
        /// `public_ip`: the public IP address, masked unless identifiable (e.g. `"50.125.0.0"`).
        pub public_ip: String = PublicIp,
        /// `private_ip`: the Orb's private (LAN) IP address, masked unless identifiable.
        pub private_ip: String = PrivateIp,
        /// `latitude`: degrees north, rounded to 2 decimals unless identifiable.
        pub latitude: f64 = Latitude,
        /// `longitude`: degrees east, rounded to 2 decimals unless identifiable.
        pub longitude: f64 = Longitude,
        /// `location_source`: where the location came from (int enumeration).
        pub location_source: LocationSource = LocationSource,
        /// `measure_endpoint`: the endpoint the measurement was taken against.
        pub measure_endpoint: String = MeasureEndpoint,
        /// `measure_endpoint_name`: a readable name for `measure_endpoint`.
        pub measure_endpoint_name: String = MeasureEndpointName,
    }
}

impl FromSlots for Dimensions {
    fn from_slots(slots: &mut Slots) -> Result<Self, FieldError> {
        let city_name = slots.take(Key::CityName);
        let mut dimensions = Self::take_documented(slots)?;
        if dimensions.city.is_none() {
            dimensions.city = String::from_slot(city_name, Key::CityName)?;
        }
        Ok(dimensions)
    }
}

record_struct! {
    /// One `scores_30m` / `scores_1m` / `scores_1s` record (`"dataset": "scores"`): the Orb
    /// Score and its components over one interval.
    ///
    /// ```
    /// use orb_cloud::datasets::ScoresRecord;
    /// let r: ScoresRecord = serde_json::from_str(
    ///     r#"{"orb_id": "dc9t7y9xry3hmtka859p92agqe5m", "timestamp": 1756935000000,
    ///         "interval_ms": 60000, "orb_score": 93.5, "lag_count": 3.0, "city": "Lynnwood"}"#,
    /// )?;
    /// assert_eq!(r.orb_score, Some(93.5));
    /// assert_eq!(r.lag_count, Some(3));
    /// assert_eq!(r.interval().unwrap().as_secs(), 60);
    /// assert_eq!(r.dimensions.city.as_deref(), Some("Lynnwood"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct ScoresRecord {
        /// `orb_id`: the Orb's identifier.
        pub orb_id: String = OrbId,
        /// `orb_name`: the Orb's name, masked unless identifiable (e.g. `"Fi****la"`).
        pub orb_name: String = OrbName,
        /// `device_name`: the name of the device the Orb runs on, masked unless identifiable.
        pub device_name: String = DeviceName,
        /// `timestamp`: epoch milliseconds, the start of the interval. See [`Self::time`].
        pub timestamp: i64 = Timestamp,
        /// `interval_ms`: the interval's length in milliseconds. See [`Self::interval`].
        pub interval_ms: i64 = IntervalMs,
        /// `score_version`: the version of the scoring method.
        pub score_version: String = ScoreVersion,
        /// `orb_version`: the Orb software version (e.g. `"v1.2.3"`).
        pub orb_version: String = OrbVersion,
        /// `dataset`: the record's dataset value (`"scores"`).
        pub dataset: DatasetKind = Dataset,
        /// `orb_score`: the Orb Score, 0-100.
        pub orb_score: f64 = OrbScore,
        /// `responsiveness_score`: the responsiveness component, 0-100.
        pub responsiveness_score: f64 = ResponsivenessScore,
        /// `reliability_score`: the reliability component, 0-100.
        pub reliability_score: f64 = ReliabilityScore,
        /// `speed_score`: the speed component, 0-100.
        pub speed_score: f64 = SpeedScore,
        /// `speed_age_ms`: milliseconds since the speed test the speed score is based on.
        pub speed_age_ms: i64 = SpeedAgeMs,
        /// `lag_avg_us`: average lag in microseconds (capped at [`UNRESPONSIVE_US`]).
        pub lag_avg_us: f64 = LagAvgUs,
        /// `download_avg_kbps`: average download speed in kilobits/s (an integer today; `f64`
        /// so an average loses nothing).
        pub download_avg_kbps: f64 = DownloadAvgKbps,
        /// `upload_avg_kbps`: average upload speed in kilobits/s (an integer today; `f64` so an
        /// average loses nothing).
        pub upload_avg_kbps: f64 = UploadAvgKbps,
        /// `unresponsive_ms`: milliseconds of the interval during which the network was
        /// unresponsive (int; older docs: float).
        pub unresponsive_ms: f64 = UnresponsiveMs,
        /// `measured_ms`: milliseconds of the interval that were measured (int; older docs:
        /// float).
        pub measured_ms: f64 = MeasuredMs,
        /// `lag_count`: the number of lag measurements in the interval.
        pub lag_count: i64 = LagCount,
        /// `speed_count`: the number of speed measurements in the interval.
        pub speed_count: i64 = SpeedCount,
    }
    with dimensions;
}
record_helpers!(ScoresRecord, interval);

record_struct! {
    /// One `responsiveness_30m` / `_1m` / `_1s` (older: `_15s`) record
    /// (`"dataset": "responsiveness"`): lag, latency, jitter and packet loss over one interval,
    /// to the internet and (`router_*`) to the local router.
    ///
    /// The `router_*` fields can be null or missing on real devices: they are `None` then.
    ///
    /// ```
    /// use orb_cloud::datasets::ResponsivenessRecord;
    /// let r: ResponsivenessRecord = serde_json::from_str(
    ///     r#"{"latency_avg_us": 18250, "latency_count": 3.0, "router_latency_avg_us": null,
    ///         "pingers": "icmp|1.1.1.1|4,h3|https://example.com|6"}"#,
    /// )?;
    /// assert_eq!(r.latency_avg_us, Some(18250.0));
    /// assert_eq!(r.latency_count, Some(3));
    /// assert_eq!(r.router_latency_avg_us, None);
    /// let pingers: Vec<_> = r.pingers().collect();
    /// assert_eq!(pingers[1].protocol, "h3");
    /// assert_eq!(pingers[1].endpoint, "https://example.com");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct ResponsivenessRecord {
        /// `orb_id`: the Orb's identifier.
        pub orb_id: String = OrbId,
        /// `orb_name`: the Orb's name, masked unless identifiable.
        pub orb_name: String = OrbName,
        /// `device_name`: the name of the device the Orb runs on, masked unless identifiable.
        pub device_name: String = DeviceName,
        /// `orb_version`: the Orb software version.
        pub orb_version: String = OrbVersion,
        /// `timestamp`: epoch milliseconds, the start of the interval. See [`Self::time`].
        pub timestamp: i64 = Timestamp,
        /// `interval_ms`: the interval's length in milliseconds. See [`Self::interval`].
        pub interval_ms: i64 = IntervalMs,
        /// `dataset`: the record's dataset value (`"responsiveness"`).
        pub dataset: DatasetKind = Dataset,
        /// `lag_avg_us`: average lag in microseconds (capped at [`UNRESPONSIVE_US`]).
        pub lag_avg_us: f64 = LagAvgUs,
        /// `latency_avg_us`: average round-trip latency in microseconds.
        pub latency_avg_us: f64 = LatencyAvgUs,
        /// `jitter_avg_us`: average jitter in microseconds.
        pub jitter_avg_us: f64 = JitterAvgUs,
        /// `latency_count`: the number of latency measurements (int; older docs: float).
        pub latency_count: i64 = LatencyCount,
        /// `latency_lost_count`: the number of latency probes lost.
        pub latency_lost_count: i64 = LatencyLostCount,
        /// `packet_loss_pct`: packet loss in percent, 0-100.
        pub packet_loss_pct: f64 = PacketLossPct,
        /// `lag_count`: the number of lag measurements.
        pub lag_count: i64 = LagCount,
        /// `router_lag_avg_us`: average lag to the router in microseconds.
        pub router_lag_avg_us: f64 = RouterLagAvgUs,
        /// `router_latency_avg_us`: average round-trip latency to the router in microseconds.
        pub router_latency_avg_us: f64 = RouterLatencyAvgUs,
        /// `router_jitter_avg_us`: average jitter to the router in microseconds.
        pub router_jitter_avg_us: f64 = RouterJitterAvgUs,
        /// `router_latency_count`: the number of latency measurements to the router.
        pub router_latency_count: i64 = RouterLatencyCount,
        /// `router_latency_lost_count`: the number of latency probes to the router lost.
        pub router_latency_lost_count: i64 = RouterLatencyLostCount,
        /// `router_packet_loss_pct`: packet loss to the router in percent, 0-100.
        pub router_packet_loss_pct: f64 = RouterPacketLossPct,
        /// `router_lag_count`: the number of lag measurements to the router.
        pub router_lag_count: i64 = RouterLagCount,
        /// `pingers`: the probes used, a CSV of `{protocol}|{endpoint}|{ipversion}` (protocols
        /// `icmp`, `https`, `h3`). See [`Self::pingers`].
        pub pingers: String = Pingers,
    }
    with dimensions;
}
record_helpers!(ResponsivenessRecord, interval);

/// One entry of [`ResponsivenessRecord::pingers`]: `{protocol}|{endpoint}|{ipversion}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pinger<'a> {
    /// The probe protocol: `icmp`, `https` or `h3` (others are passed through).
    pub protocol: &'a str,
    /// The endpoint probed (a host, an address or a URL; may itself contain `|`).
    pub endpoint: &'a str,
    /// The IP version, as sent (e.g. `"4"`, `"6"`); empty when the entry has no third part.
    pub ip_version: &'a str,
}

impl ResponsivenessRecord {
    /// The entries of `pingers`, split on `,` and then `|`; empty entries are skipped.
    ///
    /// ```
    /// use orb_cloud::datasets::ResponsivenessRecord;
    /// let mut r = ResponsivenessRecord::default();
    /// r.pingers = Some("icmp|8.8.8.8|4,https|https://orb.net|6".into());
    /// let p: Vec<_> = r.pingers().map(|p| (p.protocol, p.ip_version)).collect();
    /// assert_eq!(p, [("icmp", "4"), ("https", "6")]);
    /// ```
    pub fn pingers(&self) -> impl Iterator<Item = Pinger<'_>> {
        self.pingers
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let (protocol, rest) = entry.split_once('|').unwrap_or((entry, ""));
                let (endpoint, ip_version) = rest.rsplit_once('|').unwrap_or((rest, ""));
                Pinger {
                    protocol,
                    endpoint,
                    ip_version,
                }
            })
    }
}

record_struct! {
    /// One `web_responsiveness_results` record (`"dataset": "web_responsiveness"`): a raw web
    /// request result, about once a minute.
    ///
    /// ```
    /// use orb_cloud::datasets::{WebResponsivenessRecord, UNRESPONSIVE_US};
    /// let r: WebResponsivenessRecord =
    ///     serde_json::from_str(r#"{"ttfb_us": 5000000, "dns_us": 2100, "web_url": "https://orb.net"}"#)?;
    /// assert_eq!(r.ttfb_us, Some(UNRESPONSIVE_US));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct WebResponsivenessRecord {
        /// `orb_id`: the Orb's identifier.
        pub orb_id: String = OrbId,
        /// `orb_name`: the Orb's name, masked unless identifiable.
        pub orb_name: String = OrbName,
        /// `device_name`: the name of the device the Orb runs on, masked unless identifiable.
        pub device_name: String = DeviceName,
        /// `orb_version`: the Orb software version.
        pub orb_version: String = OrbVersion,
        /// `timestamp`: epoch milliseconds of the result. See [`Self::time`].
        pub timestamp: i64 = Timestamp,
        /// `dataset`: the record's dataset value (`"web_responsiveness"`).
        pub dataset: DatasetKind = Dataset,
        /// `ttfb_us`: time to first byte in microseconds (capped at [`UNRESPONSIVE_US`]).
        pub ttfb_us: i64 = TtfbUs,
        /// `dns_us`: DNS resolution time in microseconds (capped at [`UNRESPONSIVE_US`]).
        pub dns_us: i64 = DnsUs,
        /// `web_url`: the URL requested.
        pub web_url: String = WebUrl,
    }
    with dimensions;
}
record_helpers!(WebResponsivenessRecord);

record_struct! {
    /// One `speed_results` record (`"dataset": "speed"`): one speed test (a content test about
    /// once an hour).
    ///
    /// ```
    /// use orb_cloud::datasets::{SpeedRecord, TransferStatus, SpeedTestEngine};
    /// let r: SpeedRecord = serde_json::from_str(
    ///     r#"{"download_kbps": 518022, "download_status": 1, "speed_test_engine": 0}"#,
    /// )?;
    /// assert_eq!(r.download_kbps, Some(518_022));
    /// assert_eq!(r.download_status, Some(TransferStatus::Success));
    /// assert_eq!(r.speed_test_engine, Some(SpeedTestEngine::Orb));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct SpeedRecord {
        /// `orb_id`: the Orb's identifier.
        pub orb_id: String = OrbId,
        /// `orb_name`: the Orb's name, masked unless identifiable.
        pub orb_name: String = OrbName,
        /// `device_name`: the name of the device the Orb runs on, masked unless identifiable.
        pub device_name: String = DeviceName,
        /// `orb_version`: the Orb software version.
        pub orb_version: String = OrbVersion,
        /// `timestamp`: epoch milliseconds of the test. See [`Self::time`].
        pub timestamp: i64 = Timestamp,
        /// `dataset`: the record's dataset value (`"speed"`).
        pub dataset: DatasetKind = Dataset,
        /// `download_kbps`: download speed in kilobits/s.
        pub download_kbps: i64 = DownloadKbps,
        /// `download_status`: how the download test ended (int enumeration).
        pub download_status: TransferStatus = DownloadStatus,
        /// `upload_kbps`: upload speed in kilobits/s.
        pub upload_kbps: i64 = UploadKbps,
        /// `upload_status`: how the upload test ended (int enumeration).
        pub upload_status: TransferStatus = UploadStatus,
        /// `speed_test_engine`: the engine that ran the test (int enumeration).
        pub speed_test_engine: SpeedTestEngine = SpeedTestEngine,
        /// `speed_test_server`: the server tested against (e.g.
        /// `"https://speed.cloudflare.com/"`).
        pub speed_test_server: String = SpeedTestServer,
    }
    with dimensions;
}
record_helpers!(SpeedRecord);

record_struct! {
    /// One `wifi_link_30m` / `_1m` / `_1s` (older: `_15s`) record: Wi-Fi link quality over one
    /// interval.
    ///
    /// Orb does not document the `dataset` value of Wi-Fi records, so [`parse_push`] recognizes
    /// them through its hint (the dataset name requested); [`Self::dataset`] keeps whatever
    /// value the record had.
    ///
    /// Averages and rates are integers in current docs and floats in older ones: they are
    /// `f64`, which holds both exactly.
    ///
    /// [`parse_push`]: crate::datasets::parse_push
    ///
    /// ```
    /// use orb_cloud::datasets::WifiLinkRecord;
    /// let r: WifiLinkRecord =
    ///     serde_json::from_str(r#"{"rssi_avg": -52.5, "rssi_count": 60, "tx_rate_mbps": null}"#)?;
    /// assert_eq!(r.rssi_avg, Some(-52.5));
    /// assert_eq!(r.tx_rate_mbps, None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct WifiLinkRecord {
        /// `orb_id`: the Orb's identifier.
        pub orb_id: String = OrbId,
        /// `orb_name`: the Orb's name, masked unless identifiable.
        pub orb_name: String = OrbName,
        /// `device_name`: the name of the device the Orb runs on, masked unless identifiable.
        pub device_name: String = DeviceName,
        /// `orb_version`: the Orb software version.
        pub orb_version: String = OrbVersion,
        /// `timestamp`: epoch milliseconds, the start of the interval. See [`Self::time`].
        pub timestamp: i64 = Timestamp,
        /// `interval_ms`: the interval's length in milliseconds. See [`Self::interval`].
        pub interval_ms: i64 = IntervalMs,
        /// `dataset`: the record's dataset value (not documented for Wi-Fi).
        pub dataset: DatasetKind = Dataset,
        /// `rssi_avg`: average received signal strength in dBm.
        pub rssi_avg: f64 = RssiAvg,
        /// `rssi_count`: the number of RSSI samples.
        pub rssi_count: i64 = RssiCount,
        /// `frequency_mhz`: the channel frequency in MHz.
        pub frequency_mhz: i64 = FrequencyMhz,
        /// `tx_rate_mbps`: average transmit rate in Mbps (can be null).
        pub tx_rate_mbps: f64 = TxRateMbps,
        /// `tx_rate_count`: the number of transmit-rate samples.
        pub tx_rate_count: i64 = TxRateCount,
        /// `rx_rate_mbps`: average receive rate in Mbps (can be null).
        pub rx_rate_mbps: f64 = RxRateMbps,
        /// `rx_rate_count`: the number of receive-rate samples.
        pub rx_rate_count: i64 = RxRateCount,
        /// `snr_avg`: average signal-to-noise ratio in dB.
        pub snr_avg: f64 = SnrAvg,
        /// `snr_count`: the number of SNR samples.
        pub snr_count: i64 = SnrCount,
        /// `noise_avg`: average noise floor in dBm.
        pub noise_avg: f64 = NoiseAvg,
        /// `noise_count`: the number of noise samples.
        pub noise_count: i64 = NoiseCount,
        /// `phy_mode`: the Wi-Fi PHY mode, as the device reports it (e.g. `"802.11ax"`).
        pub phy_mode: String = PhyMode,
        /// `security`: the Wi-Fi security mode, as the device reports it (e.g. `"wpa3"`).
        pub security: String = Security,
        /// `channel_width`: the channel width, as the device reports it (a number is kept as its
        /// text).
        pub channel_width: String = ChannelWidth,
        /// `channel_number`: the Wi-Fi channel number.
        pub channel_number: i64 = ChannelNumber,
        /// `channel_band`: the frequency band, as the device reports it (e.g. `"5 GHz"`).
        pub channel_band: String = ChannelBand,
        /// `supported_wlan_channels`: the channels the Wi-Fi adapter supports, as the device
        /// reports them.
        pub supported_wlan_channels: String = SupportedWlanChannels,
        /// `mcs`: the modulation and coding scheme index.
        pub mcs: i64 = Mcs,
        /// `nss`: the number of spatial streams.
        pub nss: i64 = Nss,
    }
    with dimensions;
}
record_helpers!(WifiLinkRecord, interval);
