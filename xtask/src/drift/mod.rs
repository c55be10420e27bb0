//! What changed between two OpenAPI 3.0 documents, for `cargo xtask regen --check`: one line per
//! change, each marked breaking or compatible for users of the generated Rust crate (structs with
//! pub fields, exhaustive enums, one method per operation).

use serde_json::Value;

mod change;
mod describe;
mod json;
mod operations;
mod schemas;

pub use change::{Change, Impact};
// The API-surface snapshot (tests/snapshots.rs, which includes this module) describes types alike.
#[allow(unused_imports)]
pub use describe::describe;

/// The changes from `old` to `new`, sorted.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let renames = schemas::schema_changes(old, new, &mut out);
    operations::operation_changes(old, new, &renames, &mut out);
    out.sort();
    out.dedup();
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
