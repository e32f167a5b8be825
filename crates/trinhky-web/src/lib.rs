//! trinhky-web: the HTTP face of trinhky — axum router, sessions, CSRF, server-rendered pages in
//! Vietnamese and the JSON API. It contains no business rules: handlers translate requests into
//! use-case calls (`trinhky-app`) and results into responses. This is the only crate that knows
//! HTTP status codes (see [`error::WebError`]).

mod admin;
mod api;
mod auth;
mod dates;
mod delegations;
mod delivery;
mod documents;
mod drafting;
pub mod error;
mod flash;
mod follow_up;
mod incoming;
mod intake;
mod my_work;
mod openapi;
mod pages;
pub mod paging;
mod recipients;
mod render;
mod security;
pub mod server;
mod state;
mod tokens;
mod url;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodRouter, get, post};
pub use state::AppState;
use tokio::net::TcpListener;

/// A router under construction that keeps the path of every route added to it, so that the
/// application's routes can be listed from the router itself ([`route_paths`]): a test holds
/// the access policy of each, and a route added without one fails it.
pub(crate) struct Routes {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    pub(crate) fn route(mut self, path: &str, method_router: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method_router);
        self.paths.push(path.to_owned());
        self
    }

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    pub(crate) fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.paths
            .extend(other.paths.into_iter().map(|p| format!("{prefix}{p}")));
        self
    }

    /// Applies `f` to the router (a fallback, a route layer); the routes stay as they are.
    pub(crate) fn map(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }
}

/// Every route path the router serves (`/documents/{id}`, `/api/v1/me` …), as registered; the
/// methods of each are in the `Allow` header of a 405 answer.
pub fn route_paths(state: &AppState) -> Vec<String> {
    routes(state).paths
}

/// Builds the router with every route and middleware.
pub fn router(state: AppState) -> Router {
    with_middleware(routes(&state).router.fallback(pages::not_found), state)
}

/// Puts the middleware of every route around `routes` (tests wrap routes of their own in the same
/// stack).
pub fn with_middleware(routes: Router<AppState>, state: AppState) -> Router {
    let limits = state.settings.server.clone();
    let hsts = security::Hsts::for_base_url(state.settings.base_url.as_deref());
    routes
        // Outermost last. From the outside in: the client's X-Request-Id is vetted, kept or
        // made, and echoed; the request gets its span and id for the error pages; security
        // headers go on every answer (errors included); the request timeout; a panic becomes
        // the 500 page with the request id; then the caller is resolved and axum's rejections
        // get Vietnamese pages.
        .layer(axum::middleware::from_fn(error::rejections))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_principal,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server::Timeouts::from(&limits),
            server::timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            hsts,
            security::headers,
        ))
        .layer(axum::middleware::from_fn(server::request_context))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            server::NewRequestId,
        ))
        .layer(axum::middleware::from_fn(server::drop_unusable_request_id))
        // Forms and JSON; the upload routes set their own, larger limits.
        .layer(axum::extract::DefaultBodyLimit::max(limits.body_max_bytes))
        .with_state(state)
}

/// The routes of the application, pages and `/api/v1`.
fn routes(state: &AppState) -> Routes {
    let api = Routes::new()
        .route("/me", get(api::me))
        .route("/agencies", get(api::agencies))
        .route(
            "/agencies/{code}/members",
            get(api::members).post(api::add_member),
        )
        .route("/documents", get(documents::api_inbox))
        .route(
            "/documents/{id}",
            get(documents::api_get).put(documents::api_edit),
        )
        .route("/documents/{id}/actions/{action}", post(documents::api_act))
        .route(
            "/documents/{id}/classification",
            post(documents::api_classify),
        )
        .route("/assignments/{id}/documents", post(documents::api_create))
        .route("/documents/{id}/receipts", get(incoming::api_receipts))
        .route("/documents/{id}/deliveries", get(delivery::api_list))
        .route(
            "/documents/{id}/deliveries/{message}/resend",
            post(delivery::api_resend),
        )
        .route("/documents/{id}/issue-preview", get(delivery::api_preview))
        .route("/documents/{id}/recall", post(incoming::api_recall))
        .route("/directives/{id}/follow-up", get(follow_up::api_get))
        .route(
            "/directives/{id}/follow-up/{assignment_id}/remind",
            post(follow_up::api_remind),
        )
        .route("/incoming", get(incoming::api_list))
        .route("/incoming/{id}", get(incoming::api_get))
        .route("/incoming/{id}/{action}", post(incoming::api_act))
        .route("/registers/{kind}", get(incoming::api_register))
        .route("/archive", get(incoming::api_archive))
        // API parity with the pages (issue #8): every page action has its operation here.
        .route("/groups", get(api::groups))
        .route("/assignments", get(api::assignments))
        .route("/my-tasks", get(my_work::api_tasks))
        .route("/my-documents", get(my_work::api_documents))
        .route(
            "/directives",
            get(api::directives)
                .post(api::upload_directive)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/directives/{id}", get(api::directive))
        .route("/directives/{id}/confirm", post(api::confirm_directive))
        .route("/documents/{id}/reassign", post(api::reassign))
        .route("/documents/{id}/pdf", get(api::document_pdf))
        .route("/documents/{id}/preview/{page}", get(api::document_preview))
        .route("/incoming/{id}/pdf", get(api::incoming_pdf))
        .route(
            "/delegations",
            get(delegations::api_list).post(delegations::api_create),
        )
        .route("/delegations/{id}/revoke", post(delegations::api_revoke))
        .route("/openapi.json", get(openapi::document))
        .merge(drafting::api_routes(state))
        .merge(recipients::api_routes())
        .merge(admin::api_routes())
        .merge(tokens::api_routes())
        .map(|r| r.fallback(api::not_found));
    Routes::new()
        .route("/", get(my_work::home))
        .route("/my-documents", get(my_work::documents_page))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/directory", get(pages::directory))
        .route("/agencies/{code}", get(pages::agency))
        .route("/agencies/{code}/users", post(pages::agency_add_user))
        .route(
            "/directives",
            get(intake::list)
                .post(intake::upload)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/directives/{id}", get(intake::show))
        .route("/directives/{id}/confirm", post(intake::confirm))
        .route("/directives/{id}/follow-up", get(follow_up::show_page))
        .route(
            "/directives/{id}/follow-up/{assignment_id}/remind",
            post(follow_up::remind),
        )
        .route("/documents/{id}", get(documents::show))
        .route("/documents/{id}/edit", post(documents::edit))
        .route("/documents/{id}/act/{action}", post(documents::act))
        .route("/documents/{id}/reassign", post(documents::reassign))
        .route("/documents/{id}/classification", post(documents::classify))
        .route("/documents/{id}/preview/{page}", get(documents::preview))
        .route("/documents/{id}/pdf", get(documents::pdf))
        .route("/assignments/{id}/documents", post(documents::create))
        .route("/documents/{id}/recall", post(incoming::recall))
        .route(
            "/documents/{id}/deliveries/{message}/resend",
            post(delivery::resend),
        )
        .route("/incoming", get(incoming::list))
        .route("/incoming/{id}", get(incoming::show))
        .route("/incoming/{id}/pdf", get(incoming::pdf))
        .route("/incoming/{id}/act/{action}", post(incoming::act))
        .route("/registers/{kind}", get(incoming::register))
        .route("/archive", get(incoming::archive))
        .route(
            "/delegations",
            get(delegations::show).post(delegations::create),
        )
        .route("/delegations/{id}/revoke", post(delegations::revoke))
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/static/{file}", get(pages::static_file))
        .merge(drafting::routes(state))
        .merge(recipients::routes())
        .merge(admin::page_routes())
        .nest("/api/v1", api)
}

/// The state of the handlers for a built application.
pub fn state(app: Arc<trinhky_app::App>) -> AppState {
    AppState::new(app)
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish within the grace period
/// (`TRINHKY_SHUTDOWN_GRACE_SECS`). Timeouts and limits come from the settings' `server` part; see
/// [`server`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.settings.server.clone();
    server::serve_router(listener, router(state), &limits, shutdown).await
}
