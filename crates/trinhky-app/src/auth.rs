//! Passwords (argon2id), random tokens, login with throttling, sessions and API tokens.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use trinhky_store::Store;
use trinhky_store::accounts;
use trinhky_store::audit::{self, AuditInput};
use trinhky_store::entities::user;

use crate::{AppError, Result};

/// Failed attempts per username inside [`THROTTLE_WINDOW_MINUTES`] before logins are refused.
pub const MAX_FAILURES_PER_USER: u64 = 5;
/// Failed attempts per client address inside the window before that address is refused.
pub const MAX_FAILURES_PER_IP: u64 = 30;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

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
    /// Too many failures: wait before trying again.
    #[error("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {retry_after_minutes} phút.")]
    Throttled { retry_after_minutes: i64 },
    #[error(transparent)]
    App(#[from] AppError),
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

/// Logs a user in: throttled per username and per address, then password-checked; on success a
/// session row and its audit event are written in one transaction.
pub async fn login(
    store: &Store,
    username: &str,
    password: &str,
    client_ip: &str,
    session_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<NewSession, LoginError> {
    let username = username.trim().to_ascii_lowercase();
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let db = store.db();
    let failures = accounts::recent_failures(db, &username, since)
        .await
        .map_err(AppError::from)?;
    let ip_failures = accounts::recent_failures_from_ip(db, client_ip, since)
        .await
        .map_err(AppError::from)?;
    if failures >= MAX_FAILURES_PER_USER || ip_failures >= MAX_FAILURES_PER_IP {
        tracing::warn!(username = %username, client_ip, "login throttled");
        return Err(LoginError::Throttled {
            retry_after_minutes: THROTTLE_WINDOW_MINUTES,
        });
    }
    let found = accounts::user_by_username(db, &username)
        .await
        .map_err(AppError::from)?;
    let (pw, stored) = (
        password.to_owned(),
        found.as_ref().map(|u| (u.active, u.password_hash.clone())),
    );
    let ok = crate::cpu::run(move || match stored {
        Some((active, phc)) => active && verify_password(&pw, &phc),
        None => {
            let _ = verify_password(&pw, dummy_hash());
            false
        }
    })
    .await;
    let txn = store.begin_write().await.map_err(AppError::from)?;
    accounts::record_login_attempt(&txn, &username, client_ip, ok, now)
        .await
        .map_err(AppError::from)?;
    let (Some(user), true) = (found, ok) else {
        txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
        tracing::info!(username = %username, client_ip, "login failed");
        return Err(LoginError::Invalid);
    };
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

/// Issues an API bearer token for `username`; the token is returned once and stored hashed.
pub async fn create_api_token(
    store: &Store,
    actor: &str,
    username: &str,
    name: &str,
) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid(
            "token name is empty; name the integration that will use it".into(),
        ));
    }
    let txn = store.begin_write().await?;
    let user = accounts::user_by_username(&txn, username)
        .await?
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "no user named \"{username}\"; create it with `trinhky user add`"
            ))
        })?;
    let token = format!("tk_{}", new_token()?);
    accounts::create_api_token(&txn, actor, &user, name, &token_hash(&token)).await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
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
