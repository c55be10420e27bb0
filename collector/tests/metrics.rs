//! `/metrics` against silent and excess connections: closed by the header timeout and the
//! connection cap, and scrapes still answered.

use std::time::Duration;

use orb_collector::metrics::{serve_with, ServeLimits};
use orb_collector::store::StoreSpec;
use orb_collector::{receive, ReceiveOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes: the bytes it sent (`None` if it has not closed within 5 s).
async fn closed_within(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return std::mem::take(&mut got),
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_excess_connections_are_closed_and_scrapes_answered() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = ReceiveOptions::new("127.0.0.1:0");
    options.store = StoreSpec::Sqlite(dir.path().join("m.sqlite"));
    let running = receive(options).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut limits = ServeLimits::default();
    limits.header_timeout = Duration::from_secs(2);
    limits.max_connections = 2;
    let server = serve_with(listener, running.metrics(), limits);
    let url = format!("http://{addr}/metrics");

    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(
        text.contains("orb_collector_records_stored_total 0"),
        "{text}"
    );

    // Two connections that say nothing hold both places; a third is closed at once. (Any
    // program on this machine may connect to the port too and take a place for a moment: a
    // silent connection refused for that is replaced until both hold.)
    let is_open = |s: &TcpStream| {
        let mut probe = [0u8; 1];
        matches!(s.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    };
    let mut silent: Vec<TcpStream> = Vec::new();
    for _ in 0..20 {
        silent.retain(|s| is_open(s));
        while silent.len() < 2 {
            silent.push(TcpStream::connect(addr).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if silent.iter().all(&is_open) {
            break;
        }
    }
    assert!(silent.iter().all(&is_open), "two silent connections held");
    let mut third = TcpStream::connect(addr).await.unwrap();
    let _ = third
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let answer = closed_within(&mut third).await.expect("closed");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // ... while the two silent ones still hold their places (not closed yet).
    assert!(
        silent.iter().all(&is_open),
        "a silent connection was closed before the excess one"
    );
    // The silent ones go at the header timeout (within 5 s).
    for s in &mut silent {
        closed_within(s)
            .await
            .expect("closed by the header timeout");
    }
    // Room again: a scrape is answered.
    let answer = reqwest::get(&url).await.unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    assert!(
        text.contains("orb_collector_records_stored_total 0"),
        "{text}"
    );
    server.abort();
    running.shutdown().await.unwrap();
}
