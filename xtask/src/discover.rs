//! Finding the OpenAPI document behind an HTML documentation page (Swagger UI, swaggo, Redoc,
//! Scalar, RapiDoc, Stoplight Elements): Orb's default source, `/api/v1/docs`, is such a page.

use url::Url;

/// True when the body is an HTML page rather than a JSON or YAML document.
pub fn is_html(body: &[u8], content_type: Option<&str>) -> bool {
    if let Some(ct) = content_type {
        let ct = ct.to_ascii_lowercase();
        if ct.contains("text/html") || ct.contains("application/xhtml") {
            return true;
        }
        if ct.contains("json") || ct.contains("yaml") {
            return false;
        }
    }
    let head: String = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    ["<!doctype html", "<html", "<head", "<body", "<!--"]
        .iter()
        .any(|p| head.starts_with(p))
}

/// Candidate document URLs in a page or script, resolved against `base`, best first.
pub fn spec_urls(text: &str, base: &Url) -> Vec<Url> {
    let mut found: Vec<String> = Vec::new();
    // Explicit configuration first.
    for attr in [
        "spec-url",
        "data-url",
        "apiDescriptionUrl",
        "apidescriptionurl",
    ] {
        found.extend(attribute_values(text, attr));
    }
    for key in ["url", "specUrl", "spec_url"] {
        found.extend(js_values(text, key));
    }
    for call in ["Redoc.init(", "Redoc.init ("] {
        let mut rest = text;
        while let Some(i) = rest.find(call) {
            rest = &rest[i + call.len()..];
            if let Some(v) = leading_string(rest.trim_start()) {
                found.push(v);
            }
        }
    }
    // Then anything that looks like a document.
    const ENDINGS: [&str; 8] = [
        "openapi.json",
        "openapi.yaml",
        "openapi.yml",
        "swagger.json",
        "swagger.yaml",
        "doc.json",
        "/openapi",
        "api-docs",
    ];
    for s in quoted_strings(text) {
        let lower = s.to_ascii_lowercase();
        let path = lower.split(['?', '#']).next().unwrap_or("");
        if ENDINGS.iter().any(|e| path.ends_with(e)) {
            found.push(s);
        }
    }
    let mut out: Vec<Url> = Vec::new();
    for f in found {
        let f = decode_entities(f.trim());
        let lower = f.to_ascii_lowercase();
        if f.is_empty()
            || lower.starts_with("javascript:")
            || lower.starts_with("data:")
            || lower.starts_with('#')
        {
            continue;
        }
        if let Ok(u) = base.join(&f) {
            if !out.contains(&u) && matches!(u.scheme(), "http" | "https" | "file") {
                out.push(u);
            }
        }
    }
    out
}

/// Scripts the page loads, initializers first.
pub fn script_urls(html: &str, base: &Url) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    let mut rest = html;
    while let Some(i) = find_ci(rest, "<script") {
        rest = &rest[i + 7..];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        if let Some(src) = attribute_values(&rest[..tag_end], "src").into_iter().next() {
            if let Ok(u) = base.join(&decode_entities(&src)) {
                if !out.contains(&u) {
                    out.push(u);
                }
            }
        }
    }
    let bundle = |u: &Url| {
        let p = u.path().to_ascii_lowercase();
        p.contains("bundle") || p.contains("standalone") || p.ends_with(".min.js")
    };
    let (mut first, rest): (Vec<Url>, Vec<Url>) = out.into_iter().partition(|u| !bundle(u));
    first.extend(rest);
    first
}

/// A document embedded in the page: Scalar's JSON script or `data-configuration` content, or
/// Redoc's `__redoc_state`.
pub fn inline_spec(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(i) = find_ci(rest, "<script") {
        rest = &rest[i..];
        let tag_end = rest.find('>')?;
        let tag = &rest[..tag_end];
        let body_end = find_ci(&rest[tag_end..], "</script")? + tag_end;
        let body = rest[tag_end + 1..body_end].trim();
        if tag.contains("api-reference") && tag.contains("application/json") && is_document(body) {
            return Some(body.to_string());
        }
        for config in attribute_values(tag, "data-configuration") {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&decode_entities(&config)) {
                for p in ["/content", "/spec/content"] {
                    match v.pointer(p) {
                        Some(serde_json::Value::String(s)) if is_document(s) => {
                            return Some(s.clone())
                        }
                        Some(o @ serde_json::Value::Object(_)) if is_document(&o.to_string()) => {
                            return Some(o.to_string())
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(j) = body.find("__redoc_state") {
            let after = &body[j..];
            if let Some(k) = after.find('{') {
                let mut de = serde_json::Deserializer::from_str(&after[k..])
                    .into_iter::<serde_json::Value>();
                if let Some(Ok(state)) = de.next() {
                    if let Some(data) = state.pointer("/spec/data") {
                        return Some(data.to_string());
                    }
                }
            }
        }
        rest = &rest[body_end..];
    }
    None
}

fn is_document(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .is_some_and(|v| v.get("openapi").is_some() || v.get("swagger").is_some())
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

/// Values of `name="..."` / `name='...'` attributes.
fn attribute_values(text: &str, name: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let pattern = format!("{}=", name.to_ascii_lowercase());
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&pattern) {
        let start = from + i;
        from = start + pattern.len();
        let before = lower[..start].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        if let Some(v) = leading_string(&text[from..]) {
            out.push(v);
        }
    }
    out
}

/// Values of `key: "..."` and `key = "..."` in JavaScript.
fn js_values(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(key) {
        let start = from + i;
        from = start + key.len();
        let before = text[..start].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
            continue;
        }
        let after = text[from..].trim_start_matches(['"', '\'']).trim_start();
        let Some(after) = after.strip_prefix(':').or_else(|| after.strip_prefix('=')) else {
            continue;
        };
        if let Some(v) = leading_string(after.trim_start()) {
            out.push(v);
        }
    }
    out
}

/// The string literal at the start of `text`, if any.
fn leading_string(text: &str) -> Option<String> {
    let quote = text
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let body = &text[1..];
    let end = body.find(quote)?;
    Some(body[..end].to_string())
}

fn quoted_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '"' | '\'') {
            if let Some(end) = text[i + 1..].find(c) {
                let s = &text[i + 1..i + 1 + end];
                if s.len() < 2048 && !s.contains('\n') {
                    out.push(s.to_string());
                }
                while chars.peek().is_some_and(|(j, _)| *j <= i + 1 + end) {
                    chars.next();
                }
            }
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://panel.orb.net/api/v1/docs").unwrap()
    }

    fn urls(text: &str) -> Vec<String> {
        spec_urls(text, &base())
            .into_iter()
            .map(|u| u.to_string())
            .collect()
    }

    #[test]
    fn swagger_ui_and_swaggo() {
        assert_eq!(
            urls(
                r#"<script>window.ui = SwaggerUIBundle({ url: "doc.json", dom_id: '#swagger-ui' })</script>"#
            ),
            ["https://panel.orb.net/api/v1/doc.json"]
        );
        assert_eq!(
            urls(
                r#"const ui = SwaggerUIBundle({urls: [{url: "/a/openapi.json", name: "A"}, {url: 'https://x.test/b.yaml', name: "B"}]})"#
            ),
            [
                "https://panel.orb.net/a/openapi.json",
                "https://x.test/b.yaml"
            ]
        );
        assert_eq!(
            urls("window.onload = () => { let url = \"/api/v1/swagger.json\"; }"),
            ["https://panel.orb.net/api/v1/swagger.json"]
        );
    }

    #[test]
    fn redoc_scalar_rapidoc_elements() {
        assert_eq!(
            urls(r#"<redoc spec-url="/openapi.yaml?v=1&amp;x=2"></redoc>"#),
            ["https://panel.orb.net/openapi.yaml?v=1&x=2"]
        );
        assert_eq!(
            urls("<script>Redoc.init('/spec.json', {}, el)</script>"),
            ["https://panel.orb.net/spec.json"]
        );
        assert_eq!(
            urls(r#"<script id="api-reference" data-url="./openapi.json"></script>"#),
            ["https://panel.orb.net/api/v1/openapi.json"]
        );
        assert_eq!(
            urls(r#"<rapi-doc spec-url = "/r.json"></rapi-doc>"#.replace(" = ", "=").as_str()),
            ["https://panel.orb.net/r.json"]
        );
        assert_eq!(
            urls(r#"<elements-api apiDescriptionUrl="https://h.test/e.json" router="hash" />"#),
            ["https://h.test/e.json"]
        );
    }

    #[test]
    fn inline_documents() {
        let scalar = r#"<script id="api-reference" type="application/json">{"openapi":"3.1.0","paths":{}}</script>"#;
        assert_eq!(
            inline_spec(scalar).as_deref(),
            Some(r#"{"openapi":"3.1.0","paths":{}}"#)
        );
        let redoc = r#"<script>const __redoc_state = {"spec":{"data":{"swagger":"2.0","paths":{}}}};</script>"#;
        assert!(inline_spec(redoc).unwrap().contains("\"swagger\":\"2.0\""));
        assert_eq!(
            inline_spec("<html><script>var x = 1;</script></html>"),
            None
        );
    }

    #[test]
    fn scripts_initializers_first() {
        let page = r#"<script src="./swagger-ui-bundle.js"></script><script src="./swagger-initializer.js" charset="UTF-8"></script>"#;
        let got: Vec<String> = script_urls(page, &base())
            .into_iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "https://panel.orb.net/api/v1/swagger-initializer.js",
                "https://panel.orb.net/api/v1/swagger-ui-bundle.js"
            ]
        );
    }

    #[test]
    fn pages_without_a_spec_and_garbage() {
        assert!(urls(
            "<html><body><a href=\"javascript:void(0)\">x</a><h1>Hello</h1></body></html>"
        )
        .is_empty());
        let garbage =
            String::from_utf8_lossy(&[0xff, 0xfe, b'<', b'"', 0x00, b'\'', b'u', b'r', b'l', b':'])
                .into_owned();
        let _ = urls(&garbage);
        let _ = inline_spec(&garbage);
        let _ = script_urls("<script src=", &base());
        let _ = urls("url: \"");
    }

    #[test]
    fn html_detection() {
        assert!(is_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>", None));
        assert!(is_html(b"<html>", Some("text/html; charset=utf-8")));
        assert!(!is_html(b"{\"openapi\": \"3.0.3\"}", None));
        assert!(!is_html(b"openapi: 3.0.3", None));
        assert!(is_html(b"{}", Some("text/html")));
        assert!(!is_html(b"<html>", Some("application/json")));
    }
}
