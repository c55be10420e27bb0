//! What both converters share while they walk a document.

/// Deepest nesting of schemas followed before giving up. serde_json and serde_yaml refuse documents
/// nested deeper than 128, so only a document built in code reaches this; it keeps the stack bounded.
pub(super) const MAX_DEPTH: usize = 128;
