//! Conversion of the upstream API document to OpenAPI 3.0.
//!
//! progenitor reads documents through the `openapiv3` crate, which understands OpenAPI 3.0.x only.
//! Upstream documents are not always that: Go services documented with swaggo publish Swagger 2.0,
//! and newer tooling publishes OpenAPI 3.1. [`to_openapi30`] detects which one it was given and
//! rewrites it as OpenAPI 3.0.3 before normalization and fixups. The conversion is mechanical and
//! deterministic: the same input always gives the same output.
//!
//! What 3.0 cannot say is handled one of two ways. What can be dropped or approximated without
//! changing the shape of the data (comments and identifiers, webhooks, callbacks, validation-only
//! keywords) is dropped and reported in [`Converted::notes`]. What would change the generated types
//! (`prefixItems`, `if`/`then`/`else`, `patternProperties`, ...) is refused with a [`ConvertError`]
//! naming the JSON pointer of the offending part, so that nothing is lost silently.

mod error;
mod media_types;
mod notes;
mod openapi31;
mod openapi31_schema;
mod pointer;
mod shape;
mod swagger2;
mod swagger2_parameters;
mod swagger2_schema;
#[cfg(test)]
mod test_support;
mod walk;

use serde_json::{json, Map, Value};

pub use error::ConvertError;
use error::Result;
use shape::{kind, preview};

/// What the source document was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceVersion {
    /// Swagger 2.0 (`swagger: "2.0"`).
    Swagger2,
    /// OpenAPI 3.0.x, passed through unchanged.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

/// The document as OpenAPI 3.0, plus notes about anything dropped or approximated.
#[derive(Debug)]
pub struct Converted {
    /// The OpenAPI 3.0 document (`openapi: "3.0.3"` unless the input already was 3.0.x).
    pub doc: Value,
    /// What the input was.
    pub source: SourceVersion,
    /// One line per kind of thing dropped or approximated, naming where; empty for 3.0 input.
    pub notes: Vec<String>,
}

/// Detect the version (`swagger: "2.0"`, `openapi: 3.0.x`, `openapi: 3.1.x`) and convert to 3.0.3.
///
/// 3.0.x is returned unchanged, `openapi` included. Anything else (no version field, `openapi: 4.x`,
/// `swagger: 1.2`, a non-object) is refused with a message saying what was found. A version written
/// as a number (an unquoted YAML `swagger: 2.0` or `openapi: 3.1`) is accepted.
pub fn to_openapi30(doc: Value) -> std::result::Result<Converted, ConvertError> {
    let mut root = match doc {
        Value::Object(root) => root,
        other => {
            return Err(ConvertError::NotAnObject {
                found: format!("{} ({})", kind(&other), preview(&other)),
            })
        }
    };
    let source = detect(&root)?;
    let (doc, notes) = match source {
        SourceVersion::OpenApi30 => {
            let mut notes = Vec::new();
            if let Some(Value::Number(n)) = root.get("openapi") {
                notes.push(format!(
                    "`/openapi` was the number {n} (an unquoted YAML version): wrote it as the string \"3.0.0\""
                ));
                root.insert("openapi".into(), json!("3.0.0"));
            }
            (Value::Object(root), notes)
        }
        SourceVersion::Swagger2 => swagger2::convert(root)?,
        SourceVersion::OpenApi31 => openapi31::convert(root)?,
    };
    Ok(Converted { doc, source, notes })
}

fn detect(root: &Map<String, Value>) -> Result<SourceVersion> {
    match (root.get("swagger"), root.get("openapi")) {
        (Some(swagger), Some(openapi)) => Err(ConvertError::AmbiguousVersion {
            swagger: preview(swagger),
            openapi: preview(openapi),
        }),
        (Some(swagger), None) => {
            let is_2_0 = match swagger {
                Value::String(s) => s == "2.0",
                // An unquoted YAML `swagger: 2.0` is a float, written back as `2.0`.
                Value::Number(n) => n.to_string() == "2.0",
                _ => false,
            };
            if is_2_0 {
                Ok(SourceVersion::Swagger2)
            } else {
                Err(ConvertError::UnsupportedVersion {
                    pointer: "/swagger".into(),
                    found: preview(swagger),
                })
            }
        }
        (None, Some(openapi)) => {
            let minor = match openapi {
                Value::String(s) => minor_of_3(s),
                // An unquoted YAML `openapi: 3.1` is a float, written back as `3.1`.
                Value::Number(n) => match n.to_string().as_str() {
                    "3.0" => Some(0),
                    "3.1" => Some(1),
                    _ => None,
                },
                _ => None,
            };
            match minor {
                Some(0) => Ok(SourceVersion::OpenApi30),
                Some(1) => Ok(SourceVersion::OpenApi31),
                _ => Err(ConvertError::UnsupportedVersion {
                    pointer: "/openapi".into(),
                    found: preview(openapi),
                }),
            }
        }
        (None, None) => {
            let keys: Vec<&str> = root.keys().map(String::as_str).take(12).collect();
            let keys = match (keys.is_empty(), root.len() > keys.len()) {
                (true, _) => "none".to_string(),
                (false, false) => keys.join(", "),
                (false, true) => format!("{}, ...", keys.join(", ")),
            };
            Err(ConvertError::NoVersion { keys })
        }
    }
}

/// `3.0`, `3.0.3` -> 0; `3.1.1` -> 1; anything else -> None.
fn minor_of_3(version: &str) -> Option<u8> {
    let rest = version.strip_prefix("3.")?;
    let minor = match rest.split_once('.') {
        Some((minor, patch)) => {
            if patch.is_empty() || !patch.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            minor
        }
        None => rest,
    };
    match minor {
        "0" => Some(0),
        "1" => Some(1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::pointer::{child, index};
    use super::test_support::{convert, error_of, openapi31, swaggo};
    use super::*;

    #[test]
    fn openapi30_is_returned_unchanged() {
        let doc = json!({
            "openapi": "3.0.1",
            "info": { "title": "t", "version": "1" },
            "paths": { "/x": { "get": { "responses": { "200": { "description": "" } } } } },
            "components": { "schemas": { "A": { "type": "string", "nullable": true, "x-y": [1] } } }
        });
        let converted = convert(doc.clone());
        assert_eq!(converted.source, SourceVersion::OpenApi30);
        assert_eq!(converted.doc, doc);
        assert!(converted.notes.is_empty());

        let unquoted = convert(json!({ "openapi": 3.0, "info": {}, "paths": {} }));
        assert_eq!(unquoted.doc["openapi"], "3.0.0");
        assert_eq!(unquoted.notes.len(), 1);
        let unquoted = convert(json!({ "swagger": 2.0, "info": {}, "paths": {} }));
        assert_eq!(unquoted.source, SourceVersion::Swagger2);
    }

    #[test]
    fn unknown_documents_are_refused_saying_what_was_found() {
        let cases = [
            (json!([1, 2]), "the document root is an array"),
            (json!("openapi: 3.0.0"), "the document root is a string"),
            (json!(null), "the document root is null"),
            (
                json!({ "info": {}, "paths": {} }),
                "neither `/openapi` nor `/swagger`",
            ),
            (json!({}), "(its top-level keys: none)"),
            (json!({ "openapi": "4.0.0" }), "`/openapi` is \"4.0.0\""),
            (json!({ "openapi": "3.2.0" }), "`/openapi` is \"3.2.0\""),
            (json!({ "openapi": "3.0.x" }), "`/openapi` is \"3.0.x\""),
            (json!({ "openapi": 3 }), "`/openapi` is 3"),
            (json!({ "swagger": "1.2" }), "`/swagger` is \"1.2\""),
            (json!({ "swagger": 1.2 }), "`/swagger` is 1.2"),
            (json!({ "swagger": 2 }), "`/swagger` is 2"),
            (
                json!({ "swagger": "2.0", "openapi": "3.0.0" }),
                "has both `/swagger`",
            ),
        ];
        for (doc, expected) in cases {
            let message = error_of(doc);
            assert!(
                message.contains(expected),
                "{expected:?} not in {message:?}"
            );
        }
        let message = error_of(json!({ "swagger": "2.0", "paths": [] }));
        assert!(
            message.contains("`/paths`: expected an object, found an array"),
            "{message}"
        );
    }

    #[test]
    fn output_is_deterministic() {
        let a = convert(openapi31());
        let b = convert(openapi31());
        assert_eq!(a.doc.to_string(), b.doc.to_string());
        assert_eq!(a.notes, b.notes);
    }

    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    pointers(v, child(&at, k), out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    pointers(v, index(&at, i), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }

    /// Every node of the sample documents replaced by odd values: errors are fine, panics are not.
    #[test]
    fn odd_shapes_never_panic() {
        let odd = [
            json!(null),
            json!(7),
            json!("x"),
            json!([]),
            json!({}),
            json!(false),
            json!([{ "$ref": 1 }]),
            json!({ "$ref": "#/parameters/~" }),
            json!({ "type": ["null"] }),
            json!({ "anyOf": [{ "type": "null" }] }),
        ];
        for sample in [swaggo(), openapi31()] {
            let mut all = Vec::new();
            pointers(&sample, String::new(), &mut all);
            for pointer in all {
                for replacement in &odd {
                    let mut doc = sample.clone();
                    if let Some(node) = doc.pointer_mut(&pointer) {
                        *node = replacement.clone();
                    }
                    if let Ok(converted) = to_openapi30(doc) {
                        // Whatever converts must convert again to the same thing.
                        let again = to_openapi30(converted.doc.clone()).map(|c| c.doc);
                        assert_eq!(again.ok().as_ref(), Some(&converted.doc), "at {pointer}");
                    }
                }
            }
        }
    }
}
