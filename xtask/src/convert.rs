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

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

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

/// Why a document cannot be converted. Every message names the JSON pointer of the offending part.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The document is not a JSON object.
    #[error(
        "the document root is {found}, not an object: expected an OpenAPI 3.0, OpenAPI 3.1 or \
         Swagger 2.0 document"
    )]
    NotAnObject {
        /// What the document was instead.
        found: String,
    },
    /// The document has neither `openapi` nor `swagger` at its root.
    #[error(
        "the document root has neither `/openapi` nor `/swagger`, so its version is unknown \
         (its top-level keys: {keys})"
    )]
    NoVersion {
        /// The keys the root does have.
        keys: String,
    },
    /// The version field names a version that cannot be converted.
    #[error(
        "`{pointer}` is {found}: only Swagger 2.0 (`swagger: \"2.0\"`) and OpenAPI 3.0.x or 3.1.x \
         (`openapi: \"3.1.0\"`) can be converted"
    )]
    UnsupportedVersion {
        /// `/swagger` or `/openapi`.
        pointer: String,
        /// The value found there.
        found: String,
    },
    /// Both `swagger` and `openapi` are present.
    #[error(
        "the document root has both `/swagger` ({swagger}) and `/openapi` ({openapi}): cannot tell \
         which version it is"
    )]
    AmbiguousVersion {
        /// The value of `/swagger`.
        swagger: String,
        /// The value of `/openapi`.
        openapi: String,
    },
    /// A construct OpenAPI 3.0 cannot express, and which cannot be dropped without changing the API.
    #[error("{}: {what} cannot be expressed in OpenAPI 3.0 ({why})", at(.pointer))]
    Inexpressible {
        /// Where the construct is.
        pointer: String,
        /// The construct.
        what: String,
        /// Why it cannot be converted, or what to do instead.
        why: String,
    },
    /// A part of the document does not have the shape its version requires.
    #[error("{}: {message}", at(.pointer))]
    Malformed {
        /// Where the problem is.
        pointer: String,
        /// What is wrong there.
        message: String,
    },
}

type Result<T> = std::result::Result<T, ConvertError>;

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
        SourceVersion::Swagger2 => swagger2(root)?,
        SourceVersion::OpenApi31 => openapi31(root)?,
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

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// Deepest nesting of schemas followed before giving up. serde_json and serde_yaml refuse documents
/// nested deeper than 128, so only a document built in code reaches this; it keeps the stack bounded.
const MAX_DEPTH: usize = 128;
/// How many places a note lists before saying "and N more".
const MAX_PLACES: usize = 5;

const JSON_MEDIA: &str = "application/json";
const FORM_MEDIA: &str = "application/x-www-form-urlencoded";
const MULTIPART_MEDIA: &str = "multipart/form-data";

/// Notes for the regen log: free lines, and messages collected with the places they apply to.
#[derive(Default)]
struct Notes {
    lines: Vec<String>,
    places: BTreeMap<String, Vec<String>>,
}

impl Notes {
    fn note(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    fn at(&mut self, what: impl Into<String>, pointer: &str) {
        self.places
            .entry(what.into())
            .or_default()
            .push(pointer.to_string());
    }

    fn finish(self) -> Vec<String> {
        let mut out = self.lines;
        for (what, places) in self.places {
            let list = places
                .iter()
                .take(MAX_PLACES)
                .map(|p| at(p))
                .collect::<Vec<_>>()
                .join(", ");
            let more = places.len().saturating_sub(MAX_PLACES);
            out.push(match (places.len(), more) {
                (1, _) => format!("{what} (at {list})"),
                (n, 0) => format!("{what} (at {n} places: {list})"),
                (n, more) => format!("{what} (at {n} places: {list} and {more} more)"),
            });
        }
        out
    }
}

/// A JSON pointer as shown to a person.
fn at(pointer: &str) -> String {
    if pointer.is_empty() {
        "the document root".to_string()
    } else {
        format!("`{pointer}`")
    }
}

/// `pointer` extended by one object key, escaped as RFC 6901 requires.
fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// `pointer` extended by one array index.
fn index(pointer: &str, i: usize) -> String {
    format!("{pointer}/{i}")
}

/// One segment of a JSON pointer inside a URI fragment, decoded to the key it names.
fn unescape(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                // Both digits are < 16, so this fits a byte.
                decoded.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded)
        .replace("~1", "/")
        .replace("~0", "~")
}

fn kind(v: &Value) -> &'static str {
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
fn preview(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

fn malformed(pointer: &str, message: impl Into<String>) -> ConvertError {
    ConvertError::Malformed {
        pointer: pointer.to_string(),
        message: message.into(),
    }
}

fn inexpressible(pointer: &str, what: impl Into<String>, why: impl Into<String>) -> ConvertError {
    ConvertError::Inexpressible {
        pointer: pointer.to_string(),
        what: what.into(),
        why: why.into(),
    }
}

fn object(v: Value, pointer: &str, what: &str) -> Result<Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(malformed(
            pointer,
            format!("expected {what}, found {}", kind(&other)),
        )),
    }
}

fn array(v: Value, pointer: &str, what: &str) -> Result<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(malformed(
            pointer,
            format!("expected {what}, found {}", kind(&other)),
        )),
    }
}

fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

/// A media type without parameters, lower-cased: `Multipart/Form-Data; x=y` -> `multipart/form-data`.
fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A list of strings, or one string; `None` when absent or empty.
fn strings(v: Option<Value>, pointer: &str) -> Result<Option<Vec<String>>> {
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

fn optional_string(v: Option<Value>, pointer: &str) -> Result<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(malformed(
            pointer,
            format!("expected a string, found {}", kind(&other)),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Swagger 2.0

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

fn swagger2(mut root: Map<String, Value>) -> Result<(Value, Vec<String>)> {
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

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.1

const OPENAPI_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Schema keywords refused outright, with what to do instead.
const REFUSED_KEYWORDS: [(&str, &str); 9] = [
    (
        "prefixItems",
        "tuple validation; describe the array with `items`",
    ),
    ("$dynamicRef", "dynamic references have no 3.0 equivalent"),
    (
        "$recursiveRef",
        "recursive references have no 3.0 equivalent",
    ),
    (
        "if",
        "conditional schemas have no 3.0 equivalent; use `oneOf`",
    ),
    (
        "then",
        "conditional schemas have no 3.0 equivalent; use `oneOf`",
    ),
    (
        "else",
        "conditional schemas have no 3.0 equivalent; use `oneOf`",
    ),
    ("dependentSchemas", "3.0 has no conditional subschemas"),
    (
        "patternProperties",
        "3.0 describes extra properties with `additionalProperties` only",
    ),
    (
        "$defs",
        "3.0 has no local definitions; move them into `components/schemas`",
    ),
];

/// Schema keywords dropped with a note: they name or annotate, or only narrow validation.
const DROPPED_KEYWORDS: [(&str, &str); 12] = [
    (
        "$schema",
        "JSON Schema identifiers have no meaning in OpenAPI 3.0",
    ),
    (
        "$id",
        "JSON Schema identifiers have no meaning in OpenAPI 3.0",
    ),
    (
        "$anchor",
        "JSON Schema identifiers have no meaning in OpenAPI 3.0",
    ),
    (
        "$dynamicAnchor",
        "JSON Schema identifiers have no meaning in OpenAPI 3.0",
    ),
    (
        "$vocabulary",
        "JSON Schema identifiers have no meaning in OpenAPI 3.0",
    ),
    ("$comment", "comments have no place in OpenAPI 3.0 schemas"),
    (
        "contains",
        "validation only, no OpenAPI 3.0 equivalent (the schema is looser)",
    ),
    (
        "minContains",
        "validation only, no OpenAPI 3.0 equivalent (the schema is looser)",
    ),
    (
        "maxContains",
        "validation only, no OpenAPI 3.0 equivalent (the schema is looser)",
    ),
    (
        "propertyNames",
        "validation only, no OpenAPI 3.0 equivalent (the schema is looser)",
    ),
    (
        "dependentRequired",
        "validation only, no OpenAPI 3.0 equivalent (the schema is looser)",
    ),
    (
        "contentSchema",
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

/// Media types whose content is text: `contentMediaType` with one of these keeps a plain string.
fn is_text_media(media: &str) -> bool {
    let e = essence(media);
    e.starts_with("text/")
        || e == JSON_MEDIA
        || e == "application/xml"
        || e.ends_with("+json")
        || e.ends_with("+xml")
}

struct OpenApi31 {
    notes: Notes,
    /// `components.pathItems`, as written, to inline path item references.
    path_items: Map<String, Value>,
    /// `paths`, as written (only when some path item is a reference).
    paths: Map<String, Value>,
    depth: usize,
}

type Convert31 = fn(&mut OpenApi31, Value, &str) -> Result<Value>;

fn openapi31(root: Map<String, Value>) -> Result<(Value, Vec<String>)> {
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
        notes: Notes::default(),
        path_items,
        paths,
        depth: 0,
    };
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    for (key, value) in root {
        match key.as_str() {
            "openapi" => {}
            "info" => {
                let info = conv.info(value)?;
                out.insert(key, info);
            }
            "servers" | "security" | "tags" | "externalDocs" => {
                out.insert(key, value);
            }
            "paths" => {
                let paths = conv.paths(value)?;
                out.insert(key, paths);
            }
            "components" => {
                let components = conv.components(value)?;
                out.insert(key, components);
            }
            "webhooks" => {
                let names = value
                    .as_object()
                    .map(|w| w.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                conv.notes.note(format!(
                    "dropped `/webhooks` ({names}): OpenAPI 3.0 has no webhooks, and the client does \
                     not serve them"
                ));
            }
            "jsonSchemaDialect" => conv
                .notes
                .note("dropped `/jsonSchemaDialect`: OpenAPI 3.0 schemas have a fixed dialect"),
            _ if is_extension(&key) => {
                out.insert(key, value);
            }
            _ => conv.notes.note(format!(
                "dropped `{}`: not an OpenAPI 3.0 field",
                child("", &key)
            )),
        }
    }
    if !out.contains_key("paths") {
        conv.notes
            .note("added an empty `/paths`: OpenAPI 3.0 requires it and the document had none");
        out.insert("paths".into(), json!({}));
    }
    Ok((Value::Object(out), conv.notes.finish()))
}

impl OpenApi31 {
    fn descend(&mut self, pointer: &str) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(malformed(pointer, "schemas are nested too deeply"));
        }
        Ok(())
    }

    fn info(&mut self, v: Value) -> Result<Value> {
        let mut info = object(v, "/info", "an info object")?;
        if info.remove("summary").is_some() {
            self.notes
                .note("dropped `/info/summary`: OpenAPI 3.0 has no such field");
        }
        if let Some(Value::Object(license)) = info.get_mut("license") {
            if license.remove("identifier").is_some() {
                self.notes.note(
                    "dropped `/info/license/identifier`: OpenAPI 3.0 licenses have a name and url only",
                );
            }
        }
        Ok(Value::Object(info))
    }

    /// Convert every entry of a map with `f`.
    fn each(&mut self, v: Value, pointer: &str, f: Convert31) -> Result<Value> {
        let entries = object(v, pointer, "an object")?;
        let mut out = Map::new();
        for (name, entry) in entries {
            let converted = f(self, entry, &child(pointer, &name))?;
            out.insert(name, converted);
        }
        Ok(Value::Object(out))
    }

    fn components(&mut self, v: Value) -> Result<Value> {
        let components = object(v, "/components", "an object")?;
        let mut out = Map::new();
        for (key, value) in components {
            let pointer = child("/components", &key);
            let converted = match key.as_str() {
                "schemas" => self.each(value, &pointer, Self::schema)?,
                "responses" => self.each(value, &pointer, Self::response)?,
                "parameters" => self.each(value, &pointer, Self::parameter)?,
                "requestBodies" => self.each(value, &pointer, Self::request_body)?,
                "headers" => self.each(value, &pointer, Self::header)?,
                "securitySchemes" => self.security_schemes(value, &pointer)?,
                "examples" | "links" => self.each(value, &pointer, Self::plain_or_ref)?,
                "callbacks" => {
                    self.notes.note(
                        "dropped `/components/callbacks`: the generated client does not serve callbacks",
                    );
                    continue;
                }
                "pathItems" => {
                    self.notes.note(
                        "dropped `/components/pathItems`: OpenAPI 3.0 has no such components \
                         (references to them from `/paths` were inlined)",
                    );
                    continue;
                }
                _ if is_extension(&key) => value,
                _ => {
                    self.notes.note(format!(
                        "dropped `{pointer}`: not an OpenAPI 3.0 component type"
                    ));
                    continue;
                }
            };
            out.insert(key, converted);
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
            let reference = reference
                .as_str()
                .ok_or_else(|| malformed(&r_pointer, "`$ref` must be a string"))?
                .to_string();
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
            self.notes.at("inlined a referenced path item", pointer);
        }
        let mut out = Map::new();
        for (key, value) in item {
            let k_pointer = child(pointer, &key);
            let converted = if OPENAPI_METHODS.contains(&key.as_str()) {
                self.operation(value, &k_pointer)?
            } else if key == "parameters" {
                self.parameter_list(value, &k_pointer)?
            } else {
                value
            };
            out.insert(key, converted);
        }
        Ok(Value::Object(out))
    }

    fn operation(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let op = object(v, pointer, "an operation object")?;
        let mut out = Map::new();
        for (key, value) in op {
            let k_pointer = child(pointer, &key);
            let converted = match key.as_str() {
                "parameters" => self.parameter_list(value, &k_pointer)?,
                "requestBody" => self.request_body(value, &k_pointer)?,
                "responses" => self.responses(value, &k_pointer)?,
                "callbacks" => {
                    self.notes.at(
                        "dropped callbacks: the generated client does not serve them",
                        &k_pointer,
                    );
                    continue;
                }
                _ => value,
            };
            out.insert(key, converted);
        }
        if !out.contains_key("responses") {
            self.notes.at(
                "gave an operation without responses `responses: {default: {description: \"\"}}`, \
                 as OpenAPI 3.0 requires responses",
                pointer,
            );
            out.insert(
                "responses".into(),
                json!({ "default": { "description": "" } }),
            );
        }
        Ok(Value::Object(out))
    }

    /// A 3.1 reference object; 3.0 allows no `summary` or `description` beside `$ref`.
    fn reference(&mut self, m: &mut Map<String, Value>, pointer: &str) -> Result<Option<Value>> {
        let Some(reference) = m.remove("$ref") else {
            return Ok(None);
        };
        if !reference.is_string() {
            return Err(malformed(
                &child(pointer, "$ref"),
                "`$ref` must be a string",
            ));
        }
        for key in m.keys() {
            self.notes.at(
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

    fn parameter_list(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let list = array(v, pointer, "a list of parameters")?;
        let list = list
            .into_iter()
            .enumerate()
            .map(|(i, p)| self.parameter(p, &index(pointer, i)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Value::Array(list))
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
        let mut out = Map::new();
        for (key, value) in m {
            let k_pointer = child(pointer, &key);
            let converted = match key.as_str() {
                "schema" => self.schema(value, &k_pointer)?,
                "content" => self.content(value, &k_pointer)?,
                "examples" => self.each(value, &k_pointer, Self::plain_or_ref)?,
                _ => value,
            };
            out.insert(key, converted);
        }
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
        self.each(v, pointer, Self::media_type)
    }

    fn media_type(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let m = object(v, pointer, "a media type object")?;
        let mut out = Map::new();
        for (key, value) in m {
            let k_pointer = child(pointer, &key);
            let converted = match key.as_str() {
                "schema" => self.schema(value, &k_pointer)?,
                "encoding" => self.each(value, &k_pointer, Self::encoding)?,
                "examples" => self.each(value, &k_pointer, Self::plain_or_ref)?,
                _ => value,
            };
            out.insert(key, converted);
        }
        Ok(Value::Object(out))
    }

    fn encoding(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut m = object(v, pointer, "an encoding object")?;
        if let Some(headers) = m.remove("headers") {
            let headers = self.each(headers, &child(pointer, "headers"), Self::header)?;
            m.insert("headers".into(), headers);
        }
        Ok(Value::Object(m))
    }

    fn responses(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let responses = object(v, pointer, "a responses object")?;
        let mut out = Map::new();
        for (code, response) in responses {
            let converted = if is_extension(&code) {
                response
            } else {
                self.response(response, &child(pointer, &code))?
            };
            out.insert(code, converted);
        }
        Ok(Value::Object(out))
    }

    fn response(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut m = object(v, pointer, "a response object")?;
        if let Some(reference) = self.reference(&mut m, pointer)? {
            return Ok(reference);
        }
        let mut out = Map::new();
        for (key, value) in m {
            let k_pointer = child(pointer, &key);
            let converted = match key.as_str() {
                "content" => self.content(value, &k_pointer)?,
                "headers" => self.each(value, &k_pointer, Self::header)?,
                "links" => self.each(value, &k_pointer, Self::plain_or_ref)?,
                _ => value,
            };
            out.insert(key, converted);
        }
        if !out.contains_key("description") {
            out.insert("description".into(), json!(""));
        }
        Ok(Value::Object(out))
    }

    /// Security schemes; `mutualTLS` ones, which 3.0 cannot express, are dropped with a note (the
    /// generated client leaves authentication to the code around it, so it loses nothing).
    fn security_schemes(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let schemes = object(v, pointer, "an object")?;
        let mut out = Map::new();
        for (name, scheme) in schemes {
            let s_pointer = child(pointer, &name);
            let mut scheme = object(scheme, &s_pointer, "a security scheme object")?;
            if let Some(reference) = self.reference(&mut scheme, &s_pointer)? {
                out.insert(name, reference);
            } else if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                self.notes.note(format!(
                    "dropped the security scheme {} of type mutualTLS: OpenAPI 3.0 has no such \
                     type (security requirements naming `{name}` were left as they are)",
                    at(&s_pointer)
                ));
            } else {
                out.insert(name, Value::Object(scheme));
            }
        }
        Ok(Value::Object(out))
    }

    /// A 3.1 (JSON Schema 2020-12) schema -> a 3.0 schema object.
    ///
    /// This recurses; the work on one schema is done in helpers that do not, so that each level
    /// of nesting takes little stack, even in a debug build.
    fn schema(&mut self, v: Value, pointer: &str) -> Result<Value> {
        let mut m = match v {
            Value::Object(m) => m,
            other => return self.non_object_schema(other, pointer),
        };
        self.descend(pointer)?;
        self.check_keywords(&mut m, pointer)?;
        if let Some(properties) = m.remove("properties") {
            let properties = self.each(properties, &child(pointer, "properties"), Self::schema)?;
            m.insert("properties".into(), properties);
        }
        for keyword in ["items", "not", "additionalProperties"] {
            match m.remove(keyword) {
                None => {}
                Some(Value::Bool(b)) if keyword == "additionalProperties" => {
                    m.insert(keyword.into(), Value::Bool(b));
                }
                Some(sub) => {
                    let sub = self.schema(sub, &child(pointer, keyword))?;
                    m.insert(keyword.into(), sub);
                }
            }
        }
        if let Some(list) = m.remove("allOf") {
            let list = self.schema_list(list, &child(pointer, "allOf"))?;
            m.insert("allOf".into(), Value::Array(list));
        }
        let mut null_in = Vec::new();
        for keyword in ["anyOf", "oneOf"] {
            if let Some(list) = m.remove(keyword) {
                let (kept, had_null) = self.branches(list, &child(pointer, keyword))?;
                if had_null {
                    null_in.push(keyword);
                }
                m.insert(keyword.into(), Value::Array(kept));
            }
        }
        let out = self.finish_schema(m, pointer, &null_in)?;
        self.depth -= 1;
        Ok(out)
    }

    /// A boolean schema: `true` -> `{}`, `false` -> `{not: {}}`; anything else is an error.
    fn non_object_schema(&mut self, v: Value, pointer: &str) -> Result<Value> {
        match v {
            Value::Bool(true) => Ok(json!({})),
            Value::Bool(false) => {
                self.notes.at(
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
    fn check_keywords(&mut self, m: &mut Map<String, Value>, pointer: &str) -> Result<()> {
        for (keyword, why) in REFUSED_KEYWORDS {
            if m.contains_key(keyword) {
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
                Some(Value::Bool(false)) => self.notes.at(
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
        for (keyword, why) in DROPPED_KEYWORDS {
            if m.remove(keyword).is_some() {
                self.notes.at(
                    format!("dropped `{keyword}`: {why}"),
                    &child(pointer, keyword),
                );
            }
        }

        Ok(())
    }

    /// `anyOf`/`oneOf` branches converted, less those allowing only null; and whether there was one.
    fn branches(&mut self, list: Value, pointer: &str) -> Result<(Vec<Value>, bool)> {
        let list = array(list, pointer, "a list of schemas")?;
        let mut kept = Vec::new();
        let mut had_null = false;
        for (i, branch) in list.into_iter().enumerate() {
            if is_null_schema(&branch) {
                had_null = true;
            } else {
                kept.push(self.schema(branch, &index(pointer, i))?);
            }
        }
        Ok((kept, had_null))
    }

    /// The keywords of one schema whose subschemas are converted already. `null_in` lists the
    /// keywords (`anyOf`, `oneOf`) from which a null-only branch was removed.
    #[inline(never)]
    fn finish_schema(
        &mut self,
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
            Some(_) => self.notes.at(
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

        self.content_keywords(&mut m, pointer);

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
                self.notes.at(
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
                if !reference.is_string() {
                    return Err(malformed(
                        &child(pointer, "$ref"),
                        "`$ref` must be a string",
                    ));
                }
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

    fn schema_list(&mut self, v: Value, pointer: &str) -> Result<Vec<Value>> {
        let list = array(v, pointer, "a list of schemas")?;
        list.into_iter()
            .enumerate()
            .map(|(i, s)| self.schema(s, &index(pointer, i)))
            .collect()
    }

    /// `contentEncoding`/`contentMediaType` on a string -> `format: byte`/`binary`.
    fn content_keywords(&mut self, m: &mut Map<String, Value>, pointer: &str) {
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
                self.notes.at(
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
            _ => self.notes.at(
                "dropped `contentEncoding`/`contentMediaType`: no OpenAPI 3.0 format says the same here",
                pointer,
            ),
        }
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
    use super::*;

    fn convert(doc: Value) -> Converted {
        match to_openapi30(doc) {
            Ok(converted) => converted,
            Err(e) => panic!("conversion failed: {e}"),
        }
    }

    fn error_of(doc: Value) -> String {
        match to_openapi30(doc) {
            Ok(converted) => panic!("expected an error, got {:#}", converted.doc),
            Err(e) => e.to_string(),
        }
    }

    /// The output must be a document progenitor's parser accepts.
    fn assert_parses_as_openapi30(doc: &Value) -> openapiv3::OpenAPI {
        match serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()) {
            Ok(api) => api,
            Err(e) => panic!("not OpenAPI 3.0 for openapiv3: {e}\n{doc:#}"),
        }
    }

    fn assert_idempotent(converted: &Converted) {
        let again = convert(converted.doc.clone());
        assert_eq!(again.source, SourceVersion::OpenApi30);
        assert_eq!(again.doc, converted.doc);
        assert!(again.notes.is_empty(), "{:?}", again.notes);
    }

    fn get<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("no {pointer} in {doc:#}"))
    }

    fn swaggo() -> Value {
        json!({
            "swagger": "2.0",
            "info": {
                "description": "Orb Cloud API",
                "title": "Orb Cloud API",
                "contact": {},
                "version": "2.0"
            },
            "host": "api.example.test",
            "basePath": "/api/v2",
            "consumes": ["application/json"],
            "produces": ["application/json"],
            "paths": {
                "/organizations/{id}": {
                    "get": {
                        "security": [{ "ApiKeyAuth": [] }],
                        "description": "Get one organization",
                        "produces": ["application/json"],
                        "tags": ["organizations"],
                        "summary": "Get organization",
                        "operationId": "getOrganization",
                        "parameters": [{
                            "type": "string",
                            "description": "Organization ID",
                            "name": "id",
                            "in": "path",
                            "required": true
                        }, {
                            "type": "array",
                            "items": { "type": "string" },
                            "collectionFormat": "multi",
                            "name": "fields",
                            "in": "query"
                        }, {
                            "type": "integer",
                            "default": 20,
                            "maximum": 100,
                            "name": "limit",
                            "in": "query",
                            "x-example": 10
                        }],
                        "responses": {
                            "200": {
                                "description": "OK",
                                "schema": { "$ref": "#/definitions/server.OrganizationsResponse" },
                                "headers": {
                                    "X-Request-Id": { "type": "string", "description": "request id" }
                                }
                            },
                            "404": {
                                "description": "Not Found",
                                "schema": { "$ref": "#/definitions/server.ErrorResponse" }
                            }
                        }
                    },
                    "put": {
                        "security": [{ "ApiKeyAuth": [] }],
                        "consumes": ["application/json"],
                        "tags": ["organizations"],
                        "operationId": "updateOrganization",
                        "parameters": [{
                            "type": "string",
                            "description": "Organization ID",
                            "name": "id",
                            "in": "path",
                            "required": true
                        }, {
                            "description": "The new name",
                            "name": "request",
                            "in": "body",
                            "required": true,
                            "schema": { "$ref": "#/definitions/server.UpdateOrganizationRequest" }
                        }],
                        "responses": {
                            "204": { "description": "No Content" },
                            "400": {
                                "description": "Bad Request",
                                "schema": { "$ref": "#/definitions/server.ErrorResponse" }
                            }
                        }
                    }
                }
            },
            "definitions": {
                "server.ErrorResponse": {
                    "type": "object",
                    "properties": { "error": { "type": "string" } }
                },
                "server.Organization": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": { "type": "string" },
                        "name": { "type": "string", "x-nullable": true },
                        "status": { "$ref": "#/definitions/server.Status" },
                        "parent": { "$ref": "#/definitions/server.Organization", "x-nullable": true }
                    }
                },
                "server.OrganizationsResponse": {
                    "type": "object",
                    "properties": {
                        "organizations": {
                            "type": "array",
                            "items": { "$ref": "#/definitions/server.Organization" }
                        }
                    }
                },
                "server.Status": {
                    "type": "string",
                    "enum": ["active", "suspended"],
                    "x-enum-varnames": ["StatusActive", "StatusSuspended"]
                },
                "server.UpdateOrganizationRequest": {
                    "type": "object",
                    "properties": { "name": { "type": "string" } }
                }
            },
            "securityDefinitions": {
                "ApiKeyAuth": {
                    "description": "Bearer token",
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header"
                }
            }
        })
    }

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

    fn openapi31() -> Value {
        json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {
                "title": "Things",
                "summary": "all the things",
                "version": "1",
                "license": { "name": "MIT", "identifier": "MIT" }
            },
            "webhooks": {
                "thingCreated": { "post": { "responses": { "200": { "description": "ok" } } } }
            },
            "paths": {
                "/things/{id}": {
                    "parameters": [{
                        "name": "id",
                        "in": "path",
                        "required": true,
                        "schema": { "type": "string", "examples": ["abc", "def"] }
                    }],
                    "get": {
                        "operationId": "getThing",
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } }
                                }
                            }
                        }
                    },
                    "put": {
                        "operationId": "putThing",
                        "requestBody": {
                            "content": {
                                "application/json": {
                                    "schema": { "$ref": "#/components/schemas/Thing", "description": "the new thing" }
                                }
                            }
                        },
                        "responses": {
                            "204": {
                                "description": "done",
                                "headers": { "X-Rate": { "schema": { "type": ["integer", "null"] } } }
                            },
                            "default": { "$ref": "#/components/responses/Error", "description": "failure" }
                        },
                        "callbacks": {
                            "done": { "{$request.body#/url}": { "post": { "responses": { "200": { "description": "" } } } } }
                        }
                    }
                }
            },
            "components": {
                "responses": {
                    "Error": {
                        "description": "failure",
                        "content": { "application/json": { "schema": { "type": "object", "properties": { "message": { "type": "string" } } } } }
                    }
                },
                "schemas": {
                    "Owner": {
                        "$schema": "https://json-schema.org/draft/2020-12/schema",
                        "$id": "https://example.test/owner",
                        "type": "object",
                        "properties": { "email": { "type": "string", "format": "email" } }
                    },
                    "Thing": {
                        "type": "object",
                        "$comment": "the central type",
                        "required": ["id", "kind"],
                        "properties": {
                            "id": { "type": "string" },
                            "kind": { "type": "string", "const": "thing" },
                            "name": { "type": ["string", "null"], "maxLength": 10 },
                            "parent": { "anyOf": [{ "$ref": "#/components/schemas/Thing" }, { "type": "null" }] },
                            "holder": {
                                "oneOf": [
                                    { "$ref": "#/components/schemas/Owner" },
                                    { "$ref": "#/components/schemas/Thing" },
                                    { "type": "null" }
                                ]
                            },
                            "seen": {
                                "description": "when",
                                "anyOf": [{ "type": "string", "format": "date-time" }, { "type": "null" }]
                            },
                            "size": { "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100, "maximum": 50 },
                            "count": { "type": "integer", "minimum": 5, "exclusiveMinimum": 1 },
                            "labels": { "type": "array", "items": { "type": "string" }, "examples": [["a", "b"]] },
                            "owner": { "$ref": "#/components/schemas/Owner", "description": "who owns it" },
                            "data": { "type": "string", "contentEncoding": "base64" },
                            "blob": { "type": "string", "contentMediaType": "application/octet-stream" },
                            "doc": { "type": "string", "contentMediaType": "application/json" },
                            "mixed": { "type": ["string", "integer", "null"], "minLength": 1, "minimum": 0 },
                            "nothing": { "type": "null" },
                            "strict": {
                                "type": "object",
                                "properties": { "a": { "type": "boolean" } },
                                "unevaluatedProperties": false
                            },
                            "anything": true
                        }
                    }
                }
            }
        })
    }

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

    /// A 3.1 document with `schema` at `/components/schemas/Bad/properties/p`.
    fn with_bad_schema(schema: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "schemas": { "Bad": { "type": "object", "properties": { "p": schema } } } }
        })
    }

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

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut schema = json!({ "type": "string" });
        for _ in 0..(MAX_DEPTH + 10) {
            schema = json!({ "type": "array", "items": schema });
        }
        let message = error_of(with_bad_schema(schema));
        assert!(message.contains("nested too deeply"), "{message}");
    }

    #[test]
    fn pointer_segments_are_escaped_and_unescaped() {
        assert_eq!(child("/paths", "/a/{b}~c"), "/paths/~1a~1{b}~0c");
        assert_eq!(unescape("~1a~1%7Bb%7D~0c"), "/a/{b}~c");
        assert_eq!(unescape("100%"), "100%");
        assert_eq!(unescape("%zz%4"), "%zz%4");
    }
}
