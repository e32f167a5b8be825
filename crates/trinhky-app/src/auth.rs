//! Passwords (argon2id), random tokens, login with throttling, sessions and API tokens.
//!
//! Login throttling is a progressive delay per (account, address), per address and per account
//! (for addresses that failed on it), never a lock of the right password: see [`crate::throttle`].

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use trinhky_store::Store;
use trinhky_store::accounts;
use trinhky_store::audit::{self, AuditInput};
use trinhky_store::entities::user;

use crate::{AppError, Result};

use crate::throttle::{self, Gate, Policy};

/// Longest username kept for throttling (real ones have at most 64 characters): a huge login
/// form must not become a huge row.
const MAX_SUBJECT_CHARS: usize = 100;

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let salt_bytes = random_bytes::<16>()?;
    let salt =
        SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))?
        .to_string())
}

/// Checks a password against a PHC hash; false for a wrong password or an unreadable hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// Cryptographically random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    Ok(b)
}

/// A 256-bit random token, hex-encoded.
pub fn new_token() -> Result<String> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// What the database keeps instead of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why a login did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong username or password (never says which).
    #[error("Tên đăng nhập hoặc mật khẩu không đúng.")]
    Invalid,
    /// Too many failures: wait before trying again (the password was not checked, or this
    /// failure started or lengthened the delay).
    #[error(
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {}.",
        wait_text(.retry_after_seconds)
    )]
    Throttled { retry_after_seconds: i64 },
    #[error(transparent)]
    App(#[from] AppError),
}

fn wait_text(secs: &i64) -> String {
    throttle::wait_vi(Duration::seconds(*secs))
}

/// A fresh session: the cookie token (only the client keeps it) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: user::Model,
    pub expires_at: DateTime<Utc>,
}

/// A real hash of a random password, checked for unknown usernames so that a wrong username
/// takes as long to refuse as a wrong password (no username enumeration by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        new_token()
            .and_then(|t| hash_password(&t))
            .unwrap_or_default()
    })
}

/// What a login needs besides the store: the CPU pool that checks passwords (argon2) and the
/// turns of the login attempts in progress ([`throttle::Turns`]). The [`crate::App`] owns one;
/// clones share the pool and the turns.
#[derive(Clone, Debug, Default)]
pub struct Logins {
    pub cpu: crate::cpu::CpuPool,
    pub turns: throttle::Turns,
}

/// Logs a user in. The attempt is recorded and the progressive delay checked first
/// ([`throttle::admit`]); inside the delay the password is not even checked. On success the
/// attempt, the session row and its audit event are written in one transaction; a failure that
/// starts a delay is audited (`session.lockout`).
pub async fn login(
    store: &Store,
    logins: &Logins,
    username: &str,
    password: &str,
    client_ip: &str,
    session_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<NewSession, LoginError> {
    let username: String = username
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(MAX_SUBJECT_CHARS)
        .collect();
    let ticket = match throttle::admit(
        store,
        &logins.turns,
        &Policy::LOGIN,
        &username,
        client_ip,
        now,
    )
    .await?
    {
        Gate::Go(t) => t,
        Gate::Wait(wait) => {
            tracing::warn!(username = %username, client_ip, "login delayed");
            return Err(LoginError::Throttled {
                retry_after_seconds: wait.num_seconds(),
            });
        }
    };
    let db = store.db();
    let found = accounts::user_by_username(db, &username)
        .await
        .map_err(AppError::from)?;
    let (pw, stored) = (
        password.to_owned(),
        found.as_ref().map(|u| (u.active, u.password_hash.clone())),
    );
    let ok = logins
        .cpu
        .run(move || match stored {
            Some((active, phc)) => active && verify_password(&pw, &phc),
            None => {
                let _ = verify_password(&pw, dummy_hash());
                false
            }
        })
        .await;
    let (Some(user), true) = (found, ok) else {
        tracing::info!(username = %username, client_ip, "login failed");
        if ticket.failure_locks() {
            let txn = store.begin_write().await.map_err(AppError::from)?;
            audit::record_at(
                &txn,
                AuditInput::new("system:throttle", "session.lockout", "login", &username)
                    .details(ticket.lockout_details(&username, client_ip)),
                now,
            )
            .await
            .map_err(AppError::from)?;
            txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
            tracing::warn!(username = %username, client_ip, "login lockout: delay starts");
        }
        if ticket.wait_if_failed > Duration::zero() {
            return Err(LoginError::Throttled {
                retry_after_seconds: ticket.wait_if_failed.num_seconds(),
            });
        }
        return Err(LoginError::Invalid);
    };
    let txn = store.begin_write().await.map_err(AppError::from)?;
    ticket.succeeded(&txn).await?;
    let token = new_token()?;
    let csrf_token = new_token()?;
    let expires_at = now + session_ttl;
    accounts::create_session(
        &txn,
        &token_hash(&token),
        user.id,
        &csrf_token,
        client_ip,
        now,
        expires_at,
    )
    .await
    .map_err(AppError::from)?;
    let actor = format!("user:{}", user.username);
    audit::record_at(
        &txn,
        AuditInput::new(&actor, "session.login", "user", &user.username)
            .details(serde_json::json!({"client_ip": client_ip})),
        now,
    )
    .await
    .map_err(AppError::from)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    tracing::info!(username = %user.username, "login");
    Ok(NewSession {
        token,
        csrf_token,
        user,
        expires_at,
    })
}

/// Ends a session (logout), with its audit event. Takes the session's token hash.
pub async fn logout(store: &Store, session_hash: &str, username: &str) -> Result<()> {
    let txn = store.begin_write().await?;
    accounts::delete_session(&txn, session_hash).await?;
    let actor = format!("user:{username}");
    audit::record(
        &txn,
        AuditInput::new(&actor, "session.logout", "user", username),
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}

/// Issues an API bearer token for `username` valid for the default lifetime
/// ([`crate::tokens::DEFAULT_DAYS`]); the token is returned once and stored hashed.
pub async fn create_api_token(
    store: &Store,
    actor: &str,
    username: &str,
    name: &str,
) -> Result<String> {
    let (token, _) = crate::tokens::issue(
        store,
        actor,
        username,
        name,
        crate::tokens::DEFAULT_DAYS,
        Utc::now(),
    )
    .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("một mật khẩu dài").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("một mật khẩu dài", &h));
        assert!(!verify_password("mot mat khau dai", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().unwrap_or_default();
        let b = new_token().unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
    }
}

/// The caller behind an API token (`Authorization: Bearer …`), if the token is live.
pub async fn bearer_principal(
    store: &Store,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<crate::Principal>> {
    match accounts::user_by_api_token(store.db(), token_hash, now).await? {
        Some(user) => Ok(Some(crate::Principal::load(store, user).await?)),
        None => Ok(None),
    }
}

/// A live browser session with its caller and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub principal: crate::Principal,
    pub csrf_token: String,
}

/// The caller behind a session cookie, if the session is live; its idle window slides by `ttl`,
/// written at most every five minutes.
pub async fn session_principal(
    store: &Store,
    token_hash: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Option<LiveSession>> {
    let db = store.db();
    let Some((session, user)) = accounts::live_session(db, token_hash, now).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at > Duration::minutes(5) {
        accounts::touch_session(db, token_hash, now, now + ttl).await?;
    }
    Ok(Some(LiveSession {
        principal: crate::Principal::load(store, user).await?,
        csrf_token: session.csrf_token,
    }))
}

/// HMAC-SHA-256 of `data` under `key`, hex (OpenSSL). Used to seal short-lived cookies (the
/// form flash) with a per-session secret.
pub fn mac(key: &[u8], data: &[u8]) -> Result<String> {
    use openssl::{hash::MessageDigest, pkey::PKey, sign::Signer};
    let fail = |e: openssl::error::ErrorStack| AppError::Internal(format!("HMAC: {e}"));
    let key = PKey::hmac(key).map_err(fail)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &key).map_err(fail)?;
    signer.update(data).map_err(fail)?;
    Ok(hex::encode(signer.sign_to_vec().map_err(fail)?))
}

/// Compares two MACs in constant time.
pub fn mac_matches(a: &str, b: &str) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a.as_bytes(), b.as_bytes())
}
