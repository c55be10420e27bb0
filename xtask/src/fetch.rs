//! Obtaining the upstream document: from a file or a URL, following an HTML documentation page
//! (Swagger UI, Redoc, Scalar, ...) to the document it shows.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::discover;

/// Largest document or page accepted: Orb's document is tens of kilobytes.
const MAX_BYTES: usize = 50 * 1024 * 1024;
/// How many candidate links of a documentation page are tried before giving up.
const MAX_CANDIDATES: usize = 12;

/// Serialization of the upstream document, which decides the file name `spec/upstream.{json,yaml}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

/// The upstream document as obtained.
#[derive(Debug)]
pub struct Obtained {
    /// The bytes exactly as served.
    pub bytes: Vec<u8>,
    /// The parsed document.
    pub doc: Value,
    /// JSON or YAML.
    pub format: Format,
    /// Where the document itself was read from (after following a documentation page).
    pub document_url: String,
}

/// Why no document could be obtained.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connection, DNS, TLS or timeout failure.
    #[error("could not fetch {url}: {reason}")]
    Network {
        /// What was fetched.
        url: String,
        /// What went wrong, from reqwest.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// What was fetched.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// A local file could not be read.
    #[error("could not read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The source is neither a file path nor an http(s) URL.
    #[error("{0} is neither a file nor an http(s) URL")]
    BadSource(String),
    /// The answer is larger than any plausible spec.
    #[error("{url} is larger than {} MB: not an OpenAPI document", MAX_BYTES / (1024 * 1024))]
    TooLarge {
        /// What was fetched.
        url: String,
    },
    /// The answer is not an OpenAPI or Swagger document.
    #[error("{url} is not an OpenAPI document: {why}")]
    NotASpec {
        /// What was fetched.
        url: String,
        /// What it is instead.
        why: String,
    },
    /// An HTML page that shows no document we could find.
    #[error("{url} is an HTML page, but no OpenAPI document could be found through it ({tried})")]
    NoSpecInPage {
        /// The page.
        url: String,
        /// What was tried.
        tried: String,
    },
}

/// Obtain the document from `source`: a file path, a `file://` URL, or an http(s) URL of the
/// document or of an HTML page that shows it.
pub fn obtain(source: &str) -> Result<Obtained, FetchError> {
    let url = source_url(source)?;
    let client = reqwest::blocking::Client::builder()
        .user_agent(concat!("orb-cloud-xtask/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| FetchError::Network {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
    let (bytes, content_type) = load(&client, &url)?;
    if !discover::is_html(&bytes, content_type.as_deref()) {
        return as_document(bytes, &url);
    }
    let html = String::from_utf8_lossy(&bytes).into_owned();
    if let Some(inline) = discover::inline_spec(&html) {
        if let Ok(found) = as_document(inline.into_bytes(), &url) {
            return Ok(found);
        }
    }
    let mut tried = Vec::new();
    let mut candidates = discover::spec_urls(&html, &url);
    if candidates.is_empty() {
        for script in discover::script_urls(&html, &url)
            .into_iter()
            .take(MAX_CANDIDATES)
        {
            if let Ok((js, _)) = load(&client, &script) {
                candidates.extend(discover::spec_urls(&String::from_utf8_lossy(&js), &script));
            }
            tried.push(format!("script {script}"));
        }
    }
    candidates.dedup();
    for candidate in candidates.into_iter().take(MAX_CANDIDATES) {
        match load(&client, &candidate).and_then(|(b, _)| as_document(b, &candidate)) {
            Ok(found) => return Ok(found),
            Err(e) => tried.push(e.to_string()),
        }
    }
    if tried.is_empty() {
        tried.push("the page links to no document and loads no script that names one".into());
    }
    Err(FetchError::NoSpecInPage {
        url: url.to_string(),
        tried: tried.join("; "),
    })
}

/// Parse bytes as a JSON or YAML OpenAPI/Swagger document.
pub fn parse_document(bytes: &[u8], url: &str) -> Result<(Value, Format), FetchError> {
    let not_a_spec = |why: String| FetchError::NotASpec {
        url: url.to_string(),
        why,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| not_a_spec("it is not UTF-8 text".into()))?;
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(not_a_spec("it is empty".into()));
    }
    let (doc, format) = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let doc = serde_json::from_str::<Value>(text)
            .map_err(|e| not_a_spec(format!("invalid JSON ({e})")))?;
        (doc, Format::Json)
    } else {
        let doc = serde_yaml::from_str::<Value>(text)
            .map_err(|e| not_a_spec(format!("neither JSON nor valid YAML ({e})")))?;
        (doc, Format::Yaml)
    };
    let Some(object) = doc.as_object() else {
        return Err(not_a_spec(format!(
            "the top level is {}, not a mapping",
            kind(&doc)
        )));
    };
    if !object.contains_key("openapi") && !object.contains_key("swagger") {
        return Err(not_a_spec(
            "it has no `openapi` or `swagger` version field".into(),
        ));
    }
    Ok((doc, format))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn as_document(bytes: Vec<u8>, url: &Url) -> Result<Obtained, FetchError> {
    let shown = display_url(url);
    let (doc, format) = parse_document(&bytes, &shown)?;
    Ok(Obtained {
        bytes,
        doc,
        format,
        document_url: shown,
    })
}

/// Files are shown as paths, URLs as URLs.
fn display_url(url: &Url) -> String {
    if url.scheme() == "file" {
        url.to_file_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| url.to_string())
    } else {
        url.to_string()
    }
}

fn source_url(source: &str) -> Result<Url, FetchError> {
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("file://")
    {
        return Url::parse(source).map_err(|_| FetchError::BadSource(source.to_string()));
    }
    let path = std::path::Path::new(source);
    let absolute = std::fs::canonicalize(path).map_err(|e| FetchError::Io {
        path: source.to_string(),
        source: e,
    })?;
    Url::from_file_path(&absolute).map_err(|_| FetchError::BadSource(source.to_string()))
}

/// Read a URL (http, https or file) with the size cap. Returns the bytes and the Content-Type.
fn load(
    client: &reqwest::blocking::Client,
    url: &Url,
) -> Result<(Vec<u8>, Option<String>), FetchError> {
    match url.scheme() {
        "file" => {
            let path = url
                .to_file_path()
                .map_err(|_| FetchError::BadSource(url.to_string()))?;
            let shown = path.display().to_string();
            let meta = std::fs::metadata(&path).map_err(|e| FetchError::Io {
                path: shown.clone(),
                source: e,
            })?;
            if meta.len() > MAX_BYTES as u64 {
                return Err(FetchError::TooLarge { url: shown });
            }
            let bytes = std::fs::read(&path).map_err(|e| FetchError::Io {
                path: shown,
                source: e,
            })?;
            Ok((bytes, None))
        }
        "http" | "https" => {
            let network = |e: reqwest::Error| FetchError::Network {
                url: url.to_string(),
                reason: error_chain(&e),
            };
            let response = client.get(url.clone()).send().map_err(network)?;
            let status = response.status();
            if !status.is_success() {
                return Err(FetchError::Status {
                    url: url.to_string(),
                    status: status.as_u16(),
                });
            }
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BYTES as u64)
            {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                });
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let mut bytes = Vec::new();
            use std::io::Read;
            response
                .take(MAX_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| FetchError::Network {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
            if bytes.len() > MAX_BYTES {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                });
            }
            Ok((bytes, content_type))
        }
        _ => Err(FetchError::BadSource(url.to_string())),
    }
}

/// reqwest's Display is terse ("error sending request"); the causes say what actually happened.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_documents_parse() {
        let (doc, f) = parse_document(br#"{"openapi":"3.0.3","paths":{}}"#, "x").unwrap();
        assert_eq!((doc["openapi"].as_str(), f), (Some("3.0.3"), Format::Json));
        let (doc, f) = parse_document(b"swagger: '2.0'\npaths: {}\n", "x").unwrap();
        assert_eq!((doc["swagger"].as_str(), f), (Some("2.0"), Format::Yaml));
    }

    #[test]
    fn garbage_is_not_a_spec_with_a_reason() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "it is empty"),
            (b"{\"openapi\": \"3.0.3\", \"paths\": {", "invalid JSON"),
            (b"[1, 2]", "the top level is a list"),
            (b"just: [unclosed", "neither JSON nor valid YAML"),
            (b"title: nothing", "no `openapi` or `swagger`"),
            (&[0xff, 0xfe, 0x00], "not UTF-8"),
        ];
        for (bytes, want) in cases {
            let err = parse_document(bytes, "http://h/doc")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("http://h/doc is not an OpenAPI document: "),
                "{err}"
            );
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn missing_file_is_a_clear_error() {
        let err = obtain("/definitely/not/here.yaml").unwrap_err().to_string();
        assert!(
            err.starts_with("could not read /definitely/not/here.yaml"),
            "{err}"
        );
    }
}
