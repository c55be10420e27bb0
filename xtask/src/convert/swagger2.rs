//! Swagger 2.0 -> OpenAPI 3.0.

use serde_json::{json, Map, Value};

use super::error::{malformed, Result};
use super::media_types::{essence, FORM_MEDIA, JSON_MEDIA, MULTIPART_MEDIA};
use super::notes::Notes;
use super::pointer::{child, index, unescape};
use super::shape::{array, is_extension, kind, object, optional_string, strings};
use super::walk::MAX_DEPTH;

const SWAGGER_METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

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
struct BodyParam {
    raw: Map<String, Value>,
    pointer: String,
    global: Option<String>,
}

/// A formData parameter, as written (resolved when it came from `#/parameters/`).
#[derive(Clone)]
struct FormParam {
    raw: Map<String, Value>,
    pointer: String,
}

/// A parameter list split by what each becomes in 3.0.
#[derive(Clone, Default)]
struct Params {
    /// Converted query, header, path and cookie parameters, and references to them.
    plain: Vec<Value>,
    body: Option<BodyParam>,
    form: Vec<FormParam>,
}

/// A Swagger 2.0 parameter or header split into its 3.0 schema and the rest.
struct ValueParts {
    schema: Value,
    rest: Map<String, Value>,
    collection: Option<String>,
}

struct Swagger {
    notes: Notes,
    /// The global `parameters`, as written, to resolve `#/parameters/X`.
    parameters: Map<String, Value>,
    /// The global `consumes` (default `application/json`).
    consumes: Vec<String>,
    /// The global `produces` (default `application/json`).
    produces: Vec<String>,
    depth: usize,
}

pub(super) fn convert(mut root: Map<String, Value>) -> Result<(Value, Vec<String>)> {
    let consumes = strings(root.remove("consumes"), "/consumes")?
        .unwrap_or_else(|| vec![JSON_MEDIA.to_string()]);
    let produces = strings(root.remove("produces"), "/produces")?
        .unwrap_or_else(|| vec![JSON_MEDIA.to_string()]);
    let parameters = match root.get("parameters") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(malformed(
                "/parameters",
                format!("expected an object, found {}", kind(other)),
            ))
        }
    };
    let mut sw = Swagger {
        notes: Notes::default(),
        parameters,
        consumes,
        produces,
        depth: 0,
    };
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    let servers = swagger_servers(
        root.remove("host"),
        root.remove("basePath"),
        root.remove("schemes"),
    )?;
    if let Some(servers) = servers {
        out.insert("servers".into(), servers);
    }
    let mut components = Map::new();
    for (key, value) in root {
        match key.as_str() {
            "swagger" => {}
            "info" | "tags" | "externalDocs" | "security" => {
                out.insert(key, value);
            }
            "paths" => {
                let paths = sw.paths(value)?;
                out.insert(key, paths);
            }
            "definitions" => {
                let schemas = sw.definitions(value)?;
                if !schemas.is_empty() {
                    components.insert("schemas".into(), Value::Object(schemas));
                }
            }
            "parameters" => {
                let (parameters, bodies) = sw.global_parameters(value)?;
                if !parameters.is_empty() {
                    components.insert("parameters".into(), Value::Object(parameters));
                }
                if !bodies.is_empty() {
                    components.insert("requestBodies".into(), Value::Object(bodies));
                }
            }
            "responses" => {
                let responses = sw.global_responses(value)?;
                if !responses.is_empty() {
                    components.insert("responses".into(), Value::Object(responses));
                }
            }
            "securityDefinitions" => {
                let schemes = sw.security_definitions(value)?;
                if !schemes.is_empty() {
                    components.insert("securitySchemes".into(), Value::Object(schemes));
                }
            }
            _ if is_extension(&key) => {
                out.insert(key, value);
            }
            _ => sw.notes.note(format!(
                "dropped `{}`: not a Swagger 2.0 field",
                child("", &key)
            )),
        }
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    Ok((Value::Object(out), sw.notes.finish()))
}

/// `host` + `basePath` + `schemes` -> `servers`.
fn swagger_servers(
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

impl Swagger {
    fn descend(&mut self, pointer: &str) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(malformed(pointer, "schemas are nested too deeply"));
        }
        Ok(())
    }

    /// Rewrite a 2.0 reference to where its target lives in 3.0. Escaped segments are kept as written.
    fn rewrite_ref(&self, reference: &str) -> String {
        let Some((base, fragment)) = reference.split_once('#') else {
            return reference.to_string();
        };
        let fragment = if let Some(rest) = fragment.strip_prefix("/definitions/") {
            format!("/components/schemas/{rest}")
        } else if let Some(rest) = fragment.strip_prefix("/responses/") {
            format!("/components/responses/{rest}")
        } else if let Some(rest) = fragment.strip_prefix("/parameters/") {
            let name = rest.split('/').next().unwrap_or(rest);
            let is_body = base.is_empty()
                && self
                    .parameters
                    .get(&unescape(name))
                    .and_then(|p| p.get("in"))
                    .and_then(Value::as_str)
                    == Some("body");
            let section = if is_body {
                "requestBodies"
            } else {
                "parameters"
            };
            format!("/components/{section}/{rest}")
        } else {
            fragment.to_string()
        };
        format!("{base}#{fragment}")
    }

    fn definitions(&mut self, v: Value) -> Result<Map<String, Value>> {
        let definitions = object(v, "/definitions", "an object")?;
        let mut out = Map::new();
        for (name, schema) in definitions {
            let converted = self.schema(schema, &child("/definitions", &name))?;
            out.insert(name, converted);
        }
        Ok(out)
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
                Some("formData") => self.notes.at(
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

    fn global_responses(&mut self, v: Value) -> Result<Map<String, Value>> {
        let globals = object(v, "/responses", "an object")?;
        let produces = self.produces.clone();
        let mut out = Map::new();
        for (name, response) in globals {
            let converted = self.response(response, &child("/responses", &name), &produces)?;
            out.insert(name, converted);
        }
        Ok(out)
    }

    fn security_definitions(&mut self, v: Value) -> Result<Map<String, Value>> {
        let definitions = object(v, "/securityDefinitions", "an object")?;
        let mut out = Map::new();
        for (name, scheme) in definitions {
            let pointer = child("/securityDefinitions", &name);
            out.insert(name, self.security_scheme(scheme, &pointer)?);
        }
        Ok(out)
    }

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
                self.notes.at(
                    format!("dropped `{key}` from a security scheme of type {kind}"),
                    pointer,
                );
            }
        }
        Ok(Value::Object(out))
    }

    fn paths(&mut self, v: Value) -> Result<Value> {
        let paths = object(v, "/paths", "an object")?;
        let mut out = Map::new();
        for (path, item) in paths {
            let converted = if is_extension(&path) {
                item
            } else {
                self.path_item(item, &child("/paths", &path))?
            };
            out.insert(path, converted);
        }
        Ok(Value::Object(out))
    }

    fn path_item(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut item = object(v, pointer, "a path item object")?;
        let mut shared = match item.remove("parameters") {
            Some(list) => self.parameters(list, &child(pointer, "parameters"))?,
            None => Params::default(),
        };
        let mut out = Map::new();
        let plain = std::mem::take(&mut shared.plain);
        if !plain.is_empty() {
            out.insert("parameters".into(), Value::Array(plain));
        }
        for (key, value) in item {
            if SWAGGER_METHODS.contains(&key.as_str()) {
                let operation = self.operation(value, &child(pointer, &key), &shared)?;
                out.insert(key, operation);
            } else {
                if key == "$ref" {
                    self.notes
                        .at("kept a path item `$ref` as written (not resolved)", pointer);
                }
                out.insert(key, value);
            }
        }
        Ok(Value::Object(out))
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
                let reference = reference
                    .as_str()
                    .ok_or_else(|| malformed(&r_pointer, "`$ref` must be a string"))?;
                self.parameter_ref(reference, &r_pointer, &mut params)?;
                continue;
            }
            match param.get("in").and_then(Value::as_str) {
                Some("body") => {
                    if params.body.is_some() {
                        self.notes.at(
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
            self.notes.at(
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

    fn operation(&mut self, v: Value, pointer: &str, shared: &Params) -> Result<Value> {
        let mut op = object(v, pointer, "an operation object")?;
        let consumes = strings(op.remove("consumes"), &child(pointer, "consumes"))?
            .unwrap_or_else(|| self.consumes.clone());
        let produces = strings(op.remove("produces"), &child(pointer, "produces"))?
            .unwrap_or_else(|| self.produces.clone());
        let mut params = match op.remove("parameters") {
            Some(list) => self.parameters(list, &child(pointer, "parameters"))?,
            None => Params::default(),
        };
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
                self.notes.at(
                    "dropped the formData parameters of an operation that also has a body \
                     parameter (Swagger 2.0 forbids both)",
                    pointer,
                );
            }
            out.insert("requestBody".into(), self.request_body(body, &consumes)?);
        } else if !params.form.is_empty() {
            out.insert(
                "requestBody".into(),
                self.form_body(params.form, &consumes)?,
            );
        }
        for (key, value) in op {
            match key.as_str() {
                "responses" => {
                    let responses =
                        self.responses(value, &child(pointer, "responses"), &produces)?;
                    out.insert(key, responses);
                }
                "schemes" => self.notes.at(
                    "dropped an operation's `schemes` (the document's servers apply)",
                    &child(pointer, "schemes"),
                ),
                _ => {
                    out.insert(key, value);
                }
            }
        }
        Ok(Value::Object(out))
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
    fn body(
        &mut self,
        mut param: Map<String, Value>,
        pointer: &str,
        consumes: &[String],
    ) -> Result<Value> {
        let schema = match param.remove("schema") {
            Some(schema) => self.schema(schema, &child(pointer, "schema"))?,
            None => {
                self.notes.at(
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
                        _ => self.notes.at(
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
                self.notes.at(
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
    fn plain_param(&mut self, param: Map<String, Value>, pointer: &str) -> Result<Value> {
        if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
            return Ok(json!({ "$ref": self.rewrite_ref(reference) }));
        }
        let location = param
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let is_array = param.get("type").and_then(Value::as_str) == Some("array");
        let ValueParts {
            schema,
            mut rest,
            collection,
        } = self.value_schema(param, pointer)?;
        if let Some(example) = rest.remove("x-example") {
            rest.entry("example").or_insert(example);
        }
        if location != "query" && rest.remove("allowEmptyValue").is_some() {
            self.notes.at(
                "dropped `allowEmptyValue`: OpenAPI 3.0 allows it on query parameters only",
                pointer,
            );
        }
        if location == "path" && rest.get("required") != Some(&Value::Bool(true)) {
            rest.insert("required".into(), Value::Bool(true));
            self.notes.at(
                "made a path parameter required, as OpenAPI 3.0 demands",
                pointer,
            );
        }
        rest.insert("schema".into(), schema);
        if is_array {
            self.collection_style(
                &mut rest,
                &location,
                collection.as_deref().unwrap_or("csv"),
                pointer,
            );
        }
        Ok(Value::Object(rest))
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
                self.notes.at(
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
        self.descend(pointer)?;
        if let Some(format) = items.remove("collectionFormat") {
            if format.as_str() != Some("csv") {
                self.notes.at(
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
        self.depth -= 1;
        Ok(Value::Object(items))
    }

    fn responses(&mut self, v: Value, pointer: &str, produces: &[String]) -> Result<Value> {
        let responses = object(v, pointer, "a responses object")?;
        let mut out = Map::new();
        for (code, response) in responses {
            let converted = if is_extension(&code) {
                response
            } else {
                self.response(response, &child(pointer, &code), produces)?
            };
            out.insert(code, converted);
        }
        Ok(Value::Object(out))
    }

    fn response(&mut self, v: Value, pointer: &str, produces: &[String]) -> Result<Value> {
        let mut response = object(v, pointer, "a response object")?;
        if let Some(reference) = response.get("$ref") {
            let reference = reference
                .as_str()
                .ok_or_else(|| malformed(&child(pointer, "$ref"), "`$ref` must be a string"))?;
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
                self.notes.at(
                    "dropped response `examples` that were not a map of media types",
                    pointer,
                );
                Map::new()
            }
        };
        let schema = response.remove("schema");
        if schema.is_none() && !examples.is_empty() {
            self.notes.at(
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
            self.notes.at(
                "dropped response examples for media types the operation does not produce",
                &child(pointer, "examples"),
            );
        }
        if let Some(headers) = response.remove("headers") {
            let h_pointer = child(pointer, "headers");
            let headers = object(headers, &h_pointer, "an object")?;
            let mut converted = Map::new();
            for (name, header) in headers {
                let header = self.header(header, &child(&h_pointer, &name))?;
                converted.insert(name, header);
            }
            out.insert("headers".into(), Value::Object(converted));
        }
        for (key, value) in response {
            if is_extension(&key) {
                out.insert(key, value);
            } else {
                self.notes
                    .at(format!("dropped `{key}` from a response"), pointer);
            }
        }
        Ok(Value::Object(out))
    }

    fn header(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let header = object(v, pointer, "a header object")?;
        let is_array = header.get("type").and_then(Value::as_str) == Some("array");
        let ValueParts {
            schema,
            mut rest,
            collection,
        } = self.value_schema(header, pointer)?;
        if let Some(example) = rest.remove("x-example") {
            rest.entry("example").or_insert(example);
        }
        rest.insert("schema".into(), schema);
        if is_array {
            self.collection_style(
                &mut rest,
                "header",
                collection.as_deref().unwrap_or("csv"),
                pointer,
            );
        }
        Ok(Value::Object(rest))
    }

    /// A 2.0 schema: references rewritten, `type: file`, `x-nullable` and `discriminator` converted.
    ///
    /// This recurses; keywords without subschemas are handled by a helper that does not, so that
    /// each level of nesting takes little stack, even in a debug build.
    fn schema(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let schema = match v {
            Value::Object(schema) => schema,
            Value::Bool(b) => return Ok(Value::Bool(b)),
            other => {
                return Err(malformed(
                    pointer,
                    format!("expected a schema object, found {}", kind(&other)),
                ))
            }
        };
        self.descend(pointer)?;
        let mut out = Map::new();
        for (key, value) in schema {
            let k_pointer = child(pointer, &key);
            let converted = match key.as_str() {
                "properties" => {
                    let properties = object(value, &k_pointer, "an object")?;
                    let mut converted = Map::new();
                    for (name, property) in properties {
                        let property = self.schema(property, &child(&k_pointer, &name))?;
                        converted.insert(name, property);
                    }
                    Value::Object(converted)
                }
                "items" => match value {
                    Value::Array(list) => {
                        let list = self.schema_list(list, &k_pointer)?;
                        self.tuple_items(list, &k_pointer)
                    }
                    other => self.schema(other, &k_pointer)?,
                },
                "additionalProperties" | "not" => self.schema(value, &k_pointer)?,
                "allOf" | "anyOf" | "oneOf" => {
                    let list = array(value, &k_pointer, "a list of schemas")?;
                    Value::Array(self.schema_list(list, &k_pointer)?)
                }
                _ => {
                    self.schema_keyword(&mut out, key, value, &k_pointer)?;
                    continue;
                }
            };
            out.insert(key, converted);
        }
        self.depth -= 1;
        // Beside a `$ref`, `nullable` would be ignored: wrap the reference so that it applies.
        if out.contains_key("nullable") {
            if let Some(reference) = out.remove("$ref") {
                out.insert(
                    "allOf".into(),
                    Value::Array(vec![json!({ "$ref": reference })]),
                );
            }
        }
        Ok(Value::Object(out))
    }

    fn schema_list(&mut self, list: Vec<Value>, pointer: &str) -> Result<Vec<Value>> {
        list.into_iter()
            .enumerate()
            .map(|(i, s)| self.schema(s, &index(pointer, i)))
            .collect()
    }

    /// A list of `items` schemas (converted): one is that schema, more are approximated by `anyOf`.
    #[inline(never)]
    fn tuple_items(&mut self, mut list: Vec<Value>, pointer: &str) -> Value {
        if list.len() == 1 {
            return list.pop().unwrap_or_default();
        }
        self.notes.at(
            "approximated a list of `items` schemas (a tuple) by `anyOf` of them",
            pointer,
        );
        json!({ "anyOf": list })
    }

    /// A schema keyword without subschemas, into `out`.
    #[inline(never)]
    fn schema_keyword(
        &mut self,
        out: &mut Map<String, Value>,
        key: String,
        value: Value,
        pointer: &str,
    ) -> Result<()> {
        match key.as_str() {
            "$ref" => {
                let reference = value
                    .as_str()
                    .ok_or_else(|| malformed(pointer, "`$ref` must be a string"))?;
                out.insert(key, Value::String(self.rewrite_ref(reference)));
            }
            "x-nullable" => match value {
                Value::Bool(nullable) => {
                    out.insert("nullable".into(), Value::Bool(nullable));
                }
                other => {
                    out.insert(key, other);
                }
            },
            "discriminator" => match value {
                Value::String(property) => {
                    out.insert(key, json!({ "propertyName": property }));
                }
                other => {
                    out.insert(key, other);
                }
            },
            // A file is binary whatever `format` said, in whichever order the keys come.
            "type" if value.as_str() == Some("file") => {
                out.insert("type".into(), json!("string"));
                out.insert("format".into(), json!("binary"));
            }
            "format" => {
                out.entry(key).or_insert(value);
            }
            _ => {
                out.insert(key, value);
            }
        }
        Ok(())
    }
}

fn param_name(param: &Map<String, Value>) -> Option<&str> {
    param.get("name").and_then(Value::as_str)
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
