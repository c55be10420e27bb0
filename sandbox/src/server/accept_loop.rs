//! Accepts connections and serves them, injecting faults (latency, 503, dropped connections)
//! before the router sees a request; drains connections on shutdown.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::router::router;
use crate::error::ErrorBody;
use crate::faults::Fate;
use crate::shared::Shared;

/// The error that makes hyper close a connection without answering (an injected drop).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct Dropped;

/// Serves until `shared.shutdown` is cancelled, then drains connections (at most 5 s).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;

    let router = router(shared.clone());
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of descriptors and the like: wait a little instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::select! {
                    _ = shared.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let shared2 = shared.clone();
        let svc =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let router = router.clone();
                let shared = shared2.clone();
                async move {
                    if !req.uri().path().starts_with("/_sandbox") {
                        let (latency, fate) = shared.faults.next();
                        if !latency.is_zero() {
                            tokio::select! {
                                _ = shared.shutdown.cancelled() => {}
                                _ = tokio::time::sleep(latency) => {}
                            }
                        }
                        match fate {
                            Fate::Drop => return Err(Dropped),
                            Fate::Fail => return Ok(ErrorBody::new(
                                StatusCode::SERVICE_UNAVAILABLE,
                                "SERVICE_UNAVAILABLE",
                                "Service temporarily unavailable, please retry (injected fault)",
                            )
                            .into_response()),
                            Fate::Answer => {}
                        }
                    }
                    let mut req = req.map(Body::new);
                    req.extensions_mut().insert(ConnectInfo(peer));
                    let resp: Result<Response, Infallible> = router.oneshot(req).await;
                    match resp {
                        Ok(r) => Ok(r),
                        Err(never) => match never {},
                    }
                }
            });
        let conn = Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
}
