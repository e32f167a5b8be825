//! API bearer tokens (khóa API): issued for a number of days (default [`DEFAULT_DAYS`], at most
//! [`MAX_DAYS`]), listed without their secret, revoked one by one; a password reset revokes all
//! of a user's tokens ([`trinhky_store::accounts::set_password`]). An expired or revoked token
//! answers 401. Every change is audited (`api_token.create`, `api_token.revoke`).
//!
//! Who may do what: everyone lists and revokes their own tokens; an administrator also those of
//! the accounts they administer (every agency the account has a role in — the rule of password
//! resets). The CLI (`trinhky user token|tokens|revoke-token`) acts as the operator.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use trinhky_store::entities::{api_token, user};
use trinhky_store::{Store, accounts};

use crate::auth::{new_token, token_hash};
use crate::{AppError, Principal, Result};

/// Lifetime of a token when none is asked for.
pub const DEFAULT_DAYS: i64 = 90;
/// Longest lifetime of a token.
pub const MAX_DAYS: i64 = 365;

/// A token as listed: everything but its hash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenView {
    pub id: i32,
    pub username: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
}

impl TokenView {
    fn of(t: api_token::Model, username: &str, now: DateTime<Utc>) -> TokenView {
        let status = if t.revoked_at.is_some() {
            "revoked"
        } else if t.expires_at.is_none_or(|e| e <= now) {
            "expired"
        } else {
            "active"
        };
        TokenView {
            id: t.id,
            username: username.to_owned(),
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            status,
        }
    }

    /// The status in Vietnamese, for pages and the CLI.
    pub fn status_vi(&self) -> &'static str {
        match self.status {
            "active" => "đang dùng",
            "expired" => "hết hạn",
            _ => "đã thu hồi",
        }
    }
}

/// Checks a lifetime in days.
pub fn check_days(days: i64) -> Result<i64> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(AppError::Invalid(format!(
            "Thời hạn của khóa API phải từ 1 đến {MAX_DAYS} ngày (mặc định {DEFAULT_DAYS})."
        )))
    }
}

async fn find_user(store: &Store, username: &str) -> Result<user::Model> {
    accounts::user_by_username(store.db(), username.trim())
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{}\".", username.trim())))
}

/// Whether `p` may see and revoke the tokens of `u`: their own, or an account all of whose
/// agencies they administer.
async fn may_manage(store: &Store, p: &Principal, u: &user::Model) -> Result<bool> {
    if u.id == p.user.id || p.is_system_admin() {
        return Ok(true);
    }
    let roles = accounts::memberships(store.db(), u.id).await?;
    Ok(!roles.is_empty() && roles.iter().all(|m| p.may_administer(&m.agency_code)))
}

async fn require_manage(store: &Store, p: &Principal, u: &user::Model) -> Result<()> {
    if may_manage(store, p, u).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Bạn không quản trị tài khoản {}: chỉ xem và thu hồi được khóa API của chính mình hoặc của cán bộ cơ quan mình quản trị.",
            u.username
        )))
    }
}

/// Issues a token for `username` valid `days` days; returns the token (shown once) and its view.
pub async fn issue(
    store: &Store,
    actor: &str,
    username: &str,
    name: &str,
    days: i64,
    now: DateTime<Utc>,
) -> Result<(String, TokenView)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid(
            "Tên khóa API trống: ghi tên hệ thống sẽ dùng khóa (token name is empty).".into(),
        ));
    }
    if name.chars().count() > 200 {
        return Err(AppError::Invalid("Tên khóa API dài quá 200 ký tự.".into()));
    }
    let days = check_days(days)?;
    let user = find_user(store, username).await?;
    let token = format!("tk_{}", new_token()?);
    let txn = store.begin_write().await?;
    let t = accounts::create_api_token(
        &txn,
        actor,
        &user,
        name,
        &token_hash(&token),
        now,
        now + Duration::days(days),
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok((token, TokenView::of(t, &user.username, now)))
}

/// Issues a token as `p` for themselves or an account they administer.
pub async fn issue_as(
    store: &Store,
    p: &Principal,
    username: &str,
    name: &str,
    days: i64,
    now: DateTime<Utc>,
) -> Result<(String, TokenView)> {
    let u = find_user(store, username).await?;
    require_manage(store, p, &u).await?;
    issue(store, &p.actor(), &u.username, name, days, now).await
}

/// The tokens of `username`, newest first (operator).
pub async fn list(store: &Store, username: &str, now: DateTime<Utc>) -> Result<Vec<TokenView>> {
    let u = find_user(store, username).await?;
    Ok(accounts::api_tokens_of(store.db(), u.id)
        .await?
        .into_iter()
        .map(|t| TokenView::of(t, &u.username, now))
        .collect())
}

/// The tokens of `username` as seen by `p` (their own or an account they administer).
pub async fn list_as(
    store: &Store,
    p: &Principal,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Vec<TokenView>> {
    let u = find_user(store, username).await?;
    require_manage(store, p, &u).await?;
    list(store, &u.username, now).await
}

/// What revoking found.
#[derive(Debug)]
pub enum Revoked {
    /// Revoked now.
    Done(TokenView),
    /// It was revoked before.
    Already(TokenView),
    /// No such token (or, for a caller, one they may not see).
    NotFound,
}

async fn revoke_token(
    store: &Store,
    actor: &str,
    p: Option<&Principal>,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Revoked> {
    let Some(t) = accounts::api_token_by_id(store.db(), id).await? else {
        return Ok(Revoked::NotFound);
    };
    let Some(owner) = accounts::user_by_id(store.db(), t.user_id).await? else {
        return Ok(Revoked::NotFound);
    };
    if let Some(p) = p
        && !may_manage(store, p, &owner).await?
    {
        return Ok(Revoked::NotFound);
    }
    let txn = store.begin_write().await?;
    let done = accounts::revoke_api_token(&txn, actor, &t, &owner.username, now).await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    let after = accounts::api_token_by_id(store.db(), id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("token {id} vanished")))?;
    let view = TokenView::of(after, &owner.username, now);
    Ok(if done {
        Revoked::Done(view)
    } else {
        Revoked::Already(view)
    })
}

/// Revokes a token by id (operator).
pub async fn revoke(store: &Store, actor: &str, id: i32, now: DateTime<Utc>) -> Result<Revoked> {
    revoke_token(store, actor, None, id, now).await
}

/// Revokes a token as `p`: their own, or one of an account they administer; any other token
/// is [`Revoked::NotFound`] (its existence is not disclosed).
pub async fn revoke_as(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Revoked> {
    revoke_token(store, &p.actor(), Some(p), id, now).await
}
