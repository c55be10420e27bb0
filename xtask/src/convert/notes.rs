//! The notes a conversion hands back: what it dropped or approximated, and where.

use std::collections::BTreeMap;

use super::pointer::at;

/// How many places a note lists before saying "and N more".
const MAX_PLACES: usize = 5;

/// Notes for the regen log: free lines, and messages collected with the places they apply to.
#[derive(Default)]
pub(super) struct Notes {
    lines: Vec<String>,
    places: BTreeMap<String, Vec<String>>,
}

impl Notes {
    /// A line of its own.
    pub(super) fn note(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }

    /// `what` happened at `pointer`: one line per `what`, listing its places.
    pub(super) fn at(&mut self, what: impl Into<String>, pointer: &str) {
        self.places
            .entry(what.into())
            .or_default()
            .push(pointer.to_string());
    }

    /// The lines, then one line per message with its places.
    pub(super) fn finish(self) -> Vec<String> {
        let mut out = self.lines;
        for (what, places) in self.places {
            let list = places
                .iter()
                .take(MAX_PLACES)
                .map(|p| at(p))
                .collect::<Vec<_>>()
                .join(", ");
            let more = places.len().saturating_sub(MAX_PLACES);
            out.push(match (places.len(), more) {
                (1, _) => format!("{what} (at {list})"),
                (n, 0) => format!("{what} (at {n} places: {list})"),
                (n, more) => format!("{what} (at {n} places: {list} and {more} more)"),
            });
        }
        out
    }
}
