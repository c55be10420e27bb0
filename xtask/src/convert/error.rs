//! Why a document cannot be converted.

use super::pointer::at;

/// Why a document cannot be converted. Every message names the JSON pointer of the offending part.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The document is not a JSON object.
    #[error(
        "the document root is {found}, not an object: expected an OpenAPI 3.0, OpenAPI 3.1 or \
         Swagger 2.0 document"
    )]
    NotAnObject {
        /// What the document was instead.
        found: String,
    },
    /// The document has neither `openapi` nor `swagger` at its root.
    #[error(
        "the document root has neither `/openapi` nor `/swagger`, so its version is unknown \
         (its top-level keys: {keys})"
    )]
    NoVersion {
        /// The keys the root does have.
        keys: String,
    },
    /// The version field names a version that cannot be converted.
    #[error(
        "`{pointer}` is {found}: only Swagger 2.0 (`swagger: \"2.0\"`) and OpenAPI 3.0.x or 3.1.x \
         (`openapi: \"3.1.0\"`) can be converted"
    )]
    UnsupportedVersion {
        /// `/swagger` or `/openapi`.
        pointer: String,
        /// The value found there.
        found: String,
    },
    /// Both `swagger` and `openapi` are present.
    #[error(
        "the document root has both `/swagger` ({swagger}) and `/openapi` ({openapi}): cannot tell \
         which version it is"
    )]
    AmbiguousVersion {
        /// The value of `/swagger`.
        swagger: String,
        /// The value of `/openapi`.
        openapi: String,
    },
    /// A construct OpenAPI 3.0 cannot express, and which cannot be dropped without changing the API.
    #[error("{}: {what} cannot be expressed in OpenAPI 3.0 ({why})", at(.pointer))]
    Inexpressible {
        /// Where the construct is.
        pointer: String,
        /// The construct.
        what: String,
        /// Why it cannot be converted, or what to do instead.
        why: String,
    },
    /// A part of the document does not have the shape its version requires.
    #[error("{}: {message}", at(.pointer))]
    Malformed {
        /// Where the problem is.
        pointer: String,
        /// What is wrong there.
        message: String,
    },
}

pub(super) type Result<T> = std::result::Result<T, ConvertError>;

pub(super) fn malformed(pointer: &str, message: impl Into<String>) -> ConvertError {
    ConvertError::Malformed {
        pointer: pointer.to_string(),
        message: message.into(),
    }
}

pub(super) fn inexpressible(
    pointer: &str,
    what: impl Into<String>,
    why: impl Into<String>,
) -> ConvertError {
    ConvertError::Inexpressible {
        pointer: pointer.to_string(),
        what: what.into(),
        why: why.into(),
    }
}
