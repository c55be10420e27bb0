//! Changes to the schemas: added, removed, renamed (same shape, new name), retyped properties,
//! required fields and enum values.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::change::{change, Change, Impact};
use super::describe::{describe, describe_deep, type_of};
use super::json::obj;

pub(super) fn schema_changes(
    old: &Value,
    new: &Value,
    out: &mut Vec<Change>,
) -> BTreeMap<String, String> {
    let old_s = obj(old.pointer("/components/schemas"));
    let new_s = obj(new.pointer("/components/schemas"));
    let removed: BTreeSet<&String> = old_s.keys().filter(|k| !new_s.contains_key(*k)).collect();
    let added: BTreeSet<&String> = new_s.keys().filter(|k| !old_s.contains_key(*k)).collect();
    // A removed and an added schema with the same shape (refs compared by target) is a rename.
    let mut renames = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for r in &removed {
        let shape = describe_deep(&old_s[r.as_str()]);
        if let Some(a) = added
            .iter()
            .find(|a| !taken.contains(*a) && describe_deep(&new_s[a.as_str()]) == shape)
        {
            taken.insert(*a);
            renames.insert((*r).clone(), (*a).clone());
        }
    }
    for r in &removed {
        match renames.get(*r) {
            Some(a) => change(
                out,
                Impact::Breaking,
                &format!("schema {r}"),
                format!("renamed {r} -> {a}"),
            ),
            None => change(
                out,
                Impact::Breaking,
                &format!("schema {r}"),
                "removed".into(),
            ),
        }
    }
    for a in added.iter().filter(|a| !taken.contains(*a)) {
        change(
            out,
            Impact::Compatible,
            &format!("schema {a}"),
            "added".into(),
        );
    }
    for (name, old_schema) in old_s {
        if let Some(new_schema) = new_s.get(name) {
            compare_schema(
                &format!("schema {name}"),
                "",
                old_schema,
                new_schema,
                &renames,
                out,
            );
        }
    }
    renames
}

pub(super) fn compare_schema(
    subject: &str,
    at: &str,
    old: &Value,
    new: &Value,
    renames: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    let prefix = if at.is_empty() {
        String::new()
    } else {
        format!("property {at}: ")
    };
    let old_desc = rename_refs(&type_of(old), renames);
    let new_desc = type_of(new);
    let old_props = obj(old.get("properties"));
    let new_props = obj(new.get("properties"));
    let both_objects = !old_props.is_empty() || !new_props.is_empty();
    if !both_objects && old_desc != new_desc {
        let detail = if at.is_empty() {
            format!("retyped: {old_desc} -> {new_desc}")
        } else {
            format!("property {at} retyped: {old_desc} -> {new_desc}")
        };
        change(out, Impact::Breaking, subject, detail);
    } else if both_objects && old.get("nullable") != new.get("nullable") {
        change(
            out,
            Impact::Breaking,
            subject,
            format!("{prefix}nullable changed"),
        );
    }
    enum_changes(subject, &prefix, old, new, out);
    let old_req = required(old);
    let new_req = required(new);
    for (p, old_p) in old_props {
        let path = if at.is_empty() {
            p.clone()
        } else {
            format!("{at}.{p}")
        };
        match new_props.get(p) {
            None => change(
                out,
                Impact::Breaking,
                subject,
                format!("property {path} removed"),
            ),
            Some(new_p) => {
                match (old_req.contains(p), new_req.contains(p)) {
                    (false, true) => change(
                        out,
                        Impact::Breaking,
                        subject,
                        format!("property {path} became required"),
                    ),
                    (true, false) => change(
                        out,
                        Impact::Breaking,
                        subject,
                        format!("property {path} became optional"),
                    ),
                    _ => {}
                }
                compare_schema(subject, &path, old_p, new_p, renames, out);
            }
        }
    }
    for p in new_props.keys().filter(|p| !old_props.contains_key(*p)) {
        let path = if at.is_empty() {
            p.clone()
        } else {
            format!("{at}.{p}")
        };
        let (impact, how) = if new_req.contains(p) {
            (Impact::Breaking, "required")
        } else {
            (Impact::Compatible, "optional")
        };
        change(
            out,
            impact,
            subject,
            format!("property {path} added ({how}, {})", describe(&new_props[p])),
        );
    }
    if let (Some(oi), Some(ni)) = (old.get("items"), new.get("items")) {
        compare_schema(
            subject,
            &format!("{}[]", if at.is_empty() { "items" } else { at }),
            oi,
            ni,
            renames,
            out,
        );
    }
}

pub(super) fn enum_changes(
    subject: &str,
    prefix: &str,
    old: &Value,
    new: &Value,
    out: &mut Vec<Change>,
) {
    let values = |v: &Value| -> Vec<String> {
        v.get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| x.to_string()).collect())
            .unwrap_or_default()
    };
    let (o, n) = (values(old), values(new));
    if o.is_empty() || n.is_empty() {
        return;
    }
    let added: Vec<&String> = n.iter().filter(|v| !o.contains(v)).collect();
    let removed: Vec<&String> = o.iter().filter(|v| !n.contains(v)).collect();
    let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    if !added.is_empty() {
        change(
            out,
            Impact::Breaking,
            subject,
            format!("{prefix}enum values added: {}", join(added)),
        );
    }
    if !removed.is_empty() {
        change(
            out,
            Impact::Breaking,
            subject,
            format!("{prefix}enum values removed: {}", join(removed)),
        );
    }
}

pub(super) fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn rename_refs(desc: &str, renames: &BTreeMap<String, String>) -> String {
    let mut out = desc.to_string();
    for (from, to) in renames {
        out = out.replace(&format!("ref {from}"), &format!("ref {to}"));
    }
    out
}
