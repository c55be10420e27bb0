//! Every typed call sends the request the spec gives its operation: each request the hand-written
//! client makes matches exactly one operation of `spec/openapi.json` (method and path template,
//! path parameters encoded), every operation of the spec is reached by some typed call, and a body
//! goes where the spec has one. The spec is read at run time, so the test checks the client
//! against whatever document it was built from (the upstream-change tests build it against
//! edited ones).
//!
//! Also here: per-call options.

use std::time::Duration;

use orb_cloud::header::{HeaderName, HeaderValue};
use orb_cloud::{
    DeviceConfig, Error, OrbCloud, RequestOptions, RetryPolicy, SpeedTest, TempDatasets,
};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "orb-ok1-typed-calls-0123456789";
/// Ids that need percent-encoding in a path: the spec's encoding must be applied.
const ORG: &str = "org 1/é";
const ORB: &str = "cjwbntmuy97ta4rx3mbrjf2gj8j7";

struct SpecOperation {
    id: String,
    method: String,
    template: String,
    has_body: bool,
    answers_array: bool,
}

fn spec() -> Vec<SpecOperation> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openapi.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("operationId").is_none() {
                continue;
            }
            let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
            out.push(SpecOperation {
                id: op["operationId"].as_str().unwrap().to_string(),
                method: method.to_uppercase(),
                template: template.clone(),
                has_body: op.get("requestBody").is_some(),
                answers_array: schema["type"] == "array",
            });
        }
    }
    assert!(!out.is_empty(), "the spec has operations");
    out
}

/// The path parameters of `path` if it matches `template`, decoded.
fn matches(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, p) in t.iter().zip(&p) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(name) if !p.is_empty() => {
                let value = percent_encoding::percent_decode_str(p).decode_utf8().ok()?;
                params.push((name.to_string(), value.into_owned()));
            }
            Some(_) => return None,
            None if t == p => {}
            None => return None,
        }
    }
    Some(params)
}

/// Answers each request with an empty value of its operation's response type.
struct EmptyAnswers(Vec<SpecOperation>);

impl Respond for EmptyAnswers {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let op = self.0.iter().find(|op| {
            op.method == request.method.as_str()
                && matches(&op.template, request.url.path()).is_some()
        });
        match op {
            Some(op) if op.answers_array => {
                ResponseTemplate::new(200).set_body_json(Vec::<()>::new())
            }
            Some(_) => ResponseTemplate::new(200).set_body_json(serde_json::json!({})),
            None => ResponseTemplate::new(404),
        }
    }
}

fn client(server: &MockServer) -> OrbCloud {
    OrbCloud::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_typed_call_sends_what_the_spec_says_and_every_operation_is_reached() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(EmptyAnswers(spec()))
        .mount(&server)
        .await;
    let client = client(&server);
    let push = TempDatasets::push_to(
        "https://collector.example/orb",
        ["scores_1m"],
        "5m".parse().unwrap(),
    );
    let mut patch = DeviceConfig::default();
    patch.set("orb.identifiable_level", ["minimal"]);

    client.organizations().list().await.unwrap();
    let org = client.organization(ORG);
    org.devices().list().await.unwrap();
    org.devices().list_lenient().await.unwrap();
    org.configurations().await.unwrap();
    let device = org.device(ORB);
    device.config().get().await.unwrap();
    device.config().patch(&patch).await.unwrap();
    device.config().reset(None).await.unwrap();
    device.temp_datasets(&push).await.unwrap();
    device.speed_test(SpeedTest::Content).await.unwrap();
    let alone = client.device(ORB);
    alone.temp_datasets(&push).await.unwrap();
    alone.speed_test(SpeedTest::Top).await.unwrap();

    let spec = spec();
    let mut reached = std::collections::BTreeSet::new();
    for request in server.received_requests().await.unwrap() {
        let path = request.url.path();
        let found: Vec<&SpecOperation> = spec
            .iter()
            .filter(|op| {
                op.method == request.method.as_str() && matches(&op.template, path).is_some()
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{} {path} matches {} operations of the spec",
            request.method,
            found.len()
        );
        let op = found[0];
        for (name, value) in matches(&op.template, path).unwrap() {
            assert!(
                [ORG, ORB, "content", "top"].contains(&value.as_str()),
                "{}: path parameter {name} = {value:?}",
                op.id
            );
        }
        if op.has_body {
            serde_json::from_slice::<Value>(&request.body)
                .unwrap_or_else(|e| panic!("{}: the body is not JSON: {e}", op.id));
        } else {
            assert!(
                request.body.is_empty(),
                "{}: a body the spec does not have",
                op.id
            );
        }
        reached.insert(op.id.clone());
    }
    let all: std::collections::BTreeSet<String> = spec.iter().map(|op| op.id.clone()).collect();
    assert_eq!(
        reached, all,
        "every operation of the spec is reached by a typed call"
    );
}

#[tokio::test]
async fn generated_builders_go_through_the_typed_path_with_send() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!([{"name": "Acme"}])),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let orgs = client
        .send(client.raw().get_v2_organizations())
        .await
        .unwrap();
    assert_eq!(orgs[0].name.as_deref(), Some("Acme"));
    // A parameter left unset is refused before anything is sent, naming the operation.
    let e = client
        .send(client.raw().get_v2_organization_devices())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    assert!(e.to_string().contains("list devices"), "{e}");
}

#[tokio::test]
async fn an_empty_id_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let client = client(&server);
    let unnamed = orb_cloud::Organization::default();
    let e = client
        .organization(&unnamed)
        .devices()
        .list()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid organization id"), "{e}");
    let e = client
        .device("")
        .speed_test(SpeedTest::Top)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid orb id"), "{e}");
    // The config needs the organization.
    let e = client.device(ORB).config().get().await.unwrap_err();
    assert!(
        e.to_string().contains("client.organization(ORG).device("),
        "{e}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn options_apply_to_the_calls_made_through_them_only() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .and(header("x-trace-id", "abc123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<()>::new()))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/slow/devices"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(Vec::<()>::new())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry(
            RetryPolicy::standard()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let traced = client.with_options(RequestOptions::new().header(
        HeaderName::from_static("x-trace-id"),
        HeaderValue::from_static("abc123"),
    ));
    traced.organizations().list().await.unwrap();
    // Through the raw client too.
    traced.raw().get_v2_organizations().send().await.unwrap();
    let before = server.received_requests().await.unwrap().len();
    // The client itself is unchanged: no header, so 503, retried three times.
    let e = client.organizations().list().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), before + 3);
    // One attempt only, for this call.
    let once = client.with_options(RequestOptions::new().retry(RetryPolicy::disabled()));
    once.organizations().list().await.unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), before + 4);
    // A shorter attempt timeout, for this call.
    let quick = client.with_options(
        RequestOptions::new()
            .attempt_timeout(Duration::from_millis(100))
            .retry(RetryPolicy::disabled()),
    );
    let e = quick
        .organization("slow")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout { timeout, .. } if timeout == Duration::from_millis(100)),
        "{e}"
    );
}
