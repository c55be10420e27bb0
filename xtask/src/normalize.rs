//! Deterministic normalization of an OpenAPI 3.0 document, so that the same upstream document always
//! yields byte-identical `spec/openapi.json`, and so that progenitor gets what it needs: an
//! operationId on every operation and JSON content types it understands.
//!
//! These are mechanical, upstream-independent steps. Repairs that depend on what Orb's document says
//! are fixups (`spec/fixups.yaml`), not code here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::http_methods::HTTP_METHODS;

/// Why a document cannot be normalized.
#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    /// The document has no `paths` object.
    #[error("the document has no `paths` object: it describes no operations")]
    NoPaths,
    /// A path item is not an object.
    #[error("path {0} is not an object")]
    BadPathItem(String),
}

/// The normalized document and what normalization did, for the regen log.
#[derive(Debug)]
pub struct Normalized {
    /// The document, every object's keys sorted.
    pub doc: Value,
    /// One line per change made (operationIds given, content types dropped).
    pub notes: Vec<String>,
}

/// Normalize `doc` (already OpenAPI 3.0).
pub fn normalize(mut doc: Value) -> Result<Normalized, NormalizeError> {
    let mut notes = Vec::new();
    let paths = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or(NormalizeError::NoPaths)?;
    for (path, item) in paths.iter() {
        if !item.is_object() {
            return Err(NormalizeError::BadPathItem(path.clone()));
        }
    }
    assign_operation_ids(paths, &mut notes);
    for (path, item) in paths.iter_mut() {
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let at = format!("{} {path}", method.to_uppercase());
            if let Some(content) = op
                .get_mut("requestBody")
                .and_then(|b| b.get_mut("content"))
                .and_then(Value::as_object_mut)
            {
                prefer_json(content, &format!("{at} request body"), &mut notes);
            }
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for (status, response) in responses.iter_mut() {
                    if let Some(content) =
                        response.get_mut("content").and_then(Value::as_object_mut)
                    {
                        prefer_json(content, &format!("{at} response {status}"), &mut notes);
                    }
                }
            }
        }
    }
    Ok(Normalized {
        doc: sort_keys(doc),
        notes,
    })
}

/// Give every operation without one a stable operationId derived from its method and path.
///
/// `GET /api/v2/organization/{organization_id}/devices` becomes `get_v2_organization_devices`: the
/// `api` prefix and path parameters are left out. Where two operations would get the same id, both
/// spell their parameters (`..._by_organization_id_...`); where that still collides, a counter in
/// path order settles it. Ids depend only on the set of paths, never on key order.
fn assign_operation_ids(paths: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut missing: Vec<(String, &'static str)> = Vec::new();
    let mut sorted: Vec<&String> = paths.keys().collect();
    sorted.sort();
    for path in sorted {
        for method in HTTP_METHODS {
            let Some(op) = paths.get(path).and_then(|i| i.get(method)) else {
                continue;
            };
            match op.get("operationId").and_then(Value::as_str) {
                Some(id) if !id.trim().is_empty() => {
                    taken.insert(id.to_string());
                }
                _ => missing.push((path.clone(), method)),
            }
        }
    }
    let short: Vec<String> = missing
        .iter()
        .map(|(p, m)| derive_id(m, p, false))
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &short {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    for ((path, method), short_id) in missing.iter().zip(&short) {
        let base = if counts.get(short_id.as_str()).copied().unwrap_or(0) > 1
            || taken.contains(short_id)
        {
            derive_id(method, path, true)
        } else {
            short_id.clone()
        };
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(id.clone());
        notes.push(format!(
            "operationId {id} given to {} {path}",
            method.to_uppercase()
        ));
        if let Some(op) = paths
            .get_mut(path)
            .and_then(|i| i.get_mut(*method))
            .and_then(Value::as_object_mut)
        {
            op.insert("operationId".into(), Value::String(id));
        }
    }
}

fn derive_id(method: &str, path: &str, with_params: bool) -> String {
    let mut parts = vec![method.to_string()];
    for (i, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        if i == 0 && segment.eq_ignore_ascii_case("api") {
            continue;
        }
        if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if with_params {
                parts.push(format!("by_{}", snake(param)));
            }
            continue;
        }
        let s = snake(segment);
        if !s.is_empty() {
            parts.push(s);
        }
    }
    parts.join("_")
}

/// `orbID` -> `orb_id`, `trigger-speedtest` -> `trigger_speedtest`.
fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

/// progenitor generates one body type per operation: when JSON is offered, keep only JSON;
/// `*/*` (which swaggo emits) is read as JSON.
fn prefer_json(content: &mut Map<String, Value>, at: &str, notes: &mut Vec<String>) {
    if content.len() == 1 {
        if let Some(schema) = content.remove("*/*") {
            content.insert("application/json".into(), schema);
            notes.push(format!("{at}: content type */* read as application/json"));
        }
        return;
    }
    let json = content
        .keys()
        .find(|k| k.eq_ignore_ascii_case("application/json"))
        .cloned()
        .or_else(|| content.keys().find(|k| is_json_type(k)).cloned());
    if let Some(json) = json {
        let dropped: Vec<String> = content.keys().filter(|k| **k != json).cloned().collect();
        content.retain(|k, _| *k == json);
        notes.push(format!("{at}: kept {json}, dropped {}", dropped.join(", ")));
    }
}

fn is_json_type(content_type: &str) -> bool {
    let t = content_type.to_ascii_lowercase();
    t.starts_with("application/json") || (t.starts_with("application/") && t.contains("+json"))
}

/// Rebuild every object with its keys in sorted order, whatever the Map implementation keeps.
pub fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// The canonical text of a document: pretty JSON, sorted keys, trailing newline.
pub fn to_canonical_json(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sort_keys(doc.clone())).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(doc: &Value) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((
                    method.clone(),
                    path.clone(),
                    op["operationId"].as_str().unwrap().to_string(),
                ));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn derives_short_ids_without_api_prefix_and_parameters() {
        let doc = json!({"paths": {
            "/api/v2/organization/{organization_id}/devices": {"get": {"responses": {}}},
            "/api/v2/device/{orbID}/trigger-speedtest/{testType}": {"post": {"responses": {}}},
        }});
        let n = normalize(doc).unwrap();
        assert_eq!(
            ids(&n.doc),
            vec![
                (
                    "get".into(),
                    "/api/v2/organization/{organization_id}/devices".into(),
                    "get_v2_organization_devices".into()
                ),
                (
                    "post".into(),
                    "/api/v2/device/{orbID}/trigger-speedtest/{testType}".into(),
                    "post_v2_device_trigger_speedtest".into()
                ),
            ]
        );
    }

    #[test]
    fn colliding_ids_spell_their_parameters() {
        let doc = json!({"paths": {
            "/a/{x}/b": {"get": {"responses": {}}},
            "/a/b": {"get": {"responses": {}}},
            "/c": {"get": {"operationId": "getThing", "responses": {}}},
        }});
        let n = normalize(doc).unwrap();
        let got: Vec<String> = ids(&n.doc).into_iter().map(|t| t.2).collect();
        assert_eq!(got, vec!["get_a_b", "get_a_by_x_b", "getThing"]);
    }

    #[test]
    fn existing_ids_are_kept_and_never_duplicated() {
        let doc = json!({"paths": {
            "/x": {"get": {"operationId": "get_x", "responses": {}}},
            "/x/{id}": {"get": {"responses": {}}},
        }});
        let n = normalize(doc).unwrap();
        let got: Vec<String> = ids(&n.doc).into_iter().map(|t| t.2).collect();
        assert_eq!(got, vec!["get_x", "get_x_by_id"]);
    }

    #[test]
    fn same_input_in_any_key_order_gives_identical_text() {
        let a: Value = serde_json::from_str(r#"{"paths":{"/b":{"get":{"responses":{}}},"/a":{"post":{"responses":{}}}},"info":{"title":"t","version":"1"},"openapi":"3.0.3"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"openapi":"3.0.3","info":{"version":"1","title":"t"},"paths":{"/a":{"post":{"responses":{}}},"/b":{"get":{"responses":{}}}}}"#).unwrap();
        let ta = to_canonical_json(&normalize(a).unwrap().doc);
        let tb = to_canonical_json(&normalize(b).unwrap().doc);
        assert_eq!(ta, tb);
        let again = to_canonical_json(&normalize(serde_json::from_str(&ta).unwrap()).unwrap().doc);
        assert_eq!(ta, again, "normalizing twice changes nothing");
    }

    #[test]
    fn json_is_preferred_and_star_star_read_as_json() {
        let doc = json!({"paths": {"/x": {"post": {
            "requestBody": {"content": {"application/xml": {}, "application/json": {"schema": {"type": "string"}}}},
            "responses": {"200": {"description": "", "content": {"*/*": {"schema": {"type": "integer"}}}}}
        }}}});
        let n = normalize(doc).unwrap();
        let op = &n.doc["paths"]["/x"]["post"];
        assert_eq!(
            op["requestBody"]["content"],
            json!({"application/json": {"schema": {"type": "string"}}})
        );
        assert_eq!(
            op["responses"]["200"]["content"],
            json!({"application/json": {"schema": {"type": "integer"}}})
        );
        assert_eq!(n.notes.len(), 3, "{:?}", n.notes);
    }

    #[test]
    fn refuses_documents_without_paths() {
        assert!(matches!(
            normalize(json!({"openapi": "3.0.3"})),
            Err(NormalizeError::NoPaths)
        ));
        assert!(matches!(
            normalize(json!({"paths": {"/x": 3}})),
            Err(NormalizeError::BadPathItem(_))
        ));
    }

    #[test]
    fn snake_case_of_path_segments() {
        assert_eq!(snake("orbID"), "orb_id");
        assert_eq!(snake("trigger-speedtest"), "trigger_speedtest");
        assert_eq!(snake("temp-datasets"), "temp_datasets");
        assert_eq!(snake("v2"), "v2");
    }
}
