//! Snapshots of the API surface (from spec/openapi.json) and of the JSON Schema of every generated
//! type (from schemars), so that every upstream change shows up as a readable diff naming the
//! operation, schema and field. `cargo xtask regen` re-records them; review with `cargo insta review`.

use std::fmt::Write;

use serde_json::Value;

// The type descriptions are the drift report's, so snapshots and drift lines speak alike; the
// methods are the xtask's one list, which the drift report uses too.
#[allow(dead_code, unused_imports)] // it uses only `describe`
#[path = "../xtask/src/drift/mod.rs"]
mod drift;
#[path = "../xtask/src/http_methods.rs"]
mod http_methods;

use http_methods::HTTP_METHODS as METHODS;

fn spec() -> Value {
    serde_json::from_str(include_str!("../spec/openapi.json")).expect("spec/openapi.json is JSON")
}

/// One line per operation, parameter, body and response; one block per schema.
fn surface(doc: &Value) -> String {
    let mut out = String::new();
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap_or("?");
            writeln!(out, "{} {path}  ({id})", method.to_uppercase()).unwrap();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let required = if p["required"].as_bool() == Some(true) {
                    "required"
                } else {
                    "optional"
                };
                writeln!(
                    out,
                    "  {} {}: {} ({required})",
                    p["in"].as_str().unwrap_or("?"),
                    p["name"].as_str().unwrap_or("?"),
                    drift::describe(&p["schema"])
                )
                .unwrap();
            }
            if let Some(body) = op.get("requestBody") {
                for (content_type, media) in body["content"].as_object().unwrap_or(&empty) {
                    let required = if body["required"].as_bool() == Some(true) {
                        "required"
                    } else {
                        "optional"
                    };
                    writeln!(
                        out,
                        "  body {content_type} ({required}): {}",
                        drift::describe(&media["schema"])
                    )
                    .unwrap();
                }
            }
            for (status, response) in op["responses"].as_object().unwrap_or(&empty) {
                match response["content"].as_object() {
                    Some(content) => {
                        for (content_type, media) in content {
                            writeln!(
                                out,
                                "  response {status} {content_type}: {}",
                                drift::describe(&media["schema"])
                            )
                            .unwrap();
                        }
                    }
                    None => writeln!(out, "  response {status}: no body").unwrap(),
                }
            }
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap_or(&empty) {
        writeln!(out, "\nschema {name}: {}", drift::describe(schema)).unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (prop, prop_schema) in schema["properties"].as_object().unwrap_or(&empty) {
            let mark = if required.contains(&prop.as_str()) {
                " (required)"
            } else {
                ""
            };
            writeln!(out, "  {prop}: {}{mark}", drift::describe(prop_schema)).unwrap();
        }
        if let Some(values) = schema["enum"].as_array() {
            let values: Vec<String> = values.iter().map(ToString::to_string).collect();
            writeln!(out, "  enum: {}", values.join(", ")).unwrap();
        }
    }
    out
}

#[test]
fn api_surface() {
    insta::assert_snapshot!("api_surface", surface(&spec()));
}

#[cfg(feature = "schemars")]
#[test]
fn json_schemas_of_generated_types() {
    let schemas: std::collections::BTreeMap<&str, schemars::Schema> =
        orb_cloud::api::__json_schemas::all().into_iter().collect();
    assert!(
        schemas.len() >= 35,
        "expected every Orb schema to have a type, got {}",
        schemas.len()
    );
    insta::assert_json_snapshot!("json_schemas", schemas);
}

#[test]
fn every_operation_and_schema_of_the_spec_is_in_the_surface() {
    let doc = spec();
    let text = surface(&doc);
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            operations += 1;
            assert!(
                text.contains(&format!("{} {path}  (", method.to_uppercase())),
                "{method} {path}"
            );
        }
    }
    assert!(operations > 0, "the spec has operations");
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(text.contains(&format!("\nschema {name}: ")), "{name}");
    }
}
