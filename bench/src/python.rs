//! Orb's Python client for the comparison columns: the Python given on the command line, or a
//! virtualenv with the client at the version the sandbox's compatibility test pins.

use std::process::Command;

use crate::workspace::workspace_root;

/// The Python for the comparison columns, or none (said on the output, so that a table without
/// them is not mistaken for a complete one): `--no-python` leaves it out, `--python` names it,
/// and otherwise the virtualenv is made or reused.
pub fn choose(no_python: bool, given: Option<&String>) -> Option<String> {
    if no_python {
        println!("(--no-python: the Python client columns are skipped)");
        None
    } else {
        match given {
            Some(python) => Some(python.clone()),
            None => python_client()
                .map_err(|e| println!("({e}: the Python client columns are skipped)"))
                .ok(),
        }
    }
}

/// Where the version of Orb's Python client is pinned, for the harness, the sandbox's
/// compatibility test and `.ci/run` alike (relative to the workspace).
const PYTHON_REQUIREMENTS: &str = "sandbox/tests/python/requirements.txt";

/// A Python with Orb's client at the pinned version: the virtualenv in target/orb-python, made
/// there if missing (python3 -m venv), with `pip install -r` of [`PYTHON_REQUIREMENTS`] (a no-op
/// when it is installed already). Needs python3, and access to PyPI for the first install.
fn python_client() -> Result<String, String> {
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let venv = target.join("orb-python");
    let python = venv.join("bin").join("python");
    let requirements = root.join(PYTHON_REQUIREMENTS);
    let run = |program: &std::path::Path, args: &[&str]| -> Result<(), String> {
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} {} failed: {}",
                program.display(),
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    if !python.exists() {
        eprintln!("making a virtualenv in {} ...", venv.display());
        let venv_arg = venv.display().to_string();
        run(std::path::Path::new("python3"), &["-m", "venv", &venv_arg])?;
    }
    let requirements_arg = requirements.display().to_string();
    run(
        &venv.join("bin").join("pip"),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            &requirements_arg,
        ],
    )?;
    Ok(python.display().to_string())
}
