//! What kind of JSON value a part of the document is, and reading it as the kind it must be.

use serde_json::{Map, Value};

use super::error::{malformed, Result};
use super::pointer::index;

/// What a value is, for a message: "an array", "null".
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value's JSON text, shortened for a message.
pub(super) fn preview(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

/// `v` as an object; else an error at `pointer` saying that it must be `what`.
pub(super) fn object(v: Value, pointer: &str, what: &str) -> Result<Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(malformed(
            pointer,
            format!("expected {what}, found {}", kind(&other)),
        )),
    }
}

/// `v` as an array; else an error at `pointer` saying that it must be `what`.
pub(super) fn array(v: Value, pointer: &str, what: &str) -> Result<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(malformed(
            pointer,
            format!("expected {what}, found {}", kind(&other)),
        )),
    }
}

/// An `x-` field, which both versions allow anywhere and which passes through as written.
pub(super) fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

/// The target of the `$ref` at `pointer`, which must be a string.
pub(super) fn ref_target<'v>(v: &'v Value, pointer: &str) -> Result<&'v str> {
    v.as_str()
        .ok_or_else(|| malformed(pointer, "`$ref` must be a string"))
}

/// A list of strings, or one string; `None` when absent or empty.
pub(super) fn strings(v: Option<Value>, pointer: &str) -> Result<Option<Vec<String>>> {
    let list = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s),
                other => Err(malformed(
                    &index(pointer, i),
                    format!("expected a string, found {}", kind(&other)),
                )),
            })
            .collect::<Result<Vec<_>>>()?,
        Some(other) => {
            return Err(malformed(
                pointer,
                format!("expected a list of strings, found {}", kind(&other)),
            ))
        }
    };
    Ok(if list.is_empty() { None } else { Some(list) })
}

/// A string, or nothing.
pub(super) fn optional_string(v: Option<Value>, pointer: &str) -> Result<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(malformed(
            pointer,
            format!("expected a string, found {}", kind(&other)),
        )),
    }
}
