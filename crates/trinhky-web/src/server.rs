//! The HTTP server: our own accept loop over hyper, so that slow and hostile clients cannot
//! exhaust it, and the middleware that names every request.
//!
//! - **Header timeout.** hyper applies `header_read_timeout` only with a timer, which
//!   `axum::serve` does not set. Here every connection gets [`TokioTimer`]: a client that does not
//!   finish its request headers in time is disconnected, and so is a keep-alive connection that
//!   stays idle that long (hyper starts the same timer when it waits for the next request).
//! - **Connection limit.** A connection takes a permit before it is accepted; at the limit the
//!   loop stops accepting and clients wait in the kernel's backlog.
//! - **Graceful shutdown with a deadline.** On shutdown idle connections close at once, requests
//!   in flight get [`ServerSettings::shutdown_grace`], then whatever is left is dropped.
//! - **Request ids.** `X-Request-Id` is taken from the client when it is a short token, made
//!   here otherwise, echoed in the response, carried by the request's tracing span and shown on
//!   the 5xx pages.
//! - **Request timeout.** A request (body included) that takes longer than
//!   [`ServerSettings::request_timeout`] (uploads: `upload_timeout`) is answered 503 with the
//!   Vietnamese error page or the API's JSON error.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Instrument;
use trinhky_app::settings::ServerSettings;

use crate::error::{self, RequestContext, WebError};

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

/// Serves `app` on `listener` until `shutdown` resolves, with the limits of `limits`; then lets
/// requests in flight finish for at most `limits.shutdown_grace`.
pub async fn serve_router(
    listener: TcpListener,
    app: Router,
    limits: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break, // never closed
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Reap finished connections so the set stays as large as the open ones.
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req)
            });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    let open = connections.len();
    tracing::info!(
        connections = open,
        grace_secs = limits.shutdown_grace.as_secs(),
        "closing idle connections; requests in flight may finish"
    );
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            "requests still running at the end of the shutdown grace period are dropped"
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// Request ids made here: 16 hex digits, like the ones the 5xx pages always showed.
#[derive(Clone, Copy, Debug, Default)]
pub struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&error::new_request_id())
            .ok()
            .map(RequestId::new)
    }
}

/// A client's `X-Request-Id` is kept when it is a plain token (letters, digits, `-`, `_`, `.`,
/// at most 64); anything else is dropped and replaced by a fresh id, so that logs and pages never
/// carry what a client chose to put there.
pub async fn drop_unusable_request_id(mut req: Request, next: Next) -> Response {
    let usable = req.headers().get(REQUEST_ID).is_none_or(|v| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    });
    if !usable {
        req.headers_mut().remove(REQUEST_ID);
    }
    next.run(req).await
}

/// Runs the request inside a tracing span that carries its id, method and path, with the id
/// readable by the error pages (see [`error::with_request`]).
pub async fn request_context(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map_or_else(error::new_request_id, str::to_owned);
    let api = req.uri().path().starts_with("/api/");
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    error::with_request(RequestContext { id, api }, next.run(req))
        .instrument(span)
        .await
}

/// How long a request may take.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub request: Duration,
    pub upload: Duration,
}

impl From<&ServerSettings> for Timeouts {
    fn from(s: &ServerSettings) -> Self {
        Timeouts {
            request: s.request_timeout,
            upload: s.upload_timeout,
        }
    }
}

/// Answers 503 (Vietnamese page or JSON, with the request id) when the request takes longer than
/// allowed. Uploads (multipart bodies) get the longer upload timeout. The handler is dropped:
/// an open transaction rolls back; work already on the CPU pool finishes there, holding its
/// permit, so the pool stays bounded.
pub async fn timeout(State(t): State<Timeouts>, req: Request, next: Next) -> Response {
    let upload = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/"));
    let limit = if upload { t.upload } else { t.request };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => error::answer(WebError::Timeout(limit.as_secs())),
    }
}
