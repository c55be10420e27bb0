//! Media types the converters name or recognize.

pub(super) const JSON_MEDIA: &str = "application/json";
pub(super) const FORM_MEDIA: &str = "application/x-www-form-urlencoded";
pub(super) const MULTIPART_MEDIA: &str = "multipart/form-data";

/// A media type without parameters, lower-cased: `Multipart/Form-Data; x=y` -> `multipart/form-data`.
pub(super) fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Media types whose content is text: `contentMediaType` with one of these keeps a plain string.
pub(super) fn is_text_media(media: &str) -> bool {
    let e = essence(media);
    e.starts_with("text/")
        || e == JSON_MEDIA
        || e == "application/xml"
        || e.ends_with("+json")
        || e.ends_with("+xml")
}
