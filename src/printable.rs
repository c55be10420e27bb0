//! Text from a remote peer made safe to show on a terminal.
//!
//! Device names, organization names, error bodies and pushed strings come from whoever runs the
//! server or the device. Printed raw, an `ESC[2J` clears the reader's screen and an OSC sequence
//! retitles the window or forges a hyperlink; a bidirectional override makes a name read
//! differently from what it is. Every human-readable output of this crate and of the `orb` CLI
//! passes remote text through [`printable`]; JSON output needs nothing, since JSON escapes
//! control characters itself.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character escaped as Rust writes it (`\u{1b}`, `\n`, `\t`), and
/// the bidirectional formatting characters too; everything else, any script and emoji included,
/// is kept as is. Borrowed when there is nothing to escape, which is nearly always.
///
/// ```
/// use orb_cloud::printable::printable;
/// assert_eq!(printable("Living room"), "Living room");
/// assert_eq!(printable("evil\u{1b}[2Jname"), "evil\\u{1b}[2Jname");
/// assert_eq!(printable("a\nb"), "a\\nb");
/// assert_eq!(printable("caf\u{e9} \u{1f600}"), "caf\u{e9} \u{1f600}");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find(needs_escape) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates (the
/// "Trojan Source" characters).
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_escape_sequence_introducer_is_neutralised() {
        for hostile in [
            "\u{1b}]0;pwned\u{7}",
            "\u{9b}2J",
            "x\u{7f}y",
            "\u{202e}txt.exe",
            "a\u{0}b",
            "\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\",
        ] {
            let shown = printable(hostile);
            assert!(
                !shown.chars().any(needs_escape),
                "{hostile:?} shown as {shown:?}"
            );
        }
        assert!(matches!(printable("plain"), Cow::Borrowed("plain")));
        assert_eq!(printable("\u{1b}[31m"), "\\u{1b}[31m");
    }
}
