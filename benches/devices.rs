//! Decoding listed devices: `Device::from_json` (the parser for the shape Orb sends, which
//! device listings use) against serde's derived `Deserialize`, one core.
//!
//! `cargo bench -p orb-cloud --bench devices` (results in BENCHMARKS.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use orb_cloud::Device;

/// 1,000 elements of a listing, as the array decoder hands them out: the fixture device (three
/// Orb Score trees, summary tags, about 3.6 KB) with its id, name and numbers varied.
fn elements(n: usize) -> Vec<String> {
    let fixture = include_str!("../tests/fixtures/device.json").trim();
    (0..n)
        .map(|i| {
            fixture
                .replace("z332x1cpg278ci91er9r5ryfp4cz", &format!("{i:0>28}"))
                .replace("Dallas Store 01", &format!("Store {i}"))
                .replace("0.9", &format!("0.{}", 9 - i % 7))
                .replace("60000", &format!("{}", 60000 + i))
        })
        .collect()
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("devices");
    let n = 1_000;
    let elements = elements(n);
    let bytes: usize = elements.iter().map(String::len).sum();
    for (name, decode) in [
        (
            "Device::from_json",
            Device::from_json as fn(&str) -> serde_json::Result<Device>,
        ),
        ("serde_json::from_str", |t: &str| {
            serde_json::from_str::<Device>(t)
        }),
    ] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new(name, "devices"), |b| {
            b.iter(|| {
                let out: Vec<Device> = elements.iter().map(|e| decode(e).unwrap()).collect();
                out
            })
        });
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(BenchmarkId::new(name, "bytes"), |b| {
            b.iter(|| {
                let out: Vec<Device> = elements.iter().map(|e| decode(e).unwrap()).collect();
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
