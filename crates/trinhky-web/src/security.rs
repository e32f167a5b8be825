//! Security headers, cookies and CSRF comparison.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use trinhky_app::settings::SecureCookies;

pub const SESSION_COOKIE: &str = "trinhky_session";
pub const LOGIN_CSRF_COOKIE: &str = "trinhky_login_csrf";

/// The prefix a Secure cookie gets: the browser then accepts it only from a secure origin, with
/// `Path=/` and no `Domain`, so a sibling subdomain or a plain-HTTP page cannot plant or shadow it.
pub const HOST_PREFIX: &str = "__Host-";

/// HSTS for a site whose public URL is https: one year, this host only (other hosts of the
/// province's domain may still serve plain HTTP).
pub const HSTS: &str = "max-age=31536000";

/// Whether responses carry `Strict-Transport-Security` (the base URL is https).
#[derive(Clone, Copy, Debug)]
pub struct Hsts(pub bool);

impl Hsts {
    pub fn for_base_url(base_url: Option<&str>) -> Hsts {
        Hsts(base_url.is_some_and(|u| u.starts_with("https://")))
    }
}

/// Adds the headers every response carries: no framing, no sniffing, same-origin assets only, and
/// HSTS when the site is served over https.
pub async fn headers(State(hsts): State<Hsts>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if hsts.0 {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Whether cookies get the `Secure` attribute for this request.
pub fn secure(mode: SecureCookies, base_url: Option<&str>, headers: &HeaderMap) -> bool {
    match mode {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => {
            base_url.is_some_and(|u| u.starts_with("https://"))
                || headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("https"))
        }
    }
}

/// The name a cookie is set under: `__Host-<name>` when Secure (the prefix requires Secure, Path=/
/// and no Domain, which [`cookie`] always writes), the plain name otherwise.
pub fn cookie_name(name: &str, secure: bool) -> String {
    if secure {
        format!("{HOST_PREFIX}{name}")
    } else {
        name.to_owned()
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, no Domain; Secure and `__Host-`
/// prefixed when behind TLS.
pub fn cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let s = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        cookie_name(name, secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// When Secure, a `Set-Cookie` that removes the unprefixed cookie a browser may still hold from
/// before the prefix (logging out must end that session too).
pub fn clear_unprefixed(name: &str, secure: bool) -> Option<HeaderValue> {
    secure.then(|| cookie(name, "", 0, false))
}

/// Reads one cookie from the request: `__Host-<name>` first, then the plain name (cookies set
/// before the prefix was introduced, or over plain HTTP), so sessions survive the transition.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    read_exact_cookie(headers, &format!("{HOST_PREFIX}{name}"))
        .or_else(|| read_exact_cookie(headers, name))
}

fn read_exact_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| {
            line.split(';').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == name).then(|| v.to_owned())
            })
        })
}

/// Constant-time comparison for tokens.
pub fn tokens_match(a: &str, b: &str) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("abc", "abcd"));
    }

    #[test]
    fn cookies_are_strict() {
        let c = cookie("s", "v", 60, true);
        let s = c.to_str().unwrap_or_default();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Strict") && s.contains("Secure"));
    }

    #[test]
    fn secure_cookies_get_the_host_prefix_and_both_names_are_read() {
        let c = cookie(SESSION_COOKIE, "v", 60, true);
        let s = c.to_str().unwrap_or_default();
        assert!(s.starts_with("__Host-trinhky_session=v; Path=/;"), "{s}");
        assert!(!s.contains("Domain"), "{s}");
        let c = cookie(SESSION_COOKIE, "v", 60, false);
        assert!(
            c.to_str()
                .unwrap_or_default()
                .starts_with("trinhky_session=v;")
        );

        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("trinhky_session=old"),
        );
        assert_eq!(read_cookie(&h, SESSION_COOKIE).as_deref(), Some("old"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("trinhky_session=old; __Host-trinhky_session=new"),
        );
        assert_eq!(read_cookie(&h, SESSION_COOKIE).as_deref(), Some("new"));
    }
}
