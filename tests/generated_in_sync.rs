//! `generated/` is the reviewed copy of what build.rs generates; this fails when they differ,
//! e.g. after spec/openapi.json or the progenitor pin changed without `cargo xtask regen`.

#[test]
fn generated_dir_matches_build_output() {
    let built = include_str!(concat!(env!("OUT_DIR"), "/orb_cloud_api.rs"));
    let committed = include_str!("../generated/orb_cloud_api.rs");
    if built != committed {
        let line = built
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| built.lines().count().min(committed.lines().count()))
            + 1;
        panic!(
            "generated/orb_cloud_api.rs differs from the build output from line {line} on: \
             run `cargo xtask regen` and commit the result"
        );
    }
}
