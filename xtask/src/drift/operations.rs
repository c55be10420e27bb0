//! Changes to the operations: added and removed (a renamed path parameter is the same operation),
//! parameters, request bodies and success responses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::change::{change, Change, Impact};
use super::describe::{describe, type_of};
use super::json::obj;
use super::schemas::{enum_changes, rename_refs};
use crate::http_methods::HTTP_METHODS;

/// Path with parameter names replaced by `{}`, so a renamed parameter is the same operation.
pub(super) fn path_key(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn operations(doc: &Value) -> BTreeMap<(String, String), (String, &Value, &Value)> {
    let mut ops = BTreeMap::new();
    for (path, item) in obj(doc.get("paths")) {
        for m in HTTP_METHODS {
            if let Some(op) = item.get(m).filter(|o| o.is_object()) {
                ops.insert((path_key(path), m.to_string()), (path.clone(), op, item));
            }
        }
    }
    ops
}

pub(super) fn params(op: &Value, item: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.retain(|q| !(q.get("name") == p.get("name") && q.get("in") == p.get("in")));
        out.push(p.clone());
    }
    out
}

pub(super) fn operation_changes(
    old: &Value,
    new: &Value,
    renames: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let name = |m: &str, path: &str, op: &Value| match op.get("operationId").and_then(Value::as_str)
    {
        Some(id) => format!("operation {} {path} ({id})", m.to_uppercase()),
        None => format!("operation {} {path}", m.to_uppercase()),
    };
    for (key, (path, op, _)) in &old_ops {
        if !new_ops.contains_key(key) {
            change(
                out,
                Impact::Breaking,
                &name(&key.1, path, op),
                "removed".into(),
            );
        }
    }
    for (key, (path, op, _)) in &new_ops {
        if !old_ops.contains_key(key) {
            change(
                out,
                Impact::Compatible,
                &name(&key.1, path, op),
                "added".into(),
            );
        }
    }
    for (key, (old_path, old_op, old_item)) in &old_ops {
        let Some((_, new_op, new_item)) = new_ops.get(key) else {
            continue;
        };
        let subject = name(&key.1, old_path, old_op);
        let old_params = params(old_op, old_item);
        let new_params = params(new_op, new_item);
        let find = |ps: &[Value], n: &Value, i: &Value| {
            ps.iter()
                .find(|p| p.get("name") == Some(n) && p.get("in") == Some(i))
                .cloned()
        };
        // Path parameters renamed: same position, different name.
        let path_names = |ps: &[Value]| {
            ps.iter()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
                .collect::<Vec<_>>()
        };
        let (op_names, np_names) = (
            ordered_path_params(old_path),
            ordered_path_params(&new_ops[key].0),
        );
        let mut renamed = BTreeSet::new();
        for (a, b) in op_names.iter().zip(&np_names) {
            if a != b {
                change(
                    out,
                    Impact::Breaking,
                    &subject,
                    format!("parameter renamed {a} -> {b}"),
                );
                renamed.insert(a.clone());
                renamed.insert(b.clone());
            }
        }
        let _ = path_names;
        for p in &old_params {
            let (Some(n), Some(i)) = (p.get("name"), p.get("in")) else {
                continue;
            };
            let pname = n.as_str().unwrap_or("?");
            if renamed.contains(pname) {
                continue;
            }
            match find(&new_params, n, i) {
                None => match new_params.iter().find(|q| q.get("name") == Some(n)) {
                    Some(q) => change(
                        out,
                        Impact::Breaking,
                        &subject,
                        format!(
                            "parameter {pname} moved from {} to {}",
                            i.as_str().unwrap_or("?"),
                            q.get("in").and_then(Value::as_str).unwrap_or("?")
                        ),
                    ),
                    None => change(
                        out,
                        Impact::Breaking,
                        &subject,
                        format!("parameter {pname} removed"),
                    ),
                },
                Some(q) => {
                    let (od, nd) = (
                        rename_refs(&type_of(p.get("schema").unwrap_or(&Value::Null)), renames),
                        type_of(q.get("schema").unwrap_or(&Value::Null)),
                    );
                    if od != nd {
                        change(
                            out,
                            Impact::Breaking,
                            &subject,
                            format!("parameter {pname} retyped: {od} -> {nd}"),
                        );
                    }
                    if p.get("required").and_then(Value::as_bool).unwrap_or(false)
                        != q.get("required").and_then(Value::as_bool).unwrap_or(false)
                    {
                        change(
                            out,
                            Impact::Breaking,
                            &subject,
                            format!("parameter {pname} required changed"),
                        );
                    }
                    if let (Some(os), Some(ns)) = (p.get("schema"), q.get("schema")) {
                        enum_changes(&subject, &format!("parameter {pname}: "), os, ns, out);
                    }
                }
            }
        }
        for q in &new_params {
            let (Some(n), Some(i)) = (q.get("name"), q.get("in")) else {
                continue;
            };
            let pname = n.as_str().unwrap_or("?");
            if renamed.contains(pname) || old_params.iter().any(|p| p.get("name") == Some(n)) {
                continue;
            }
            let _ = i;
            let req = q.get("required").and_then(Value::as_bool).unwrap_or(false);
            let impact = if req {
                Impact::Breaking
            } else {
                Impact::Compatible
            };
            change(
                out,
                impact,
                &subject,
                format!(
                    "parameter {pname} added ({})",
                    if req { "required" } else { "optional" }
                ),
            );
        }
        let body = |op: &Value| {
            op.pointer("/requestBody/content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|m| m.get("schema"))
                .map(describe)
        };
        match (body(old_op).map(|d| rename_refs(&d, renames)), body(new_op)) {
            (None, Some(d)) => change(
                out,
                Impact::Breaking,
                &subject,
                format!("request body added: {d}"),
            ),
            (Some(_), None) => change(
                out,
                Impact::Breaking,
                &subject,
                "request body removed".into(),
            ),
            (Some(a), Some(b)) if a != b => change(
                out,
                Impact::Breaking,
                &subject,
                format!("request body retyped: {a} -> {b}"),
            ),
            _ => {}
        }
        let breq = |op: &Value| {
            op.pointer("/requestBody/required")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if old_op.get("requestBody").is_some()
            && new_op.get("requestBody").is_some()
            && breq(old_op) != breq(new_op)
        {
            change(
                out,
                Impact::Breaking,
                &subject,
                "request body required changed".into(),
            );
        }
        match (
            success(old_op).map(|d| rename_refs(&d, renames)),
            success(new_op),
        ) {
            (None, Some(d)) => change(
                out,
                Impact::Compatible,
                &subject,
                format!("response added: {d}"),
            ),
            (Some(a), None) => change(
                out,
                Impact::Breaking,
                &subject,
                format!("response removed: {a}"),
            ),
            (Some(a), Some(b)) if a != b => change(
                out,
                Impact::Breaking,
                &subject,
                format!("response retyped: {a} -> {b}"),
            ),
            _ => {}
        }
    }
}

pub(super) fn ordered_path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .collect()
}

/// The lowest 2xx response's schema, described.
pub(super) fn success(op: &Value) -> Option<String> {
    let responses = obj(op.get("responses"));
    let code = responses.keys().filter(|k| k.starts_with('2')).min()?;
    let content = responses[code].get("content").and_then(Value::as_object)?;
    content
        .values()
        .next()
        .and_then(|m| m.get("schema"))
        .map(describe)
}
