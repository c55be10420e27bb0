//! JSON Schema 2020-12 (the schemas of OpenAPI 3.1) -> OpenAPI 3.0 schema objects.
//!
//! 3.1 says with `type: [.., "null"]`, `const`, a numeric `exclusiveMinimum` or a boolean schema
//! what 3.0 says with `nullable`, `enum`, `exclusiveMinimum: true` or `not`. Keywords 3.0 lacks are
//! dropped with a note where the schema only gets looser, and refused where the data would change.

use serde_json::{json, Map, Value};

use super::error::{inexpressible, malformed, Result};
use super::media_types::is_text_media;
use super::pointer::{child, index};
use super::shape::{array, is_extension, kind, ref_target};
use super::walk::{each, each_item, Walk};

/// Schema keywords refused outright, with what to do instead.
const REFUSED_KEYWORDS: [(&[&str], &str); 7] = [
    (
        &["prefixItems"],
        "tuple validation; describe the array with `items`",
    ),
    (
        &["$dynamicRef"],
        "dynamic references have no 3.0 equivalent",
    ),
    (
        &["$recursiveRef"],
        "recursive references have no 3.0 equivalent",
    ),
    (
        &["if", "then", "else"],
        "conditional schemas have no 3.0 equivalent; use `oneOf`",
    ),
    (&["dependentSchemas"], "3.0 has no conditional subschemas"),
    (
        &["patternProperties"],
        "3.0 describes extra properties with `additionalProperties` only",
    ),
    (
        &["$defs"],
        "3.0 has no local definitions; move them into `components/schemas`",
    ),
];

/// Schema keywords dropped with a note: they name or annotate, or only narrow validation.
const DROPPED_KEYWORDS: [(&[&str], &str); 3] = [
    (
        &["$schema", "$id", "$anchor", "$dynamicAnchor", "$vocabulary"],
        "JSON Schema identifiers have no meaning in OpenAPI 3.0",
    ),
    (
        &["$comment"],
        "comments have no place in OpenAPI 3.0 schemas",
    ),
    (
        &[
            "contains",
            "minContains",
            "maxContains",
            "propertyNames",
            "dependentRequired",
            "contentSchema",
        ],
        "validation only, no OpenAPI 3.0 equivalent (the schema is looser)",
    ),
];

/// Keywords that apply to one JSON type only; when `type` lists several, they go to that branch.
const STRING_KEYWORDS: [&str; 4] = ["format", "minLength", "maxLength", "pattern"];
const NUMBER_KEYWORDS: [&str; 6] = [
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const ARRAY_KEYWORDS: [&str; 4] = ["items", "minItems", "maxItems", "uniqueItems"];
const OBJECT_KEYWORDS: [&str; 5] = [
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
];

/// A 3.1 (JSON Schema 2020-12) schema -> a 3.0 schema object.
///
/// This recurses; the work on one schema is done in helpers that do not, so that each level
/// of nesting takes little stack, even in a debug build.
pub(super) fn schema(walk: &mut Walk, v: Value, pointer: &str) -> Result<Value> {
    let mut m = match v {
        Value::Object(m) => m,
        other => return non_object_schema(walk, other, pointer),
    };
    walk.descend(pointer)?;
    check_keywords(walk, &mut m, pointer)?;
    if let Some(properties) = m.remove("properties") {
        let properties = each(walk, properties, &child(pointer, "properties"), schema)?;
        m.insert("properties".into(), Value::Object(properties));
    }
    for keyword in ["items", "not", "additionalProperties"] {
        match m.remove(keyword) {
            None => {}
            Some(Value::Bool(b)) if keyword == "additionalProperties" => {
                m.insert(keyword.into(), Value::Bool(b));
            }
            Some(sub) => {
                let sub = schema(walk, sub, &child(pointer, keyword))?;
                m.insert(keyword.into(), sub);
            }
        }
    }
    if let Some(list) = m.remove("allOf") {
        let list = schema_list(walk, list, &child(pointer, "allOf"))?;
        m.insert("allOf".into(), Value::Array(list));
    }
    let mut null_in = Vec::new();
    for keyword in ["anyOf", "oneOf"] {
        if let Some(list) = m.remove(keyword) {
            let (kept, had_null) = branches(walk, list, &child(pointer, keyword))?;
            if had_null {
                null_in.push(keyword);
            }
            m.insert(keyword.into(), Value::Array(kept));
        }
    }
    let out = finish_schema(walk, m, pointer, &null_in)?;
    walk.ascend();
    Ok(out)
}

/// A boolean schema: `true` -> `{}`, `false` -> `{not: {}}`; anything else is an error.
fn non_object_schema(walk: &mut Walk, v: Value, pointer: &str) -> Result<Value> {
    match v {
        Value::Bool(true) => Ok(json!({})),
        Value::Bool(false) => {
            walk.notes.at(
                "replaced the schema `false` by `{not: {}}` (nothing is valid)",
                pointer,
            );
            Ok(json!({ "not": {} }))
        }
        other => Err(malformed(
            pointer,
            format!(
                "expected a schema (an object or a boolean), found {}",
                kind(&other)
            ),
        )),
    }
}

/// Refuse what 3.0 cannot express; drop, with a note, what it need not.
#[inline(never)]
fn check_keywords(walk: &mut Walk, m: &mut Map<String, Value>, pointer: &str) -> Result<()> {
    for (keywords, why) in REFUSED_KEYWORDS {
        if let Some(keyword) = keywords.iter().find(|k| m.contains_key(**k)) {
            return Err(inexpressible(
                &child(pointer, keyword),
                format!("`{keyword}`"),
                why,
            ));
        }
    }
    for keyword in ["unevaluatedProperties", "unevaluatedItems"] {
        match m.remove(keyword) {
            None => {}
            Some(Value::Bool(false)) => walk.notes.at(
                format!(
                    "dropped `{keyword}: false`: OpenAPI 3.0 cannot forbid what subschemas did \
                     not evaluate (the schema is looser)"
                ),
                &child(pointer, keyword),
            ),
            Some(_) => {
                return Err(inexpressible(
                    &child(pointer, keyword),
                    format!("`{keyword}` with a schema"),
                    "3.0 has no unevaluated-keyword validation; only `false` can be dropped",
                ))
            }
        }
    }
    if let Some(Value::Array(_)) = m.get("items") {
        return Err(inexpressible(
            &child(pointer, "items"),
            "a list of `items` schemas",
            "tuple validation; describe the array with one `items` schema",
        ));
    }
    for (keywords, why) in DROPPED_KEYWORDS {
        for keyword in keywords {
            if m.remove(*keyword).is_some() {
                walk.notes.at(
                    format!("dropped `{keyword}`: {why}"),
                    &child(pointer, keyword),
                );
            }
        }
    }

    Ok(())
}

/// `anyOf`/`oneOf` branches converted, less those allowing only null; and whether there was one.
fn branches(walk: &mut Walk, list: Value, pointer: &str) -> Result<(Vec<Value>, bool)> {
    let list = array(list, pointer, "a list of schemas")?;
    let mut kept = Vec::new();
    let mut had_null = false;
    for (i, branch) in list.into_iter().enumerate() {
        if is_null_schema(&branch) {
            had_null = true;
        } else {
            kept.push(schema(walk, branch, &index(pointer, i))?);
        }
    }
    Ok((kept, had_null))
}

/// The keywords of one schema whose subschemas are converted already. `null_in` lists the
/// keywords (`anyOf`, `oneOf`) from which a null-only branch was removed.
#[inline(never)]
fn finish_schema(
    walk: &mut Walk,
    mut m: Map<String, Value>,
    pointer: &str,
    null_in: &[&str],
) -> Result<Value> {
    let mut nullable = !null_in.is_empty();
    let mut only_null = false;
    // Keywords whose 3.1 form 3.0 lacks.
    if let Some(value) = m.remove("const") {
        if value.is_null() {
            nullable = true;
        }
        m.insert("enum".into(), Value::Array(vec![value]));
    }
    match m.remove("examples") {
        Some(Value::Array(examples)) => {
            if let Some(first) = examples.into_iter().next() {
                m.entry("example").or_insert(first);
            }
        }
        Some(_) => walk.notes.at(
            "dropped schema `examples` that were not a list",
            &child(pointer, "examples"),
        ),
        None => {}
    }
    exclusive_bound(&mut m, "exclusiveMinimum", "minimum", |bound, inclusive| {
        bound >= inclusive
    });
    exclusive_bound(&mut m, "exclusiveMaximum", "maximum", |bound, inclusive| {
        bound <= inclusive
    });

    match m.remove("type") {
        None => {}
        Some(Value::String(t)) if t == "null" => only_null = true,
        Some(Value::String(t)) => {
            m.insert("type".into(), Value::String(t));
        }
        Some(Value::Array(types)) => {
            let t_pointer = child(pointer, "type");
            let mut names: Vec<String> = Vec::new();
            let mut has_null = false;
            for (i, t) in types.into_iter().enumerate() {
                match t {
                    Value::String(t) if t == "null" => has_null = true,
                    Value::String(t) => {
                        if !names.contains(&t) {
                            names.push(t);
                        }
                    }
                    other => {
                        return Err(malformed(
                            &index(&t_pointer, i),
                            format!("expected a type name, found {}", kind(&other)),
                        ))
                    }
                }
            }
            if names.iter().any(|n| n == "number") {
                // Every integer is a number: `oneOf` would match both.
                names.retain(|n| n != "integer");
            }
            nullable |= has_null;
            match names.len() {
                0 => only_null = has_null,
                1 => {
                    if let Some(name) = names.pop() {
                        m.insert("type".into(), Value::String(name));
                    }
                }
                _ => split_types(&mut m, &names),
            }
        }
        Some(other) => {
            return Err(malformed(
                &child(pointer, "type"),
                format!(
                    "expected a type name or a list of them, found {}",
                    kind(&other)
                ),
            ))
        }
    }

    content_keywords(walk, &mut m, pointer);

    // A `null` branch removed from `anyOf`/`oneOf` may leave a single branch: unwrap it.
    for &keyword in null_in {
        let Some(Value::Array(mut list)) = m.remove(keyword) else {
            continue;
        };
        match list.len() {
            0 => only_null = true,
            1 => {
                let branch = list.pop().unwrap_or_default();
                let is_ref = branch
                    .as_object()
                    .is_some_and(|b| b.len() == 1 && b.contains_key("$ref"));
                let mergeable = branch
                    .as_object()
                    .is_some_and(|b| b.keys().all(|k| !m.contains_key(k)));
                if is_ref {
                    match m.get_mut("allOf") {
                        Some(Value::Array(all_of)) => all_of.push(branch),
                        _ => {
                            m.insert("allOf".into(), Value::Array(vec![branch]));
                        }
                    }
                } else if let (true, Value::Object(branch)) = (mergeable, &branch) {
                    for (k, v) in branch {
                        m.insert(k.clone(), v.clone());
                    }
                } else {
                    m.insert(keyword.into(), Value::Array(vec![branch]));
                }
            }
            _ => {
                m.insert(keyword.into(), Value::Array(list));
            }
        }
    }

    if only_null {
        nullable = true;
        if !m.contains_key("type") && !m.contains_key("enum") {
            m.insert("enum".into(), json!([null]));
            walk.notes.at(
                "approximated a schema allowing only null by `nullable: true, enum: [null]`",
                pointer,
            );
        }
    }
    if nullable {
        m.insert("nullable".into(), Value::Bool(true));
    }

    // Keywords beside `$ref` apply in 3.1 but are ignored in 3.0: wrap the reference.
    if m.len() > 1 {
        if let Some(reference) = m.remove("$ref") {
            ref_target(&reference, &child(pointer, "$ref"))?;
            let reference = json!({ "$ref": reference });
            match m.get_mut("allOf") {
                Some(Value::Array(all_of)) => all_of.insert(0, reference),
                _ => {
                    m.insert("allOf".into(), Value::Array(vec![reference]));
                }
            }
        }
    }
    Ok(Value::Object(m))
}

fn schema_list(walk: &mut Walk, v: Value, pointer: &str) -> Result<Vec<Value>> {
    let list = array(v, pointer, "a list of schemas")?;
    each_item(walk, list, pointer, schema)
}

/// `contentEncoding`/`contentMediaType` on a string -> `format: byte`/`binary`.
fn content_keywords(walk: &mut Walk, m: &mut Map<String, Value>, pointer: &str) {
    let encoding = m.remove("contentEncoding");
    let media = m.remove("contentMediaType");
    if encoding.is_none() && media.is_none() {
        return;
    }
    let encoding = encoding.as_ref().and_then(Value::as_str);
    let media = media.as_ref().and_then(Value::as_str);
    let is_string = m.get("type").and_then(Value::as_str) == Some("string");
    let format = match (encoding, media) {
        (Some("base64"), _) => Some("byte"),
        (Some("base64url"), _) => {
            walk.notes.at(
                "approximated `contentEncoding: base64url` by `format: byte` (standard base64)",
                pointer,
            );
            Some("byte")
        }
        (Some("binary"), _) => Some("binary"),
        (Some(_), _) => None,
        (None, Some(media)) if is_text_media(media) => None,
        (None, _) => Some("binary"),
    };
    match format {
        Some(format) if is_string && !m.contains_key("format") => {
            m.insert("format".into(), json!(format));
        }
        _ => walk.notes.at(
            "dropped `contentEncoding`/`contentMediaType`: no OpenAPI 3.0 format says the same here",
            pointer,
        ),
    }
}

/// A numeric 3.1 `exclusiveMinimum: n` -> `minimum: n, exclusiveMinimum: true`, keeping whichever
/// of it and an existing `minimum` is tighter (`tighter(exclusive, inclusive)`). Same for maximum.
fn exclusive_bound(
    m: &mut Map<String, Value>,
    exclusive: &str,
    inclusive: &str,
    tighter: fn(f64, f64) -> bool,
) {
    let Some(Value::Number(bound)) = m.get(exclusive).cloned() else {
        return;
    };
    m.remove(exclusive);
    let current = m.get(inclusive).and_then(Value::as_f64);
    let exclusive_wins = match (bound.as_f64(), current) {
        (Some(b), Some(c)) => tighter(b, c),
        _ => true,
    };
    if exclusive_wins {
        m.insert(inclusive.into(), Value::Number(bound));
        m.insert(exclusive.into(), Value::Bool(true));
    }
}

/// A schema that allows only null: `{type: "null"}`, `{type: ["null"]}`, `{const: null}`,
/// `{enum: [null]}`, with nothing else but annotations.
fn is_null_schema(v: &Value) -> bool {
    let Some(m) = v.as_object() else {
        return false;
    };
    let null_type = match m.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => !types.is_empty() && types.iter().all(|t| t == "null"),
        _ => false,
    };
    let null_value = m.get("const") == Some(&Value::Null) || m.get("enum") == Some(&json!([null]));
    (null_type || null_value)
        && m.keys().all(|k| {
            matches!(
                k.as_str(),
                "type" | "const" | "enum" | "title" | "description" | "$comment"
            ) || is_extension(k)
        })
}

/// `type: [A, B, ...]` (no null) -> `oneOf: [{type: A, ...}, {type: B, ...}]`, moving the keywords
/// that apply to one type into its branch and splitting `enum` by type.
fn split_types(m: &mut Map<String, Value>, names: &[String]) {
    let enumeration = match m.remove("enum") {
        Some(Value::Array(values)) => Some(values),
        Some(other) => {
            m.insert("enum".into(), other);
            None
        }
        None => None,
    };
    let mut branches = Vec::new();
    for name in names {
        let keywords: &[&str] = match name.as_str() {
            "string" => &STRING_KEYWORDS,
            "number" | "integer" => &NUMBER_KEYWORDS,
            "array" => &ARRAY_KEYWORDS,
            "object" => &OBJECT_KEYWORDS,
            _ => &[],
        };
        let mut branch = Map::new();
        branch.insert("type".into(), json!(name));
        for keyword in keywords {
            if let Some(v) = m.get(*keyword) {
                branch.insert((*keyword).to_string(), v.clone());
            }
        }
        if let Some(values) = &enumeration {
            let values: Vec<Value> = values
                .iter()
                .filter(|v| value_has_type(v, name))
                .cloned()
                .collect();
            if values.is_empty() {
                continue;
            }
            branch.insert("enum".into(), Value::Array(values));
        }
        branches.push(Value::Object(branch));
    }
    for keyword in STRING_KEYWORDS
        .iter()
        .chain(&NUMBER_KEYWORDS)
        .chain(&ARRAY_KEYWORDS)
        .chain(&OBJECT_KEYWORDS)
    {
        m.remove(*keyword);
    }
    match branches.len() {
        0 => {
            // No listed type admits any enum value: keep the enum, which then allows nothing else.
            if let Some(values) = enumeration {
                m.insert("enum".into(), Value::Array(values));
            }
        }
        1 => {
            if let Some(Value::Object(branch)) = branches.pop() {
                m.extend(branch);
            }
        }
        _ => match m.remove("oneOf") {
            // Both must hold: keep the existing `oneOf` and the types' `oneOf` side by side.
            Some(existing) => {
                let conjunction = [json!({ "oneOf": existing }), json!({ "oneOf": branches })];
                match m.get_mut("allOf") {
                    Some(Value::Array(all_of)) => all_of.extend(conjunction),
                    _ => {
                        m.insert("allOf".into(), Value::Array(conjunction.into()));
                    }
                }
            }
            None => {
                m.insert("oneOf".into(), Value::Array(branches));
            }
        },
    }
}

fn value_has_type(v: &Value, name: &str) -> bool {
    match name {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{
        assert_idempotent, assert_parses_as_openapi30, convert, error_of, with_bad_schema,
    };

    #[test]
    fn openapi31_inexpressible_constructs_are_refused_with_their_pointer() {
        let cases = [
            (
                json!({ "type": "array", "prefixItems": [{ "type": "string" }] }),
                "prefixItems",
            ),
            (json!({ "$dynamicRef": "#meta" }), "$dynamicRef"),
            (
                json!({ "if": { "type": "string" }, "then": { "minLength": 1 } }),
                "if",
            ),
            (json!({ "then": { "minLength": 1 } }), "then"),
            (json!({ "else": { "minLength": 1 } }), "else"),
            (
                json!({ "dependentSchemas": { "a": { "required": ["b"] } } }),
                "dependentSchemas",
            ),
            (
                json!({ "type": "object", "unevaluatedProperties": { "type": "string" } }),
                "unevaluatedProperties",
            ),
            (
                json!({ "type": "object", "patternProperties": { "^x": { "type": "string" } } }),
                "patternProperties",
            ),
            (json!({ "$defs": { "a": { "type": "string" } } }), "$defs"),
            (
                json!({ "type": "array", "items": [{ "type": "string" }] }),
                "items",
            ),
        ];
        for (schema, keyword) in cases {
            let message = error_of(with_bad_schema(schema));
            let pointer = format!("`/components/schemas/Bad/properties/p/{keyword}`");
            assert!(
                message.contains(&pointer) && message.contains("OpenAPI 3.0"),
                "{keyword}: {message}"
            );
        }
        // Deep inside an operation too.
        let doc = json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": { "/x": { "get": {
                "parameters": [{ "name": "q", "in": "query", "schema": { "patternProperties": {} } }],
                "responses": {}
            } } }
        });
        let message = error_of(doc);
        assert!(
            message.contains("`/paths/~1x/get/parameters/0/schema/patternProperties`"),
            "{message}"
        );
    }

    #[test]
    fn openapi31_other_shapes() {
        let converted = convert(json!({
            "openapi": "3.1.1",
            "info": { "title": "t", "version": "1" },
            "webhooks": {},
            "components": { "schemas": {
                "A": { "type": ["string", "number", "integer"], "enum": ["a", 1, 2.5] },
                "B": { "type": ["boolean", "null"], "const": null },
                "C": { "const": 3, "examples": "not a list", "exclusiveMaximum": 9, "maximum": 10 },
                "D": { "type": "string", "contentEncoding": "base64url" },
                "E": { "oneOf": [{ "const": null }, { "type": "string" }], "description": "x", "type": "string" },
                "F": { "$ref": "#/components/schemas/A", "allOf": [{ "required": ["x"] }] },
                "G": false
            } }
        }));
        let doc = &converted.doc;
        assert_eq!(doc["paths"], json!({}));
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["A"],
            json!({ "oneOf": [{ "type": "string", "enum": ["a"] }, { "type": "number", "enum": [1, 2.5] }] })
        );
        assert_eq!(
            schemas["B"],
            json!({ "type": "boolean", "enum": [null], "nullable": true })
        );
        assert_eq!(
            schemas["C"],
            json!({ "enum": [3], "maximum": 9, "exclusiveMaximum": true })
        );
        assert_eq!(schemas["D"], json!({ "type": "string", "format": "byte" }));
        // The single branch left conflicts with `type` beside it: kept as a one-branch `oneOf`.
        assert_eq!(
            schemas["E"],
            json!({ "oneOf": [{ "type": "string" }], "description": "x", "type": "string", "nullable": true })
        );
        assert_eq!(
            schemas["F"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/A" }, { "required": ["x"] }] })
        );
        assert_eq!(schemas["G"], json!({ "not": {} }));
        let notes = converted.notes.join("\n");
        assert!(notes.contains("base64url"), "{notes}");
        assert!(notes.contains("examples"), "{notes}");
        assert!(notes.contains("added an empty `/paths`"), "{notes}");
        assert_parses_as_openapi30(doc);
        assert_idempotent(&converted);
    }
}
