//! Swagger 2.0 parameters and headers -> OpenAPI 3.0.
//!
//! In 2.0 a parameter describes its value with fields of its own (`type`, `items`, `enum`, ...),
//! which 3.0 keeps in a `schema`; and the request body is a parameter too (`in: body`, or one
//! `in: formData` per form field), which 3.0 makes a `requestBody`.

use serde_json::{json, Map, Value};

use super::error::{malformed, Result};
use super::media_types::{essence, FORM_MEDIA, MULTIPART_MEDIA};
use super::pointer::{child, index, unescape};
use super::shape::{array, is_extension, object, ref_target};
use super::swagger2_schema::Swagger;

/// Swagger 2.0 parameter and header fields that describe the value: in 3.0 they live in `schema`.
const VALUE_FIELDS: [&str; 20] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
    "x-enum-varnames",
    "x-enum-descriptions",
    "x-enum-comments",
];

/// A body parameter, as written; `global` is its escaped name when it came from `#/parameters/`.
#[derive(Clone)]
pub(super) struct BodyParam {
    raw: Map<String, Value>,
    pointer: String,
    global: Option<String>,
}

/// A formData parameter, as written (resolved when it came from `#/parameters/`).
#[derive(Clone)]
pub(super) struct FormParam {
    raw: Map<String, Value>,
    pointer: String,
}

/// A parameter list split by what each becomes in 3.0.
#[derive(Clone, Default)]
pub(super) struct Params {
    /// Converted query, header, path and cookie parameters, and references to them.
    pub(super) plain: Vec<Value>,
    pub(super) body: Option<BodyParam>,
    pub(super) form: Vec<FormParam>,
}

/// A Swagger 2.0 parameter or header split into its 3.0 schema and the rest.
struct ValueParts {
    schema: Value,
    rest: Map<String, Value>,
    collection: Option<String>,
}

impl Swagger {
    /// The `parameters` of a path item or operation (at `pointer`), taken out of it and split.
    pub(super) fn parameters_of(
        &mut self,
        m: &mut Map<String, Value>,
        pointer: &str,
    ) -> Result<Params> {
        match m.remove("parameters") {
            Some(list) => self.parameters(list, &child(pointer, "parameters")),
            None => Ok(Params::default()),
        }
    }

    /// Split a parameter list; query, header and path parameters are converted on the way.
    fn parameters(&mut self, v: Value, pointer: &str) -> Result<Params> {
        let list = array(v, pointer, "a list of parameters")?;
        let mut params = Params::default();
        for (i, param) in list.into_iter().enumerate() {
            let p_pointer = index(pointer, i);
            let param = object(param, &p_pointer, "a parameter object")?;
            if let Some(reference) = param.get("$ref") {
                let r_pointer = child(&p_pointer, "$ref");
                let reference = ref_target(reference, &r_pointer)?;
                self.parameter_ref(reference, &r_pointer, &mut params)?;
                continue;
            }
            match param.get("in").and_then(Value::as_str) {
                Some("body") => {
                    if params.body.is_some() {
                        self.walk.notes.at(
                            "ignored a second body parameter (Swagger 2.0 allows one)",
                            &p_pointer,
                        );
                    } else {
                        params.body = Some(BodyParam {
                            raw: param,
                            pointer: p_pointer,
                            global: None,
                        });
                    }
                }
                Some("formData") => params.form.push(FormParam {
                    raw: param,
                    pointer: p_pointer,
                }),
                Some("query" | "header" | "path" | "cookie") => {
                    let converted = self.plain_param(param, &p_pointer)?;
                    params.plain.push(converted);
                }
                Some(other) => {
                    return Err(malformed(
                        &child(&p_pointer, "in"),
                        format!(
                            "`in: {other}` is not a Swagger 2.0 parameter location (query, header, \
                             path, formData or body)"
                        ),
                    ))
                }
                None => return Err(malformed(&p_pointer, "the parameter has no `in`")),
            }
        }
        Ok(params)
    }

    fn parameter_ref(&mut self, reference: &str, pointer: &str, params: &mut Params) -> Result<()> {
        let Some(escaped) = reference.strip_prefix("#/parameters/") else {
            self.walk.notes.at(
                "kept a parameter `$ref` that does not point into this document's `parameters` \
                 (assumed not a body or formData parameter)",
                pointer,
            );
            params
                .plain
                .push(json!({ "$ref": self.rewrite_ref(reference) }));
            return Ok(());
        };
        let name = unescape(escaped);
        let target = self
            .parameters
            .get(&name)
            .and_then(Value::as_object)
            .ok_or_else(|| {
                malformed(
                    pointer,
                    format!("`{reference}` names no parameter object in `/parameters`"),
                )
            })?;
        let global_pointer = child("/parameters", &name);
        match target.get("in").and_then(Value::as_str) {
            Some("body") => {
                params.body = Some(BodyParam {
                    raw: target.clone(),
                    pointer: global_pointer,
                    global: Some(escaped.to_string()),
                })
            }
            Some("formData") => params.form.push(FormParam {
                raw: target.clone(),
                pointer: global_pointer,
            }),
            _ => params
                .plain
                .push(json!({ "$ref": format!("#/components/parameters/{escaped}") })),
        }
        Ok(())
    }

    /// An operation's parameters (`params`), with what it inherits from its path item (`shared`),
    /// into its `parameters` and `requestBody`.
    pub(super) fn operation_parameters(
        &mut self,
        mut params: Params,
        shared: &Params,
        consumes: &[String],
        pointer: &str,
    ) -> Result<Map<String, Value>> {
        if params.body.is_none() {
            params.body = shared.body.clone();
        }
        for inherited in &shared.form {
            let name = param_name(&inherited.raw);
            if !params.form.iter().any(|f| param_name(&f.raw) == name) {
                params.form.push(inherited.clone());
            }
        }
        let mut out = Map::new();
        if !params.plain.is_empty() {
            out.insert("parameters".into(), Value::Array(params.plain));
        }
        if let Some(body) = params.body {
            if !params.form.is_empty() {
                self.walk.notes.at(
                    "dropped the formData parameters of an operation that also has a body \
                     parameter (Swagger 2.0 forbids both)",
                    pointer,
                );
            }
            out.insert("requestBody".into(), self.request_body(body, consumes)?);
        } else if !params.form.is_empty() {
            out.insert("requestBody".into(), self.form_body(params.form, consumes)?);
        }
        Ok(out)
    }

    fn request_body(&mut self, body: BodyParam, consumes: &[String]) -> Result<Value> {
        if let Some(name) = &body.global {
            if consumes == self.consumes.as_slice() {
                return Ok(json!({ "$ref": format!("#/components/requestBodies/{name}") }));
            }
        }
        self.body(body.raw, &body.pointer, consumes)
    }

    /// A body parameter -> a request body object.
    pub(super) fn body(
        &mut self,
        mut param: Map<String, Value>,
        pointer: &str,
        consumes: &[String],
    ) -> Result<Value> {
        let schema = match param.remove("schema") {
            Some(schema) => self.schema(schema, &child(pointer, "schema"))?,
            None => {
                self.walk.notes.at(
                    "a body parameter without `schema` became a request body accepting any value",
                    pointer,
                );
                json!({})
            }
        };
        let mut content = Map::new();
        for media in consumes {
            content.insert(media.clone(), json!({ "schema": schema.clone() }));
        }
        let mut out = Map::new();
        out.insert("content".into(), Value::Object(content));
        for (key, value) in param {
            match key.as_str() {
                "description" | "required" => {
                    out.insert(key, value);
                }
                "name" | "in" => {}
                _ if is_extension(&key) => {
                    out.insert(key, value);
                }
                _ => self
                    .walk
                    .notes
                    .at(format!("dropped `{key}` from a body parameter"), pointer),
            }
        }
        Ok(Value::Object(out))
    }

    /// formData parameters -> a request body with an object schema.
    fn form_body(&mut self, params: Vec<FormParam>, consumes: &[String]) -> Result<Value> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut has_file = false;
        for FormParam { raw, pointer } in params {
            let name = param_name(&raw)
                .ok_or_else(|| malformed(&pointer, "a formData parameter needs a `name`"))?
                .to_string();
            let value_type = raw.get("type").and_then(Value::as_str).unwrap_or_default();
            has_file |= value_type == "file";
            let is_array = value_type == "array";
            if raw.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::String(name.clone()));
            }
            let ValueParts {
                mut schema,
                rest,
                collection,
            } = self.value_schema(raw, &pointer)?;
            if let Value::Object(schema) = &mut schema {
                for (key, value) in rest {
                    match key.as_str() {
                        "description" => {
                            schema.entry(key).or_insert(value);
                        }
                        "x-example" => {
                            schema.entry("example").or_insert(value);
                        }
                        "name" | "in" | "required" | "allowEmptyValue" => {}
                        _ if is_extension(&key) => {
                            schema.entry(key).or_insert(value);
                        }
                        _ => self.walk.notes.at(
                            format!("dropped `{key}` from a formData parameter"),
                            &pointer,
                        ),
                    }
                }
            }
            // 3.0 would say this with an `encoding` object, which progenitor cannot generate code
            // for: form arrays are left to the 3.0 default, one `name=value` pair per item.
            let format = collection.as_deref().unwrap_or("csv");
            if is_array && format != "multi" {
                self.walk.notes.at(
                    format!(
                        "a formData array with `collectionFormat: {format}` is described with \
                         OpenAPI 3.0's default form serialization (one pair per item)"
                    ),
                    &pointer,
                );
            }
            properties.insert(name, schema);
        }
        let mut media: Vec<String> = consumes
            .iter()
            .filter(|c| {
                let e = essence(c);
                e == FORM_MEDIA || e == MULTIPART_MEDIA
            })
            .cloned()
            .collect();
        if media.is_empty() {
            media.push(
                if has_file {
                    MULTIPART_MEDIA
                } else {
                    FORM_MEDIA
                }
                .to_string(),
            );
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        let any_required = !required.is_empty();
        if any_required {
            schema.insert("required".into(), Value::Array(required));
        }
        let schema = Value::Object(schema);
        let mut content = Map::new();
        for media in media {
            let mut media_object = Map::new();
            media_object.insert("schema".into(), schema.clone());
            content.insert(media, Value::Object(media_object));
        }
        let mut out = Map::new();
        out.insert("content".into(), Value::Object(content));
        if any_required {
            out.insert("required".into(), Value::Bool(true));
        }
        Ok(Value::Object(out))
    }

    /// A query, header, path or cookie parameter: its value fields move into `schema`.
    pub(super) fn plain_param(
        &mut self,
        param: Map<String, Value>,
        pointer: &str,
    ) -> Result<Value> {
        if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
            return Ok(json!({ "$ref": self.rewrite_ref(reference) }));
        }
        let location = param
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut out = self.described_value(param, &location, pointer)?;
        if location != "query" && out.remove("allowEmptyValue").is_some() {
            self.walk.notes.at(
                "dropped `allowEmptyValue`: OpenAPI 3.0 allows it on query parameters only",
                pointer,
            );
        }
        if location == "path" && out.get("required") != Some(&Value::Bool(true)) {
            out.insert("required".into(), Value::Bool(true));
            self.walk.notes.at(
                "made a path parameter required, as OpenAPI 3.0 demands",
                pointer,
            );
        }
        Ok(Value::Object(out))
    }

    /// A response header: its value fields move into `schema`.
    pub(super) fn header(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let header = object(v, pointer, "a header object")?;
        self.described_value(header, "header", pointer)
            .map(Value::Object)
    }

    /// A parameter or header at `location` with its value fields in `schema`, `x-example` as
    /// `example`, and `collectionFormat` as `style`/`explode`.
    fn described_value(
        &mut self,
        raw: Map<String, Value>,
        location: &str,
        pointer: &str,
    ) -> Result<Map<String, Value>> {
        let is_array = raw.get("type").and_then(Value::as_str) == Some("array");
        let ValueParts {
            schema,
            mut rest,
            collection,
        } = self.value_schema(raw, pointer)?;
        if let Some(example) = rest.remove("x-example") {
            rest.entry("example").or_insert(example);
        }
        rest.insert("schema".into(), schema);
        if is_array {
            self.collection_style(
                &mut rest,
                location,
                collection.as_deref().unwrap_or("csv"),
                pointer,
            );
        }
        Ok(rest)
    }

    /// `collectionFormat` -> `style`/`explode` where 3.0 has an equivalent.
    fn collection_style(
        &mut self,
        target: &mut Map<String, Value>,
        location: &str,
        format: &str,
        pointer: &str,
    ) {
        let style = match (location, format) {
            ("query", "csv") => ("form", false),
            ("query", "multi") => ("form", true),
            ("query", "ssv") => ("spaceDelimited", false),
            ("query", "pipes") => ("pipeDelimited", false),
            // `simple` without explode: the 3.0 default for these.
            ("path" | "header", "csv") => return,
            _ => {
                self.walk.notes.at(
                    format!(
                        "`collectionFormat: {format}` has no OpenAPI 3.0 equivalent for a {location} \
                         value: left the default style"
                    ),
                    pointer,
                );
                return;
            }
        };
        target.insert("style".into(), json!(style.0));
        target.insert("explode".into(), json!(style.1));
    }

    /// Split a parameter or header into its schema (value fields, converted) and the rest.
    fn value_schema(&mut self, mut param: Map<String, Value>, pointer: &str) -> Result<ValueParts> {
        let collection = param
            .remove("collectionFormat")
            .and_then(|v| v.as_str().map(str::to_string));
        if !param.contains_key("type") {
            if let Some(schema) = param.remove("schema") {
                let schema = self.schema(schema, &child(pointer, "schema"))?;
                return Ok(ValueParts {
                    schema,
                    rest: param,
                    collection,
                });
            }
        }
        let mut schema = Map::new();
        for key in VALUE_FIELDS {
            if let Some(v) = param.remove(key) {
                schema.insert(key.to_string(), v);
            }
        }
        if let Some(items) = schema.remove("items") {
            let items = self.items(items, &child(pointer, "items"))?;
            schema.insert("items".into(), items);
        }
        let schema = self.schema(Value::Object(schema), pointer)?;
        Ok(ValueParts {
            schema,
            rest: param,
            collection,
        })
    }

    /// An items object of a parameter or header: drops nested `collectionFormat`.
    fn items(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut items = object(v, pointer, "an items object")?;
        self.walk.descend(pointer)?;
        if let Some(format) = items.remove("collectionFormat") {
            if format.as_str() != Some("csv") {
                self.walk.notes.at(
                    "dropped a nested `collectionFormat` (OpenAPI 3.0 cannot describe how nested \
                     arrays are serialized)",
                    pointer,
                );
            }
        }
        if let Some(inner) = items.remove("items") {
            let inner = self.items(inner, &child(pointer, "items"))?;
            items.insert("items".into(), inner);
        }
        self.walk.ascend();
        Ok(Value::Object(items))
    }
}

fn param_name(param: &Map<String, Value>) -> Option<&str> {
    param.get("name").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{
        assert_idempotent, assert_parses_as_openapi30, convert, error_of, get,
    };

    #[test]
    fn swagger_form_data_becomes_a_form_body() {
        let doc = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "paths": {
                "/login": {
                    "post": {
                        "parameters": [
                            { "name": "user", "in": "formData", "type": "string", "required": true, "description": "who" },
                            { "name": "scopes", "in": "formData", "type": "array", "items": { "type": "string" } },
                            { "name": "remember", "in": "formData", "type": "boolean", "x-nullable": true }
                        ],
                        "responses": { "200": { "description": "ok" } }
                    }
                },
                "/upload": {
                    "post": {
                        "consumes": ["multipart/form-data"],
                        "parameters": [
                            { "name": "file", "in": "formData", "type": "file", "required": true },
                            { "name": "note", "in": "formData", "type": "string" }
                        ],
                        "responses": { "200": { "description": "ok" } }
                    }
                },
                "/avatar": {
                    "put": {
                        "parameters": [{ "name": "image", "in": "formData", "type": "file" }],
                        "responses": { "200": { "description": "ok" } }
                    }
                }
            }
        });
        let converted = convert(doc);
        let doc = &converted.doc;
        let schema = json!({
            "type": "object",
            "required": ["user"],
            "properties": {
                "user": { "type": "string", "description": "who" },
                "scopes": { "type": "array", "items": { "type": "string" } },
                "remember": { "type": "boolean", "nullable": true }
            }
        });
        assert_eq!(
            get(doc, "/paths/~1login/post/requestBody"),
            &json!({
                "required": true,
                "content": {
                    "application/x-www-form-urlencoded": { "schema": schema }
                }
            })
        );
        assert!(get(doc, "/paths/~1login/post").get("parameters").is_none());
        // progenitor cannot generate code for `encoding`: the csv array is noted instead.
        assert!(
            converted
                .notes
                .iter()
                .any(|n| n.contains("collectionFormat: csv")
                    && n.contains("`/paths/~1login/post/parameters/1`")),
            "{:?}",
            converted.notes
        );
        assert_eq!(
            get(doc, "/paths/~1upload/post/requestBody"),
            &json!({
                "required": true,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": { "type": "string", "format": "binary" },
                                "note": { "type": "string" }
                            }
                        }
                    }
                }
            })
        );
        // A file without `consumes` still needs multipart.
        assert!(get(doc, "/paths/~1avatar/put/requestBody/content")
            .get("multipart/form-data")
            .is_some());
        assert_parses_as_openapi30(doc);
        assert_idempotent(&converted);
    }

    #[test]
    fn swagger_dangling_parameter_ref_is_refused() {
        let doc = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "paths": { "/x": { "get": {
                "parameters": [{ "$ref": "#/parameters/Missing" }],
                "responses": { "200": { "description": "" } }
            } } }
        });
        let message = error_of(doc);
        assert!(
            message.contains("`/paths/~1x/get/parameters/0/$ref`")
                && message.contains("#/parameters/Missing"),
            "{message}"
        );
    }

    #[test]
    fn swagger_path_level_parameters_and_collection_formats() {
        let doc = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "paths": {
                "/items/{ids}": {
                    "parameters": [
                        { "name": "ids", "in": "path", "type": "array", "items": { "type": "integer" } },
                        { "name": "payload", "in": "body", "schema": { "type": "object" } }
                    ],
                    "post": {
                        "parameters": [
                            { "name": "tags", "in": "query", "type": "array", "items": { "type": "string" }, "collectionFormat": "pipes" },
                            { "name": "X-Ids", "in": "header", "type": "array", "items": { "type": "string" }, "collectionFormat": "tsv" }
                        ],
                        "responses": { "200": { "description": "ok" } }
                    }
                }
            }
        });
        let converted = convert(doc);
        let doc = &converted.doc;
        assert_eq!(
            get(doc, "/paths/~1items~1{ids}/parameters"),
            &json!([{
                "name": "ids",
                "in": "path",
                "required": true,
                "schema": { "type": "array", "items": { "type": "integer" } }
            }])
        );
        let post = get(doc, "/paths/~1items~1{ids}/post");
        assert_eq!(
            post["requestBody"],
            json!({ "content": { "application/json": { "schema": { "type": "object" } } } })
        );
        assert_eq!(post["parameters"][0]["style"], "pipeDelimited");
        assert_eq!(post["parameters"][0]["explode"], false);
        assert!(post["parameters"][1].get("style").is_none());
        let notes = converted.notes.join("\n");
        assert!(notes.contains("collectionFormat: tsv"), "{notes}");
        assert!(notes.contains("made a path parameter required"), "{notes}");
        assert_parses_as_openapi30(doc);
    }
}
