//! `cargo xtask regen`: upstream document -> OpenAPI 3.0 -> normalized -> fixups -> spec/ and
//! generated/, or with `--check`, a drift report and nothing written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::Value;

use crate::codegen;
use crate::convert::{self, SourceVersion};
use crate::drift;
use crate::fetch::{self, Obtained};
use crate::fixups::{self, Fixup, Stale};
use crate::lock::{self, Lock};
use crate::normalize;
use crate::report::{self, Report};

/// Where Orb publishes its API reference.
pub const DEFAULT_SOURCE: &str = "https://panel.orb.net/api/v1/docs";

/// What `regen` was asked to do.
#[derive(Debug)]
pub struct Options {
    /// File or URL; `DEFAULT_SOURCE` when absent.
    pub from: Option<String>,
    /// Compare only, write nothing.
    pub check: bool,
    /// The workspace root (holding spec/, generated/, tests/).
    pub root: PathBuf,
    /// Refresh the insta snapshots after writing (runs the snapshot tests).
    pub snapshots: bool,
    /// Write the drift report as Markdown here (a pull request's body).
    pub report: Option<PathBuf>,
    /// When files were written, add the drift to this changelog under `## [Unreleased]`.
    pub changelog: Option<PathBuf>,
}

/// How a run ended, for the exit code.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Files written (or nothing to write).
    Wrote,
    /// `--check`: committed files are what upstream gives.
    UpToDate,
    /// `--check`: upstream differs; the report was printed.
    Drift,
}

/// Everything derived from one upstream document.
struct Build {
    obtained: Obtained,
    source_version: SourceVersion,
    /// Converted and normalized, before fixups: what drift compares.
    pre_fixups: Value,
    /// After fixups, or the stale ones.
    fixed: Result<Fixed, Vec<Stale>>,
    notes: Vec<String>,
}

struct Fixed {
    openapi_json: String,
    code: String,
}

/// The files regen owns, relative to the root.
const OPENAPI: &str = "spec/openapi.json";
const LOCK: &str = "spec/lock.json";
const FIXUPS: &str = "spec/fixups.yaml";

/// Run `regen` with `opts`.
pub fn run(opts: &Options) -> anyhow::Result<Outcome> {
    let source = opts
        .from
        .clone()
        .unwrap_or_else(|| DEFAULT_SOURCE.to_string());
    let fixups = read_fixups(&opts.root)?;
    let obtained = fetch::obtain(&source)?;
    let build = build(obtained, &fixups)?;
    let committed_lock = read_lock(&opts.root);
    let report = drift_report(opts, &source, &build, committed_lock.as_ref());
    if let Some(path) = &opts.report {
        write_atomic(path, report.markdown().as_bytes())?;
    }
    if opts.check {
        return Ok(check(&build, &report));
    }
    let fixed = match &build.fixed {
        Ok(fixed) => fixed,
        Err(stale) => {
            let lines: Vec<String> = stale.iter().map(|s| format!("  {s}")).collect();
            bail!(
                "{} fixup(s) in {FIXUPS} no longer apply to the new document; nothing was written.\n{}\n\
                 Update or delete them (each says what it expected), then run regen again.",
                stale.len(),
                lines.join("\n")
            );
        }
    };
    for note in &build.notes {
        eprintln!("note: {note}");
    }
    let files = planned_files(&opts.root, &source, &build, fixed, committed_lock.as_ref());
    let mut changed = Vec::new();
    for (rel, content) in &files {
        let path = opts.root.join(rel);
        if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            write_atomic(&path, content)?;
            changed.push(rel.clone());
        }
    }
    // A document that changed format leaves the other upstream file behind: remove it.
    let keep = format!("spec/upstream.{}", build.obtained.format.extension());
    for ext in ["json", "yaml"] {
        let rel = format!("spec/upstream.{ext}");
        let path = opts.root.join(&rel);
        if rel != keep && path.exists() {
            std::fs::remove_file(&path).with_context(|| format!("removing {rel}"))?;
            changed.push(format!("{rel} (removed)"));
        }
    }
    if changed.is_empty() {
        eprintln!(
            "regen: nothing changed ({} is up to date)",
            build.obtained.document_url
        );
    } else {
        for line in report.lines() {
            eprintln!("{line}");
        }
        eprintln!("regen: wrote {}", changed.join(", "));
        if let Some(path) = &opts.changelog {
            add_to_changelog(path, &report)?;
        }
    }
    if opts.snapshots {
        refresh_snapshots(&opts.root)?;
    }
    Ok(Outcome::Wrote)
}

fn read_fixups(root: &Path) -> anyhow::Result<Vec<Fixup>> {
    let path = root.join(FIXUPS);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(fixups::parse(&text, FIXUPS)?)
}

fn read_lock(root: &Path) -> Option<Lock> {
    let text = std::fs::read_to_string(root.join(LOCK)).ok()?;
    serde_json::from_str(&text).ok()
}

fn build(obtained: Obtained, fixups: &[Fixup]) -> anyhow::Result<Build> {
    let (pre_fixups, source_version, mut notes) =
        to_normalized(obtained.doc.clone(), &obtained.document_url)?;
    let fixed = match fixups::apply(pre_fixups.clone(), fixups) {
        Err(stale) => Err(stale),
        Ok(doc) => {
            let doc = normalize::sort_keys(doc);
            serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()).with_context(|| {
                format!(
                    "after fixups, {} is not a valid OpenAPI 3.0 document",
                    obtained.document_url
                )
            })?;
            let openapi_json = normalize::to_canonical_json(&doc);
            let code = codegen::generate(&openapi_json)?;
            Ok(Fixed { openapi_json, code })
        }
    };
    notes.sort();
    Ok(Build {
        obtained,
        source_version,
        pre_fixups,
        fixed,
        notes,
    })
}

/// Convert and normalize a parsed upstream document (no fixups).
fn to_normalized(doc: Value, from: &str) -> anyhow::Result<(Value, SourceVersion, Vec<String>)> {
    let converted =
        convert::to_openapi30(doc).with_context(|| format!("converting {from} to OpenAPI 3.0"))?;
    let normalized =
        normalize::normalize(converted.doc).with_context(|| format!("normalizing {from}"))?;
    let mut notes = converted.notes;
    notes.extend(normalized.notes);
    Ok((normalized.doc, converted.source, notes))
}

fn format_name(v: SourceVersion) -> &'static str {
    match v {
        SourceVersion::Swagger2 => "swagger-2.0",
        SourceVersion::OpenApi30 => "openapi-3.0",
        SourceVersion::OpenApi31 => "openapi-3.1",
    }
}

/// The files regen would write, with their exact content.
fn planned_files(
    root: &Path,
    source: &str,
    build: &Build,
    fixed: &Fixed,
    committed: Option<&Lock>,
) -> Vec<(String, Vec<u8>)> {
    let upstream_file = format!("upstream.{}", build.obtained.format.extension());
    let upstream_sha256 = lock::sha256_hex(&build.obtained.bytes);
    let normalized_sha256 = lock::sha256_hex(fixed.openapi_json.as_bytes());
    // The same document keeps its provenance: re-reading it from elsewhere (a local copy, a mirror)
    // is not a new upstream, and a second run must change nothing.
    let (source, document_url, obtained_at) = match committed {
        Some(c) if c.upstream_sha256 == upstream_sha256 && c.upstream_file == upstream_file => (
            c.source.clone(),
            c.document_url.clone(),
            c.obtained_at.clone(),
        ),
        _ => (
            portable(source, root),
            portable(&build.obtained.document_url, root),
            lock::now_rfc3339(),
        ),
    };
    let reconstructed_from = build
        .obtained
        .doc
        .pointer("/info/x-orb-reconstructed/from")
        .and_then(Value::as_str)
        .map(str::to_string);
    let lock = Lock {
        source,
        document_url,
        obtained_at,
        upstream_file: upstream_file.clone(),
        upstream_format: format_name(build.source_version).to_string(),
        upstream_sha256,
        normalized_sha256,
        progenitor: codegen::PROGENITOR_VERSION.to_string(),
        reconstructed_from,
    };
    vec![
        (
            format!("spec/{upstream_file}"),
            build.obtained.bytes.clone(),
        ),
        (OPENAPI.to_string(), fixed.openapi_json.clone().into_bytes()),
        (LOCK.to_string(), lock.to_text().into_bytes()),
        (
            format!("generated/{}", codegen::GENERATED_FILE),
            fixed.code.clone().into_bytes(),
        ),
    ]
}

/// A local file inside the repository is recorded relative to it (a committed lock must not name
/// one machine's paths); URLs and files elsewhere are recorded as given.
fn portable(source: &str, root: &Path) -> String {
    let path = Path::new(source);
    if source.contains("://") || !path.exists() {
        return source.to_string();
    }
    match (std::fs::canonicalize(path), std::fs::canonicalize(root)) {
        (Ok(file), Ok(root)) => file
            .strip_prefix(&root)
            .map(|rel| rel.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| source.to_string()),
        _ => source.to_string(),
    }
}

/// The drift between what is committed under the root and the new document.
fn drift_report(opts: &Options, source: &str, build: &Build, committed: Option<&Lock>) -> Report {
    // What the committed upstream document gives, before fixups: the baseline for drift lines.
    let baseline = committed.and_then(|lock| {
        let path = opts.root.join("spec").join(&lock.upstream_file);
        let bytes = std::fs::read(&path).ok()?;
        let (doc, _) = fetch::parse_document(&bytes, &path.display().to_string()).ok()?;
        to_normalized(doc, &lock.upstream_file)
            .ok()
            .map(|(doc, _, _)| doc)
    });
    let changes = baseline
        .as_ref()
        .map(|old| drift::diff(old, &build.pre_fixups))
        .unwrap_or_default();
    let mut report = Report::new(
        &opts.root,
        &build.obtained.document_url,
        &lock::sha256_hex(&build.obtained.bytes),
        changes,
    );
    report.no_baseline = baseline.is_none();
    match &build.fixed {
        Err(stale) => report.stale_fixups = stale.iter().map(ToString::to_string).collect(),
        Ok(fixed) => {
            for (rel, content) in planned_files(&opts.root, source, build, fixed, committed) {
                if std::fs::read(opts.root.join(&rel)).ok().as_deref() != Some(content.as_slice()) {
                    report.files.push(rel);
                }
            }
        }
    }
    report
}

/// `--check`: print the report; drift when there is anything in it.
fn check(build: &Build, report: &Report) -> Outcome {
    if report.is_empty() {
        println!(
            "regen --check: up to date with {}",
            build.obtained.document_url
        );
        return Outcome::UpToDate;
    }
    let lines = report.lines();
    let changes = lines.iter().filter(|l| !l.starts_with(' ')).count();
    let breaking = lines.iter().filter(|l| l.starts_with("breaking")).count();
    println!(
        "regen --check: {} differs from what is committed ({changes} change(s), {breaking} breaking)",
        build.obtained.document_url,
    );
    for line in &lines {
        println!("{line}");
    }
    if !report.files.is_empty() {
        if changes == 0 {
            println!("no change to operations or schemas; descriptions, fixups or generator output differ");
        }
        println!("files regen would rewrite: {}", report.files.join(", "));
    }
    println!("run `cargo xtask regen` to update, then review the snapshot diffs");
    Outcome::Drift
}

/// Adds the report to the changelog at `path`, dated today.
fn add_to_changelog(path: &Path, report: &Report) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the changelog {}", path.display()))?;
    let today: String = lock::now_rfc3339().chars().take(10).collect();
    let text = report::add_to_changelog(&text, &report.changelog_entry(&today))
        .with_context(|| format!("adding the spec changes to {}", path.display()))?;
    write_atomic(path, text.as_bytes())?;
    eprintln!("regen: added the changes to {}", path.display());
    Ok(())
}

fn write_atomic(path: &Path, content: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("regen-tmp");
    std::fs::write(&tmp, content).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Re-record the insta snapshots (API surface and JSON Schemas) from the new spec.
fn refresh_snapshots(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("regen: refreshing snapshots (cargo test -p orb-cloud --test snapshots)");
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["test", "--quiet", "-p", "orb-cloud", "--test", "snapshots"])
        .env("INSTA_UPDATE", "always")
        .env("INSTA_FORCE_PASS", "1")
        .status()
        .context("running cargo test for the snapshots")?;
    if !status.success() {
        bail!("refreshing the snapshots failed ({status}); spec/ and generated/ were written");
    }
    Ok(())
}
