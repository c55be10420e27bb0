//! The walk both converters share: from the document root through `paths`, path items and
//! operations down to responses, with the notes taken and the schema depth reached on the way.
//!
//! Swagger 2.0 and OpenAPI 3.1 documents nest alike down to the responses; what differs is what
//! each version keeps in a path item, an operation or a response. So the walk is written once, here,
//! and a converter plugs into it through [`Converter`]. Schemas nest alike too, but the two versions
//! read them so differently that each converter walks its own, with [`each`], [`each_item`] and
//! [`Walk::descend`] from here.

use serde_json::{json, Map, Value};

use super::error::{malformed, Result};
use super::notes::Notes;
use super::pointer::{child, index};
use super::shape::{is_extension, object};

/// Deepest nesting of schemas followed before giving up. serde_json and serde_yaml refuse documents
/// nested deeper than 128, so only a document built in code reaches this; it keeps the stack bounded.
pub(super) const MAX_DEPTH: usize = 128;

/// What a converter carries through the walk: its notes, and how deep in schemas it is.
#[derive(Default)]
pub(super) struct Walk {
    pub(super) notes: Notes,
    depth: usize,
}

impl Walk {
    /// Enter a schema at `pointer`: an error rather than a stack overflow past [`MAX_DEPTH`].
    pub(super) fn descend(&mut self, pointer: &str) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(malformed(pointer, "schemas are nested too deeply"));
        }
        Ok(())
    }

    /// Leave a schema entered with [`Walk::descend`].
    pub(super) fn ascend(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// What became of a field at the document root.
pub(super) enum RootField {
    /// Written to the output under the same name.
    Keep(Value),
    /// Dropped with a note, or moved elsewhere.
    Done,
    /// Not a field of the version: dropped with a note saying so.
    Unknown,
}

/// A path item or operation once the converter has taken out what it handles first.
pub(super) struct Prepared<T> {
    /// Fields of the output already converted.
    pub(super) converted: Map<String, Value>,
    /// Fields still to walk, each overwriting a converted one of the same name.
    pub(super) rest: Map<String, Value>,
    /// What the path item's operations, or the operation's responses, need to know.
    pub(super) context: T,
}

impl<T> Prepared<T> {
    /// Nothing taken out: all of `m` is still to walk.
    pub(super) fn untouched(m: Map<String, Value>, context: T) -> Self {
        Prepared {
            converted: Map::new(),
            rest: m,
            context,
        }
    }

    /// The converted fields and the rest, each through `f` (as [`fields`] does), given the context.
    fn finish<C>(
        self,
        conv: &mut C,
        pointer: &str,
        mut f: impl FnMut(&mut C, &str, Value, &str, &T) -> Result<Option<Value>>,
    ) -> Result<Map<String, Value>> {
        let Prepared {
            mut converted,
            rest,
            context,
        } = self;
        let rest = fields(conv, rest, pointer, |conv, key, value, k_pointer| {
            f(conv, key, value, k_pointer, &context)
        })?;
        converted.extend(rest);
        Ok(converted)
    }
}

/// What one source version does where the versions differ; the walk itself is [`document`].
pub(super) trait Converter {
    /// The version, as in the note "dropped `/x`: not {FIELD_OF} field".
    const FIELD_OF: &'static str;
    /// What an operation takes over from its path item.
    type PathContext;
    /// What a response needs to know of its operation.
    type ResponseContext;

    /// Where the walk takes its notes.
    fn walk(&mut self) -> &mut Walk;

    /// Whether a path item field holds an operation.
    fn is_operation(key: &str) -> bool;

    /// A root field other than `paths`, `security`, `tags`, `externalDocs` and extensions.
    fn root_field(&mut self, key: &str, value: Value) -> Result<RootField>;

    /// A path item before its fields are walked: references resolved, shared parameters taken out.
    fn prepare_path_item(
        &mut self,
        item: Map<String, Value>,
        pointer: &str,
    ) -> Result<Prepared<Self::PathContext>>;

    /// A path item field that is not an operation; `pointer` is the path item's.
    fn path_item_field(&mut self, key: &str, value: Value, pointer: &str) -> Result<Value>;

    /// An operation before its fields are walked; `path` is what its path item hands down.
    fn prepare_operation(
        &mut self,
        op: Map<String, Value>,
        pointer: &str,
        path: &Self::PathContext,
    ) -> Result<Prepared<Self::ResponseContext>>;

    /// An operation field other than `responses`, at `pointer`; `None` drops it.
    fn operation_field(&mut self, key: &str, value: Value, pointer: &str) -> Result<Option<Value>>;

    /// The operation once all its fields are walked.
    fn finish_operation(&mut self, _op: &mut Map<String, Value>, _pointer: &str) {}

    /// One response (not an extension) of an operation or of the document's components.
    fn response(
        &mut self,
        v: Value,
        pointer: &str,
        context: &Self::ResponseContext,
    ) -> Result<Value>;
}

/// The document root as OpenAPI 3.0.3, each field converted by `conv` or by the walk below.
pub(super) fn document<C: Converter>(
    conv: &mut C,
    root: Map<String, Value>,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    let kept = fields(conv, root, "", |conv, key, value, _| {
        Ok(match key {
            "paths" => Some(paths(conv, value)?),
            "security" | "tags" | "externalDocs" => Some(value),
            _ if is_extension(key) => Some(value),
            _ => match conv.root_field(key, value)? {
                RootField::Keep(value) => Some(value),
                RootField::Done => None,
                RootField::Unknown => {
                    let note = format!("dropped `{}`: not {} field", child("", key), C::FIELD_OF);
                    conv.walk().notes.note(note);
                    None
                }
            },
        })
    })?;
    out.extend(kept);
    Ok(out)
}

fn paths<C: Converter>(conv: &mut C, v: Value) -> Result<Value> {
    each_but_extensions(conv, v, "/paths", "an object", path_item)
}

fn path_item<C: Converter>(conv: &mut C, v: Value, pointer: &str) -> Result<Value> {
    let item = object(v, pointer, "a path item object")?;
    let prepared = conv.prepare_path_item(item, pointer)?;
    let out = prepared.finish(conv, pointer, |conv, key, value, k_pointer, context| {
        Ok(Some(if C::is_operation(key) {
            operation(conv, value, k_pointer, context)?
        } else {
            conv.path_item_field(key, value, pointer)?
        }))
    })?;
    Ok(Value::Object(out))
}

fn operation<C: Converter>(
    conv: &mut C,
    v: Value,
    pointer: &str,
    path: &C::PathContext,
) -> Result<Value> {
    let op = object(v, pointer, "an operation object")?;
    let prepared = conv.prepare_operation(op, pointer, path)?;
    let mut out = prepared.finish(conv, pointer, |conv, key, value, k_pointer, context| {
        if key == "responses" {
            Ok(Some(responses(conv, value, k_pointer, context)?))
        } else {
            conv.operation_field(key, value, k_pointer)
        }
    })?;
    conv.finish_operation(&mut out, pointer);
    Ok(Value::Object(out))
}

fn responses<C: Converter>(
    conv: &mut C,
    v: Value,
    pointer: &str,
    context: &C::ResponseContext,
) -> Result<Value> {
    each_but_extensions(
        conv,
        v,
        pointer,
        "a responses object",
        |conv, response, r_pointer| conv.response(response, r_pointer, context),
    )
}

/// Each entry of an object (`what`) through `f`, but `x-` extensions, which pass as written.
fn each_but_extensions<C>(
    conv: &mut C,
    v: Value,
    pointer: &str,
    what: &str,
    mut f: impl FnMut(&mut C, Value, &str) -> Result<Value>,
) -> Result<Value> {
    let entries = object(v, pointer, what)?;
    let out = fields(conv, entries, pointer, |conv, key, entry, e_pointer| {
        Ok(Some(if is_extension(key) {
            entry
        } else {
            f(conv, entry, e_pointer)?
        }))
    })?;
    Ok(Value::Object(out))
}

/// Each field of an object through `f`, given its name, value and pointer; `None` drops it.
pub(super) fn fields<C>(
    conv: &mut C,
    m: Map<String, Value>,
    pointer: &str,
    mut f: impl FnMut(&mut C, &str, Value, &str) -> Result<Option<Value>>,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (key, value) in m {
        if let Some(converted) = f(conv, &key, value, &child(pointer, &key))? {
            out.insert(key, converted);
        }
    }
    Ok(out)
}

/// Each entry of a map (`properties`, `definitions`, `components/schemas`, ...) through `f`.
pub(super) fn each<C>(
    conv: &mut C,
    v: Value,
    pointer: &str,
    mut f: impl FnMut(&mut C, Value, &str) -> Result<Value>,
) -> Result<Map<String, Value>> {
    let entries = object(v, pointer, "an object")?;
    fields(conv, entries, pointer, |conv, _, entry, e_pointer| {
        f(conv, entry, e_pointer).map(Some)
    })
}

/// Each item of a list (schemas, parameters) through `f`, at its own pointer.
pub(super) fn each_item<C>(
    conv: &mut C,
    list: Vec<Value>,
    pointer: &str,
    mut f: impl FnMut(&mut C, Value, &str) -> Result<Value>,
) -> Result<Vec<Value>> {
    list.into_iter()
        .enumerate()
        .map(|(i, item)| f(conv, item, &index(pointer, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{error_of, with_bad_schema};
    use super::MAX_DEPTH;

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut schema = json!({ "type": "string" });
        for _ in 0..(MAX_DEPTH + 10) {
            schema = json!({ "type": "array", "items": schema });
        }
        let message = error_of(with_bad_schema(schema));
        assert!(message.contains("nested too deeply"), "{message}");
    }
}
