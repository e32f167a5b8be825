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
mod follow_up;
mod incoming;
mod intake;
mod openapi;
mod pages;
pub mod paging;
mod render;
mod security;
mod state;
mod tokens;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
pub use state::AppState;
use tokio::net::TcpListener;
use trinhky_app::Settings;
use trinhky_store::Store;

/// Builds the router with every route and middleware.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
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
        .merge(drafting::api_routes(&state))
        .merge(admin::api_routes())
        .merge(tokens::api_routes())
        .fallback(api::not_found);
    Router::new()
        .route("/", get(pages::home))
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
        .merge(drafting::routes(&state))
        .merge(admin::page_routes())
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(error::rejections))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_principal,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Builds the state from settings and an open store.
pub fn state(
    settings: Arc<Settings>,
    store: Store,
    registry: Arc<trinhky_app::registry::Registry>,
) -> AppState {
    AppState::new(settings, store, registry)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
