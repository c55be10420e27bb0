//! OpenAPI 3.1 -> OpenAPI 3.0.

use serde_json::{json, Map, Value};

use super::error::{inexpressible, malformed, Result};
use super::media_types::is_text_media;
use super::notes::Notes;
use super::pointer::{at, child, index, unescape};
use super::shape::{array, is_extension, kind, object};
use super::walk::MAX_DEPTH;

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

struct OpenApi31 {
    notes: Notes,
    /// `components.pathItems`, as written, to inline path item references.
    path_items: Map<String, Value>,
    /// `paths`, as written (only when some path item is a reference).
    paths: Map<String, Value>,
    depth: usize,
}

type Convert31 = fn(&mut OpenApi31, Value, &str) -> Result<Value>;

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
    use serde_json::json;

    use super::super::test_support::{
        assert_idempotent, assert_parses_as_openapi30, convert, error_of, get, openapi31,
        with_bad_schema,
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
}
