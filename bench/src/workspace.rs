//! Where the harness finds the workspace it was built in: the Python client's pinned version and
//! the build-cost programs' Cargo.lock are read from there.

/// The workspace this harness was built in (bench/ is one of its members).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the workspace")
        .to_path_buf()
}
