//! Parse throughput of push bodies: records/s and MB/s, jsonl and json, one core.
//!
//! `cargo bench -p orb-cloud --bench datasets` (results in BENCHMARKS.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use orb_cloud::datasets::{parse_push, Format};

/// A realistic mix: the documented families in the proportions a device pushing
/// `responsiveness_1s`, `scores_1m` and `speed_results` sends, built from the fixtures.
fn lines() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/datasets");
    let mut out = Vec::new();
    for name in [
        "responsiveness_1s",
        "scores_1m",
        "speed_results",
        "web_responsiveness_results",
        "wifi_link_1m",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{name}.jsonl")).expect("fixture");
        out.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    assert!(!out.is_empty());
    out
}

fn bodies(n: usize) -> (Vec<u8>, Vec<u8>) {
    let lines = lines();
    let picked: Vec<&str> = (0..n).map(|i| lines[i % lines.len()].as_str()).collect();
    let jsonl = picked.join("\n").into_bytes();
    let json = format!("[{}]", picked.join(",")).into_bytes();
    (jsonl, json)
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_push");
    for n in [1_000usize, 10_000] {
        let (jsonl, json) = bodies(n);
        for (format, body) in [(Format::Jsonl, &jsonl), (Format::Json, &json)] {
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{format}/records"), n),
                body,
                |b, body| {
                    b.iter(|| {
                        let outcome = parse_push(body, format, None);
                        assert_eq!(outcome.records.len(), n);
                        outcome
                    })
                },
            );
            group.throughput(Throughput::Bytes(body.len() as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{format}/bytes"), n),
                body,
                |b, body| b.iter(|| parse_push(body, format, None)),
            );
        }
    }
    group.finish();
}

/// The floors to compare with: serde_json scanning the same bodies without building anything,
/// and into `serde_json::Value`.
fn baseline(c: &mut Criterion) {
    let mut group = c.benchmark_group("baseline");
    let n = 10_000usize;
    let (jsonl, json) = bodies(n);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("jsonl/ignored_any", n), |b| {
        b.iter(|| {
            serde_json::Deserializer::from_slice(&jsonl)
                .into_iter::<serde::de::IgnoredAny>()
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("json/value", n), |b| {
        b.iter(|| serde_json::from_slice::<Vec<serde_json::Value>>(&json).map(|v| v.len()))
    });
    group.finish();
}

criterion_group!(benches, parse, baseline);
criterion_main!(benches);
