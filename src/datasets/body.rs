//! Request bodies: gzip decoding with a hard cap on the decoded size.

use std::io::Read;

use flate2::read::MultiGzDecoder;

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The decoded body would exceed the limit (e.g. a gzip bomb); decoding stopped there.
    #[error("the decoded body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit that was given.
        limit: usize,
    },
    /// The body is not valid gzip (or is cut off).
    #[error("the body is not valid gzip: {0}")]
    Gzip(#[source] std::io::Error),
    /// A `Content-Encoding` this crate does not decode (only `gzip`, `x-gzip` and `identity`).
    #[error("unsupported Content-Encoding {0:?} (only gzip and identity are decoded)")]
    UnsupportedEncoding(String),
}

/// The gzip magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decode a request body for [`parse_push`](crate::datasets::parse_push).
///
/// Gunzips when `content_encoding` names gzip (`gzip` or `x-gzip`, any case; a list such as
/// `"gzip, identity"` is decoded in reverse order), or when there is no encoding (or `identity`)
/// but the body starts with the gzip magic bytes, which no JSON body can. Concatenated gzip
/// members are all decoded. Any other encoding is [`BodyError::UnsupportedEncoding`]. Orb does
/// not document which headers devices send, hence the sniffing.
///
/// `max_decoded_bytes` caps the result, for plain bodies too: decoding streams through a 16 KiB
/// buffer and stops at the cap with [`BodyError::TooLarge`], so a gzip bomb costs at most
/// `max_decoded_bytes` (plus the decoder's ~100 KiB of state) of memory, never its full
/// expansion, and the time to inflate `max_decoded_bytes`. An empty body is an empty result
/// (and [`parse_push`](crate::datasets::parse_push) reads it as zero records, no error), whatever
/// the encoding.
///
/// ```
/// use orb_cloud::datasets::{decode_body, parse_push, BodyError, Format};
/// use std::io::Write;
///
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(b"{\"dataset\":\"speed\",\"download_kbps\":518022}\n")?;
/// let compressed = gz.finish()?;
///
/// let body = decode_body(&compressed, Some("gzip"), 2 << 20)?;
/// assert_eq!(parse_push(&body, Format::Jsonl, None).records.len(), 1);
///
/// assert!(matches!(decode_body(&compressed, None, 10), Err(BodyError::TooLarge { limit: 10 })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_body(
    body: &[u8],
    content_encoding: Option<&str>,
    max_decoded_bytes: usize,
) -> Result<Vec<u8>, BodyError> {
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut gzip_layers = 0usize;
    for coding in content_encoding.unwrap_or("").split(',').map(str::trim) {
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip_layers += 1;
        } else if !(coding.is_empty() || coding.eq_ignore_ascii_case("identity")) {
            return Err(BodyError::UnsupportedEncoding(coding.to_owned()));
        }
    }
    if gzip_layers == 0 && body.starts_with(&GZIP_MAGIC) {
        gzip_layers = 1;
    }
    if gzip_layers == 0 {
        if body.len() > max_decoded_bytes {
            return Err(BodyError::TooLarge {
                limit: max_decoded_bytes,
            });
        }
        return Ok(body.to_vec());
    }
    let mut decoded = gunzip(body, max_decoded_bytes)?;
    for _ in 1..gzip_layers {
        decoded = gunzip(&decoded, max_decoded_bytes)?;
    }
    Ok(decoded)
}

/// Gunzips `input`, refusing to produce more than `limit` bytes.
fn gunzip(input: &[u8], limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut decoder = MultiGzDecoder::new(input);
    let mut out = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match decoder.read(&mut buffer) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(BodyError::Gzip(e)),
        };
        if n > limit.saturating_sub(out.len()) {
            return Err(BodyError::TooLarge { limit });
        }
        if out.capacity() - out.len() < n {
            // Grow by doubling, but never past the limit.
            let want = (out.capacity() * 2).max(out.len() + n).min(limit);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(buffer.get(..n).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn plain_bodies_pass_through_within_the_limit() {
        assert_eq!(decode_body(b"{}", None, 2).unwrap(), b"{}");
        assert_eq!(decode_body(b"{}", Some("identity"), 2).unwrap(), b"{}");
        assert!(matches!(
            decode_body(b"{}", None, 1),
            Err(BodyError::TooLarge { limit: 1 })
        ));
        assert_eq!(decode_body(b"", Some("gzip"), 0).unwrap(), b"");
        assert!(matches!(
            decode_body(b"{}", Some("br"), 100),
            Err(BodyError::UnsupportedEncoding(e)) if e == "br"
        ));
    }

    #[test]
    fn gzip_by_header_or_by_magic() {
        let data = b"{\"dataset\":\"speed\"}\n".repeat(100);
        let gz = gzip(&data);
        for encoding in [
            Some("gzip"),
            Some("GZIP"),
            Some("x-gzip"),
            None,
            Some("identity"),
        ] {
            assert_eq!(decode_body(&gz, encoding, data.len()).unwrap(), data);
        }
        assert!(matches!(
            decode_body(&gz, Some("gzip"), data.len() - 1),
            Err(BodyError::TooLarge { .. })
        ));
        // Two layers, and two concatenated members.
        assert_eq!(
            decode_body(&gzip(&gz), Some("gzip, gzip"), data.len()).unwrap(),
            data
        );
        let mut two = gzip(b"{\"a\":1}\n");
        two.extend(gzip(b"{\"a\":2}\n"));
        assert_eq!(
            decode_body(&two, Some("gzip"), 100).unwrap(),
            b"{\"a\":1}\n{\"a\":2}\n"
        );
    }

    #[test]
    fn broken_gzip_is_an_error() {
        let gz = gzip(b"{\"a\":1}\n");
        let cut = &gz[..gz.len() / 2];
        assert!(matches!(
            decode_body(cut, Some("gzip"), 1000),
            Err(BodyError::Gzip(_))
        ));
        assert!(matches!(
            decode_body(b"{\"not\":\"gzip\"}", Some("gzip"), 1000),
            Err(BodyError::Gzip(_))
        ));
        let err = decode_body(b"\x1f\x8bgarbage", None, 1000).unwrap_err();
        assert!(err.to_string().starts_with("the body is not valid gzip"));
    }
}
