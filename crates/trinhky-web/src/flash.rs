//! Post/redirect/get for every form: after a POST the browser is sent (303) to the page it came
//! from, and what the user should see there — the confirmation, or the refusal with everything
//! they had typed (never the PIN) — travels in a short-lived cookie read once by that page. A
//! reload then never resubmits, and a refused form keeps its text.
//!
//! The cookie holds JSON (message, fields, the page it is for), base64url, sealed with an
//! HMAC-SHA-256 keyed by the session's own secret (its CSRF token): another session, or anyone
//! who can plant a cookie, cannot make a page show their text. It lives 60 s, is HttpOnly,
//! SameSite=Strict, and is read only by the page it names. A flash too large for a cookie
//! (a very long text) is not sent: the handler then answers the page directly, as before.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::auth::{Auth, Via};
use crate::security::{cookie, read_cookie, secure};
use crate::state::AppState;

pub const FLASH_COOKIE: &str = "trinhky_flash";

/// The largest cookie value sent (browsers keep 4096 bytes per cookie, name and attributes
/// included).
const MAX_VALUE: usize = 3_600;

/// What the page shows after a form was handled.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// A confirmation (true) or a refusal (false).
    pub ok: bool,
    pub message: String,
    /// What the user typed, by field name (the page puts it back in its form).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The path of the page it is for.
    #[serde(default)]
    pub path: String,
}

impl Flash {
    pub fn ok(message: impl Into<String>) -> Flash {
        Flash {
            ok: true,
            message: message.into(),
            ..Flash::default()
        }
    }

    pub fn refused(message: impl Into<String>) -> Flash {
        Flash {
            ok: false,
            message: message.into(),
            ..Flash::default()
        }
    }

    /// Keeps a typed value for the page's form.
    pub fn keep(mut self, field: &str, value: Option<&str>) -> Flash {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.fields.insert(field.to_owned(), v.to_owned());
        }
        self
    }
}

fn session_key(auth: &Auth) -> Option<&str> {
    match &auth.via {
        Via::Session { csrf_token, .. } => Some(csrf_token),
        Via::Bearer => None,
    }
}

fn seal(auth: &Auth, flash: &Flash) -> Option<String> {
    let key = session_key(auth)?;
    let json = serde_json::to_vec(flash).ok()?;
    let body = URL_SAFE_NO_PAD.encode(&json);
    let tag = trinhky_app::auth::mac(key.as_bytes(), body.as_bytes()).ok()?;
    let value = format!("{body}.{tag}");
    (value.len() <= MAX_VALUE).then_some(value)
}

fn open(auth: &Auth, value: &str) -> Option<Flash> {
    let key = session_key(auth)?;
    let (body, tag) = value.rsplit_once('.')?;
    let want = trinhky_app::auth::mac(key.as_bytes(), body.as_bytes()).ok()?;
    if !trinhky_app::auth::mac_matches(&want, tag) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()
}

fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    secure(
        state.settings.secure_cookies,
        state.settings.base_url.as_deref(),
        headers,
    )
}

/// A 303 to `to` carrying `flash`; `None` when it does not fit in a cookie (or the caller has no
/// session), so the caller answers the page itself.
pub fn redirect(
    state: &AppState,
    headers: &HeaderMap,
    auth: &Auth,
    to: &str,
    mut flash: Flash,
) -> Option<Response> {
    flash.path = to.split(['?', '#']).next().unwrap_or(to).to_owned();
    let value = seal(auth, &flash)?;
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(FLASH_COOKIE, &value, 60, is_secure(state, headers)),
    );
    Some(res)
}

/// [`redirect`], or when the flash does not fit, `fallback` (which renders the page with it).
pub async fn redirect_or<F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    auth: &Auth,
    to: &str,
    flash: Flash,
    fallback: F,
) -> Result<Response, crate::error::WebError>
where
    F: FnOnce(Flash) -> Fut,
    Fut: std::future::Future<Output = Result<Response, crate::error::WebError>>,
{
    match redirect(state, headers, auth, to, flash.clone()) {
        Some(r) => Ok(r),
        None => fallback(flash).await,
    }
}

/// The flash for the page at `path`, if the request carries one sealed for this session.
pub fn take(headers: &HeaderMap, auth: &Auth, path: &str) -> Option<Flash> {
    let value = read_cookie(headers, FLASH_COOKIE)?;
    open(auth, &value).filter(|f| f.path == path)
}

/// Adds the `Set-Cookie` that removes the flash once a page showed it.
pub fn consumed(state: &AppState, headers: &HeaderMap, mut res: Response) -> Response {
    if read_cookie(headers, FLASH_COOKIE).is_some() {
        let sec = is_secure(state, headers);
        res.headers_mut()
            .append(header::SET_COOKIE, cookie(FLASH_COOKIE, "", 0, sec));
        if let Some(c) = crate::security::clear_unprefixed(FLASH_COOKIE, sec) {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
    }
    res
}
