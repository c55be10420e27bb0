//! Section 5: the build cost, how much longer a clean build of a small program takes with
//! orb-cloud than with only the crates one would use without it.

use std::process::Command;
use std::time::Instant;

use crate::report::{median, print_rows, Row};
use crate::workspace::workspace_root;

/// Build pairs for the build cost, whose median is the figure: three clean builds of each program
/// take 5 to 8 minutes of the harness's 10-minute budget, depending on the host's speed.
const BUILD_PAIRS: usize = 3;

/// Clean builds (debug, 2 jobs) of the same small program against orb-cloud and against only
/// reqwest + serde + tokio, in fresh target directories; the median of each over the pairs.
pub fn run() {
    let root = workspace_root();
    let dir = std::env::temp_dir().join(format!("orb-bench-build-{}", std::process::id()));
    let make = |name: &str, deps: &str, main: &str| {
        let p = dir.join(name);
        std::fs::create_dir_all(p.join("src")).expect("dir");
        std::fs::write(
            p.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}\n\n[workspace]\n"),
        )
        .expect("write");
        std::fs::write(p.join("src/main.rs"), main).expect("write");
        // Same dependency versions as the workspace.
        std::fs::copy(root.join("Cargo.lock"), p.join("Cargo.lock")).ok();
        p
    };
    let with_sdk = make(
        "with-orb-cloud",
        &format!("orb-cloud = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}", root.display().to_string()),
        "#[tokio::main]\nasync fn main() {\n    let c = orb_cloud::OrbCloud::builder().api_key(\"k\").build().unwrap();\n    let _ = c.organizations().list().await;\n}\n",
    );
    let plain = make(
        "with-reqwest",
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"rustls\", \"http2\"] }\nserde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }",
        "#[derive(serde::Deserialize)]\n#[allow(dead_code)]\nstruct Org { organization_id: Option<String> }\n#[tokio::main]\nasync fn main() {\n    let r = reqwest::Client::new().get(\"http://127.0.0.1:9/api/v2/organizations\").send().await;\n    if let Ok(r) = r { let _: Result<Vec<Org>, _> = r.json().await; }\n}\n",
    );
    let build = |p: &std::path::Path| -> Option<f64> {
        let start = Instant::now();
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--offline", "-j", "2"])
            .current_dir(p)
            .env("CARGO_TARGET_DIR", p.join("target"))
            .status()
            .ok()?;
        status.success().then(|| start.elapsed().as_secs_f64())
    };
    // Pairs taking turns; each build is from scratch (its target directory is removed).
    let mut pairs = Vec::new();
    for _ in 0..BUILD_PAIRS {
        let plain_s = build(&plain);
        let _ = std::fs::remove_dir_all(plain.join("target"));
        let sdk_s = build(&with_sdk);
        let _ = std::fs::remove_dir_all(with_sdk.join("target"));
        if let (Some(sdk), Some(plain)) = (sdk_s, plain_s) {
            pairs.push((sdk, plain));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let pair_text: Vec<String> = pairs
        .iter()
        .map(|(sdk, plain)| format!("{sdk:.0} s vs {plain:.0} s"))
        .collect();
    let sdk_s = (pairs.len() == BUILD_PAIRS).then(|| median(pairs.iter().map(|p| p.0).collect()));
    let plain_s = (pairs.len() == BUILD_PAIRS).then(|| median(pairs.iter().map(|p| p.1).collect()));
    match (sdk_s, plain_s) {
        (Some(sdk), Some(plain)) => print_rows(
            "## 5. Clean debug build of a small program (2 jobs)",
            &[Row {
                higher_is_better: false,
                what: format!(
                    "with orb-cloud vs only reqwest + serde + tokio (adds {:.0} s; builds: {})",
                    sdk - plain,
                    pair_text.join(", ")
                ),
                ours: sdk,
                other: Some(plain),
                unit: "s",
                target: "adds ≤ 30 s".into(),
                met: Some(sdk - plain <= 30.0),
                advantage: None,
            }],
        ),
        _ => {
            println!("\n## 5. Build cost: a build failed (offline, with the registry cache warm?)")
        }
    }
}
