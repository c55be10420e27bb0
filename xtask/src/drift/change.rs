//! One line of the drift report: what changed, and whether it breaks code that uses the crate.

/// Whether a change breaks code that uses the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing code may stop compiling or decoding.
    Breaking,
    /// Existing code keeps working.
    Compatible,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Breaking or compatible.
    pub impact: Impact,
    /// `schema server.X` or `operation GET /path (id)`.
    pub subject: String,
    /// What changed.
    pub detail: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let impact = match self.impact {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
        };
        write!(f, "{impact:<11} {}: {}", self.subject, self.detail)
    }
}

pub(super) fn change(out: &mut Vec<Change>, impact: Impact, subject: &str, detail: String) {
    out.push(Change {
        impact,
        subject: subject.to_string(),
        detail,
    });
}
