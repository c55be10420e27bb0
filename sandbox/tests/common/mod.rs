//! Helpers shared by the integration tests: an HTTP client, a push receiver, a schema validator.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use openapiv3::{AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Upper bound of every wait in the tests.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub content_type: String,
    pub body: Bytes,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Received {
    /// The records of the body, in `jsonl` or `json` format.
    pub fn records(&self) -> Vec<Value> {
        if self.content_type.contains("ndjson") {
            std::str::from_utf8(&self.body)
                .expect("utf-8")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).expect("jsonl line"))
                .collect()
        } else {
            match serde_json::from_slice::<Value>(&self.body).expect("json body") {
                Value::Array(a) => a,
                other => panic!("json push body is not an array: {other}"),
            }
        }
    }
}

/// An HTTP endpoint on 127.0.0.1 that collects pushed bodies and answers scripted statuses
/// (then 200).
pub struct Receiver {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<Received>,
    stop: CancellationToken,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Receiver {
        let script = Arc::new(Mutex::new(
            script.iter().copied().collect::<VecDeque<u16>>(),
        ));
        let (tx, rx) = mpsc::unbounded_channel();
        let app = Router::new().route(
            "/ingest",
            post(move |headers: HeaderMap, body: Bytes| {
                let script = script.clone();
                let tx = tx.clone();
                async move {
                    let status = script.lock().unwrap().pop_front().unwrap_or(200);
                    let content_type = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let _ = tx.send(Received {
                        content_type,
                        body,
                        answered: status,
                    });
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let s = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { s.cancelled().await })
                .await;
        });
        Receiver {
            url: format!("http://{addr}/ingest?token=t0ken"),
            rx,
            stop,
        }
    }

    /// The next POST, or panic after [`WAIT`].
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(WAIT, self.rx.recv())
            .await
            .expect("timed out waiting for a push")
            .expect("receiver closed")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The normalized spec the SDK is generated from.
pub fn spec() -> OpenAPI {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.json");
    let text = std::fs::read_to_string(path).expect("spec/openapi.json next to the sandbox crate");
    serde_json::from_str(&text).expect("openapi.json parses")
}

fn resolve_name<'a>(spec: &'a OpenAPI, reference: &str) -> &'a Schema {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .expect("local schema ref");
    match spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .expect("ref target exists")
    {
        ReferenceOr::Item(s) => s,
        ReferenceOr::Reference { reference } => resolve_name(spec, reference),
    }
}

fn resolve<'a>(spec: &'a OpenAPI, r: &'a ReferenceOr<Schema>) -> &'a Schema {
    match r {
        ReferenceOr::Item(s) => s,
        ReferenceOr::Reference { reference } => resolve_name(spec, reference),
    }
}

fn resolve_boxed<'a>(spec: &'a OpenAPI, r: &'a ReferenceOr<Box<Schema>>) -> &'a Schema {
    match r {
        ReferenceOr::Item(s) => s,
        ReferenceOr::Reference { reference } => resolve_name(spec, reference),
    }
}

/// Validates `v` against `schema`: types of every present property, arrays, refs, nullability,
/// enums, oneOf/anyOf/allOf, required properties and additionalProperties.
pub fn validate(spec: &OpenAPI, schema: &Schema, v: &Value, at: &str, errs: &mut Vec<String>) {
    if v.is_null() {
        let any = matches!(&schema.schema_kind, SchemaKind::Any(a) if a.typ.is_none());
        if !schema.schema_data.nullable && !any {
            errs.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match v.as_str() {
            None => errs.push(format!("{at}: expected string, got {v}")),
            Some(x) => {
                if !s.enumeration.is_empty()
                    && !s.enumeration.iter().any(|e| e.as_deref() == Some(x))
                {
                    errs.push(format!("{at}: {x:?} not in enum"));
                }
            }
        },
        SchemaKind::Type(Type::Integer(_)) => {
            if !(v.is_i64() || v.is_u64()) {
                errs.push(format!("{at}: expected integer, got {v}"));
            }
        }
        SchemaKind::Type(Type::Number(_)) => {
            if !v.is_number() {
                errs.push(format!("{at}: expected number, got {v}"));
            }
        }
        SchemaKind::Type(Type::Boolean(_)) => {
            if !v.is_boolean() {
                errs.push(format!("{at}: expected boolean, got {v}"));
            }
        }
        SchemaKind::Type(Type::Array(a)) => match v.as_array() {
            None => errs.push(format!("{at}: expected array, got {v}")),
            Some(items) => {
                if let Some(item_schema) = &a.items {
                    let s = resolve_boxed(spec, item_schema);
                    for (i, item) in items.iter().enumerate() {
                        validate(spec, s, item, &format!("{at}[{i}]"), errs);
                    }
                }
            }
        },
        SchemaKind::Type(Type::Object(o)) => match v.as_object() {
            None => errs.push(format!("{at}: expected object, got {v}")),
            Some(map) => {
                for req in &o.required {
                    if !map.contains_key(req) {
                        errs.push(format!("{at}: missing required {req}"));
                    }
                }
                for (k, val) in map {
                    match o.properties.get(k) {
                        Some(p) => validate(
                            spec,
                            resolve_boxed(spec, p),
                            val,
                            &format!("{at}.{k}"),
                            errs,
                        ),
                        None => match &o.additional_properties {
                            Some(AdditionalProperties::Schema(s)) => {
                                validate(spec, resolve(spec, s), val, &format!("{at}.{k}"), errs)
                            }
                            Some(AdditionalProperties::Any(false)) => {
                                errs.push(format!("{at}: unexpected property {k}"))
                            }
                            _ => {}
                        },
                    }
                }
            }
        },
        SchemaKind::OneOf { one_of } => {
            let ok = one_of
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    validate(spec, resolve(spec, s), v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if ok != 1 {
                errs.push(format!("{at}: matches {ok} of oneOf"));
            }
        }
        SchemaKind::AnyOf { any_of } => {
            let ok = any_of.iter().any(|s| {
                let mut e = Vec::new();
                validate(spec, resolve(spec, s), v, at, &mut e);
                e.is_empty()
            });
            if !ok {
                errs.push(format!("{at}: matches none of anyOf"));
            }
        }
        SchemaKind::AllOf { all_of } => {
            for s in all_of {
                validate(spec, resolve(spec, s), v, at, errs);
            }
        }
        SchemaKind::Not { .. } => {}
        SchemaKind::Any(a) => {
            let ok = match a.typ.as_deref() {
                None => true,
                Some("object") => v.is_object(),
                Some("array") => v.is_array(),
                Some("string") => v.is_string(),
                Some("integer") => v.is_i64() || v.is_u64(),
                Some("number") => v.is_number(),
                Some("boolean") => v.is_boolean(),
                Some(_) => true,
            };
            if !ok {
                errs.push(format!("{at}: expected {:?}, got {v}", a.typ));
            }
        }
    }
}

/// The 200 response schema of an operation of the spec.
pub fn response_schema<'a>(spec: &'a OpenAPI, path: &str, method: &str) -> &'a Schema {
    let item = match spec.paths.paths.get(path).expect("path in spec") {
        ReferenceOr::Item(i) => i,
        _ => panic!("path ref"),
    };
    let op = match method {
        "GET" => item.get.as_ref(),
        "POST" => item.post.as_ref(),
        "PATCH" => item.patch.as_ref(),
        "DELETE" => item.delete.as_ref(),
        _ => None,
    }
    .unwrap_or_else(|| panic!("{method} {path} in spec"));
    let resp = match op
        .responses
        .responses
        .get(&openapiv3::StatusCode::Code(200))
        .expect("200 response")
    {
        ReferenceOr::Item(r) => r,
        _ => panic!("response ref"),
    };
    let media = resp.content.get("application/json").expect("json content");
    resolve(spec, media.schema.as_ref().expect("schema"))
}

/// Every (METHOD, path template) of the spec.
pub fn spec_operations(spec: &OpenAPI) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (m, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
            ("PUT", &item.put),
        ] {
            if op.is_some() {
                out.push((m.to_string(), path.clone()));
            }
        }
    }
    out.sort();
    out
}

/// Orb's error body: `{"message": string, "code": string}`.
pub fn assert_error_body(v: &Value, code: &str) {
    assert!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {v}"
    );
    assert_eq!(v["code"], code, "code in {v}");
}
