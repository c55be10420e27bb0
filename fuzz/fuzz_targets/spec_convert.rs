//! The spec pipeline of `cargo xtask regen` on any JSON document: conversion to OpenAPI 3.0 and
//! normalization never panic, and what they produce is either accepted by progenitor (the same
//! generator build.rs runs) or refused by it with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The xtask's and build.rs's own modules, compiled into this target.
#[path = "../../codegen/mod.rs"]
#[allow(dead_code)]
mod codegen;
#[path = "../../xtask/src/convert/mod.rs"]
#[allow(dead_code)]
mod convert;
#[path = "../../xtask/src/http_methods.rs"]
#[allow(dead_code)]
mod http_methods;
#[path = "../../xtask/src/normalize.rs"]
#[allow(dead_code)]
mod normalize;

std::thread_local! {
    /// Set while progenitor runs: codegen turns its panics into `CodegenError::Panicked`.
    static IN_GENERATOR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// libfuzzer aborts on every panic, even one that is caught; progenitor's are caught by codegen
/// on purpose (a clean error), so only those pass.
fn let_codegen_catch_progenitors_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_GENERATOR.with(std::cell::Cell::get) {
                aborting(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_codegen_catch_progenitors_panics();
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(converted) = convert::to_openapi30(doc) else {
        return;
    };
    let Ok(normalized) = normalize::normalize(converted.doc) else {
        return;
    };
    let text = normalize::to_canonical_json(&normalized.doc);
    // Generated, or refused with an error (progenitor's panics included, as codegen reports
    // them); a panic anywhere else is a document the xtask would crash on.
    IN_GENERATOR.with(|g| g.set(true));
    let generated = codegen::generate(&text);
    IN_GENERATOR.with(|g| g.set(false));
    if let Ok(code) = generated {
        assert!(!code.is_empty());
    }
});
