//! The Swagger 2.0 converter's state, and the schemas and references it rewrites.
//!
//! The state lives here, below the parameter and document modules that build on it, because schemas
//! are what everything else in a Swagger 2.0 document is made of.

use serde_json::{json, Map, Value};

use super::error::{malformed, Result};
use super::pointer::{child, unescape};
use super::shape::{array, kind, ref_target};
use super::walk::{each, each_item, Walk};

/// Converts one Swagger 2.0 document: what it knows of the whole document.
pub(super) struct Swagger {
    pub(super) walk: Walk,
    /// The global `parameters`, as written, to resolve `#/parameters/X`.
    pub(super) parameters: Map<String, Value>,
    /// The global `consumes` (default `application/json`).
    pub(super) consumes: Vec<String>,
    /// The global `produces` (default `application/json`).
    pub(super) produces: Vec<String>,
    /// What `definitions`, the global `parameters` and `responses`, and `securityDefinitions`
    /// became.
    pub(super) components: Map<String, Value>,
}

impl Swagger {
    /// Rewrite a 2.0 reference to where its target lives in 3.0. Escaped segments are kept as written.
    pub(super) fn rewrite_ref(&self, reference: &str) -> String {
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

    /// A 2.0 schema: references rewritten, `type: file`, `x-nullable` and `discriminator` converted.
    ///
    /// This recurses; keywords without subschemas are handled by a helper that does not, so that
    /// each level of nesting takes little stack, even in a debug build.
    pub(super) fn schema(&mut self, v: Value, pointer: &str) -> Result<Value> {
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
        self.walk.descend(pointer)?;
        let mut out = Map::new();
        for (key, value) in schema {
            let k_pointer = child(pointer, &key);
            let converted = match key.as_str() {
                "properties" => Value::Object(each(self, value, &k_pointer, Self::schema)?),
                "items" => match value {
                    Value::Array(list) => {
                        let list = each_item(self, list, &k_pointer, Self::schema)?;
                        self.tuple_items(list, &k_pointer)
                    }
                    other => self.schema(other, &k_pointer)?,
                },
                "additionalProperties" | "not" => self.schema(value, &k_pointer)?,
                "allOf" | "anyOf" | "oneOf" => {
                    let list = array(value, &k_pointer, "a list of schemas")?;
                    Value::Array(each_item(self, list, &k_pointer, Self::schema)?)
                }
                _ => {
                    self.schema_keyword(&mut out, key, value, &k_pointer)?;
                    continue;
                }
            };
            out.insert(key, converted);
        }
        self.walk.ascend();
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

    /// A list of `items` schemas (converted): one is that schema, more are approximated by `anyOf`.
    #[inline(never)]
    fn tuple_items(&mut self, mut list: Vec<Value>, pointer: &str) -> Value {
        if list.len() == 1 {
            return list.pop().unwrap_or_default();
        }
        self.walk.notes.at(
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
                let reference = self.rewrite_ref(ref_target(&value, pointer)?);
                out.insert(key, Value::String(reference));
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
