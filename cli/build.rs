//! `orb --version` names the commit it was built from, when built from a git checkout: a bug
//! report then says exactly which code ran. From a published package (no git), the version alone.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()));
    let dirty = commit.is_some()
        && Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .output()
            .ok()
            .is_some_and(|o| !o.stdout.is_empty());
    let suffix = match commit {
        Some(c) if dirty => format!(" (commit {c}, with local changes)"),
        Some(c) => format!(" (commit {c})"),
        None => String::new(),
    };
    println!("cargo:rustc-env=ORB_BUILD_COMMIT={suffix}");
    // Rebuilt when HEAD moves (a commit, a checkout); the paths exist only in a checkout.
    for path in [
        "../.git/HEAD",
        "../.git/refs/heads",
        "../.git/packed-refs",
        "../.git/index",
    ] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
