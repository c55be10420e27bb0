//! The HTTP methods a path item holds operations under, for every part of xtask that walks them.

/// The operation fields of an OpenAPI 3.x path item, in the order the specification lists them.
/// Swagger 2.0 path items have all of them but `trace`.
pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
