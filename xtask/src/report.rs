//! The drift report three ways: lines for the terminal (`regen --check`), Markdown for a pull
//! request (`--report FILE`), and an entry in CHANGELOG.md (`--changelog FILE`). Each breaking
//! change names the hand-written code that uses what changed, where the index can tell
//! ([`crate::usage`]).

use std::path::Path;

use anyhow::bail;

use crate::drift::{Change, Impact};
use crate::usage::{self, Usage};

/// What changed upstream, against what is committed.
pub struct Report {
    /// Where the new document came from.
    pub document_url: String,
    /// The first 12 hex digits of the new document's SHA-256.
    pub upstream_sha256: String,
    /// Each change, with the hand-written code that uses its subject (empty when unknown or
    /// unused).
    pub changes: Vec<(Change, String)>,
    /// No committed document to compare with: everything is new.
    pub no_baseline: bool,
    /// Fixups that no longer apply (the new document cannot be generated until they are mended).
    pub stale_fixups: Vec<String>,
    /// Files regen rewrites (or, with `--check`, would).
    pub files: Vec<String>,
}

impl Report {
    /// The report for `changes`, each breaking one looked up in the library under `root`.
    pub fn new(
        root: &Path,
        document_url: &str,
        upstream_sha256: &str,
        changes: Vec<Change>,
    ) -> Report {
        let generated =
            std::fs::read_to_string(root.join("generated").join(crate::codegen::GENERATED_FILE))
                .unwrap_or_default();
        let library = Usage::scan(root);
        let changes = changes
            .into_iter()
            .map(|change| {
                let users = match change.impact {
                    Impact::Breaking => {
                        let names = generated_names(&change, &generated);
                        if names.is_empty() {
                            String::new()
                        } else {
                            usage::describe(&library.users_of(&names))
                        }
                    }
                    Impact::Compatible => String::new(),
                };
                (change, users)
            })
            .collect();
        Report {
            document_url: document_url.to_string(),
            upstream_sha256: upstream_sha256.chars().take(12).collect(),
            changes,
            no_baseline: false,
            stale_fixups: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Nothing to report: same operations and schemas, fixups apply, no file to rewrite.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && !self.no_baseline
            && self.stale_fixups.is_empty()
            && self.files.is_empty()
    }

    fn breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|(c, _)| c.impact == Impact::Breaking)
            .count()
            + usize::from(self.no_baseline)
    }

    fn count(&self) -> usize {
        self.changes.len() + usize::from(self.no_baseline) + self.stale_fixups.len()
    }

    /// One line per change (`breaking    schema ...: ...`), `used by` under the breaking ones,
    /// then `action` lines for stale fixups.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.no_baseline {
            out.push("breaking    no committed upstream document (spec/lock.json missing or unreadable): everything is new".to_string());
        }
        for (change, users) in &self.changes {
            out.push(change.to_string());
            if !users.is_empty() {
                out.push(format!("              used by {users}"));
            }
        }
        out.extend(self.stale_fixups.iter().map(|s| format!("action      {s}")));
        out
    }

    /// The report as the body of a pull request.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "## Orb's API document changed upstream\n\n`cargo xtask regen` against {} \
             (SHA-256 `{}`): {} change(s), {} breaking.\n",
            self.document_url,
            self.upstream_sha256,
            self.count(),
            self.breaking()
        );
        let section = |out: &mut String, title: &str, items: Vec<String>| {
            if !items.is_empty() {
                out.push_str(&format!("\n### {title}\n\n"));
                for item in items {
                    out.push_str(&format!("- {item}\n"));
                }
            }
        };
        let of = |impact: Impact| -> Vec<String> {
            self.changes
                .iter()
                .filter(|(c, _)| c.impact == impact)
                .map(|(c, users)| {
                    let mut item = format!("`{}`: {}", c.subject, c.detail);
                    if !users.is_empty() {
                        item.push_str(&format!("\n  - used by {users}"));
                    }
                    item
                })
                .collect()
        };
        let mut breaking = of(Impact::Breaking);
        if self.no_baseline {
            breaking.insert(
                0,
                "no committed upstream document to compare with: everything is new".into(),
            );
        }
        section(&mut out, "Breaking", breaking);
        section(&mut out, "Compatible", of(Impact::Compatible));
        section(
            &mut out,
            "Fixups that no longer apply (mend spec/fixups.yaml; nothing could be generated)",
            self.stale_fixups.clone(),
        );
        section(
            &mut out,
            "Files regen rewrites",
            self.files.iter().map(|f| format!("`{f}`")).collect(),
        );
        out
    }

    /// The CHANGELOG.md entry, a list item with one sub-item per change.
    pub fn changelog_entry(&self, date: &str) -> String {
        let mut out = format!(
            "- Orb's API document of {date} (SHA-256 `{}`): {} change(s), {} breaking.\n",
            self.upstream_sha256,
            self.count(),
            self.breaking()
        );
        if self.changes.is_empty() {
            out.push_str(
                "  - no change to operations or schemas (descriptions or generated code only)\n",
            );
        }
        for (change, _) in &self.changes {
            let impact = match change.impact {
                Impact::Breaking => "breaking",
                Impact::Compatible => "compatible",
            };
            out.push_str(&format!(
                "  - {impact}: `{}`: {}\n",
                change.subject, change.detail
            ));
        }
        out
    }
}

/// The Rust names progenitor gives what `change` is about, if the generated code has them: a
/// schema's type, an operation's builder method and builder struct.
fn generated_names(change: &Change, generated: &str) -> Vec<String> {
    let candidates: Vec<(&str, String)> =
        if let Some(schema) = change.subject.strip_prefix("schema ") {
            let name = usage::type_name_of_schema(schema);
            vec![("struct", name.clone()), ("enum", name)]
        } else if let Some(id) = change
            .subject
            .strip_prefix("operation ")
            .and_then(|rest| rest.rsplit_once(" ("))
            .and_then(|(_, id)| id.strip_suffix(')'))
        {
            vec![
                ("fn", id.to_string()),
                ("struct", usage::type_name_of_schema(id)),
            ]
        } else {
            Vec::new()
        };
    let mut names: Vec<String> = candidates
        .into_iter()
        .filter(|(kind, name)| declares(generated, kind, name))
        .map(|(_, name)| name)
        .collect();
    names.dedup();
    names
}

/// Whether `code` has `pub KIND NAME` followed by something that ends the name.
fn declares(code: &str, kind: &str, name: &str) -> bool {
    let declaration = format!("pub {kind} {name}");
    code.match_indices(&declaration).any(|(at, _)| {
        code[at + declaration.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// `changelog` with `entry` added first under `## [Unreleased]` / `### Spec` (the subsection is
/// made at the end of the Unreleased section when missing).
pub fn add_to_changelog(changelog: &str, entry: &str) -> anyhow::Result<String> {
    let lines: Vec<&str> = changelog.lines().collect();
    let Some(unreleased) = lines.iter().position(|l| l.trim_end() == "## [Unreleased]") else {
        bail!("the changelog has no `## [Unreleased]` heading to add the spec changes under");
    };
    let end = lines[unreleased + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| unreleased + 1 + i);
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let entry_lines: Vec<String> = entry.lines().map(str::to_string).collect();
    match lines[unreleased + 1..end]
        .iter()
        .position(|l| l.trim_end() == "### Spec")
    {
        Some(i) => {
            let at = unreleased + 1 + i + 1;
            // After the heading's blank line, newest first.
            let at = if out.get(at).is_some_and(|l| l.is_empty()) {
                at + 1
            } else {
                at
            };
            out.splice(at..at, entry_lines);
        }
        None => {
            // Before the blank lines that close the section.
            let mut at = end;
            while at > unreleased + 1 && out[at - 1].is_empty() {
                at -= 1;
            }
            let mut block = vec![String::new(), "### Spec".to_string(), String::new()];
            block.extend(entry_lines);
            out.splice(at..at, block);
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str =
        "# Changelog\n\n## [Unreleased]\n\n### Added\n- a thing\n\n## [0.1.0]\n\n- old\n";

    #[test]
    fn entries_go_first_under_a_spec_heading_of_the_unreleased_section() {
        let once = add_to_changelog(CHANGELOG, "- one\n  - breaking: x\n").unwrap();
        assert_eq!(
            once,
            "# Changelog\n\n## [Unreleased]\n\n### Added\n- a thing\n\n### Spec\n\n- one\n  - breaking: x\n\n## [0.1.0]\n\n- old\n"
        );
        let twice = add_to_changelog(&once, "- two\n").unwrap();
        assert!(
            twice.contains("### Spec\n\n- two\n- one\n  - breaking: x\n\n## [0.1.0]"),
            "{twice}"
        );
        // An Unreleased section that is last in the file.
        let last = add_to_changelog("## [Unreleased]\n", "- e\n").unwrap();
        assert_eq!(last, "## [Unreleased]\n\n### Spec\n\n- e\n");
        assert!(add_to_changelog("# Changelog\n", "- e\n").is_err());
    }

    #[test]
    fn breaking_changes_name_the_generated_items_they_are_about() {
        let generated =
            "pub struct ServerThing {\npub struct ServerThingy {\npub fn get_v2_things(&self)\npub struct GetV2Things<'a> {";
        let change = |subject: &str| Change {
            impact: Impact::Breaking,
            subject: subject.into(),
            detail: "removed".into(),
        };
        assert_eq!(
            generated_names(&change("schema server.Thing"), generated),
            ["ServerThing"]
        );
        assert_eq!(
            generated_names(
                &change("operation GET /api/v2/things (get_v2_things)"),
                generated
            ),
            ["get_v2_things", "GetV2Things"]
        );
        assert!(generated_names(&change("schema server.Other"), generated).is_empty());
        assert!(generated_names(&change("schema server.Thin"), generated).is_empty());
        assert!(generated_names(&change("operation GET /x"), generated).is_empty());
    }
}
