//! OpenAPI 3.1 -> OpenAPI 3.0: the document, its components, and what 3.1 puts in path items,
//! operations, parameters and responses. Schemas are [`super::openapi31_schema`]'s.
//!
//! The two versions nest alike; what changes is that 3.1 allows path item references, `summary`
//! and `description` beside a `$ref`, webhooks and `mutualTLS` security schemes, which 3.0 does not.

use serde_json::{json, Map, Value};

use crate::http_methods::HTTP_METHODS;

use super::error::{inexpressible, malformed, Result};
use super::openapi31_schema;
use super::pointer::{at, child, unescape};
use super::shape::{array, is_extension, object, ref_target};
use super::walk::{document, each, each_item, fields, Converter, Prepared, RootField, Walk};

/// Converts one OpenAPI 3.1 document.
struct OpenApi31 {
    walk: Walk,
    /// `components.pathItems`, as written, to inline path item references.
    path_items: Map<String, Value>,
    /// `paths`, as written (only when some path item is a reference).
    paths: Map<String, Value>,
}

/// An OpenAPI 3.1 document root -> an OpenAPI 3.0 one, and the notes taken.
pub(super) fn convert(root: Map<String, Value>) -> Result<(Value, Vec<String>)> {
    let path_items = root
        .get("components")
        .and_then(|c| c.get("pathItems"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let raw_paths = root.get("paths").and_then(Value::as_object);
    let any_ref = raw_paths
        .into_iter()
        .flat_map(|p| p.values())
        .chain(path_items.values())
        .any(|item| item.get("$ref").is_some());
    let paths = match raw_paths {
        Some(paths) if any_ref => paths.clone(),
        _ => Map::new(),
    };
    let mut conv = OpenApi31 {
        walk: Walk::default(),
        path_items,
        paths,
    };
    let mut out = document(&mut conv, root)?;
    if !out.contains_key("paths") {
        conv.walk
            .notes
            .note("added an empty `/paths`: OpenAPI 3.0 requires it and the document had none");
        out.insert("paths".into(), json!({}));
    }
    Ok((Value::Object(out), conv.walk.notes.finish()))
}

impl Converter for OpenApi31 {
    const FIELD_OF: &'static str = "an OpenAPI 3.0";
    type PathContext = ();
    type ResponseContext = ();

    fn walk(&mut self) -> &mut Walk {
        &mut self.walk
    }

    fn is_operation(key: &str) -> bool {
        HTTP_METHODS.contains(&key)
    }

    fn root_field(&mut self, key: &str, value: Value) -> Result<RootField> {
        Ok(match key {
            "openapi" => RootField::Done,
            "info" => RootField::Keep(self.info(value)?),
            "servers" => RootField::Keep(value),
            "components" => RootField::Keep(self.components(value)?),
            "webhooks" => {
                let names = value
                    .as_object()
                    .map(|w| w.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                self.walk.notes.note(format!(
                    "dropped `/webhooks` ({names}): OpenAPI 3.0 has no webhooks, and the client does \
                     not serve them"
                ));
                RootField::Done
            }
            "jsonSchemaDialect" => {
                self.walk
                    .notes
                    .note("dropped `/jsonSchemaDialect`: OpenAPI 3.0 schemas have a fixed dialect");
                RootField::Done
            }
            _ => RootField::Unknown,
        })
    }

    /// A path item that is a reference is replaced by its target: 3.0 has no such references.
    fn prepare_path_item(
        &mut self,
        mut item: Map<String, Value>,
        pointer: &str,
    ) -> Result<Prepared<()>> {
        let mut hops = 0;
        while let Some(reference) = item.remove("$ref") {
            let r_pointer = child(pointer, "$ref");
            hops += 1;
            if hops > 16 {
                return Err(malformed(
                    &r_pointer,
                    "path item references chain more than 16 times (a cycle?)",
                ));
            }
            let reference = ref_target(&reference, &r_pointer)?;
            let target = if let Some(name) = reference.strip_prefix("#/components/pathItems/") {
                self.path_items.get(&unescape(name))
            } else if let Some(path) = reference.strip_prefix("#/paths/") {
                self.paths.get(&unescape(path))
            } else {
                return Err(inexpressible(
                    &r_pointer,
                    format!("the path item reference `{reference}`"),
                    "only references to `#/paths/...` or `#/components/pathItems/...` in the same \
                     document can be inlined",
                ));
            };
            let target = target.cloned().ok_or_else(|| {
                malformed(
                    &r_pointer,
                    format!("`{reference}` names nothing in this document"),
                )
            })?;
            let mut merged = object(target, &r_pointer, "a path item object as the target")?;
            // Fields beside the reference win over the referenced ones.
            merged.append(&mut item);
            item = merged;
            self.walk
                .notes
                .at("inlined a referenced path item", pointer);
        }
        Ok(Prepared::untouched(item, ()))
    }

    fn path_item_field(&mut self, key: &str, value: Value, pointer: &str) -> Result<Value> {
        if key == "parameters" {
            self.parameter_list(value, &child(pointer, key))
        } else {
            Ok(value)
        }
    }

    fn prepare_operation(
        &mut self,
        op: Map<String, Value>,
        _pointer: &str,
        _path: &(),
    ) -> Result<Prepared<()>> {
        Ok(Prepared::untouched(op, ()))
    }

    fn operation_field(&mut self, key: &str, value: Value, pointer: &str) -> Result<Option<Value>> {
        Ok(Some(match key {
            "parameters" => self.parameter_list(value, pointer)?,
            "requestBody" => self.request_body(value, pointer)?,
            "callbacks" => {
                self.walk.notes.at(
                    "dropped callbacks: the generated client does not serve them",
                    pointer,
                );
                return Ok(None);
            }
            _ => value,
        }))
    }

    /// 3.0 requires responses: an operation without gets a default one.
    fn finish_operation(&mut self, op: &mut Map<String, Value>, pointer: &str) {
        if !op.contains_key("responses") {
            self.walk.notes.at(
                "gave an operation without responses `responses: {default: {description: \"\"}}`, \
                 as OpenAPI 3.0 requires responses",
                pointer,
            );
            op.insert(
                "responses".into(),
                json!({ "default": { "description": "" } }),
            );
        }
    }

    fn response(&mut self, v: Value, pointer: &str, _: &()) -> Result<Value> {
        let mut m = object(v, pointer, "a response object")?;
        if let Some(reference) = self.reference(&mut m, pointer)? {
            return Ok(reference);
        }
        let mut out = fields(self, m, pointer, |conv, key, value, k_pointer| {
            Ok(Some(match key {
                "content" => conv.content(value, k_pointer)?,
                "headers" => conv.headers(value, k_pointer)?,
                "links" => conv.plain_or_refs(value, k_pointer)?,
                _ => value,
            }))
        })?;
        if !out.contains_key("description") {
            out.insert("description".into(), json!(""));
        }
        Ok(Value::Object(out))
    }
}

impl OpenApi31 {
    fn info(&mut self, v: Value) -> Result<Value> {
        let mut info = object(v, "/info", "an info object")?;
        if info.remove("summary").is_some() {
            self.walk
                .notes
                .note("dropped `/info/summary`: OpenAPI 3.0 has no such field");
        }
        if let Some(Value::Object(license)) = info.get_mut("license") {
            if license.remove("identifier").is_some() {
                self.walk.notes.note(
                    "dropped `/info/license/identifier`: OpenAPI 3.0 licenses have a name and url only",
                );
            }
        }
        Ok(Value::Object(info))
    }

    fn components(&mut self, v: Value) -> Result<Value> {
        let components = object(v, "/components", "an object")?;
        let out = fields(
            self,
            components,
            "/components",
            |conv, key, value, pointer| {
                let converted = match key {
                    "schemas" => each(conv, value, pointer, Self::schema)?,
                    "responses" => each(conv, value, pointer, |conv, response, r_pointer| {
                        conv.response(response, r_pointer, &())
                    })?,
                    "parameters" => each(conv, value, pointer, Self::parameter)?,
                    "requestBodies" => each(conv, value, pointer, Self::request_body)?,
                    "headers" => each(conv, value, pointer, Self::header)?,
                    "securitySchemes" => conv.security_schemes(value, pointer)?,
                    "examples" | "links" => each(conv, value, pointer, Self::plain_or_ref)?,
                    "callbacks" => {
                        conv.walk.notes.note(
                        "dropped `/components/callbacks`: the generated client does not serve callbacks",
                    );
                        return Ok(None);
                    }
                    "pathItems" => {
                        conv.walk.notes.note(
                            "dropped `/components/pathItems`: OpenAPI 3.0 has no such components \
                         (references to them from `/paths` were inlined)",
                        );
                        return Ok(None);
                    }
                    _ if is_extension(key) => return Ok(Some(value)),
                    _ => {
                        conv.walk.notes.note(format!(
                            "dropped `{pointer}`: not an OpenAPI 3.0 component type"
                        ));
                        return Ok(None);
                    }
                };
                Ok(Some(Value::Object(converted)))
            },
        )?;
        Ok(Value::Object(out))
    }

    fn schema(&mut self, v: Value, pointer: &str) -> Result<Value> {
        openapi31_schema::schema(&mut self.walk, v, pointer)
    }

    /// A 3.1 reference object; 3.0 allows no `summary` or `description` beside `$ref`.
    fn reference(&mut self, m: &mut Map<String, Value>, pointer: &str) -> Result<Option<Value>> {
        let Some(reference) = m.remove("$ref") else {
            return Ok(None);
        };
        ref_target(&reference, &child(pointer, "$ref"))?;
        for key in m.keys() {
            self.walk.notes.at(
                format!("dropped `{key}` beside a `$ref`: OpenAPI 3.0 references take no siblings"),
                pointer,
            );
        }
        Ok(Some(json!({ "$ref": reference })))
    }

    fn plain_or_ref(&mut self, v: Value, pointer: &str) -> Result<Value> {
        match v {
            Value::Object(mut m) => Ok(match self.reference(&mut m, pointer)? {
                Some(reference) => reference,
                None => Value::Object(m),
            }),
            other => Ok(other),
        }
    }

    /// A map of examples or links: each a reference, or kept as written.
    fn plain_or_refs(&mut self, v: Value, pointer: &str) -> Result<Value> {
        each(self, v, pointer, Self::plain_or_ref).map(Value::Object)
    }

    fn headers(&mut self, v: Value, pointer: &str) -> Result<Value> {
        each(self, v, pointer, Self::header).map(Value::Object)
    }

    fn parameter_list(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let list = array(v, pointer, "a list of parameters")?;
        Ok(Value::Array(each_item(
            self,
            list,
            pointer,
            Self::parameter,
        )?))
    }

    fn parameter(&mut self, v: Value, pointer: &str) -> Result<Value> {
        self.with_schema_or_content(v, pointer, "a parameter object")
    }

    fn header(&mut self, v: Value, pointer: &str) -> Result<Value> {
        self.with_schema_or_content(v, pointer, "a header object")
    }

    /// A parameter or header: a reference, or an object with `schema` or `content`.
    fn with_schema_or_content(&mut self, v: Value, pointer: &str, what: &str) -> Result<Value> {
        let mut m = object(v, pointer, what)?;
        if let Some(reference) = self.reference(&mut m, pointer)? {
            return Ok(reference);
        }
        let out = fields(self, m, pointer, |conv, key, value, k_pointer| {
            Ok(Some(match key {
                "schema" => conv.schema(value, k_pointer)?,
                "content" => conv.content(value, k_pointer)?,
                "examples" => conv.plain_or_refs(value, k_pointer)?,
                _ => value,
            }))
        })?;
        Ok(Value::Object(out))
    }

    fn request_body(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut m = object(v, pointer, "a request body object")?;
        if let Some(reference) = self.reference(&mut m, pointer)? {
            return Ok(reference);
        }
        if let Some(content) = m.remove("content") {
            let content = self.content(content, &child(pointer, "content"))?;
            m.insert("content".into(), content);
        }
        Ok(Value::Object(m))
    }

    fn content(&mut self, v: Value, pointer: &str) -> Result<Value> {
        each(self, v, pointer, Self::media_type).map(Value::Object)
    }

    fn media_type(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let m = object(v, pointer, "a media type object")?;
        let out = fields(self, m, pointer, |conv, key, value, k_pointer| {
            Ok(Some(match key {
                "schema" => conv.schema(value, k_pointer)?,
                "encoding" => Value::Object(each(conv, value, k_pointer, Self::encoding)?),
                "examples" => conv.plain_or_refs(value, k_pointer)?,
                _ => value,
            }))
        })?;
        Ok(Value::Object(out))
    }

    fn encoding(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut m = object(v, pointer, "an encoding object")?;
        if let Some(headers) = m.remove("headers") {
            let headers = self.headers(headers, &child(pointer, "headers"))?;
            m.insert("headers".into(), headers);
        }
        Ok(Value::Object(m))
    }

    /// Security schemes; `mutualTLS` ones, which 3.0 cannot express, are dropped with a note (the
    /// generated client leaves authentication to the code around it, so it loses nothing).
    fn security_schemes(&mut self, v: Value, pointer: &str) -> Result<Map<String, Value>> {
        let schemes = object(v, pointer, "an object")?;
        fields(self, schemes, pointer, |conv, name, scheme, s_pointer| {
            let mut scheme = object(scheme, s_pointer, "a security scheme object")?;
            if let Some(reference) = conv.reference(&mut scheme, s_pointer)? {
                Ok(Some(reference))
            } else if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                conv.walk.notes.note(format!(
                    "dropped the security scheme {} of type mutualTLS: OpenAPI 3.0 has no such \
                     type (security requirements naming `{name}` were left as they are)",
                    at(s_pointer)
                ));
                Ok(None)
            } else {
                Ok(Some(Value::Object(scheme)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{
        assert_idempotent, assert_parses_as_openapi30, convert, error_of, get, openapi31,
    };
    use super::super::SourceVersion;

    #[test]
    fn openapi31_document_becomes_openapi_30() {
        let converted = convert(openapi31());
        assert_eq!(converted.source, SourceVersion::OpenApi31);
        let doc = &converted.doc;
        assert_eq!(doc["openapi"], "3.0.3");
        for gone in ["webhooks", "jsonSchemaDialect"] {
            assert!(doc.get(gone).is_none(), "{gone} left in the output");
        }
        assert_eq!(
            doc["info"],
            json!({ "title": "Things", "version": "1", "license": { "name": "MIT" } })
        );

        let thing = get(doc, "/components/schemas/Thing");
        assert!(thing.get("$comment").is_none());
        let p = &thing["properties"];
        assert_eq!(p["kind"], json!({ "type": "string", "enum": ["thing"] }));
        assert_eq!(
            p["name"],
            json!({ "type": "string", "maxLength": 10, "nullable": true })
        );
        assert_eq!(
            p["parent"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/Thing" }], "nullable": true })
        );
        assert_eq!(
            p["holder"],
            json!({
                "oneOf": [
                    { "$ref": "#/components/schemas/Owner" },
                    { "$ref": "#/components/schemas/Thing" }
                ],
                "nullable": true
            })
        );
        assert_eq!(
            p["seen"],
            json!({ "description": "when", "type": "string", "format": "date-time", "nullable": true })
        );
        assert_eq!(
            p["size"],
            json!({
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": true,
                "maximum": 50
            })
        );
        assert_eq!(p["count"], json!({ "type": "integer", "minimum": 5 }));
        assert_eq!(
            p["labels"],
            json!({ "type": "array", "items": { "type": "string" }, "example": ["a", "b"] })
        );
        assert_eq!(
            p["owner"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/Owner" }], "description": "who owns it" })
        );
        assert_eq!(p["data"], json!({ "type": "string", "format": "byte" }));
        assert_eq!(p["blob"], json!({ "type": "string", "format": "binary" }));
        assert_eq!(p["doc"], json!({ "type": "string" }));
        assert_eq!(
            p["mixed"],
            json!({
                "oneOf": [
                    { "type": "string", "minLength": 1 },
                    { "type": "integer", "minimum": 0 }
                ],
                "nullable": true
            })
        );
        assert_eq!(p["nothing"], json!({ "nullable": true, "enum": [null] }));
        assert_eq!(
            p["strict"],
            json!({ "type": "object", "properties": { "a": { "type": "boolean" } } })
        );
        assert_eq!(p["anything"], json!({}));
        assert_eq!(
            get(doc, "/components/schemas/Owner"),
            &json!({ "type": "object", "properties": { "email": { "type": "string", "format": "email" } } })
        );

        let item = get(doc, "/paths/~1things~1{id}");
        assert_eq!(
            item["parameters"][0]["schema"],
            json!({ "type": "string", "example": "abc" })
        );
        assert_eq!(
            item["put"]["requestBody"]["content"]["application/json"]["schema"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/Thing" }], "description": "the new thing" })
        );
        assert_eq!(
            item["put"]["responses"]["204"]["headers"]["X-Rate"]["schema"],
            json!({ "type": "integer", "nullable": true })
        );
        assert_eq!(
            item["put"]["responses"]["default"],
            json!({ "$ref": "#/components/responses/Error" })
        );
        assert!(item["put"].get("callbacks").is_none());

        let notes = converted.notes.join("\n");
        for expected in [
            "/webhooks` (thingCreated)",
            "/jsonSchemaDialect",
            "/info/summary",
            "/info/license/identifier",
            "dropped `$comment`",
            "dropped `$id`",
            "dropped `$schema`",
            "dropped callbacks",
            "`unevaluatedProperties: false`",
            "dropped `description` beside a `$ref`",
        ] {
            assert!(
                notes.contains(expected),
                "no note about {expected}:\n{notes}"
            );
        }

        let api = assert_parses_as_openapi30(doc);
        assert_eq!(api.openapi, "3.0.3");
        assert_idempotent(&converted);
    }

    #[test]
    fn openapi31_path_item_references_are_inlined() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": {
                "/a": { "$ref": "#/components/pathItems/Shared" },
                "/b": { "$ref": "#/paths/~1a", "summary": "B" }
            },
            "components": {
                "pathItems": {
                    "Shared": {
                        "summary": "shared",
                        "get": {
                            "responses": {
                                "200": { "description": "", "content": { "text/plain": { "schema": { "type": ["string", "null"] } } } }
                            }
                        }
                    }
                }
            }
        });
        let converted = convert(doc);
        let doc = &converted.doc;
        let expected_get = json!({
            "responses": {
                "200": { "description": "", "content": { "text/plain": { "schema": { "type": "string", "nullable": true } } } }
            }
        });
        assert_eq!(
            doc["paths"]["/a"],
            json!({ "summary": "shared", "get": expected_get })
        );
        assert_eq!(
            doc["paths"]["/b"],
            json!({ "summary": "B", "get": expected_get })
        );
        assert!(doc["components"].get("pathItems").is_none());
        assert_parses_as_openapi30(doc);

        let external = json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": { "/a": { "$ref": "other.yaml#/paths/~1a" } }
        });
        let message = error_of(external);
        assert!(message.contains("`/paths/~1a/$ref`"), "{message}");
        assert!(message.contains("other.yaml#/paths/~1a"), "{message}");
    }

    #[test]
    fn openapi31_mutual_tls_scheme_is_dropped_with_a_note() {
        let converted = convert(json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "security": [{ "mtls": [] }, { "key": [] }],
            "components": { "securitySchemes": {
                "mtls": { "type": "mutualTLS" },
                "key": { "type": "apiKey", "name": "Authorization", "in": "header" }
            } }
        }));
        assert_eq!(
            get(&converted.doc, "/components/securitySchemes"),
            &json!({ "key": { "type": "apiKey", "name": "Authorization", "in": "header" } })
        );
        assert_eq!(
            converted.notes,
            vec![
                "dropped the security scheme `/components/securitySchemes/mtls` of type mutualTLS: \
                 OpenAPI 3.0 has no such type (security requirements naming `mtls` were left as \
                 they are)"
                    .to_string()
            ]
        );
        assert_parses_as_openapi30(&converted.doc);
    }
}
