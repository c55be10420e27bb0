//! Generates the typed Orb Cloud client from `spec/openapi.json` into `OUT_DIR`.
//!
//! No network: the spec is committed. The same generator writes `generated/` for review (see
//! `cargo xtask regen`), and `tests/generated_in_sync.rs` fails when the two differ.

#[path = "codegen/mod.rs"]
mod codegen;

use std::path::PathBuf;

fn main() {
    const SPEC: &str = "spec/openapi.json";
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=build.rs");

    let spec = std::fs::read_to_string(SPEC)
        .unwrap_or_else(|e| panic!("cannot read {SPEC}: {e} (run `cargo xtask regen`)"));
    let code = codegen::generate(&spec).unwrap_or_else(|e| panic!("{SPEC}: {e}"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let out = out_dir.join(codegen::GENERATED_FILE);
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
