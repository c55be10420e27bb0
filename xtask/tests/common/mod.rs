//! Helpers shared by the xtask's end-to-end tests.
#![allow(dead_code)] // each test binary uses some of them

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `cargo xtask regen --no-snapshots --root ROOT --from FROM EXTRA...`, the real binary.
pub fn regen(root: &Path, from: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--no-snapshots", "--root"])
        .arg(root)
        .args(["--from", from])
        .args(extra)
        .output()
        .unwrap()
}

/// A process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `ROOT/spec/upstream.yaml` with edits applied, written to `ROOT/new-upstream.yaml`.
pub fn edited_upstream(root: &Path, edit: impl FnOnce(&mut serde_yaml::Value)) -> PathBuf {
    let text = std::fs::read_to_string(root.join("spec/upstream.yaml")).unwrap();
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    edit(&mut doc);
    let path = root.join("new-upstream.yaml");
    std::fs::write(&path, serde_yaml::to_string(&doc).unwrap()).unwrap();
    path
}

/// Copies the directory `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
