//! What changed between two OpenAPI 3.0 documents, for `cargo xtask regen --check`: one line per
//! change, each marked breaking or compatible for users of the generated Rust crate (structs with
//! pub fields, exhaustive enums, one method per operation).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::http_methods::HTTP_METHODS;

/// Whether a change breaks code that uses the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing code may stop compiling or decoding.
    Breaking,
    /// Existing code keeps working.
    Compatible,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Breaking or compatible.
    pub impact: Impact,
    /// `schema server.X` or `operation GET /path (id)`.
    pub subject: String,
    /// What changed.
    pub detail: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let impact = match self.impact {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
        };
        write!(f, "{impact:<11} {}: {}", self.subject, self.detail)
    }
}

fn empty() -> &'static Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

fn obj(v: Option<&Value>) -> &Map<String, Value> {
    v.and_then(Value::as_object).unwrap_or_else(|| empty())
}

/// The changes from `old` to `new`, sorted.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let renames = schema_changes(old, new, &mut out);
    operation_changes(old, new, &renames, &mut out);
    out.sort();
    out.dedup();
    out
}

fn change(out: &mut Vec<Change>, impact: Impact, subject: &str, detail: String) {
    out.push(Change {
        impact,
        subject: subject.to_string(),
        detail,
    });
}

fn schema_changes(old: &Value, new: &Value, out: &mut Vec<Change>) -> BTreeMap<String, String> {
    let old_s = obj(old.pointer("/components/schemas"));
    let new_s = obj(new.pointer("/components/schemas"));
    let removed: BTreeSet<&String> = old_s.keys().filter(|k| !new_s.contains_key(*k)).collect();
    let added: BTreeSet<&String> = new_s.keys().filter(|k| !old_s.contains_key(*k)).collect();
    // A removed and an added schema with the same shape (refs compared by target) is a rename.
    let mut renames = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for r in &removed {
        let shape = describe_deep(&old_s[r.as_str()]);
        if let Some(a) = added
            .iter()
            .find(|a| !taken.contains(*a) && describe_deep(&new_s[a.as_str()]) == shape)
        {
            taken.insert(*a);
            renames.insert((*r).clone(), (*a).clone());
        }
    }
    for r in &removed {
        match renames.get(*r) {
            Some(a) => change(
                out,
                Impact::Breaking,
                &format!("schema {r}"),
                format!("renamed {r} -> {a}"),
            ),
            None => change(
                out,
                Impact::Breaking,
                &format!("schema {r}"),
                "removed".into(),
            ),
        }
    }
    for a in added.iter().filter(|a| !taken.contains(*a)) {
        change(
            out,
            Impact::Compatible,
            &format!("schema {a}"),
            "added".into(),
        );
    }
    for (name, old_schema) in old_s {
        if let Some(new_schema) = new_s.get(name) {
            compare_schema(
                &format!("schema {name}"),
                "",
                old_schema,
                new_schema,
                &renames,
                out,
            );
        }
    }
    renames
}

fn compare_schema(
    subject: &str,
    at: &str,
    old: &Value,
    new: &Value,
    renames: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    let prefix = if at.is_empty() {
        String::new()
    } else {
        format!("property {at}: ")
    };
    let old_desc = rename_refs(&type_of(old), renames);
    let new_desc = type_of(new);
    let old_props = obj(old.get("properties"));
    let new_props = obj(new.get("properties"));
    let both_objects = !old_props.is_empty() || !new_props.is_empty();
    if !both_objects && old_desc != new_desc {
        let detail = if at.is_empty() {
            format!("retyped: {old_desc} -> {new_desc}")
        } else {
            format!("property {at} retyped: {old_desc} -> {new_desc}")
        };
        change(out, Impact::Breaking, subject, detail);
    } else if both_objects && old.get("nullable") != new.get("nullable") {
        change(
            out,
            Impact::Breaking,
            subject,
            format!("{prefix}nullable changed"),
        );
    }
    enum_changes(subject, &prefix, old, new, out);
    let old_req = required(old);
    let new_req = required(new);
    for (p, old_p) in old_props {
        let path = if at.is_empty() {
            p.clone()
        } else {
            format!("{at}.{p}")
        };
        match new_props.get(p) {
            None => change(
                out,
                Impact::Breaking,
                subject,
                format!("property {path} removed"),
            ),
            Some(new_p) => {
                match (old_req.contains(p), new_req.contains(p)) {
                    (false, true) => change(
                        out,
                        Impact::Breaking,
                        subject,
                        format!("property {path} became required"),
                    ),
                    (true, false) => change(
                        out,
                        Impact::Breaking,
                        subject,
                        format!("property {path} became optional"),
                    ),
                    _ => {}
                }
                compare_schema(subject, &path, old_p, new_p, renames, out);
            }
        }
    }
    for p in new_props.keys().filter(|p| !old_props.contains_key(*p)) {
        let path = if at.is_empty() {
            p.clone()
        } else {
            format!("{at}.{p}")
        };
        let (impact, how) = if new_req.contains(p) {
            (Impact::Breaking, "required")
        } else {
            (Impact::Compatible, "optional")
        };
        change(
            out,
            impact,
            subject,
            format!("property {path} added ({how}, {})", describe(&new_props[p])),
        );
    }
    if let (Some(oi), Some(ni)) = (old.get("items"), new.get("items")) {
        compare_schema(
            subject,
            &format!("{}[]", if at.is_empty() { "items" } else { at }),
            oi,
            ni,
            renames,
            out,
        );
    }
}

fn enum_changes(subject: &str, prefix: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let values = |v: &Value| -> Vec<String> {
        v.get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| x.to_string()).collect())
            .unwrap_or_default()
    };
    let (o, n) = (values(old), values(new));
    if o.is_empty() || n.is_empty() {
        return;
    }
    let added: Vec<&String> = n.iter().filter(|v| !o.contains(v)).collect();
    let removed: Vec<&String> = o.iter().filter(|v| !n.contains(v)).collect();
    let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    if !added.is_empty() {
        change(
            out,
            Impact::Breaking,
            subject,
            format!("{prefix}enum values added: {}", join(added)),
        );
    }
    if !removed.is_empty() {
        change(
            out,
            Impact::Breaking,
            subject,
            format!("{prefix}enum values removed: {}", join(removed)),
        );
    }
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn rename_refs(desc: &str, renames: &BTreeMap<String, String>) -> String {
    let mut out = desc.to_string();
    for (from, to) in renames {
        out = out.replace(&format!("ref {from}"), &format!("ref {to}"));
    }
    out
}

/// Path with parameter names replaced by `{}`, so a renamed parameter is the same operation.
fn path_key(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn operations(doc: &Value) -> BTreeMap<(String, String), (String, &Value, &Value)> {
    let mut ops = BTreeMap::new();
    for (path, item) in obj(doc.get("paths")) {
        for m in HTTP_METHODS {
            if let Some(op) = item.get(m).filter(|o| o.is_object()) {
                ops.insert((path_key(path), m.to_string()), (path.clone(), op, item));
            }
        }
    }
    ops
}

fn params(op: &Value, item: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.retain(|q| !(q.get("name") == p.get("name") && q.get("in") == p.get("in")));
        out.push(p.clone());
    }
    out
}

fn operation_changes(
    old: &Value,
    new: &Value,
    renames: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let name = |m: &str, path: &str, op: &Value| match op.get("operationId").and_then(Value::as_str)
    {
        Some(id) => format!("operation {} {path} ({id})", m.to_uppercase()),
        None => format!("operation {} {path}", m.to_uppercase()),
    };
    for (key, (path, op, _)) in &old_ops {
        if !new_ops.contains_key(key) {
            change(
                out,
                Impact::Breaking,
                &name(&key.1, path, op),
                "removed".into(),
            );
        }
    }
    for (key, (path, op, _)) in &new_ops {
        if !old_ops.contains_key(key) {
            change(
                out,
                Impact::Compatible,
                &name(&key.1, path, op),
                "added".into(),
            );
        }
    }
    for (key, (old_path, old_op, old_item)) in &old_ops {
        let Some((_, new_op, new_item)) = new_ops.get(key) else {
            continue;
        };
        let subject = name(&key.1, old_path, old_op);
        let old_params = params(old_op, old_item);
        let new_params = params(new_op, new_item);
        let find = |ps: &[Value], n: &Value, i: &Value| {
            ps.iter()
                .find(|p| p.get("name") == Some(n) && p.get("in") == Some(i))
                .cloned()
        };
        // Path parameters renamed: same position, different name.
        let path_names = |ps: &[Value]| {
            ps.iter()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
                .collect::<Vec<_>>()
        };
        let (op_names, np_names) = (
            ordered_path_params(old_path),
            ordered_path_params(&new_ops[key].0),
        );
        let mut renamed = BTreeSet::new();
        for (a, b) in op_names.iter().zip(&np_names) {
            if a != b {
                change(
                    out,
                    Impact::Breaking,
                    &subject,
                    format!("parameter renamed {a} -> {b}"),
                );
                renamed.insert(a.clone());
                renamed.insert(b.clone());
            }
        }
        let _ = path_names;
        for p in &old_params {
            let (Some(n), Some(i)) = (p.get("name"), p.get("in")) else {
                continue;
            };
            let pname = n.as_str().unwrap_or("?");
            if renamed.contains(pname) {
                continue;
            }
            match find(&new_params, n, i) {
                None => match new_params.iter().find(|q| q.get("name") == Some(n)) {
                    Some(q) => change(
                        out,
                        Impact::Breaking,
                        &subject,
                        format!(
                            "parameter {pname} moved from {} to {}",
                            i.as_str().unwrap_or("?"),
                            q.get("in").and_then(Value::as_str).unwrap_or("?")
                        ),
                    ),
                    None => change(
                        out,
                        Impact::Breaking,
                        &subject,
                        format!("parameter {pname} removed"),
                    ),
                },
                Some(q) => {
                    let (od, nd) = (
                        rename_refs(&type_of(p.get("schema").unwrap_or(&Value::Null)), renames),
                        type_of(q.get("schema").unwrap_or(&Value::Null)),
                    );
                    if od != nd {
                        change(
                            out,
                            Impact::Breaking,
                            &subject,
                            format!("parameter {pname} retyped: {od} -> {nd}"),
                        );
                    }
                    if p.get("required").and_then(Value::as_bool).unwrap_or(false)
                        != q.get("required").and_then(Value::as_bool).unwrap_or(false)
                    {
                        change(
                            out,
                            Impact::Breaking,
                            &subject,
                            format!("parameter {pname} required changed"),
                        );
                    }
                    if let (Some(os), Some(ns)) = (p.get("schema"), q.get("schema")) {
                        enum_changes(&subject, &format!("parameter {pname}: "), os, ns, out);
                    }
                }
            }
        }
        for q in &new_params {
            let (Some(n), Some(i)) = (q.get("name"), q.get("in")) else {
                continue;
            };
            let pname = n.as_str().unwrap_or("?");
            if renamed.contains(pname) || old_params.iter().any(|p| p.get("name") == Some(n)) {
                continue;
            }
            let _ = i;
            let req = q.get("required").and_then(Value::as_bool).unwrap_or(false);
            let impact = if req {
                Impact::Breaking
            } else {
                Impact::Compatible
            };
            change(
                out,
                impact,
                &subject,
                format!(
                    "parameter {pname} added ({})",
                    if req { "required" } else { "optional" }
                ),
            );
        }
        let body = |op: &Value| {
            op.pointer("/requestBody/content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|m| m.get("schema"))
                .map(describe)
        };
        match (body(old_op).map(|d| rename_refs(&d, renames)), body(new_op)) {
            (None, Some(d)) => change(
                out,
                Impact::Breaking,
                &subject,
                format!("request body added: {d}"),
            ),
            (Some(_), None) => change(
                out,
                Impact::Breaking,
                &subject,
                "request body removed".into(),
            ),
            (Some(a), Some(b)) if a != b => change(
                out,
                Impact::Breaking,
                &subject,
                format!("request body retyped: {a} -> {b}"),
            ),
            _ => {}
        }
        let breq = |op: &Value| {
            op.pointer("/requestBody/required")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if old_op.get("requestBody").is_some()
            && new_op.get("requestBody").is_some()
            && breq(old_op) != breq(new_op)
        {
            change(
                out,
                Impact::Breaking,
                &subject,
                "request body required changed".into(),
            );
        }
        match (
            success(old_op).map(|d| rename_refs(&d, renames)),
            success(new_op),
        ) {
            (None, Some(d)) => change(
                out,
                Impact::Compatible,
                &subject,
                format!("response added: {d}"),
            ),
            (Some(a), None) => change(
                out,
                Impact::Breaking,
                &subject,
                format!("response removed: {a}"),
            ),
            (Some(a), Some(b)) if a != b => change(
                out,
                Impact::Breaking,
                &subject,
                format!("response retyped: {a} -> {b}"),
            ),
            _ => {}
        }
    }
}

fn ordered_path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .collect()
}

/// The lowest 2xx response's schema, described.
fn success(op: &Value) -> Option<String> {
    let responses = obj(op.get("responses"));
    let code = responses.keys().filter(|k| k.starts_with('2')).min()?;
    let content = responses[code].get("content").and_then(Value::as_object)?;
    content
        .values()
        .next()
        .and_then(|m| m.get("schema"))
        .map(describe)
}

/// A short description of a schema's type, with its enum values.
pub fn describe(schema: &Value) -> String {
    describe_with(schema, true)
}

/// The type alone (enum changes are reported on their own lines).
fn type_of(schema: &Value) -> String {
    describe_with(schema, false)
}

fn describe_with(schema: &Value, with_enum: bool) -> String {
    let Some(s) = schema.as_object() else {
        return "any".into();
    };
    let nullable = if s.get("nullable").and_then(Value::as_bool) == Some(true) {
        "?"
    } else {
        ""
    };
    let base = if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        format!(
            "ref {}",
            r.rsplit('/')
                .next()
                .unwrap_or(r)
                .replace("~1", "/")
                .replace("~0", "~")
        )
    } else if let Some(list) = ["oneOf", "anyOf", "allOf"]
        .iter()
        .find_map(|k| s.get(*k).and_then(Value::as_array).map(|l| (*k, l)))
    {
        format!(
            "{}[{}]",
            list.0,
            list.1.iter().map(describe).collect::<Vec<_>>().join(", ")
        )
    } else {
        match s.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "array<{}>",
                s.get("items").map(describe).unwrap_or_else(|| "any".into())
            ),
            Some("object") | None if s.contains_key("properties") => {
                let keys: Vec<&str> = obj(s.get("properties"))
                    .keys()
                    .map(String::as_str)
                    .collect();
                format!("object{{{}}}", keys.join(","))
            }
            Some("object") => match s.get("additionalProperties") {
                Some(Value::Object(ap)) if !ap.is_empty() => {
                    format!("map<string, {}>", describe(&Value::Object(ap.clone())))
                }
                _ => "map<string, any>".into(),
            },
            Some(t) => match s.get("format").and_then(Value::as_str) {
                Some(f) => format!("{t}({f})"),
                None => t.to_string(),
            },
            None => "any".into(),
        }
    };
    let enumerated = match s
        .get("enum")
        .and_then(Value::as_array)
        .filter(|_| with_enum)
    {
        Some(values) => format!(
            " enum[{}]",
            values
                .iter()
                .map(|v| v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    format!("{base}{nullable}{enumerated}")
}

/// Describe with properties' types, for rename detection.
fn describe_deep(schema: &Value) -> String {
    let mut out = describe(schema);
    for (k, v) in obj(schema.get("properties")) {
        out.push_str(&format!(";{k}:{}", describe(v)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schemas: Value, paths: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}})
    }

    fn lines(old: &Value, new: &Value) -> Vec<String> {
        diff(old, new).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn identical_and_reordered_documents_have_no_changes() {
        let a = doc(
            json!({"A": {"type": "object", "properties": {"x": {"type": "string"}}}}),
            json!({}),
        );
        assert!(diff(&a, &a).is_empty());
        assert!(
            diff(
                &json!({}),
                &json!({"paths": 3, "components": {"schemas": {"A": "x"}}})
            )
            .len()
                == 1
        );
    }

    #[test]
    fn schema_and_property_changes() {
        let old = doc(
            json!({
                "A": {"type": "object", "properties": {"x": {"type": "integer"}, "gone": {"type": "string"}, "r": {"type": "string"}}, "required": ["r"]},
                "E": {"type": "string", "enum": ["a", "b"]},
                "Old": {"type": "object", "properties": {"k": {"type": "string"}}},
            }),
            json!({}),
        );
        let new = doc(
            json!({
                "A": {"type": "object", "properties": {"x": {"type": "boolean"}, "r": {"type": "string"}, "n": {"type": "string"}, "m": {"type": "integer"}}, "required": ["m"]},
                "E": {"type": "string", "enum": ["a", "c"]},
                "New": {"type": "object", "properties": {"k": {"type": "string"}}},
                "Fresh": {"type": "string"},
            }),
            json!({}),
        );
        assert_eq!(
            lines(&old, &new),
            vec![
                "breaking    schema A: property gone removed",
                "breaking    schema A: property m added (required, integer)",
                "breaking    schema A: property r became optional",
                "breaking    schema A: property x retyped: integer -> boolean",
                "breaking    schema E: enum values added: \"c\"",
                "breaking    schema E: enum values removed: \"b\"",
                "breaking    schema Old: renamed Old -> New",
                "compatible  schema A: property n added (optional, string)",
                "compatible  schema Fresh: added",
            ]
        );
    }

    #[test]
    fn operation_and_parameter_changes() {
        let op = |params: Value, resp: Value| json!({"operationId": "op", "parameters": params, "responses": {"200": {"description": "", "content": {"application/json": {"schema": resp}}}}});
        let old = doc(
            json!({}),
            json!({
                "/a/{id}": {"get": op(json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "q", "in": "query", "schema": {"type": "integer"}}]), json!({"type": "string"}))},
                "/gone": {"delete": {"responses": {}}},
            }),
        );
        let new = doc(
            json!({}),
            json!({
                "/a/{key}": {"get": op(json!([{"name": "key", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "q", "in": "query", "schema": {"type": "string"}}, {"name": "p", "in": "query", "required": true, "schema": {"type": "string"}}]), json!({"type": "integer"}))},
                "/new": {"post": {"responses": {}}},
            }),
        );
        assert_eq!(
            lines(&old, &new),
            vec![
                "breaking    operation DELETE /gone: removed",
                "breaking    operation GET /a/{id} (op): parameter p added (required)",
                "breaking    operation GET /a/{id} (op): parameter q retyped: integer -> string",
                "breaking    operation GET /a/{id} (op): parameter renamed id -> key",
                "breaking    operation GET /a/{id} (op): response retyped: string -> integer",
                "compatible  operation POST /new: added",
            ]
        );
    }

    #[test]
    fn describes_types() {
        assert_eq!(
            describe(&json!({"type": "array", "items": {"$ref": "#/components/schemas/server.X"}})),
            "array<ref server.X>"
        );
        assert_eq!(
            describe(
                &json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}})
            ),
            "map<string, array<string>>"
        );
        assert_eq!(
            describe(&json!({"type": "integer", "format": "int64", "nullable": true})),
            "integer(int64)?"
        );
        assert_eq!(
            describe(&json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})),
            "oneOf[string, integer]"
        );
        assert_eq!(describe(&json!({})), "any");
        assert_eq!(describe(&json!("garbage")), "any");
    }
}
