//! What every request passes before its handler: the key and the rate limit for Orb's paths, the
//! admin token for `/_sandbox`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ErrorBody;
use crate::shared::Shared;

fn peer_ip(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Authentication and rate limiting for Orb's paths; rate-limit headers on every answer.
pub(super) async fn orb_guard(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = peer_ip(&req);
    let auth = shared
        .keys
        .authenticate(req.headers(), peer, shared.clock.now_ms());
    let client = match &auth {
        Ok(k) => format!("key:{}", k.id),
        Err(_) => format!("ip:{}", peer.map(|p| p.to_string()).unwrap_or_default()),
    };
    let decision = shared.limiter.check(&client);
    let mut resp = match (decision, auth) {
        (Some(d), _) if !d.allowed => {
            let mut e = ErrorBody::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!(
                    "Too many requests: this API key may make {} requests in a burst; retry after {} s",
                    d.limit, d.retry_after_secs
                ),
            );
            e.retry_after = Some(d.retry_after_secs);
            e.into_response()
        }
        (_, Err(e)) => e.into_response(),
        (_, Ok(key)) => {
            req.extensions_mut().insert(key);
            next.run(req).await
        }
    };
    if let Some(d) = decision {
        let h = resp.headers_mut();
        h.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(d.reset_secs));
    }
    resp
}

/// The admin token (or the `--api-key` key) for `/_sandbox/*`.
pub(super) async fn admin_guard(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    match crate::auth::bearer(req.headers()) {
        Ok(t) if t == shared.admin_token || t == shared.api_key => next.run(req).await,
        Ok(_) => ErrorBody::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_ADMIN_TOKEN",
            "The /_sandbox API needs the admin token printed at start-up (or the --api-key key)",
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}
