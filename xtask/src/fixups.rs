//! Repairs to Orb's document, kept as data (`spec/fixups.yaml`) with a reason each, in the manner
//! of k8s-openapi's fixups.
//!
//! Every fixup states exactly what it expects to find. When upstream changes so that the
//! expectation no longer holds, the fixup is *stale*: `regen` refuses to write and names it, and
//! `regen --check` reports it as a drift line, so a repair is never silently applied to something
//! it was not written for, nor silently skipped.

use serde::Deserialize;
use serde_json::Value;

/// One repair, as written in `spec/fixups.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixup {
    /// Short stable name, used in error and drift lines.
    pub id: String,
    /// Why the repair is needed, for the maintainer who reads the file.
    pub reason: String,
    /// JSON pointer (RFC 6901) of the one place to repair.
    #[serde(default)]
    pub pointer: Option<String>,
    /// Glob pointer: every place matching it (a `*` segment matches any key) and `where`.
    #[serde(default)]
    pub each: Option<String>,
    /// With `each`: the places whose value contains all of these keys with these values.
    #[serde(default, rename = "where")]
    pub where_: Option<Value>,
    /// With `pointer`: the exact value the place must hold for the repair to apply.
    #[serde(default)]
    pub expect: Option<Value>,
    /// Replace the value (needs `pointer` and `expect`).
    #[serde(default)]
    pub replace: Option<Value>,
    /// Merge these keys into the object(s).
    #[serde(default)]
    pub merge: Option<Value>,
    /// Add a value where there is none (needs `pointer`; the place must not exist yet).
    #[serde(default)]
    pub add: Option<Value>,
    /// Remove the value (needs `pointer` and `expect`).
    #[serde(default)]
    pub remove: bool,
}

/// The fixups file is malformed.
#[derive(Debug, thiserror::Error)]
pub enum FixupFileError {
    /// Not YAML of the right shape.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// What serde_yaml said.
        source: serde_yaml::Error,
    },
    /// A fixup is not well formed (the message says which and why).
    #[error("{path}: fixup {id}: {problem}")]
    Invalid {
        /// The file.
        path: String,
        /// The fixup's id.
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// A fixup that does not apply to the document any more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The fixup's id.
    pub id: String,
    /// What was expected and what was found.
    pub why: String,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fixup {} no longer applies: {}", self.id, self.why)
    }
}

/// Read and check `spec/fixups.yaml`.
pub fn parse(text: &str, path: &str) -> Result<Vec<Fixup>, FixupFileError> {
    let fixups: Vec<Fixup> = if text.trim().is_empty() {
        Vec::new()
    } else {
        serde_yaml::from_str(text).map_err(|source| FixupFileError::Parse {
            path: path.into(),
            source,
        })?
    };
    let mut seen = std::collections::BTreeSet::new();
    for f in &fixups {
        let invalid = |problem: &str| FixupFileError::Invalid {
            path: path.into(),
            id: f.id.clone(),
            problem: problem.into(),
        };
        if !seen.insert(f.id.clone()) {
            return Err(invalid("the id is used twice"));
        }
        if f.reason.trim().is_empty() {
            return Err(invalid("every fixup needs a reason"));
        }
        let actions = [
            f.replace.is_some(),
            f.merge.is_some(),
            f.add.is_some(),
            f.remove,
        ]
        .iter()
        .filter(|a| **a)
        .count();
        if actions != 1 {
            return Err(invalid("needs exactly one of replace, merge, add, remove"));
        }
        match (&f.pointer, &f.each) {
            (Some(_), None) => {
                if f.where_.is_some() {
                    return Err(invalid("`where` goes with `each`, not `pointer`"));
                }
                if (f.replace.is_some() || f.remove) && f.expect.is_none() {
                    return Err(invalid(
                        "replace and remove need `expect`: what the place holds today",
                    ));
                }
            }
            (None, Some(_)) => {
                if f.merge.is_none() {
                    return Err(invalid("`each` only goes with merge"));
                }
                if f.expect.is_some() {
                    return Err(invalid(
                        "`expect` goes with `pointer`; use `where` with `each`",
                    ));
                }
            }
            _ => return Err(invalid("needs exactly one of pointer, each")),
        }
        if let Some(m) = &f.merge {
            if !m.is_object() {
                return Err(invalid("merge must be a mapping"));
            }
        }
    }
    Ok(fixups)
}

/// Apply `fixups` in order. Returns the repaired document, or every stale fixup.
pub fn apply(mut doc: Value, fixups: &[Fixup]) -> Result<Value, Vec<Stale>> {
    let mut stale = Vec::new();
    for f in fixups {
        if let Err(why) = apply_one(&mut doc, f) {
            stale.push(Stale {
                id: f.id.clone(),
                why,
            });
        }
    }
    if stale.is_empty() {
        Ok(doc)
    } else {
        Err(stale)
    }
}

fn apply_one(doc: &mut Value, f: &Fixup) -> Result<(), String> {
    if let Some(pattern) = &f.each {
        let targets = matching_pointers(doc, pattern, f.where_.as_ref());
        if targets.is_empty() {
            return Err(format!(
                "nothing matches {pattern}{}",
                where_text(f.where_.as_ref())
            ));
        }
        for pointer in targets {
            if let (Some(target), Some(merge)) = (doc.pointer_mut(&pointer), &f.merge) {
                merge_into(target, merge);
            }
        }
        return Ok(());
    }
    let pointer = f.pointer.as_deref().unwrap_or_default();
    if let Some(value) = &f.add {
        if doc.pointer(pointer).is_some() {
            return Err(format!("{pointer} already exists"));
        }
        let (parent, key) =
            split_pointer(pointer).ok_or_else(|| format!("{pointer} is not a pointer"))?;
        let parent = doc
            .pointer_mut(&parent)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{parent} is not there (or not an object)"))?;
        parent.insert(key, value.clone());
        return Ok(());
    }
    let current = doc
        .pointer(pointer)
        .ok_or_else(|| format!("{pointer} is not there"))?;
    if let Some(expect) = &f.expect {
        if current != expect {
            return Err(format!(
                "{pointer} is {} (expected {})",
                compact(current),
                compact(expect)
            ));
        }
    }
    if f.remove {
        let (parent, key) =
            split_pointer(pointer).ok_or_else(|| format!("{pointer} is not a pointer"))?;
        match doc.pointer_mut(&parent) {
            Some(Value::Object(map)) => {
                map.remove(&key);
            }
            _ => return Err(format!("{parent} is not an object")),
        }
    } else if let Some(target) = doc.pointer_mut(pointer) {
        if let Some(value) = &f.replace {
            *target = value.clone();
        } else if let Some(merge) = &f.merge {
            if !target.is_object() {
                return Err(format!("{pointer} is not an object"));
            }
            merge_into(target, merge);
        }
    }
    Ok(())
}

fn where_text(w: Option<&Value>) -> String {
    w.map(|w| format!(" where {}", compact(w)))
        .unwrap_or_default()
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 160 {
        let cut = (0..=157)
            .rev()
            .find(|i| s.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}...", &s[..cut])
    } else {
        s
    }
}

fn merge_into(target: &mut Value, merge: &Value) {
    if let (Value::Object(t), Value::Object(m)) = (target, merge) {
        for (k, v) in m {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// Pointers (in sorted order) of the places matching a glob pointer and containing `where_`.
fn matching_pointers(doc: &Value, pattern: &str, where_: Option<&Value>) -> Vec<String> {
    let segments: Vec<&str> = pattern.split('/').skip(1).collect();
    let mut out = Vec::new();
    walk(doc, &segments, String::new(), &mut out);
    out.retain(|p| doc.pointer(p).is_some_and(|v| contains(v, where_)));
    out.sort();
    out
}

fn walk(value: &Value, segments: &[&str], at: String, out: &mut Vec<String>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(at);
        return;
    };
    match value {
        Value::Object(map) if *first == "*" => {
            for (k, v) in map {
                walk(v, rest, format!("{at}/{}", escape(k)), out);
            }
        }
        Value::Object(map) => {
            if let Some(v) = map.get(&unescape(first)) {
                walk(v, rest, format!("{at}/{first}"), out);
            }
        }
        _ => {}
    }
}

fn contains(value: &Value, where_: Option<&Value>) -> bool {
    match (value, where_) {
        (_, None) => true,
        (Value::Object(v), Some(Value::Object(w))) => w.iter().all(|(k, wv)| v.get(k) == Some(wv)),
        _ => false,
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(pointer: &str) -> Option<(String, String)> {
    let idx = pointer.rfind('/')?;
    Some((pointer[..idx].to_string(), unescape(&pointer[idx + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "server.Op": {"type": "string", "enum": ["=", "!="]},
            "a.B": {"properties": {"xs": {"type": "array", "items": {"type": "string"}}, "n": {"type": "integer"}}},
            "c~D/E": {"properties": {"ys": {"type": "array"}}},
        }}})
    }

    fn one(yaml: &str) -> Vec<Fixup> {
        parse(yaml, "fixups.yaml").unwrap()
    }

    #[test]
    fn replace_applies_when_expectation_holds() {
        let f = one("- id: op\n  reason: typify\n  pointer: /components/schemas/server.Op\n  expect: {type: string, enum: ['=', '!=']}\n  replace: {type: string}\n");
        let out = apply(doc(), &f).unwrap();
        assert_eq!(
            out["components"]["schemas"]["server.Op"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn replace_is_stale_when_upstream_changed_and_names_itself() {
        let f = one("- id: op\n  reason: typify\n  pointer: /components/schemas/server.Op\n  expect: {type: string, enum: ['=']}\n  replace: {type: string}\n");
        let stale = apply(doc(), &f).unwrap_err();
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].id, "op");
        let text = stale[0].to_string();
        assert!(
            text.starts_with("fixup op no longer applies: /components/schemas/server.Op is {"),
            "{text}"
        );
        assert!(text.contains("expected"), "{text}");
    }

    #[test]
    fn missing_place_is_stale() {
        let f = one("- id: gone\n  reason: r\n  pointer: /components/schemas/nope\n  expect: {}\n  remove: true\n");
        assert_eq!(
            apply(doc(), &f).unwrap_err()[0].why,
            "/components/schemas/nope is not there"
        );
    }

    #[test]
    fn each_merges_into_every_match_including_escaped_keys() {
        let f = one("- id: nil\n  reason: go\n  each: /components/schemas/*/properties/*\n  where: {type: array}\n  merge: {nullable: true}\n");
        let out = apply(doc(), &f).unwrap();
        assert_eq!(
            out["components"]["schemas"]["a.B"]["properties"]["xs"]["nullable"],
            json!(true)
        );
        assert_eq!(
            out["components"]["schemas"]["c~D/E"]["properties"]["ys"]["nullable"],
            json!(true)
        );
        assert!(out["components"]["schemas"]["a.B"]["properties"]["n"]
            .get("nullable")
            .is_none());
    }

    #[test]
    fn each_matching_nothing_is_stale() {
        let f = one("- id: nil\n  reason: go\n  each: /components/schemas/*/properties/*\n  where: {type: boolean}\n  merge: {nullable: true}\n");
        let stale = apply(doc(), &f).unwrap_err();
        assert!(stale[0].why.starts_with("nothing matches"), "{:?}", stale);
    }

    #[test]
    fn add_and_remove() {
        let f = one("- id: add\n  reason: r\n  pointer: /components/schemas/new\n  add: {type: string}\n- id: rm\n  reason: r\n  pointer: /components/schemas/server.Op\n  expect: {type: string, enum: ['=', '!=']}\n  remove: true\n");
        let out = apply(doc(), &f).unwrap();
        assert_eq!(
            out["components"]["schemas"]["new"],
            json!({"type": "string"})
        );
        assert!(out["components"]["schemas"].get("server.Op").is_none());
        // Adding again is stale: the place exists now.
        assert!(apply(out, &f[..1]).is_err());
    }

    #[test]
    fn all_stale_fixups_are_reported_not_just_the_first() {
        let f = one("- id: a\n  reason: r\n  pointer: /x\n  expect: 1\n  remove: true\n- id: b\n  reason: r\n  pointer: /y\n  expect: 1\n  remove: true\n");
        let ids: Vec<String> = apply(doc(), &f)
            .unwrap_err()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, vec!["a", "b"]);
    }

    #[test]
    fn malformed_files_are_refused_with_the_reason() {
        let cases = [
            ("- id: a\n  reason: ''\n  pointer: /x\n  add: 1\n", "needs a reason"),
            ("- id: a\n  reason: r\n  pointer: /x\n  replace: 1\n", "need `expect`"),
            ("- id: a\n  reason: r\n  pointer: /x\n  add: 1\n  remove: true\n", "exactly one of replace"),
            ("- id: a\n  reason: r\n  add: 1\n", "exactly one of pointer"),
            ("- id: a\n  reason: r\n  each: /x/*\n  replace: 1\n", "only goes with merge"),
            ("- id: a\n  reason: r\n  pointer: /x\n  add: 1\n- id: a\n  reason: r\n  pointer: /y\n  add: 1\n", "used twice"),
            ("- id: a\n  reason: r\n  pointer: /x\n  add: 1\n  bogus: 2\n", "unknown field"),
        ];
        for (yaml, want) in cases {
            let err = parse(yaml, "fixups.yaml").unwrap_err().to_string();
            assert!(err.contains(want), "{yaml:?}: {err}");
        }
    }
}
