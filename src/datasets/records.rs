//! Typed records, one per dataset family, the shared [`Dimensions`] and the [`Record`] enum.

use std::time::{Duration, SystemTime};

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::enums::{LocationSource, NetworkState, NetworkType, SpeedTestEngine, TransferStatus};
use super::name::{DatasetKind, DatasetName, Family};
use super::record_fields::{FieldError, FromSlot, Key, Slot, Slots};

/// The value of `lag_avg_us`, `ttfb_us` and `dns_us` that Orb uses for "unresponsive":
/// 5,000,000 µs (5 s). Measurements are capped at it.
///
/// ```
/// use orb_cloud::datasets::UNRESPONSIVE_US;
/// assert_eq!(UNRESPONSIVE_US, 5_000_000);
/// ```
pub const UNRESPONSIVE_US: i64 = 5_000_000;

/// A `timestamp` (epoch milliseconds, negative before 1970) as a [`SystemTime`]; `None` only
/// when the platform's `SystemTime` cannot represent it.
///
/// ```
/// use orb_cloud::datasets::epoch_ms_to_system_time;
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = epoch_ms_to_system_time(1_756_935_043_000).unwrap();
/// assert_eq!(t, UNIX_EPOCH + Duration::from_millis(1_756_935_043_000));
/// ```
pub fn epoch_ms_to_system_time(ms: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(magnitude)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// Types that take their fields out of a decoded record's slots.
trait FromSlots: Sized {
    fn from_slots(slots: &mut Slots) -> Result<Self, FieldError>;
}

/// Defines a record struct whose fields are all `Option`, with the slot conversion and the
/// serialization of each field under Orb's name.
macro_rules! record_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                pub $field:ident: $ty:ty = $key:ident,
            )*
        }
        $(with $dims:ident;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: Option<$ty>,
            )*
            $(
                /// The common dimensions (network, location, measurement endpoint), flattened
                /// into the record on the wire.
                pub $dims: Dimensions,
            )?
        }

        impl $name {
            fn take_documented(slots: &mut Slots) -> Result<Self, FieldError> {
                Ok($name {
                    $($field: FromSlot::from_slot(slots.take(Key::$key), Key::$key)?,)*
                    $($dims: Dimensions::from_slots(slots)?,)?
                })
            }

            fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $(
                    if let Some(value) = &self.$field {
                        map.serialize_entry(Key::$key.as_str(), value)?;
                    }
                )*
                $(self.$dims.serialize_fields(map)?;)?
                Ok(())
            }
        }

        impl Serialize for $name {
            /// Writes one flat JSON object with Orb's field names; `None` fields are left out.
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                self.serialize_fields(&mut map)?;
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Reads one flat JSON object in a single pass; unknown fields are ignored.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut slots = Slots::deserialize(deserializer)?;
                <$name as FromSlots>::from_slots(&mut slots).map_err(de::Error::custom)
            }
        }
    };
}

/// Helpers every typed record has.
macro_rules! record_helpers {
    ($name:ident) => {
        impl FromSlots for $name {
            fn from_slots(slots: &mut Slots) -> Result<Self, FieldError> {
                Self::take_documented(slots)
            }
        }

        impl $name {
            /// `timestamp` (epoch ms) as a [`SystemTime`].
            ///
            /// ```
            #[doc = concat!("let mut r = orb_cloud::datasets::", stringify!($name), "::default();")]
            /// r.timestamp = Some(1_756_935_043_000);
            /// let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_756_935_043_000);
            /// assert_eq!(r.time(), Some(t));
            /// ```
            pub fn time(&self) -> Option<SystemTime> {
                self.timestamp.and_then(epoch_ms_to_system_time)
            }
        }
    };
    ($name:ident, interval) => {
        record_helpers!($name);

        impl $name {
            /// `interval_ms` as a [`Duration`] (`None` when missing or negative).
            ///
            /// ```
            #[doc = concat!("let mut r = orb_cloud::datasets::", stringify!($name), "::default();")]
            /// r.interval_ms = Some(60_000);
            /// assert_eq!(r.interval(), Some(std::time::Duration::from_secs(60)));
            /// ```
            pub fn interval(&self) -> Option<Duration> {
                self.interval_ms
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map(Duration::from_millis)
            }
        }
    };
}

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

/// One dataset record of any family, as [`parse_push`](crate::datasets::parse_push) returns it.
///
/// The variant is chosen by the record's own `dataset` field; when that is missing or a value
/// this crate does not know, by the dataset name the records were requested as (the hint);
/// otherwise the record is kept whole as [`Record::Unknown`].
///
/// Serializing writes the record back as one flat JSON object (fields typed `f64` are written
/// as JSON floats, e.g. `"download_avg_kbps": 518022.0`). Deserializing (e.g. records you
/// stored yourself) goes through a `serde_json::Value` and has no hint; prefer
/// [`parse_push`](crate::datasets::parse_push) for device bodies.
///
/// ```
/// use orb_cloud::datasets::{parse_push, DatasetKind, Format, Record};
/// let body = br#"{"orb_id": "dc9t7y9xry3hmtka859p92agqe5m", "dataset": "speed", "timestamp": 1756935043000, "download_kbps": 518022}"#;
/// let outcome = parse_push(body, Format::Auto, None);
/// let record = &outcome.records[0];
/// assert_eq!(record.orb_id(), Some("dc9t7y9xry3hmtka859p92agqe5m"));
/// assert_eq!(record.timestamp_ms(), Some(1_756_935_043_000));
/// assert_eq!(record.dataset(), Some(DatasetKind::Speed));
/// if let Record::Speed(speed) = record {
///     assert_eq!(speed.download_kbps, Some(518_022));
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// The typed variants are of similar size; boxing them would cost an allocation per record on the
// push receiver's hot path to save memory only for `Unknown`.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// A `scores_*` record.
    Scores(ScoresRecord),
    /// A `responsiveness_*` record.
    Responsiveness(ResponsivenessRecord),
    /// A `web_responsiveness_results` record.
    WebResponsiveness(WebResponsivenessRecord),
    /// A `speed_results` record.
    Speed(SpeedRecord),
    /// A `wifi_link_*` record.
    WifiLink(WifiLinkRecord),
    /// A record of a dataset this crate does not decode, kept as the raw JSON object.
    Unknown(serde_json::Value),
}

macro_rules! each_typed {
    ($record:expr, $r:ident => $typed:expr, $value:ident => $unknown:expr) => {
        match $record {
            Record::Scores($r) => $typed,
            Record::Responsiveness($r) => $typed,
            Record::WebResponsiveness($r) => $typed,
            Record::Speed($r) => $typed,
            Record::WifiLink($r) => $typed,
            Record::Unknown($value) => $unknown,
        }
    };
}

impl Record {
    /// Decode one JSON object (one line of a jsonl body, one element of a json array).
    pub(crate) fn from_json(
        json: &[u8],
        hint: Option<&DatasetName>,
    ) -> Result<Record, RecordFailure> {
        let slots = Slots::from_slice(json).map_err(RecordFailure::Json)?;
        Record::from_decoded(slots, json, hint)
    }

    /// Type a record already read into slots; `json` is its text, read again only to keep an
    /// unknown record whole.
    pub(crate) fn from_decoded(
        mut slots: Slots,
        json: &[u8],
        hint: Option<&DatasetName>,
    ) -> Result<Record, RecordFailure> {
        let by_field = match slots.get(Key::Dataset) {
            Slot::Str(value) => DatasetKind::family_of(value),
            _ => None,
        };
        let family = by_field.or_else(|| hint.and_then(DatasetName::family));
        let record = match family {
            Some(Family::Scores) => Record::Scores(ScoresRecord::from_slots(&mut slots)?),
            Some(Family::Responsiveness) => {
                Record::Responsiveness(ResponsivenessRecord::from_slots(&mut slots)?)
            }
            Some(Family::WebResponsiveness) => {
                Record::WebResponsiveness(WebResponsivenessRecord::from_slots(&mut slots)?)
            }
            Some(Family::Speed) => Record::Speed(SpeedRecord::from_slots(&mut slots)?),
            Some(Family::WifiLink) => Record::WifiLink(WifiLinkRecord::from_slots(&mut slots)?),
            None => {
                drop(slots);
                Record::Unknown(serde_json::from_slice(json).map_err(RecordFailure::Json)?)
            }
        };
        Ok(record)
    }

    /// `orb_id`: the Orb that produced the record.
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// let out = parse_push(br#"{"dataset": "later", "orb_id": "abc"}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].orb_id(), Some("abc"));
    /// ```
    pub fn orb_id(&self) -> Option<&str> {
        each_typed!(self, r => r.orb_id.as_deref(), v => v.get("orb_id").and_then(|v| v.as_str()))
    }

    /// `timestamp` in epoch milliseconds (for [`Record::Unknown`]: an integer, or an integral
    /// float, in its `timestamp` field).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// let out = parse_push(br#"{"dataset": "later", "timestamp": 1756935043000}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].timestamp_ms(), Some(1_756_935_043_000));
    /// ```
    pub fn timestamp_ms(&self) -> Option<i64> {
        each_typed!(self, r => r.timestamp, v => {
            let ts = v.get("timestamp")?;
            ts.as_i64().or_else(|| ts.as_f64().and_then(super::record_fields::integral))
        })
    }

    /// `timestamp` as a [`SystemTime`].
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let out = parse_push(br#"{"dataset": "speed", "timestamp": 1000}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].time(), Some(UNIX_EPOCH + Duration::from_secs(1)));
    /// ```
    pub fn time(&self) -> Option<SystemTime> {
        self.timestamp_ms().and_then(epoch_ms_to_system_time)
    }

    /// The record's own `dataset` field, as sent (`None` when the record has none, even if the
    /// record was typed through the hint).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, DatasetKind, DatasetName, Format, Record};
    /// let hint = DatasetName::from("wifi_link_1m");
    /// let out = parse_push(br#"{"dataset": "wifi", "rssi_avg": -60}"#, Format::Jsonl, Some(&hint));
    /// assert!(matches!(out.records[0], Record::WifiLink(_)));
    /// assert_eq!(out.records[0].dataset(), Some(DatasetKind::Other("wifi".into())));
    /// ```
    pub fn dataset(&self) -> Option<DatasetKind> {
        each_typed!(self, r => r.dataset.clone(), v => v.get("dataset").and_then(|v| v.as_str()).map(DatasetKind::from))
    }

    /// The common dimensions (`None` for [`Record::Unknown`]).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// let out = parse_push(br#"{"dataset": "speed", "city": "Lynnwood"}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].dimensions().unwrap().city.as_deref(), Some("Lynnwood"));
    /// ```
    pub fn dimensions(&self) -> Option<&Dimensions> {
        each_typed!(self, r => Some(&r.dimensions), _v => None)
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        each_typed!(self, r => r.serialize(serializer), v => v.serialize(serializer))
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let mut slots = Slots::deserialize(&value).map_err(de::Error::custom)?;
        let family = match slots.get(Key::Dataset) {
            Slot::Str(value) => DatasetKind::family_of(value),
            _ => None,
        };
        let record = match family {
            Some(Family::Scores) => ScoresRecord::from_slots(&mut slots).map(Record::Scores),
            Some(Family::Responsiveness) => {
                ResponsivenessRecord::from_slots(&mut slots).map(Record::Responsiveness)
            }
            Some(Family::WebResponsiveness) => {
                WebResponsivenessRecord::from_slots(&mut slots).map(Record::WebResponsiveness)
            }
            Some(Family::Speed) => SpeedRecord::from_slots(&mut slots).map(Record::Speed),
            Some(Family::WifiLink) => WifiLinkRecord::from_slots(&mut slots).map(Record::WifiLink),
            None => Ok(Record::Unknown(value)),
        };
        record.map_err(de::Error::custom)
    }
}

/// Why one record did not decode.
#[derive(Debug)]
pub(crate) enum RecordFailure {
    /// Not JSON, not an object, or invalid UTF-8 in a string.
    Json(serde_json::Error),
    /// A documented field has the wrong type.
    Field(FieldError),
}

impl From<FieldError> for RecordFailure {
    fn from(e: FieldError) -> Self {
        RecordFailure::Field(e)
    }
}
