//! Swagger 2.0 -> OpenAPI 3.0: the document, its global sections and security definitions, and
//! what Swagger 2.0 puts in path items, operations and responses.
//!
//! What moves: `host`, `basePath` and `schemes` become `servers`; `definitions`, the global
//! `parameters` and `responses`, and `securityDefinitions` become `components`; `consumes` and
//! `produces` become the media types of request bodies and responses.

use serde_json::{json, Map, Value};

use crate::http_methods::HTTP_METHODS;

use super::error::{malformed, Result};
use super::media_types::JSON_MEDIA;
use super::pointer::child;
use super::shape::{is_extension, object, optional_string, ref_target, strings};
use super::swagger2_parameters::Params;
use super::swagger2_schema::Swagger;
use super::walk::{document, each, Converter, Prepared, RootField, Walk};

/// A Swagger 2.0 document root -> an OpenAPI 3.0 one, and the notes taken.
pub(super) fn convert(mut root: Map<String, Value>) -> Result<(Value, Vec<String>)> {
    let consumes = strings(root.remove("consumes"), "/consumes")?
        .unwrap_or_else(|| vec![JSON_MEDIA.to_string()]);
    let produces = strings(root.remove("produces"), "/produces")?
        .unwrap_or_else(|| vec![JSON_MEDIA.to_string()]);
    // Kept as written, to resolve `#/parameters/X` wherever it is referenced.
    let parameters = match root.get("parameters") {
        Some(globals) => object(globals.clone(), "/parameters", "an object")?,
        None => Map::new(),
    };
    let mut sw = Swagger {
        walk: Walk::default(),
        parameters,
        consumes,
        produces,
        components: Map::new(),
    };
    let servers = servers(
        root.remove("host"),
        root.remove("basePath"),
        root.remove("schemes"),
    )?;
    let mut out = document(&mut sw, root)?;
    if let Some(servers) = servers {
        out.insert("servers".into(), servers);
    }
    if !sw.components.is_empty() {
        out.insert("components".into(), Value::Object(sw.components));
    }
    Ok((Value::Object(out), sw.walk.notes.finish()))
}

/// `host` + `basePath` + `schemes` -> `servers`.
fn servers(
    host: Option<Value>,
    base_path: Option<Value>,
    schemes: Option<Value>,
) -> Result<Option<Value>> {
    let host = optional_string(host, "/host")?.filter(|h| !h.is_empty());
    let base = optional_string(base_path, "/basePath")?.unwrap_or_default();
    let schemes = strings(schemes, "/schemes")?.unwrap_or_else(|| vec!["https".to_string()]);
    let base = base.trim_end_matches('/');
    let base = if base.is_empty() || base.starts_with('/') {
        base.to_string()
    } else {
        format!("/{base}")
    };
    let mut urls: Vec<String> = match host {
        Some(host) => schemes
            .iter()
            .map(|scheme| format!("{scheme}://{host}{base}"))
            .collect(),
        None if !base.is_empty() => vec![base],
        None => return Ok(None),
    };
    urls.dedup();
    Ok(Some(Value::Array(
        urls.into_iter().map(|url| json!({ "url": url })).collect(),
    )))
}

impl Converter for Swagger {
    const FIELD_OF: &'static str = "a Swagger 2.0";
    /// The path item's body and formData parameters.
    type PathContext = Params;
    /// The media types the operation produces.
    type ResponseContext = Vec<String>;

    fn walk(&mut self) -> &mut Walk {
        &mut self.walk
    }

    /// Swagger 2.0 has no `trace`: a `trace` field is kept as written.
    fn is_operation(key: &str) -> bool {
        key != "trace" && HTTP_METHODS.contains(&key)
    }

    fn root_field(&mut self, key: &str, value: Value) -> Result<RootField> {
        match key {
            "swagger" => {}
            "info" => return Ok(RootField::Keep(value)),
            "definitions" => {
                let schemas = each(self, value, "/definitions", Self::schema)?;
                self.add_components("schemas", schemas);
            }
            "parameters" => {
                let (parameters, bodies) = self.global_parameters(value)?;
                self.add_components("parameters", parameters);
                self.add_components("requestBodies", bodies);
            }
            "responses" => {
                let produces = self.produces.clone();
                let responses = each(self, value, "/responses", |sw, response, pointer| {
                    sw.response(response, pointer, &produces)
                })?;
                self.add_components("responses", responses);
            }
            "securityDefinitions" => {
                let schemes = each(self, value, "/securityDefinitions", Self::security_scheme)?;
                self.add_components("securitySchemes", schemes);
            }
            _ => return Ok(RootField::Unknown),
        }
        Ok(RootField::Done)
    }

    /// The path item's parameters: query, header and path ones stay; the others go to the
    /// request bodies of its operations.
    fn prepare_path_item(
        &mut self,
        mut item: Map<String, Value>,
        pointer: &str,
    ) -> Result<Prepared<Params>> {
        let mut shared = self.parameters_of(&mut item, pointer)?;
        let mut converted = Map::new();
        let plain = std::mem::take(&mut shared.plain);
        if !plain.is_empty() {
            converted.insert("parameters".into(), Value::Array(plain));
        }
        Ok(Prepared {
            converted,
            rest: item,
            context: shared,
        })
    }

    fn path_item_field(&mut self, key: &str, value: Value, pointer: &str) -> Result<Value> {
        if key == "$ref" {
            self.walk
                .notes
                .at("kept a path item `$ref` as written (not resolved)", pointer);
        }
        Ok(value)
    }

    /// `consumes`, `produces` and the parameters -> `parameters` and `requestBody`.
    fn prepare_operation(
        &mut self,
        mut op: Map<String, Value>,
        pointer: &str,
        shared: &Params,
    ) -> Result<Prepared<Vec<String>>> {
        let consumes = strings(op.remove("consumes"), &child(pointer, "consumes"))?
            .unwrap_or_else(|| self.consumes.clone());
        let produces = strings(op.remove("produces"), &child(pointer, "produces"))?
            .unwrap_or_else(|| self.produces.clone());
        let params = self.parameters_of(&mut op, pointer)?;
        let converted = self.operation_parameters(params, shared, &consumes, pointer)?;
        Ok(Prepared {
            converted,
            rest: op,
            context: produces,
        })
    }

    fn operation_field(&mut self, key: &str, value: Value, pointer: &str) -> Result<Option<Value>> {
        if key == "schemes" {
            self.walk.notes.at(
                "dropped an operation's `schemes` (the document's servers apply)",
                pointer,
            );
            return Ok(None);
        }
        Ok(Some(value))
    }

    fn response(&mut self, v: Value, pointer: &str, produces: &Vec<String>) -> Result<Value> {
        let mut response = object(v, pointer, "a response object")?;
        if let Some(reference) = response.get("$ref") {
            let reference = ref_target(reference, &child(pointer, "$ref"))?;
            return Ok(json!({ "$ref": self.rewrite_ref(reference) }));
        }
        let mut out = Map::new();
        let description = match response.remove("description") {
            Some(Value::String(d)) => d,
            _ => String::new(),
        };
        out.insert("description".into(), Value::String(description));
        let mut examples = match response.remove("examples") {
            None => Map::new(),
            Some(Value::Object(examples)) => examples,
            Some(_) => {
                self.walk.notes.at(
                    "dropped response `examples` that were not a map of media types",
                    pointer,
                );
                Map::new()
            }
        };
        let schema = response.remove("schema");
        if schema.is_none() && !examples.is_empty() {
            self.walk.notes.at(
                "dropped the `examples` of a response without a schema (it has no content)",
                &child(pointer, "examples"),
            );
            examples.clear();
        }
        if let Some(schema) = schema {
            let schema = self.schema(schema, &child(pointer, "schema"))?;
            let mut content = Map::new();
            for media in produces {
                let mut media_object = Map::new();
                media_object.insert("schema".into(), schema.clone());
                if let Some(example) = examples.remove(media) {
                    media_object.insert("example".into(), example);
                }
                content.insert(media.clone(), Value::Object(media_object));
            }
            out.insert("content".into(), Value::Object(content));
        }
        if !examples.is_empty() {
            self.walk.notes.at(
                "dropped response examples for media types the operation does not produce",
                &child(pointer, "examples"),
            );
        }
        if let Some(headers) = response.remove("headers") {
            let headers = each(self, headers, &child(pointer, "headers"), Self::header)?;
            out.insert("headers".into(), Value::Object(headers));
        }
        for (key, value) in response {
            if is_extension(&key) {
                out.insert(key, value);
            } else {
                self.walk
                    .notes
                    .at(format!("dropped `{key}` from a response"), pointer);
            }
        }
        Ok(Value::Object(out))
    }
}

impl Swagger {
    /// `entries` under `components/{section}`, unless there are none.
    fn add_components(&mut self, section: &str, entries: Map<String, Value>) {
        if !entries.is_empty() {
            self.components
                .insert(section.into(), Value::Object(entries));
        }
    }

    /// Global parameters: (`components.parameters`, `components.requestBodies`).
    fn global_parameters(&mut self, v: Value) -> Result<(Map<String, Value>, Map<String, Value>)> {
        let globals = object(v, "/parameters", "an object")?;
        let mut parameters = Map::new();
        let mut bodies = Map::new();
        for (name, param) in globals {
            let pointer = child("/parameters", &name);
            let param = object(param, &pointer, "a parameter object")?;
            match param.get("in").and_then(Value::as_str) {
                Some("body") => {
                    let consumes = self.consumes.clone();
                    bodies.insert(name, self.body(param, &pointer, &consumes)?);
                }
                Some("formData") => self.walk.notes.at(
                    "a global formData parameter has no place in components: it was inlined into \
                     the form bodies of the operations that use it",
                    &pointer,
                ),
                _ => {
                    parameters.insert(name, self.plain_param(param, &pointer)?);
                }
            }
        }
        Ok((parameters, bodies))
    }

    /// A 2.0 security scheme -> a 3.0 one: `basic` becomes `http`, an OAuth2 `flow` becomes `flows`.
    fn security_scheme(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut scheme = object(v, pointer, "a security scheme object")?;
        let kind = scheme
            .remove("type")
            .and_then(|t| t.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut out = Map::new();
        match kind.as_str() {
            "basic" => {
                out.insert("type".into(), json!("http"));
                out.insert("scheme".into(), json!("basic"));
            }
            "apiKey" => {
                out.insert("type".into(), json!("apiKey"));
                for key in ["name", "in"] {
                    if let Some(v) = scheme.remove(key) {
                        out.insert(key.into(), v);
                    }
                }
            }
            "oauth2" => {
                let flow = scheme
                    .remove("flow")
                    .and_then(|f| f.as_str().map(str::to_string))
                    .unwrap_or_default();
                let (name, urls): (&str, &[&str]) = match flow.as_str() {
                    "implicit" => ("implicit", &["authorizationUrl"]),
                    "password" => ("password", &["tokenUrl"]),
                    "application" => ("clientCredentials", &["tokenUrl"]),
                    "accessCode" => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
                    other => {
                        return Err(malformed(
                            &child(pointer, "flow"),
                            format!(
                                "`{other}` is not a Swagger 2.0 OAuth2 flow (implicit, password, \
                                 application or accessCode)"
                            ),
                        ))
                    }
                };
                let mut flow_object = Map::new();
                for url in urls {
                    if let Some(v) = scheme.remove(*url) {
                        flow_object.insert((*url).to_string(), v);
                    }
                }
                let scopes = scheme.remove("scopes").unwrap_or_else(|| json!({}));
                flow_object.insert("scopes".into(), scopes);
                out.insert("type".into(), json!("oauth2"));
                out.insert("flows".into(), json!({ name: Value::Object(flow_object) }));
            }
            other => {
                return Err(malformed(
                    &child(pointer, "type"),
                    format!(
                    "`{other}` is not a Swagger 2.0 security scheme type (basic, apiKey or oauth2)"
                ),
                ))
            }
        }
        for (key, value) in scheme {
            if key == "description" || is_extension(&key) {
                out.insert(key, value);
            } else {
                self.walk.notes.at(
                    format!("dropped `{key}` from a security scheme of type {kind}"),
                    pointer,
                );
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::test_support::{
        assert_idempotent, assert_parses_as_openapi30, convert, error_of, get, swaggo,
    };
    use super::super::SourceVersion;

    #[test]
    fn swaggo_document_becomes_openapi_30() {
        let converted = convert(swaggo());
        assert_eq!(converted.source, SourceVersion::Swagger2);
        let doc = &converted.doc;
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(
            doc["servers"],
            json!([{ "url": "https://api.example.test/api/v2" }])
        );
        for gone in [
            "swagger",
            "host",
            "basePath",
            "schemes",
            "consumes",
            "produces",
            "definitions",
            "securityDefinitions",
        ] {
            assert!(doc.get(gone).is_none(), "{gone} left in the output");
        }
        assert_eq!(doc["info"]["title"], "Orb Cloud API");

        let schemas = get(doc, "/components/schemas");
        assert_eq!(
            schemas["server.OrganizationsResponse"]["properties"]["organizations"]["items"],
            json!({ "$ref": "#/components/schemas/server.Organization" })
        );
        let organization = &schemas["server.Organization"]["properties"];
        assert_eq!(
            organization["status"],
            json!({ "$ref": "#/components/schemas/server.Status" })
        );
        assert_eq!(
            organization["name"],
            json!({ "type": "string", "nullable": true })
        );
        assert_eq!(
            organization["parent"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/server.Organization" }], "nullable": true })
        );
        assert_eq!(
            schemas["server.Status"]["x-enum-varnames"],
            json!(["StatusActive", "StatusSuspended"])
        );
        assert_eq!(
            get(doc, "/components/securitySchemes/ApiKeyAuth"),
            &json!({
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "description": "Bearer token"
            })
        );

        let get_op = get(doc, "/paths/~1organizations~1{id}/get");
        assert_eq!(get_op["operationId"], "getOrganization");
        assert_eq!(get_op["tags"], json!(["organizations"]));
        assert_eq!(get_op["security"], json!([{ "ApiKeyAuth": [] }]));
        assert!(get_op.get("produces").is_none());
        assert_eq!(
            get_op["parameters"],
            json!([{
                "name": "id",
                "in": "path",
                "required": true,
                "description": "Organization ID",
                "schema": { "type": "string" }
            }, {
                "name": "fields",
                "in": "query",
                "schema": { "type": "array", "items": { "type": "string" } },
                "style": "form",
                "explode": true
            }, {
                "name": "limit",
                "in": "query",
                "example": 10,
                "schema": { "type": "integer", "default": 20, "maximum": 100 }
            }])
        );
        assert_eq!(
            get_op["responses"]["200"],
            json!({
                "description": "OK",
                "content": {
                    "application/json": {
                        "schema": { "$ref": "#/components/schemas/server.OrganizationsResponse" }
                    }
                },
                "headers": {
                    "X-Request-Id": { "description": "request id", "schema": { "type": "string" } }
                }
            })
        );

        let put_op = get(doc, "/paths/~1organizations~1{id}/put");
        assert_eq!(
            put_op["requestBody"],
            json!({
                "description": "The new name",
                "required": true,
                "content": {
                    "application/json": {
                        "schema": { "$ref": "#/components/schemas/server.UpdateOrganizationRequest" }
                    }
                }
            })
        );
        assert_eq!(put_op["parameters"].as_array().map(Vec::len), Some(1));
        assert!(put_op.get("consumes").is_none());
        assert_eq!(
            put_op["responses"]["204"],
            json!({ "description": "No Content" })
        );
        assert!(converted.notes.is_empty(), "{:?}", converted.notes);

        let api = assert_parses_as_openapi30(doc);
        assert_eq!(api.paths.paths.len(), 1);
        assert_eq!(api.components.map(|c| c.schemas.len()), Some(5));
        assert_idempotent(&converted);
    }

    #[test]
    fn swagger_global_parameters_and_responses_become_components() {
        let doc = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "basePath": "/v1/",
            "consumes": ["application/json"],
            "parameters": {
                "Limit": { "name": "limit", "in": "query", "type": "integer", "format": "int32" },
                "Thing": { "name": "thing", "in": "body", "required": true, "schema": { "$ref": "#/definitions/a~1b" } },
                "Token": { "name": "token", "in": "formData", "type": "string", "required": true }
            },
            "responses": {
                "NotFound": { "description": "missing", "schema": { "$ref": "#/definitions/Error" } }
            },
            "definitions": {
                "Error": { "type": "object", "properties": { "message": { "type": "string" } } },
                "a/b": { "type": "object", "discriminator": "kind", "properties": { "kind": { "type": "string" } } },
                "tilde~name": { "$ref": "#/definitions/a~1b" },
                "wrapper": { "$ref": "#/definitions/tilde~0name" }
            },
            "paths": {
                "/things": {
                    "parameters": [{ "$ref": "#/parameters/Limit" }],
                    "post": {
                        "parameters": [{ "$ref": "#/parameters/Thing" }],
                        "responses": { "404": { "$ref": "#/responses/NotFound" } }
                    },
                    "put": {
                        "consumes": ["application/merge-patch+json"],
                        "parameters": [{ "$ref": "#/parameters/Thing" }],
                        "responses": { "204": { "description": "" } }
                    }
                },
                "/tokens": {
                    "post": {
                        "parameters": [{ "$ref": "#/parameters/Token" }],
                        "responses": { "default": { "description": "" } }
                    }
                }
            }
        });
        let converted = convert(doc);
        let doc = &converted.doc;
        assert_eq!(doc["servers"], json!([{ "url": "/v1" }]));
        assert_eq!(
            get(doc, "/components/parameters"),
            &json!({
                "Limit": { "name": "limit", "in": "query", "schema": { "type": "integer", "format": "int32" } }
            })
        );
        assert_eq!(
            get(doc, "/components/requestBodies/Thing"),
            &json!({
                "required": true,
                "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/a~1b" } }
                }
            })
        );
        assert_eq!(
            get(
                doc,
                "/components/responses/NotFound/content/application~1json/schema"
            ),
            &json!({ "$ref": "#/components/schemas/Error" })
        );
        assert_eq!(
            get(doc, "/components/schemas/a~1b/discriminator"),
            &json!({ "propertyName": "kind" })
        );
        assert_eq!(
            get(doc, "/components/schemas/tilde~0name"),
            &json!({ "$ref": "#/components/schemas/a~1b" })
        );
        assert_eq!(
            get(doc, "/components/schemas/wrapper"),
            &json!({ "$ref": "#/components/schemas/tilde~0name" })
        );
        assert_eq!(
            get(doc, "/paths/~1things/parameters"),
            &json!([{ "$ref": "#/components/parameters/Limit" }])
        );
        assert_eq!(
            get(doc, "/paths/~1things/post/requestBody"),
            &json!({ "$ref": "#/components/requestBodies/Thing" })
        );
        assert_eq!(
            get(doc, "/paths/~1things/post/responses/404"),
            &json!({ "$ref": "#/components/responses/NotFound" })
        );
        // Other content types than the global ones: the body is inlined with the operation's.
        assert_eq!(
            get(doc, "/paths/~1things/put/requestBody/content"),
            &json!({
                "application/merge-patch+json": { "schema": { "$ref": "#/components/schemas/a~1b" } }
            })
        );
        // A global formData parameter is inlined into the form body.
        assert_eq!(
            get(doc, "/paths/~1tokens/post/requestBody"),
            &json!({
                "required": true,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["token"],
                            "properties": { "token": { "type": "string" } }
                        }
                    }
                }
            })
        );
        assert!(
            converted
                .notes
                .iter()
                .any(|n| n.contains("`/parameters/Token`")),
            "{:?}",
            converted.notes
        );
        let api = assert_parses_as_openapi30(doc);
        assert!(api.components.is_some_and(
            |c| c.schemas.contains_key("a/b") && c.request_bodies.contains_key("Thing")
        ));
        assert_idempotent(&converted);
    }

    #[test]
    fn swagger_servers_from_host_base_path_and_schemes() {
        let servers = |extra: Value| {
            let mut doc =
                json!({ "swagger": "2.0", "info": { "title": "t", "version": "1" }, "paths": {} });
            if let (Value::Object(doc), Value::Object(extra)) = (&mut doc, extra) {
                doc.extend(extra);
            }
            convert(doc).doc.get("servers").cloned()
        };
        assert_eq!(
            servers(json!({ "host": "h:8080", "schemes": ["http", "https"] })),
            Some(json!([{ "url": "http://h:8080" }, { "url": "https://h:8080" }]))
        );
        assert_eq!(
            servers(json!({ "host": "h", "basePath": "/" })),
            Some(json!([{ "url": "https://h" }]))
        );
        assert_eq!(
            servers(json!({ "basePath": "/api" })),
            Some(json!([{ "url": "/api" }]))
        );
        assert_eq!(servers(json!({})), None);
    }

    #[test]
    fn swagger_security_definitions_become_schemes() {
        let doc = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "securityDefinitions": {
                "basic": { "type": "basic", "x-kept": 1 },
                "implicit": { "type": "oauth2", "flow": "implicit", "authorizationUrl": "https://a", "scopes": { "read": "r" } },
                "password": { "type": "oauth2", "flow": "password", "tokenUrl": "https://t" },
                "app": { "type": "oauth2", "flow": "application", "tokenUrl": "https://t", "scopes": {} },
                "code": { "type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {} }
            }
        });
        let converted = convert(doc);
        let schemes = get(&converted.doc, "/components/securitySchemes");
        assert_eq!(
            schemes["basic"],
            json!({ "type": "http", "scheme": "basic", "x-kept": 1 })
        );
        assert_eq!(
            schemes["implicit"]["flows"],
            json!({ "implicit": { "authorizationUrl": "https://a", "scopes": { "read": "r" } } })
        );
        assert_eq!(
            schemes["password"]["flows"],
            json!({ "password": { "tokenUrl": "https://t", "scopes": {} } })
        );
        assert_eq!(
            schemes["app"]["flows"],
            json!({ "clientCredentials": { "tokenUrl": "https://t", "scopes": {} } })
        );
        assert_eq!(
            schemes["code"]["flows"],
            json!({ "authorizationCode": { "authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {} } })
        );
        assert_parses_as_openapi30(&converted.doc);

        let bad = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "securityDefinitions": { "o": { "type": "oauth2", "flow": "device" } }
        });
        let message = error_of(bad);
        assert!(
            message.contains("`/securityDefinitions/o/flow`"),
            "{message}"
        );
    }
}
