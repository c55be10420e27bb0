//! What an upstream change does to the hand-written layer, end to end: a copy of the library's
//! package is regenerated (`cargo xtask regen`) from an edited copy of `spec/upstream.yaml`, then
//! `cargo check`ed. Each change must either reach the typed values (the copy builds, and a probe
//! added to it sees the new type) or stop the build at the hand-written code that uses what
//! changed, with an error that names it. Nothing is edited by hand in between.
//!
//! The copy lives in `target/upstream-changes/` with its own target directory there (the outer
//! `cargo test` holds the workspace's), shared by the cases so that after the first, only the
//! library itself is checked again. The cases take turns.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use common::{copy_dir, edited_upstream, regen, repo, text};
use serde_yaml::Value;

/// One case at a time: they share the copy and its target directory.
static COPY: Mutex<()> = Mutex::new(());

/// What `cargo check` said of the regenerated copy.
struct Checked {
    success: bool,
    /// The compiler's error lines (`src/x.rs:1:2: error[E0599]: ...`).
    errors: Vec<String>,
    /// Everything cargo printed, for failure messages.
    output: String,
}

impl Checked {
    /// The errors at `file` that mention every one of `needles`.
    fn errors_at(&self, file: &str, needles: &[&str]) -> Vec<&str> {
        self.errors
            .iter()
            .map(String::as_str)
            .filter(|e| e.starts_with(file) && needles.iter().all(|n| e.contains(n)))
            .collect()
    }

    /// Asserts that the build failed, every error is at `file`, and one of them names `needles`.
    fn assert_stopped_at(&self, file: &str, needles: &[&str]) {
        assert!(
            !self.success,
            "the build should have failed:\n{}",
            self.output
        );
        assert!(
            !self.errors_at(file, needles).is_empty(),
            "no error at {file} naming {needles:?}:\n{}",
            self.output
        );
        let elsewhere: Vec<&String> = self
            .errors
            .iter()
            .filter(|e| !e.starts_with(file))
            .collect();
        assert!(
            elsewhere.is_empty(),
            "errors away from {file}: {elsewhere:#?}\n{}",
            self.output
        );
    }
}

/// The library's package as a workspace of its own under `target/upstream-changes/orb-cloud`.
fn fresh_copy() -> PathBuf {
    let repo = repo();
    let dest = repo.join("target/upstream-changes/orb-cloud");
    if dest.exists() {
        std::fs::remove_dir_all(&dest).unwrap();
    }
    std::fs::create_dir_all(&dest).unwrap();
    // Every target the manifest declares must be there for cargo to read it.
    for dir in ["src", "codegen", "spec", "generated", "benches", "examples"] {
        copy_dir(&repo.join(dir), &dest.join(dir));
    }
    for file in ["build.rs", "Cargo.lock", "README.md"] {
        std::fs::copy(repo.join(file), dest.join(file)).unwrap();
    }
    // The root manifest is also the workspace's: the copy's workspace is the library alone.
    let manifest = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find(|l| l.starts_with("members = ["))
        .expect("the root manifest lists the workspace members on one line");
    std::fs::write(
        dest.join("Cargo.toml"),
        manifest.replacen(members, r#"members = ["."]"#, 1),
    )
    .unwrap();
    dest
}

/// Regenerates a fresh copy from the committed upstream document edited by `edit`, appends
/// `probe` to its `src/lib.rs`, and checks it with every hand-written feature.
fn regen_and_check(edit: impl FnOnce(&mut Value), probe: &str) -> Checked {
    let _turn = COPY.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let copy = fresh_copy();
    let upstream = edited_upstream(&copy, edit);
    let out = regen(&copy, upstream.to_str().unwrap(), &[]);
    assert!(
        out.status.success(),
        "regen of the edited document failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    if !probe.is_empty() {
        let lib = copy.join("src/lib.rs");
        let mut code = std::fs::read_to_string(&lib).unwrap();
        code.push_str(probe);
        std::fs::write(&lib, code).unwrap();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&copy)
        .env(
            "CARGO_TARGET_DIR",
            repo().join("target/upstream-changes/target"),
        )
        // The schemars feature only adds derives to generated types; the rest is hand-written.
        .args(["check", "--lib", "--offline", "--message-format=short"])
        .args(["--features", "push,blocking"])
        .output()
        .unwrap();
    let output = text(&out.stderr);
    let errors = output
        .lines()
        .filter(|l| l.contains(": error"))
        .map(str::to_string)
        .collect();
    Checked {
        success: out.status.success(),
        errors,
        output,
    }
}

fn paths(doc: &mut Value) -> &mut serde_yaml::Mapping {
    doc["paths"].as_mapping_mut().unwrap()
}

const DEVICES: &str = "/api/v2/organization/{organization_id}/devices";

/// A probe that compiles only when a listed organization's `customer_id` is an integer.
const CUSTOMER_ID_IS_AN_INTEGER: &str =
    "\nconst _: fn(&Organization) -> Option<i64> = |org| org.customer_id;\n";

#[test]
fn the_committed_document_builds_and_a_retyped_property_reaches_the_typed_values() {
    // The control: the copy, regenerated from the document as committed, builds; the probe
    // does not, since customer_id is a string.
    let checked = regen_and_check(|_| {}, "");
    assert!(checked.success, "{}", checked.output);
    let checked = regen_and_check(|_| {}, CUSTOMER_ID_IS_AN_INTEGER);
    assert!(!checked.success, "the probe must be able to fail");

    // An organization property retyped upstream: listed organizations carry the new type with
    // no hand edit (the hand-written layer does not rely on it).
    let checked = regen_and_check(
        |doc| {
            doc["components"]["schemas"]["server.OrganizationsResponse"]["properties"]
                ["customer_id"]["type"] = "integer".into();
        },
        CUSTOMER_ID_IS_AN_INTEGER,
    );
    assert!(checked.success, "{}", checked.output);
}

#[test]
fn a_moved_device_listing_with_a_renamed_parameter_stops_the_build_at_its_calls() {
    let checked = regen_and_check(
        |doc| {
            let mut item = paths(doc).remove(DEVICES).unwrap();
            item["get"]["parameters"][0]["name"] = "orgId".into();
            paths(doc).insert("/api/v3/organizations/{orgId}/devices".into(), item);
        },
        "",
    );
    // The listing's builder method is gone; the calls that used it name it.
    checked.assert_stopped_at("src/resources/devices.rs", &["get_v2_organization_devices"]);
}

#[test]
fn a_renamed_path_parameter_stops_the_build_at_the_setter() {
    let checked = regen_and_check(
        |doc| {
            let mut item = paths(doc).remove(DEVICES).unwrap();
            item["get"]["parameters"][0]["name"] = "orgId".into();
            paths(doc).insert("/api/v2/organization/{orgId}/devices".into(), item);
        },
        "",
    );
    checked.assert_stopped_at("src/resources/devices.rs", &["organization_id"]);
}

#[test]
fn a_removed_operation_stops_the_build_of_the_method_that_used_it() {
    let checked = regen_and_check(
        |doc| {
            paths(doc)
                .remove("/api/v1/organization/{organization_id}/configurations")
                .unwrap();
        },
        "",
    );
    checked.assert_stopped_at(
        "src/resources/organizations.rs",
        &["get_v1_organization_configurations"],
    );
}

#[test]
fn a_retyped_device_property_stops_the_build_where_devices_rely_on_it() {
    let checked = regen_and_check(
        |doc| {
            doc["components"]["schemas"]["server.OrganizationDeviceResponse"]["properties"]
                ["is_connected"]["type"] = "boolean".into();
        },
        "",
    );
    checked.assert_stopped_at("src/device/generated.rs", &["mismatched types"]);
}
