//! The API key appears nowhere: not in `Debug` of the client or builder, not in any error, not in
//! logs at any level, even when a hostile server echoes it back.

use std::io::Write;
use std::sync::{Arc, Mutex};

use orb_cloud::{OrbCloud, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "orb-ok1-TOPSECRET-7f3a9c2e";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_never_leaks() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let echo = format!(r#"{{"message": "bad key {KEY}", "code": "{KEY}"}}"#);
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(401).set_body_string(echo.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/o/devices"))
        .respond_with(ResponseTemplate::new(503).set_body_string(echo))
        .mount(&server)
        .await;

    let builder = OrbCloud::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry(RetryPolicy::standard().base_delay(std::time::Duration::from_millis(1)));
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let mut texts = vec![
        builder_debug,
        format!("{client:?}"),
        format!("{:?}", client.raw()),
    ];
    for e in [
        client.organizations().list().await.unwrap_err(),
        client.organization("o").devices().list().await.unwrap_err(),
    ] {
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
    }
    let e = OrbCloud::builder()
        .api_key(format!("{KEY}\u{0}"))
        .build()
        .unwrap_err();
    texts.push(e.to_string());
    texts.push(format!("{e:?}"));
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("orb_cloud.request"),
        "spans were logged: {logs}"
    );
    assert!(logs.contains("attempt failed, retrying"), "{logs}");
    texts.push(logs);
    for text in &texts {
        assert!(!text.contains("TOPSECRET"), "the key leaked into: {text}");
    }
    assert!(
        texts[3].contains("[redacted]"),
        "the echoed key is replaced: {}",
        texts[3]
    );
}
