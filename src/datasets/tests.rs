//! Tests of the whole module against the fixtures in `tests/fixtures/datasets/`.

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/datasets/", $name))
    };
}

const SCORES_JSONL: &str = fixture!("scores_1m.jsonl");
const SCORES_JSON: &str = fixture!("scores_1m.json");
const RESPONSIVENESS_JSONL: &str = fixture!("responsiveness_1s.jsonl");
const RESPONSIVENESS_JSON: &str = fixture!("responsiveness_1s.json");
const WEB_JSONL: &str = fixture!("web_responsiveness_results.jsonl");
const WEB_JSON: &str = fixture!("web_responsiveness_results.json");
const SPEED_JSONL: &str = fixture!("speed_results.jsonl");
const SPEED_JSON: &str = fixture!("speed_results.json");
const WIFI_JSONL: &str = fixture!("wifi_link_1m.jsonl");
const WIFI_JSON: &str = fixture!("wifi_link_1m.json");
const ORB_EXAMPLE: &str = fixture!("orb_example_speed.json");
const OLDER_RESPONSIVENESS: &str = fixture!("older_responsiveness_15s.jsonl");
const OLDER_SCORES_WIFI: &str = fixture!("older_scores_wifi_15s.jsonl");
const GZIP_BOMB: &[u8] = include_bytes!("../../tests/fixtures/datasets/gzip_bomb_100mb_zeros.gz");

const ORB_ID: &str = "dc9t7y9xry3hmtka859p92agqe5m";

/// Parses a fixture in both its formats (explicit and auto-detected), checks all four agree
/// and are error-free, and returns the records.
fn both(jsonl: &str, json: &str, hint: Option<&DatasetName>) -> Vec<Record> {
    let a = parse_push(jsonl.as_bytes(), Format::Jsonl, hint);
    let b = parse_push(json.as_bytes(), Format::Json, hint);
    let c = parse_push(jsonl.as_bytes(), Format::Auto, hint);
    let d = parse_push(json.as_bytes(), Format::Auto, hint);
    for outcome in [&a, &b, &c, &d] {
        assert!(outcome.is_clean(), "{:?}", outcome.errors);
    }
    assert_eq!((c.format, d.format), (Format::Jsonl, Format::Json));
    assert_eq!(a.records, b.records);
    assert_eq!(a.records, c.records);
    assert_eq!(a.records, d.records);
    a.records
}

fn only<T>(records: Vec<Record>, pick: impl Fn(Record) -> Option<T>) -> Vec<T> {
    records
        .into_iter()
        .map(|r| pick(r).expect("unexpected record variant"))
        .collect()
}

fn assert_unmasked_dimensions(d: &Dimensions) {
    assert_eq!(d.bssid.as_deref(), Some("a4:2b:b0:9c:11:3c"));
    assert_eq!(d.mac_address.as_deref(), Some("dc:a6:32:5e:7f:01"));
    assert_eq!(d.network_name.as_deref(), Some("Ziply-5G-Home"));
    assert_eq!(d.country_code.as_deref(), Some("US"));
    assert_eq!(d.state.as_deref(), Some("WA"));
    assert_eq!(d.city.as_deref(), Some("Lynnwood"));
    assert_eq!(d.isp_name.as_deref(), Some("Ziply Fiber"));
    assert_eq!(d.public_ip.as_deref(), Some("50.125.14.201"));
    assert_eq!(d.private_ip.as_deref(), Some("192.168.1.23"));
    assert_eq!(d.latitude, Some(47.8211));
    assert_eq!(d.longitude, Some(-122.2913));
    assert_eq!(d.location_source, Some(LocationSource::GeoIp));
    assert_eq!(d.measure_endpoint.as_deref(), Some("1.1.1.1"));
    assert_eq!(d.measure_endpoint_name.as_deref(), Some("Cloudflare"));
}

#[test]
fn scores_fixture_decodes_field_by_field() {
    let records = only(both(SCORES_JSONL, SCORES_JSON, None), |r| match r {
        Record::Scores(s) => Some(s),
        _ => None,
    });
    assert_eq!(records.len(), 2);
    let s = &records[0];
    assert_eq!(s.orb_id.as_deref(), Some(ORB_ID));
    assert_eq!(s.orb_name.as_deref(), Some("Fiona's Orb Kiosk Ventilla"));
    assert_eq!(s.device_name.as_deref(), Some("Fiona-MacBook-Ventilla"));
    assert_eq!(s.timestamp, Some(1_756_935_000_000));
    assert_eq!(s.interval_ms, Some(60_000));
    assert_eq!(s.interval(), Some(std::time::Duration::from_secs(60)));
    assert_eq!(s.score_version.as_deref(), Some("v2"));
    assert_eq!(s.orb_version.as_deref(), Some("v1.2.3"));
    assert_eq!(s.dataset, Some(DatasetKind::Scores));
    assert_eq!(s.orb_score, Some(93.21));
    assert_eq!(s.responsiveness_score, Some(95.4));
    assert_eq!(s.reliability_score, Some(99.87));
    assert_eq!(s.speed_score, Some(84.6));
    assert_eq!(s.speed_age_ms, Some(1_843_000));
    assert_eq!(s.lag_avg_us, Some(1250.5));
    assert_eq!(s.download_avg_kbps, Some(518_022.0));
    assert_eq!(s.upload_avg_kbps, Some(291_284.0));
    assert_eq!(s.unresponsive_ms, Some(0.0));
    assert_eq!(s.measured_ms, Some(60_000.0));
    assert_eq!(s.lag_count, Some(60));
    assert_eq!(s.speed_count, Some(1));
    assert_eq!(s.dimensions.network_type, Some(NetworkType::Wifi));
    assert_eq!(s.dimensions.network_state, Some(NetworkState::Idle));
    assert_unmasked_dimensions(&s.dimensions);
    assert_eq!(
        s.time(),
        epoch_ms_to_system_time(1_756_935_000_000),
        "time() is the timestamp"
    );

    let s = &records[1];
    assert_eq!(s.orb_name.as_deref(), Some("Fi****la"));
    assert_eq!(s.orb_score, Some(41.0));
    assert_eq!(s.lag_avg_us, Some(412_000.75));
    assert_eq!(s.unresponsive_ms, Some(12_000.0));
    assert_eq!(s.speed_count, Some(0));
    let d = &s.dimensions;
    assert_eq!(d.network_type, Some(NetworkType::Cellular));
    assert_eq!(d.network_state, Some(NetworkState::Content));
    assert_eq!(d.location_source, Some(LocationSource::Unknown));
    assert_eq!(d.public_ip.as_deref(), Some("50.125.0.0"));
    assert_eq!((d.latitude, d.longitude), (Some(47.82), Some(-122.29)));
    assert_eq!(d.city.as_deref(), Some("Seattle"));
    assert_eq!(d.isp_name.as_deref(), Some("T-Mobile USA"));
}

#[test]
fn responsiveness_fixture_decodes_field_by_field() {
    let records = only(
        both(RESPONSIVENESS_JSONL, RESPONSIVENESS_JSON, None),
        |r| match r {
            Record::Responsiveness(s) => Some(s),
            _ => None,
        },
    );
    assert_eq!(records.len(), 2);
    let r = &records[0];
    assert_eq!(r.orb_id.as_deref(), Some(ORB_ID));
    assert_eq!(r.orb_name.as_deref(), Some("Fiona's Orb Kiosk Ventilla"));
    assert_eq!(r.device_name.as_deref(), Some("Fiona-MacBook-Ventilla"));
    assert_eq!(r.orb_version.as_deref(), Some("v1.2.3"));
    assert_eq!(r.timestamp, Some(1_756_935_043_000));
    assert_eq!(r.interval_ms, Some(1000));
    assert_eq!(r.dataset, Some(DatasetKind::Responsiveness));
    assert_eq!(r.lag_avg_us, Some(1830.0));
    assert_eq!(r.latency_avg_us, Some(18_250.0));
    assert_eq!(r.jitter_avg_us, Some(1420.0));
    assert_eq!(r.latency_count, Some(3));
    assert_eq!(r.latency_lost_count, Some(0));
    assert_eq!(r.packet_loss_pct, Some(0.0));
    assert_eq!(r.lag_count, Some(1));
    assert_eq!(r.router_lag_avg_us, Some(420.0));
    assert_eq!(r.router_latency_avg_us, Some(2310.0));
    assert_eq!(r.router_jitter_avg_us, Some(380.0));
    assert_eq!(r.router_latency_count, Some(3));
    assert_eq!(r.router_latency_lost_count, Some(0));
    assert_eq!(r.router_packet_loss_pct, Some(0.0));
    assert_eq!(r.router_lag_count, Some(1));
    assert_eq!(
        r.pingers.as_deref(),
        Some("icmp|1.1.1.1|4,https|https://orb.net/api/ping|4,h3|https://cloudflare.com/cdn-cgi/trace|6")
    );
    let pingers: Vec<_> = r
        .pingers()
        .map(|p| (p.protocol, p.endpoint, p.ip_version))
        .collect();
    assert_eq!(
        pingers,
        [
            ("icmp", "1.1.1.1", "4"),
            ("https", "https://orb.net/api/ping", "4"),
            ("h3", "https://cloudflare.com/cdn-cgi/trace", "6"),
        ]
    );
    assert_eq!(r.dimensions.network_type, Some(NetworkType::Wifi));
    assert_eq!(r.dimensions.network_state, Some(NetworkState::Idle));
    assert_unmasked_dimensions(&r.dimensions);

    let r = &records[1];
    assert_eq!(r.lag_avg_us, Some(UNRESPONSIVE_US as f64));
    assert_eq!(r.latency_lost_count, Some(1));
    assert_eq!(r.packet_loss_pct, Some(33.33));
    assert_eq!(r.dimensions.network_type, Some(NetworkType::Ethernet));
    assert_eq!(
        r.dimensions.network_state,
        Some(NetworkState::ContentDownload)
    );
    assert_eq!(r.dimensions.bssid.as_deref(), Some(""));
}

#[test]
fn web_responsiveness_fixture_decodes_field_by_field() {
    let records = only(both(WEB_JSONL, WEB_JSON, None), |r| match r {
        Record::WebResponsiveness(s) => Some(s),
        _ => None,
    });
    let w = &records[0];
    assert_eq!(w.orb_id.as_deref(), Some(ORB_ID));
    assert_eq!(w.orb_name.as_deref(), Some("Fiona's Orb Kiosk Ventilla"));
    assert_eq!(w.device_name.as_deref(), Some("Fiona-MacBook-Ventilla"));
    assert_eq!(w.orb_version.as_deref(), Some("v1.2.3"));
    assert_eq!(w.timestamp, Some(1_756_935_012_000));
    assert_eq!(w.dataset, Some(DatasetKind::WebResponsiveness));
    assert_eq!(w.ttfb_us, Some(182_340));
    assert_eq!(w.dns_us, Some(2100));
    assert_eq!(w.web_url.as_deref(), Some("https://www.google.com/"));
    assert_eq!(
        w.dimensions.measure_endpoint.as_deref(),
        Some("https://www.google.com/")
    );
    assert_eq!(
        w.dimensions.measure_endpoint_name.as_deref(),
        Some("Google")
    );
    assert_eq!(w.dimensions.network_type, Some(NetworkType::Wifi));
    let w = &records[1];
    assert_eq!(w.ttfb_us, Some(UNRESPONSIVE_US));
    assert_eq!(w.dns_us, Some(UNRESPONSIVE_US));
    assert_eq!(w.web_url.as_deref(), Some("https://www.netflix.com/"));
    assert_eq!(w.dimensions.network_state, Some(NetworkState::Peak));
}

#[test]
fn speed_fixture_decodes_field_by_field() {
    let records = only(both(SPEED_JSONL, SPEED_JSON, None), |r| match r {
        Record::Speed(s) => Some(s),
        _ => None,
    });
    let s = &records[0];
    assert_eq!(s.orb_id.as_deref(), Some(ORB_ID));
    assert_eq!(s.orb_name.as_deref(), Some("Fiona's Orb Kiosk Ventilla"));
    assert_eq!(s.device_name.as_deref(), Some("Fiona-MacBook-Ventilla"));
    assert_eq!(s.orb_version.as_deref(), Some("v1.2.3"));
    assert_eq!(s.timestamp, Some(1_756_935_043_000));
    assert_eq!(s.dataset, Some(DatasetKind::Speed));
    assert_eq!(s.download_kbps, Some(518_022));
    assert_eq!(s.download_status, Some(TransferStatus::Success));
    assert_eq!(s.upload_kbps, Some(291_284));
    assert_eq!(s.upload_status, Some(TransferStatus::Success));
    assert_eq!(s.speed_test_engine, Some(SpeedTestEngine::Orb));
    assert_eq!(
        s.speed_test_server.as_deref(),
        Some("https://speed.cloudflare.com/")
    );
    assert_eq!(s.dimensions.network_type, Some(NetworkType::Ethernet));
    assert_eq!(s.dimensions.network_state, Some(NetworkState::Content));
    assert_unmasked_dimensions(&s.dimensions);
    let s = &records[1];
    assert_eq!(s.download_kbps, Some(0));
    assert_eq!(s.download_status, Some(TransferStatus::Fail));
    assert_eq!(s.upload_status, Some(TransferStatus::Unknown));
    assert_eq!(s.speed_test_engine, Some(SpeedTestEngine::Iperf));
    assert_eq!(
        s.speed_test_server.as_deref(),
        Some("iperf.example.net:5201")
    );
}

#[test]
fn wifi_fixture_decodes_through_the_hint() {
    let hint = DatasetName::WifiLink(Timeframe::Min1);
    let records = only(both(WIFI_JSONL, WIFI_JSON, Some(&hint)), |r| match r {
        Record::WifiLink(s) => Some(s),
        _ => None,
    });
    let w = &records[0];
    assert_eq!(w.orb_id.as_deref(), Some(ORB_ID));
    assert_eq!(w.orb_name.as_deref(), Some("Fiona's Orb Kiosk Ventilla"));
    assert_eq!(w.device_name.as_deref(), Some("Fiona-MacBook-Ventilla"));
    assert_eq!(w.orb_version.as_deref(), Some("v1.2.3"));
    assert_eq!(w.timestamp, Some(1_756_935_000_000));
    assert_eq!(w.interval_ms, Some(60_000));
    assert_eq!(w.dataset, Some(DatasetKind::Other("wifi_link".into())));
    assert_eq!(w.rssi_avg, Some(-52.0));
    assert_eq!(w.rssi_count, Some(60));
    assert_eq!(w.frequency_mhz, Some(5180));
    assert_eq!(w.tx_rate_mbps, Some(1201.0));
    assert_eq!(w.tx_rate_count, Some(60));
    assert_eq!(w.rx_rate_mbps, Some(864.0));
    assert_eq!(w.rx_rate_count, Some(60));
    assert_eq!(w.snr_avg, Some(40.0));
    assert_eq!(w.snr_count, Some(60));
    assert_eq!(w.noise_avg, Some(-92.0));
    assert_eq!(w.noise_count, Some(60));
    assert_eq!(w.phy_mode.as_deref(), Some("802.11ax"));
    assert_eq!(w.security.as_deref(), Some("wpa3"));
    assert_eq!(w.channel_width.as_deref(), Some("80 MHz"));
    assert_eq!(w.channel_number, Some(36));
    assert_eq!(w.channel_band.as_deref(), Some("5 GHz"));
    assert_eq!(
        w.supported_wlan_channels.as_deref(),
        Some("1,2,3,4,5,6,7,8,9,10,11,36,40,44,48,149,153,157,161,165")
    );
    assert_eq!(w.mcs, Some(11));
    assert_eq!(w.nss, Some(2));
    assert_unmasked_dimensions(&w.dimensions);
    let w = &records[1];
    assert_eq!(w.rssi_avg, Some(-71.0));
    assert_eq!(w.rx_rate_count, Some(57));
    assert_eq!(w.channel_band.as_deref(), Some("2.4 GHz"));
    assert_eq!(w.nss, Some(1));

    // Without the hint the undocumented `dataset` value leaves them unknown, kept whole.
    let outcome = parse_push(WIFI_JSONL.as_bytes(), Format::Auto, None);
    assert!(outcome.is_clean());
    match &outcome.records[0] {
        Record::Unknown(value) => {
            assert_eq!(value["rssi_avg"], -52);
            assert_eq!(value["supported_wlan_channels"].as_str().unwrap().len(), 55);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(outcome.records[0].orb_id(), Some(ORB_ID));
    assert_eq!(outcome.records[0].timestamp_ms(), Some(1_756_935_000_000));
    assert_eq!(
        outcome.records[0].dataset(),
        Some(DatasetKind::Other("wifi_link".into()))
    );
    assert_eq!(outcome.records[0].dimensions(), None);
}

#[test]
fn orbs_own_example_payload() {
    for format in [Format::Json, Format::Auto] {
        let outcome = parse_push(ORB_EXAMPLE.as_bytes(), format, None);
        assert!(outcome.is_clean(), "{:?}", outcome.errors);
        assert_eq!(outcome.format, Format::Json);
        let speeds = only(outcome.records, |r| match r {
            Record::Speed(s) => Some(s),
            _ => None,
        });
        assert_eq!(speeds.len(), 2);
        let s = &speeds[0];
        assert_eq!(s.orb_id.as_deref(), Some(ORB_ID));
        assert_eq!(s.orb_name.as_deref(), Some("Fi****la"));
        assert_eq!(s.device_name.as_deref(), Some("Fi****la"));
        assert_eq!(s.timestamp, Some(1_756_935_043_000));
        assert_eq!(s.dataset, Some(DatasetKind::Speed));
        assert_eq!(s.orb_version.as_deref(), Some("v1.2.3"));
        assert_eq!(s.dimensions.network_type, Some(NetworkType::Ethernet));
        assert_eq!(s.dimensions.network_state, Some(NetworkState::Content));
        assert_eq!(s.dimensions.country_code.as_deref(), Some("US"));
        assert_eq!(s.dimensions.city.as_deref(), Some("Lynnwood"));
        assert_eq!(s.dimensions.isp_name.as_deref(), Some("Ziply Fiber"));
        assert_eq!(s.dimensions.public_ip.as_deref(), Some("50.125.0.0"));
        assert_eq!(s.dimensions.latitude, Some(47.8));
        assert_eq!(s.dimensions.longitude, Some(-122.29));
        assert_eq!(s.dimensions.location_source, Some(LocationSource::GeoIp));
        assert_eq!(
            s.speed_test_server.as_deref(),
            Some("https://speed.cloudflare.com/")
        );
        assert_eq!(s.download_kbps, Some(518_022));
        assert_eq!(s.upload_kbps, Some(291_284));
        assert_eq!(s.download_status, None);
        assert_eq!(s.speed_test_engine, None);
        assert_eq!(s.dimensions.bssid, None);
        assert_eq!(speeds[1].timestamp, Some(1_756_935_051_000));
        assert_eq!(speeds[1].download_kbps, Some(556_665));
        assert_eq!(speeds[1].upload_kbps, Some(171_058));
    }
}

#[test]
fn older_docs_responsiveness_15s() {
    let hint: DatasetName = "responsiveness_15s".parse().unwrap();
    assert_eq!(hint, DatasetName::Responsiveness(Timeframe::Sec15));
    let outcome = parse_push(OLDER_RESPONSIVENESS.as_bytes(), Format::Auto, Some(&hint));
    assert!(outcome.is_clean(), "{:?}", outcome.errors);
    let records = only(outcome.records, |r| match r {
        Record::Responsiveness(s) => Some(s),
        _ => None,
    });
    assert_eq!(records.len(), 2);
    let r = &records[0];
    assert_eq!(r.dataset, Some(DatasetKind::Responsiveness));
    assert_eq!(r.interval_ms, Some(15_000));
    assert_eq!(r.dimensions.city.as_deref(), Some("Lynnwood"));
    assert_eq!(r.latency_count, Some(45));
    assert_eq!(r.latency_lost_count, Some(0));
    assert_eq!(r.lag_count, Some(15));
    assert_eq!(r.lag_avg_us, Some(1902.5));
    assert_eq!(r.latency_avg_us, Some(17_875.25));
    assert_eq!(r.router_latency_count, Some(45));
    assert_eq!(r.router_latency_lost_count, Some(1));
    assert_eq!(r.router_packet_loss_pct, Some(2.22));
    // No `dataset` field: typed through the hint; router_ fields null.
    let r = &records[1];
    assert_eq!(r.dataset, None);
    assert_eq!(r.latency_count, Some(44));
    assert_eq!(r.dimensions.city.as_deref(), Some("Lynnwood"));
    assert_eq!(
        (
            r.router_lag_avg_us,
            r.router_latency_avg_us,
            r.router_jitter_avg_us,
            r.router_packet_loss_pct
        ),
        (None, None, None, None)
    );
    assert_eq!(
        (
            r.router_latency_count,
            r.router_latency_lost_count,
            r.router_lag_count
        ),
        (None, None, None)
    );
    // Written back, `city_name` becomes `city`.
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["city"], "Lynnwood");
    assert!(json.get("city_name").is_none());
    assert!(json.get("router_lag_avg_us").is_none());
}

#[test]
fn older_docs_scores_and_wifi_15s() {
    let hint = DatasetName::from("wifi_link_15s");
    let outcome = parse_push(OLDER_SCORES_WIFI.as_bytes(), Format::Jsonl, Some(&hint));
    assert!(outcome.is_clean(), "{:?}", outcome.errors);
    let [Record::Scores(s), Record::WifiLink(w)] = &outcome.records[..] else {
        panic!("{:?}", outcome.records);
    };
    assert_eq!(s.unresponsive_ms, Some(1250.5));
    assert_eq!(s.measured_ms, Some(59_999.5));
    assert_eq!(s.download_avg_kbps, Some(250_123.5));
    assert_eq!(s.lag_count, Some(60));
    assert_eq!(s.speed_count, Some(1));
    assert_eq!(s.score_version.as_deref(), Some("v1"));
    assert_eq!(s.dimensions.city.as_deref(), Some("Lynnwood"));
    assert_eq!(w.dataset, None);
    assert_eq!(w.interval_ms, Some(15_000));
    assert_eq!(w.rssi_avg, Some(-55.4));
    assert_eq!(w.rssi_count, Some(15));
    assert_eq!(w.snr_avg, Some(36.6));
    assert_eq!(w.noise_avg, Some(-92.0));
    assert_eq!((w.tx_rate_mbps, w.rx_rate_mbps), (None, None));
    assert_eq!((w.tx_rate_count, w.rx_rate_count), (Some(0), Some(0)));
    assert_eq!((w.mcs, w.nss), (Some(9), Some(2)));
    assert_eq!(w.dimensions.city.as_deref(), Some("Lynnwood"));
}

#[test]
fn every_fixture_round_trips_through_serialize() {
    let wifi = DatasetName::from("wifi_link_1m");
    for (body, hint) in [
        (SCORES_JSONL, None),
        (RESPONSIVENESS_JSONL, None),
        (WEB_JSONL, None),
        (SPEED_JSONL, None),
        (WIFI_JSONL, Some(&wifi)),
        (WIFI_JSONL, None),
        (ORB_EXAMPLE, None),
        (
            OLDER_RESPONSIVENESS,
            Some(&DatasetName::Responsiveness(Timeframe::Sec15)),
        ),
        (
            OLDER_SCORES_WIFI,
            Some(&DatasetName::WifiLink(Timeframe::Sec15)),
        ),
    ] {
        let first = parse_push(body.as_bytes(), Format::Auto, hint);
        assert!(first.is_clean());
        let written = serde_json::to_string(&first.records).unwrap();
        let again = parse_push(written.as_bytes(), Format::Json, hint);
        assert!(again.is_clean(), "{:?}", again.errors);
        assert_eq!(again.records, first.records);
        // Records that carry a known `dataset` also come back through plain serde.
        for record in &first.records {
            if record
                .dataset()
                .is_some_and(|d| !matches!(d, DatasetKind::Other(_)))
            {
                let value = serde_json::to_value(record).unwrap();
                let back: Record = serde_json::from_value(value).unwrap();
                assert_eq!(&back, record);
            }
        }
    }
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let body = br#"{"dataset":"speed","network_type":9,"network_state":12,"location_source":2,"speed_test_engine":3,"download_status":5,"upload_status":-1}"#;
    let outcome = parse_push(body, Format::Auto, None);
    let Record::Speed(s) = &outcome.records[0] else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        s.dimensions.network_type,
        Some(NetworkType::Unrecognized(9))
    );
    assert_eq!(
        s.dimensions.network_state,
        Some(NetworkState::Unrecognized(12))
    );
    assert_eq!(
        s.dimensions.location_source,
        Some(LocationSource::Unrecognized(2))
    );
    assert_eq!(s.speed_test_engine, Some(SpeedTestEngine::Unrecognized(3)));
    assert_eq!(s.download_status, Some(TransferStatus::Unrecognized(5)));
    assert_eq!(s.upload_status, Some(TransferStatus::Unrecognized(-1)));
    let written = serde_json::to_value(s).unwrap();
    let original: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(written, original);
}

#[test]
fn hint_selection() {
    let scores_hint = DatasetName::Scores(Timeframe::Min1);
    let decode = |json: &str, hint: Option<&DatasetName>| {
        let outcome = parse_push(json.as_bytes(), Format::Jsonl, hint);
        assert!(outcome.is_clean(), "{:?}", outcome.errors);
        outcome.records.into_iter().next().unwrap()
    };
    // The record's own known `dataset` wins over the hint.
    assert!(matches!(
        decode(r#"{"dataset":"speed"}"#, Some(&scores_hint)),
        Record::Speed(_)
    ));
    // Missing or unknown `dataset`: the hint decides.
    assert!(matches!(
        decode(r#"{"orb_score":1}"#, Some(&scores_hint)),
        Record::Scores(_)
    ));
    assert!(matches!(
        decode(
            r#"{"dataset":"scores_v2","orb_score":1}"#,
            Some(&scores_hint)
        ),
        Record::Scores(_)
    ));
    assert!(matches!(
        decode(r#"{"dataset":null}"#, Some(&DatasetName::SpeedResults)),
        Record::Speed(_)
    ));
    assert!(matches!(
        decode(
            r#"{"dataset":7}"#,
            Some(&DatasetName::WebResponsivenessResults)
        ),
        Record::WebResponsiveness(_)
    ));
    assert!(matches!(
        decode("{}", Some(&DatasetName::from("responsiveness_30m"))),
        Record::Responsiveness(_)
    ));
    // No usable hint: unknown, kept whole.
    let unknown_hint = DatasetName::from("latency_1s");
    for hint in [None, Some(&unknown_hint)] {
        let record = decode(r#"{"orb_score":1,"extra":{"nested":[1,2]}}"#, hint);
        let Record::Unknown(value) = record else {
            panic!("{record:?}")
        };
        assert_eq!(value["extra"]["nested"][1], 2);
    }
}

#[test]
fn mixed_datasets_in_one_payload() {
    let mut body = String::new();
    for (i, fixture) in [
        SPEED_JSONL,
        SCORES_JSONL,
        WEB_JSONL,
        RESPONSIVENESS_JSONL,
        WIFI_JSONL,
    ]
    .iter()
    .enumerate()
    {
        // Interleave: first lines of each, then second lines.
        let _ = i;
        body.push_str(fixture.lines().next().unwrap());
        body.push('\n');
    }
    for fixture in [
        SPEED_JSONL,
        SCORES_JSONL,
        WEB_JSONL,
        RESPONSIVENESS_JSONL,
        WIFI_JSONL,
    ] {
        body.push_str(fixture.lines().nth(1).unwrap());
        body.push('\n');
    }
    let hint = DatasetName::from("wifi_link_1m");
    let outcome = parse_push(body.as_bytes(), Format::Auto, Some(&hint));
    assert!(outcome.is_clean(), "{:?}", outcome.errors);
    let kinds: Vec<&str> = outcome
        .records
        .iter()
        .map(|r| match r {
            Record::Scores(_) => "scores",
            Record::Responsiveness(_) => "responsiveness",
            Record::WebResponsiveness(_) => "web",
            Record::Speed(_) => "speed",
            Record::WifiLink(_) => "wifi",
            _ => "unknown",
        })
        .collect();
    let one_round = ["speed", "scores", "web", "responsiveness", "wifi"];
    assert_eq!(kinds, [one_round, one_round].concat());
    assert!(outcome.records.iter().all(|r| r.orb_id() == Some(ORB_ID)));

    // The same as a json array.
    let array = format!("[{}]", body.lines().collect::<Vec<_>>().join(",\n"));
    let as_json = parse_push(array.as_bytes(), Format::Auto, Some(&hint));
    assert_eq!(as_json.format, Format::Json);
    assert_eq!(as_json.records, outcome.records);
}

#[test]
fn jsonl_blank_lines_crlf_bom_and_trailing_newline() {
    let line = SPEED_JSONL.lines().next().unwrap();
    let expected = parse_push(line.as_bytes(), Format::Jsonl, None).records;
    assert_eq!(expected.len(), 1);
    for body in [
        format!("{line}\n{line}\n"),
        format!("{line}\n{line}"),
        format!("{line}\r\n{line}\r\n"),
        format!("\n\n{line}\n\n\r\n   \n{line}\n\n"),
        format!("\u{feff}{line}\n \t{line}\t \r\n"),
    ] {
        for format in [Format::Jsonl, Format::Auto] {
            let outcome = parse_push(body.as_bytes(), format, None);
            assert!(outcome.is_clean(), "{body:?}: {:?}", outcome.errors);
            assert_eq!(outcome.format, Format::Jsonl);
            assert_eq!(outcome.records.len(), 2, "{body:?}");
            assert_eq!(outcome.records[0], expected[0]);
            assert_eq!(outcome.records[1], expected[0]);
        }
    }
}

#[test]
fn a_bad_line_in_the_middle_is_reported_and_the_others_arrive() {
    let lines: Vec<&str> = SPEED_JSONL.lines().collect();
    let body = format!(
        "{}\n\n{{\"dataset\":\"speed\",\"download_kbps\": 5,,}}\n{}\n{{\"dataset\":\"speed\",\"timestamp\":\"yesterday\"}}\n[1,2]\n{}\n{{\"dataset\":\"speed\"",
        lines[0], lines[1], lines[0]
    );
    let outcome = parse_push(body.as_bytes(), Format::Auto, None);
    assert_eq!(outcome.format, Format::Jsonl);
    assert_eq!(outcome.records.len(), 3);
    let errors: Vec<(Location, RecordErrorKind)> = outcome
        .errors
        .iter()
        .map(|e| (e.location, e.kind))
        .collect();
    assert_eq!(
        errors,
        [
            (Location::Line(3), RecordErrorKind::Syntax),
            (
                Location::Line(5),
                RecordErrorKind::InvalidField { field: "timestamp" }
            ),
            (Location::Line(6), RecordErrorKind::NotAnObject),
            (Location::Line(8), RecordErrorKind::Truncated),
        ]
    );
    let syntax = &outcome.errors[0];
    assert_eq!(
        &body.as_bytes()[syntax.span.clone()],
        br#"{"dataset":"speed","download_kbps": 5,,}"#
    );
    assert_eq!(body.as_bytes()[syntax.offset], b',');
    assert!(syntax.to_string().starts_with("line 3 (byte "), "{syntax}");
    assert!(!syntax.message.contains("column"), "{}", syntax.message);
    assert!(
        outcome.errors[1].message.contains("yesterday"),
        "{}",
        outcome.errors[1].message
    );
}

#[test]
fn a_wrong_typed_field_in_one_array_element() {
    let mut records: Vec<serde_json::Value> = serde_json::from_str(SPEED_JSON).unwrap();
    let mut bad = records[0].clone();
    bad["download_kbps"] = "fast".into();
    records.insert(1, bad);
    let mut also_bad = records[0].clone();
    also_bad["network_type"] = 1.5.into();
    records.push(also_bad);
    let body = serde_json::to_vec_pretty(&records).unwrap();
    let outcome = parse_push(&body, Format::Auto, None);
    assert_eq!(outcome.format, Format::Json);
    assert_eq!(outcome.records.len(), 2);
    assert_eq!(outcome.errors.len(), 2);
    let e = &outcome.errors[0];
    assert_eq!(e.location, Location::Index(1));
    assert_eq!(
        e.kind,
        RecordErrorKind::InvalidField {
            field: "download_kbps"
        }
    );
    assert_eq!(
        e.message,
        "field `download_kbps`: expected an integer, found string \"fast\""
    );
    let element: serde_json::Value = serde_json::from_slice(&body[e.span.clone()]).unwrap();
    assert_eq!(element["download_kbps"], "fast");
    assert_eq!(outcome.errors[1].location, Location::Index(3));
    assert_eq!(
        outcome.errors[1].kind,
        RecordErrorKind::InvalidField {
            field: "network_type"
        }
    );
    let parsed = parse_push(SPEED_JSON.as_bytes(), Format::Json, None).records;
    assert_eq!(outcome.records, parsed);
}

#[test]
fn a_syntax_error_inside_one_array_element_does_not_hide_the_others() {
    let body = br#"[{"dataset":"speed","download_kbps":1}, {"dataset":"speed","download_kbps":tru}, 42, "x", {"dataset":"speed","download_kbps":3},]"#;
    let outcome = parse_push(body, Format::Json, None);
    let kbps: Vec<_> = outcome
        .records
        .iter()
        .map(|r| match r {
            Record::Speed(s) => s.download_kbps,
            _ => None,
        })
        .collect();
    assert_eq!(kbps, [Some(1), Some(3)]);
    let errors: Vec<_> = outcome
        .errors
        .iter()
        .map(|e| (e.location, e.kind))
        .collect();
    assert_eq!(
        errors,
        [
            (Location::Index(1), RecordErrorKind::Syntax),
            (Location::Index(2), RecordErrorKind::NotAnObject),
            (Location::Index(3), RecordErrorKind::NotAnObject),
        ]
    );
}

#[test]
fn a_truncated_json_array_keeps_the_complete_elements() {
    let full = SPEED_JSON.as_bytes();
    // Cut inside the second element.
    let second = SPEED_JSON.match_indices("\"orb_id\"").nth(1).unwrap().0;
    let cut = &full[..second + 40];
    let outcome = parse_push(cut, Format::Auto, None);
    assert_eq!(outcome.format, Format::Json);
    assert_eq!(outcome.records.len(), 1);
    assert_eq!(
        outcome.records[0],
        parse_push(full, Format::Json, None).records[0]
    );
    assert_eq!(outcome.errors.len(), 1);
    let e = &outcome.errors[0];
    assert_eq!(e.location, Location::Index(1));
    assert_eq!(e.kind, RecordErrorKind::Truncated);
    assert_eq!(e.offset, cut.len());
    assert_eq!(e.span.end, cut.len());
    assert!(e.message.contains("truncated"), "{}", e.message);

    // Cut right after a complete element: it is kept, the missing `]` reported.
    let first_end = SPEED_JSON.find("},").unwrap() + 1;
    let outcome = parse_push(&full[..first_end + 1], Format::Json, None);
    assert_eq!(outcome.records.len(), 1);
    assert_eq!(outcome.errors[0].location, Location::Index(1));
    assert_eq!(outcome.errors[0].kind, RecordErrorKind::Truncated);

    // Every prefix of the body: never a panic, records only grow, and an error unless complete.
    let mut last = 0;
    for n in 0..=full.len() {
        let outcome = parse_push(&full[..n], Format::Auto, None);
        assert!(outcome.records.len() >= last);
        last = outcome.records.len();
        let complete = full[n..].iter().all(u8::is_ascii_whitespace);
        assert_eq!(outcome.errors.is_empty(), complete || n == 0, "prefix {n}");
    }
    assert_eq!(last, 2);
}

#[test]
fn a_broken_json_structure_reports_where_it_broke() {
    let body = br#"[{"dataset":"speed"}, {"dataset":"speed","x":[1}, {"dataset":"speed"}]"#;
    let outcome = parse_push(body, Format::Json, None);
    assert_eq!(outcome.records.len(), 1);
    let e = &outcome.errors[0];
    assert_eq!(
        (e.location, e.kind),
        (Location::Index(1), RecordErrorKind::Syntax)
    );
    assert_eq!(body[e.offset], b'}');

    let body = br#"[{"dataset":"speed"} {"dataset":"speed"}]"#;
    let outcome = parse_push(body, Format::Json, None);
    assert_eq!(outcome.records.len(), 1);
    assert_eq!(outcome.errors[0].offset, 21);

    let body = b"[{\"dataset\":\"speed\"}]\n  trailing";
    let outcome = parse_push(body, Format::Json, None);
    assert_eq!(outcome.records.len(), 1);
    let e = &outcome.errors[0];
    assert_eq!(
        (e.location, e.kind),
        (Location::Body, RecordErrorKind::TrailingData)
    );
    assert_eq!(e.offset, 24);

    // Several top-level arrays and objects are one sequence.
    let body = b"[{\"dataset\":\"speed\"}]\n[{\"dataset\":\"speed\"},{\"dataset\":\"scores\"}]{\"dataset\":\"speed\"}";
    let outcome = parse_push(body, Format::Json, None);
    assert!(outcome.is_clean());
    assert_eq!(outcome.records.len(), 4);
    // An empty array is zero records.
    assert_eq!(
        parse_push(b" [ ] ", Format::Auto, None),
        ParseOutcome {
            records: vec![],
            spans: vec![],
            errors: vec![],
            format: Format::Json
        }
    );
}

#[test]
fn a_single_object_even_pretty_printed() {
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(SPEED_JSONL.lines().next().unwrap()).unwrap(),
    )
    .unwrap();
    for body in [pretty.as_str(), SPEED_JSONL.lines().next().unwrap()] {
        let outcome = parse_push(body.as_bytes(), Format::Auto, None);
        assert!(outcome.is_clean(), "{:?}", outcome.errors);
        assert_eq!(outcome.format, Format::Json);
        assert_eq!(outcome.records.len(), 1);
        let outcome = parse_push(body.as_bytes(), Format::Json, None);
        assert_eq!(outcome.records.len(), 1);
    }
}

#[test]
fn gzip_body() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(SCORES_JSONL.as_bytes()).unwrap();
    let compressed = gz.finish().unwrap();
    for encoding in [Some("gzip"), None] {
        let body = decode_body(&compressed, encoding, 1 << 20).unwrap();
        assert_eq!(body, SCORES_JSONL.as_bytes());
        let outcome = parse_push(&body, Format::Auto, None);
        assert!(outcome.is_clean());
        assert_eq!(outcome.records.len(), 2);
    }
}

#[test]
fn gzip_bomb_is_refused_within_the_cap() {
    let limit = 4 << 20;
    for encoding in [Some("gzip"), None] {
        match decode_body(GZIP_BOMB, encoding, limit) {
            Err(BodyError::TooLarge { limit: l }) => assert_eq!(l, limit),
            other => panic!("{:?}", other.map(|v| v.len())),
        }
    }
    let err = decode_body(GZIP_BOMB, Some("gzip"), 1000).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the decoded body exceeds the limit of 1000 bytes"
    );
}

#[test]
fn empty_and_blank_bodies_are_zero_records_and_no_error() {
    for body in [
        &b""[..],
        b"\n",
        b"  \r\n\t\n",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF \n",
    ] {
        for format in [Format::Auto, Format::Jsonl, Format::Json] {
            let outcome = parse_push(body, format, None);
            assert!(
                outcome.records.is_empty() && outcome.errors.is_empty(),
                "{body:?}"
            );
        }
    }
    assert_eq!(decode_body(b"", None, 0).unwrap(), b"");
}

#[test]
fn non_utf8_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for format in [Format::Auto, Format::Jsonl, Format::Json] {
        let outcome = parse_push(&garbage, format, None);
        assert!(outcome.records.is_empty());
        assert!(!outcome.errors.is_empty());
    }
    // Invalid UTF-8 inside one record's string: that record fails, the others arrive.
    let line = SPEED_JSONL.lines().next().unwrap().as_bytes();
    let mut body = line.to_vec();
    body.extend_from_slice(b"\n{\"dataset\":\"speed\",\"orb_name\":\"\xff\xfe\"}\n");
    body.extend_from_slice(line);
    let outcome = parse_push(&body, Format::Auto, None);
    assert_eq!(outcome.records.len(), 2);
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].location, Location::Line(2));
    assert_eq!(outcome.errors[0].kind, RecordErrorKind::Syntax);
    // Garbage lines around valid ones.
    let mut body = b"\x00\x01garbage\xff\n".to_vec();
    body.extend_from_slice(line);
    let outcome = parse_push(&body, Format::Auto, None);
    assert_eq!(outcome.records.len(), 1);
    assert_eq!(outcome.errors[0].location, Location::Line(1));
}

#[test]
fn router_fields_null_or_missing() {
    let mut full: serde_json::Value =
        serde_json::from_str(RESPONSIVENESS_JSONL.lines().next().unwrap()).unwrap();
    let names = [
        "router_lag_avg_us",
        "router_latency_avg_us",
        "router_jitter_avg_us",
        "router_latency_count",
        "router_latency_lost_count",
        "router_packet_loss_pct",
        "router_lag_count",
    ];
    let mut missing = full.clone();
    for name in names {
        full[name] = serde_json::Value::Null;
        missing.as_object_mut().unwrap().remove(name);
    }
    let body = format!("{full}\n{missing}\n");
    let outcome = parse_push(body.as_bytes(), Format::Jsonl, None);
    assert!(outcome.is_clean(), "{:?}", outcome.errors);
    for record in &outcome.records {
        let Record::Responsiveness(r) = record else {
            panic!("{record:?}")
        };
        assert_eq!(r.latency_avg_us, Some(18_250.0));
        assert!(r.router_lag_avg_us.is_none() && r.router_latency_avg_us.is_none());
        assert!(r.router_jitter_avg_us.is_none() && r.router_packet_loss_pct.is_none());
        assert!(r.router_latency_count.is_none() && r.router_latency_lost_count.is_none());
        assert!(r.router_lag_count.is_none());
    }
    assert_eq!(outcome.records[0], outcome.records[1]);
}

#[test]
fn lenient_values_and_edge_cases() {
    let body = br#"{"dataset":"scores","city":"Everett","city_name":"Lynnwood","lag_count":2.5,"unresponsive_ms":12.75,"speed_age_ms":1e3,"score_version":2,"orb_score":90,"orb_score":91.5,"timestamp":-1000,"unknown_field":{"a":[1,{"b":null}]},"latitude":null}"#;
    let outcome = parse_push(body, Format::Auto, None);
    assert!(outcome.is_clean(), "{:?}", outcome.errors);
    let Record::Scores(s) = &outcome.records[0] else {
        panic!()
    };
    assert_eq!(s.dimensions.city.as_deref(), Some("Everett"), "city wins");
    assert_eq!(s.lag_count, Some(3), "a fractional count rounds");
    assert_eq!(s.unresponsive_ms, Some(12.75));
    assert_eq!(s.speed_age_ms, Some(1000));
    assert_eq!(s.score_version.as_deref(), Some("2"));
    assert_eq!(s.orb_score, Some(91.5), "the last of a repeated key wins");
    assert_eq!(s.dimensions.latitude, None);
    assert_eq!(
        s.time(),
        std::time::UNIX_EPOCH.checked_sub(std::time::Duration::from_secs(1))
    );
    // `city_name` alone, and escaped keys and values.
    let body = br#"{"dataset":"speed","city\u005fname":"Lynnwood","speed_test_server":"https:\/\/speed.cloudflare.com\/ \"x\""}"#;
    let outcome = parse_push(body, Format::Auto, None);
    let Record::Speed(s) = &outcome.records[0] else {
        panic!("{outcome:?}")
    };
    assert_eq!(s.dimensions.city.as_deref(), Some("Lynnwood"));
    assert_eq!(
        s.speed_test_server.as_deref(),
        Some("https://speed.cloudflare.com/ \"x\"")
    );
    // Out-of-range integers fail the record, not the body.
    let body = b"{\"dataset\":\"speed\",\"timestamp\":1e300}\n{\"dataset\":\"speed\",\"upload_kbps\":18446744073709551615}\n{\"dataset\":\"speed\"}";
    let outcome = parse_push(body, Format::Auto, None);
    assert_eq!(outcome.records.len(), 1);
    assert_eq!(outcome.errors.len(), 2);
}

#[test]
fn typed_records_deserialize_directly() {
    let line = SCORES_JSONL.lines().next().unwrap();
    let direct: ScoresRecord = serde_json::from_str(line).unwrap();
    let Record::Scores(parsed) = parse_push(line.as_bytes(), Format::Auto, None)
        .records
        .remove(0)
    else {
        panic!()
    };
    assert_eq!(direct, parsed);
    let err = serde_json::from_str::<SpeedRecord>(r#"{"download_kbps":"x"}"#).unwrap_err();
    assert!(err.to_string().contains("download_kbps"), "{err}");
    assert!(serde_json::from_str::<SpeedRecord>("[]").is_err());
    let dims: Dimensions = serde_json::from_str(line).unwrap();
    assert_eq!(dims, parsed.dimensions);
}

/// Deterministic mutations of every fixture: whatever the bytes, the parser returns.
#[test]
fn never_panics_on_mutated_bodies() {
    let mut next = crate::test_rng::xorshift(0x2545_f491_4f6c_dd1d);
    let hint = DatasetName::from("wifi_link_1m");
    let alphabet = b"{}[]\",:\\ \n\r0123456789.eE-+tfnulx\xff\x00";
    for fixture in [
        SCORES_JSON,
        SCORES_JSONL,
        RESPONSIVENESS_JSON,
        WEB_JSONL,
        SPEED_JSON,
        WIFI_JSONL,
        ORB_EXAMPLE,
        OLDER_SCORES_WIFI,
    ] {
        for _ in 0..150 {
            let mut body = fixture.as_bytes().to_vec();
            for _ in 0..(next() % 6 + 1) {
                let at = (next() as usize) % body.len();
                match next() % 3 {
                    0 => body[at] = alphabet[(next() as usize) % alphabet.len()],
                    1 => {
                        body.remove(at);
                    }
                    _ => body.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                }
            }
            for format in [Format::Auto, Format::Jsonl, Format::Json] {
                let outcome = parse_push(&body, format, Some(&hint));
                for e in &outcome.errors {
                    assert!(e.span.start <= e.span.end && e.span.end <= body.len());
                    assert!(e.offset <= body.len());
                }
            }
        }
    }
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let body = format!(
        "{{\"dataset\":\"speed\",\"x\":{deep}}}\n{{\"dataset\":\"future\",\"x\":{deep}}}\n{{\"dataset\":\"speed\",\"bssid\":{deep}}}\n{{\"dataset\":\"speed\"}}\n{{\"dataset\":\"speed\",\"x\":{}}}\n",
        "[".repeat(100_000)
    );
    let array = format!("[{}]", body.trim_end().replace('\n', ","));
    for (body, format) in [
        (&body, Format::Jsonl),
        (&body, Format::Auto),
        (&array, Format::Json),
    ] {
        let outcome = parse_push(body.as_bytes(), format, None);
        // An unknown field nested deeply is skipped; a record kept whole (unknown dataset) or a
        // documented field cannot be that deep; the last one closes with the wrong bracket.
        assert_eq!(outcome.records.len(), 2, "{format:?}");
        let kinds: Vec<_> = outcome.errors.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                RecordErrorKind::Syntax,
                RecordErrorKind::InvalidField { field: "bssid" },
                RecordErrorKind::Syntax
            ],
            "{format:?}"
        );
    }
}

/// `Family::fields`, `Record::visit_fields` and `Family::unknown_fields` against serde: every
/// field a fixture record serializes is visited with the same value at its name and a kind that
/// fits it, and every key of the text sent is either a documented field or an unknown one.
#[test]
fn fields_as_data_agree_with_serde_and_the_text_sent() {
    let hint = DatasetName::from("wifi_link_1m");
    for (body, hint) in [
        (SCORES_JSONL, None),
        (RESPONSIVENESS_JSONL, None),
        (WEB_JSONL, None),
        (SPEED_JSONL, None),
        (WIFI_JSONL, Some(&hint)),
        (OLDER_RESPONSIVENESS, None),
    ] {
        let outcome = parse_push(body.as_bytes(), Format::Jsonl, hint);
        assert!(outcome.is_clean());
        assert_eq!(outcome.spans.len(), outcome.records.len());
        let mut typed = 0;
        for (record, span) in outcome.records.iter().zip(&outcome.spans) {
            // (Records of datasets this crate does not know have no fields to visit.)
            let Some(family) = record.family() else {
                continue;
            };
            typed += 1;
            let fields = family.fields();
            let mut visited = serde_json::Map::new();
            record.visit_fields(|i, value| {
                let field = fields[i];
                let json = match (field.kind, value) {
                    (FieldKind::Integer, FieldValue::Integer(v)) => serde_json::json!(v),
                    (FieldKind::Real, FieldValue::Real(v)) => serde_json::json!(v),
                    (FieldKind::Text, FieldValue::Text(v)) => serde_json::json!(v),
                    other => panic!("{}: kind and value differ: {other:?}", field.name),
                };
                assert!(visited.insert(field.name.to_owned(), json).is_none());
            });
            let serialized = serde_json::to_value(record).unwrap();
            assert_eq!(serde_json::Value::Object(visited), serialized, "{family}");
            // Every key sent is documented (or an alias) or kept as unknown.
            let text = &body[span.clone()];
            let sent: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).unwrap();
            let unknown: serde_json::Map<String, serde_json::Value> = family
                .unknown_fields(text)
                .unwrap()
                .map(|u| serde_json::from_str(&u).unwrap())
                .unwrap_or_default();
            for (key, value) in &sent {
                let documented = fields.iter().any(|f| f.name == key) || key == "city_name";
                assert!(
                    documented != unknown.contains_key(key),
                    "{family}: {key} documented={documented}"
                );
                if !documented {
                    assert_eq!(&unknown[key], value);
                }
            }
            assert!(unknown.keys().all(|k| sent.contains_key(k)));
        }
        assert!(typed > 0);
    }
    // Unknown fields are kept in the order and form sent; escaped keys come back escaped.
    let text = r#"{"orb_id":"a","z\"q":1.50,"isp_name":"x","a":null}"#;
    assert_eq!(
        Family::Scores.unknown_fields(text).unwrap().as_deref(),
        Some(r#"{"z\"q":1.50,"a":null}"#)
    );
    assert!(Family::Scores.unknown_fields("[1]").is_err());
    assert_eq!(Family::ALL.map(Family::as_str).len(), 5);
    for family in Family::ALL {
        assert_eq!(Family::parse(family.as_str()), Some(family));
    }
}
