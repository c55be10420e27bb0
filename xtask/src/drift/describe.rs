//! Short descriptions of a schema's type (`array of ref server.Device`, `string enum [a, b]`),
//! shared by the drift lines and the API-surface snapshot.

use serde_json::Value;

use super::json::obj;

/// A short description of a schema's type, with its enum values.
pub fn describe(schema: &Value) -> String {
    describe_with(schema, true)
}

/// The type alone (enum changes are reported on their own lines).
pub(super) fn type_of(schema: &Value) -> String {
    describe_with(schema, false)
}

pub(super) fn describe_with(schema: &Value, with_enum: bool) -> String {
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
pub(super) fn describe_deep(schema: &Value) -> String {
    let mut out = describe(schema);
    for (k, v) in obj(schema.get("properties")) {
        out.push_str(&format!(";{k}:{}", describe(v)));
    }
    out
}
