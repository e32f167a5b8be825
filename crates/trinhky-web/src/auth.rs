//! Who is calling: the session cookie or an API bearer token, resolved once per request into an
//! [`Auth`] in the request extensions; extractors then demand it.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use trinhky_app::Principal;
use trinhky_app::auth::{bearer_principal, session_principal, token_hash};

use crate::error::{WebError, api_response};
use crate::security::{SESSION_COOKIE, read_cookie};
use crate::state::AppState;

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session; mutating requests must carry its CSRF token.
    Session {
        token_hash: String,
        csrf_token: String,
    },
    /// An API bearer token (not a cookie, so CSRF does not apply).
    Bearer,
}

#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Principal,
    pub via: Via,
}

impl Auth {
    pub fn csrf_token(&self) -> &str {
        match &self.via {
            Via::Session { csrf_token, .. } => csrf_token,
            Via::Bearer => "",
        }
    }

    /// Checks a submitted CSRF token against the session's.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), WebError> {
        match &self.via {
            Via::Bearer => Ok(()),
            Via::Session { csrf_token, .. } => {
                if submitted.is_some_and(|s| crate::security::tokens_match(s, csrf_token)) {
                    Ok(())
                } else {
                    Err(WebError::Csrf)
                }
            }
        }
    }
}

/// Middleware: resolves the caller, if any.
pub async fn resolve_principal(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let now = Utc::now();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let cookie_token = read_cookie(req.headers(), SESSION_COOKIE);
    let resolved: Result<Option<Auth>, WebError> = async {
        if let Some(token) = bearer {
            let Some(principal) = bearer_principal(&state.store, &token_hash(&token), now).await?
            else {
                return Err(WebError::Unauthenticated { api: true });
            };
            return Ok(Some(Auth {
                principal,
                via: Via::Bearer,
            }));
        }
        let Some(token) = cookie_token else {
            return Ok(None);
        };
        let hash = token_hash(&token);
        let ttl = Duration::minutes(state.settings.session_ttl_minutes);
        let Some(session) = session_principal(&state.store, &hash, now, ttl).await? else {
            return Ok(None);
        };
        Ok(Some(Auth {
            principal: session.principal,
            via: Via::Session {
                token_hash: hash,
                csrf_token: session.csrf_token,
            },
        }))
    }
    .await;
    match resolved {
        Ok(Some(auth)) => {
            req.extensions_mut().insert(auth);
        }
        Ok(None) => {}
        Err(e) => {
            if req.uri().path().starts_with("/api/") {
                return api_response(e);
            }
            return e.into_response();
        }
    }
    next.run(req).await
}

/// Extractor for pages: a logged-in user, or a redirect to the login form.
pub struct User(pub Auth);

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .map(User)
            .ok_or(WebError::Unauthenticated { api: false })
    }
}

/// Extractor for the API: a session or bearer token, or 401 JSON.
pub struct ApiUser(pub Auth);

/// An API error response.
pub struct ApiError(pub WebError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        api_response(self.0)
    }
}

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .map(ApiUser)
            .ok_or(ApiError(WebError::Unauthenticated { api: true }))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        crate::error::page_response(self, crate::render::Templates::global())
    }
}
