//! Accounts: users, their roles per agency, server-side sessions, API tokens and login attempts.
//! Secrets never reach this module in clear: passwords arrive hashed (argon2id), session and API
//! tokens arrive as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, Statement,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use trinhky_domain::Role;

use crate::audit::{self, AuditInput};
use crate::entities::{agency, api_token, login_attempt, session, user, user_role};
use crate::{Result, StoreError};

/// A role the user holds, with the agency it is held in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub agency_id: i32,
    pub agency_code: String,
    pub agency_name: String,
    pub role: Role,
    pub title: String,
}

/// The public state of a user, as hashed into the audit chain (no password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserState<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub email: &'a str,
    pub active: bool,
    pub roles: &'a [(String, Role, String)],
}

/// Creates a user with roles (agency code, role, title) and its audit event.
pub async fn create_user<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    username: &str,
    full_name: &str,
    email: &str,
    password_hash: &str,
    roles: &[(String, Role, String)],
) -> Result<user::Model> {
    if user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(StoreError::Conflict(format!(
            "user \"{username}\" already exists"
        )));
    }
    let now = Utc::now();
    let u = user::ActiveModel {
        username: Set(username.to_owned()),
        full_name: Set(full_name.to_owned()),
        email: Set(email.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (code, role, title) in roles {
        let a = agency::Entity::find()
            .filter(agency::Column::Code.eq(code))
            .one(conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("agency \"{code}\"")))?;
        user_role::ActiveModel {
            user_id: Set(u.id),
            agency_id: Set(a.id),
            role: Set(role.as_str().to_owned()),
            title: Set(title.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    let state = UserState {
        username,
        full_name,
        email,
        active: true,
        roles,
    };
    audit::record(
        conn,
        AuditInput::new(actor, "user.create", "user", username).after(&state),
    )
    .await?;
    Ok(u)
}

pub async fn user_by_username<C: ConnectionTrait>(
    conn: &C,
    username: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(conn)
        .await?)
}

pub async fn user_by_id<C: ConnectionTrait>(conn: &C, id: i32) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(conn).await?)
}

/// The user's roles, with agency codes and names.
pub async fn memberships<C: ConnectionTrait>(conn: &C, user_id: i32) -> Result<Vec<Membership>> {
    let rows = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .order_by_asc(user_role::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let a = agency::Entity::find_by_id(r.agency_id)
            .one(conn)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("role {} points at a missing agency", r.id))
            })?;
        let role = r
            .role
            .parse::<Role>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        out.push(Membership {
            agency_id: a.id,
            agency_code: a.code,
            agency_name: a.name,
            role,
            title: r.title,
        });
    }
    Ok(out)
}

/// Members of an agency: (user, role, title), ordered by name.
pub async fn agency_members<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
) -> Result<Vec<(user::Model, Role, String)>> {
    let roles = user_role::Entity::find()
        .filter(user_role::Column::AgencyId.eq(agency_id))
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(roles.len());
    for r in roles {
        if let Some(u) = user::Entity::find_by_id(r.user_id).one(conn).await? {
            let role = r
                .role
                .parse::<Role>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.push((u, role, r.title));
        }
    }
    out.sort_by(|a, b| a.0.full_name.cmp(&b.0.full_name).then(a.1.cmp(&b.1)));
    Ok(out)
}

/// Serialises the attempt bookkeeping of these throttling keys across processes until the
/// transaction ends. SQLite write transactions (`Store::begin_write`) are serial already; on
/// PostgreSQL each key takes a transaction-scoped advisory lock, in a fixed order so that two
/// attempts sharing keys cannot deadlock.
pub async fn lock_attempt_keys<C: ConnectionTrait>(conn: &C, keys: &[String]) -> Result<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<i64> = keys
        .iter()
        .map(|k| {
            let d = Sha256::digest(k.as_bytes());
            let mut b = [0u8; 8];
            b.copy_from_slice(&d[..8]);
            i64::from_be_bytes(b)
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Records an attempt before its secret is checked: as a failure, so that attempts running in
/// parallel count each other; [`attempt_succeeded`] turns it into a success. `subject` is the
/// account (or the signing key) tried, `source` the client address (or the person typing the
/// PIN). Returns the row's id.
pub async fn begin_attempt<C: ConnectionTrait>(
    conn: &C,
    subject: &str,
    source: &str,
    at: DateTime<Utc>,
) -> Result<i32> {
    Ok(login_attempt::ActiveModel {
        username: Set(subject.to_owned()),
        client_ip: Set(source.to_owned()),
        succeeded: Set(false),
        attempted_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?
    .id)
}

/// Marks an attempt recorded by [`begin_attempt`] as successful.
pub async fn attempt_succeeded<C: ConnectionTrait>(conn: &C, id: i32) -> Result<()> {
    login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::Succeeded, Expr::value(true))
        .filter(login_attempt::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Which failures a tally counts.
#[derive(Debug, Clone, Copy)]
pub enum TallyOf<'a> {
    /// One subject from one source, since that pair's last success.
    Pair { subject: &'a str, source: &'a str },
    /// One subject from every source.
    Subject(&'a str),
    /// One source against every subject.
    Source(&'a str),
}

/// Failures counted by a tally, and the newest of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub failures: u64,
    pub last: Option<DateTime<Utc>>,
}

/// Failed (or still unchecked) attempts since `since`, leaving out the attempt `except`.
pub async fn failure_tally<C: ConnectionTrait>(
    conn: &C,
    of: TallyOf<'_>,
    since: DateTime<Utc>,
    except: i32,
) -> Result<Tally> {
    let scope = match of {
        TallyOf::Pair { subject, source } => Condition::all()
            .add(login_attempt::Column::Username.eq(subject))
            .add(login_attempt::Column::ClientIp.eq(source)),
        TallyOf::Subject(subject) => {
            Condition::all().add(login_attempt::Column::Username.eq(subject))
        }
        TallyOf::Source(source) => Condition::all().add(login_attempt::Column::ClientIp.eq(source)),
    };
    let mut from = since;
    if matches!(of, TallyOf::Pair { .. })
        && let Some(s) = login_attempt::Entity::find()
            .filter(scope.clone())
            .filter(login_attempt::Column::Succeeded.eq(true))
            .filter(login_attempt::Column::AttemptedAt.gte(since))
            .order_by_desc(login_attempt::Column::AttemptedAt)
            .one(conn)
            .await?
    {
        from = s.attempted_at;
    }
    let failed = || {
        login_attempt::Entity::find()
            .filter(scope.clone())
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::AttemptedAt.gte(from))
            .filter(login_attempt::Column::Id.ne(except))
    };
    let failures = failed().count(conn).await?;
    let last = if failures == 0 {
        None
    } else {
        failed()
            .order_by_desc(login_attempt::Column::AttemptedAt)
            .one(conn)
            .await?
            .map(|a| a.attempted_at)
    };
    Ok(Tally { failures, last })
}

/// Creates a session row. `id_hash` is the SHA-256 of the cookie token.
pub async fn create_session<C: ConnectionTrait>(
    conn: &C,
    id_hash: &str,
    user_id: i32,
    csrf_token: &str,
    client_ip: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<session::Model> {
    Ok(session::ActiveModel {
        id: Set(id_hash.to_owned()),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_seen_at: Set(now),
        client_ip: Set(client_ip.to_owned()),
    }
    .insert(conn)
    .await?)
}

/// A live session (not expired) by token hash, with its user.
pub async fn live_session<C: ConnectionTrait>(
    conn: &C,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(session::Model, user::Model)>> {
    let Some(s) = session::Entity::find_by_id(id_hash.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if s.expires_at <= now {
        session::Entity::delete_by_id(s.id).exec(conn).await?;
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(conn).await? else {
        return Ok(None);
    };
    if !u.active {
        return Ok(None);
    }
    Ok(Some((s, u)))
}

/// Extends a session's idle window.
pub async fn touch_session<C: ConnectionTrait>(
    conn: &C,
    id_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
        .filter(session::Column::Id.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_session<C: ConnectionTrait>(conn: &C, id_hash: &str) -> Result<()> {
    session::Entity::delete_by_id(id_hash.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes expired sessions and old login attempts; returns how many rows went.
pub async fn purge_expired<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    attempts_before: DateTime<Utc>,
) -> Result<u64> {
    let s = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    let a = login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::AttemptedAt.lt(attempts_before))
        .exec(conn)
        .await?;
    Ok(s.rows_affected + a.rows_affected)
}

/// Stores an API token (its hash) for a user, valid until `expires_at`, with the audit event.
pub async fn create_api_token<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    user: &user::Model,
    name: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<api_token::Model> {
    let t = api_token::ActiveModel {
        user_id: Set(user.id),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        expires_at: Set(Some(expires_at)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "api_token.create", "api_token", t.id).details(
            serde_json::json!({"user": user.username, "name": name, "expires_at": expires_at}),
        ),
        now,
    )
    .await?;
    Ok(t)
}

/// A user's API tokens (hashes included: callers show only the other fields), newest first.
pub async fn api_tokens_of<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
) -> Result<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .all(conn)
        .await?)
}

pub async fn api_token_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<api_token::Model>> {
    Ok(api_token::Entity::find_by_id(id).one(conn).await?)
}

/// Revokes one token with its audit event; false when it was revoked already.
pub async fn revoke_api_token<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    token: &api_token::Model,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let r = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(token.id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if r.rows_affected == 0 {
        return Ok(false);
    }
    audit::record_at(
        conn,
        AuditInput::new(actor, "api_token.revoke", "api_token", token.id)
            .details(serde_json::json!({"user": owner, "name": token.name})),
        now,
    )
    .await?;
    Ok(true)
}

/// Revokes every live token of a user (no audit event of its own: the caller's event counts
/// them). Returns how many were revoked.
pub async fn revoke_api_tokens_of<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// The active user behind a bearer token hash, marking the token used. Revoked and expired
/// tokens resolve to nobody.
pub async fn user_by_api_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || t.expires_at.is_none_or(|e| e <= now) {
        return Ok(None);
    }
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(t.id))
        .exec(conn)
        .await?;
    Ok(user::Entity::find_by_id(t.user_id)
        .one(conn)
        .await?
        .filter(|u| u.active))
}

/// Number of users (for the readiness page and the demo loader).
pub async fn user_count<C: ConnectionTrait>(conn: &C) -> Result<u64> {
    Ok(user::Entity::find().count(conn).await?)
}

/// Usernames of several users, by id.
pub async fn usernames<C: ConnectionTrait>(
    conn: &C,
    ids: &[i32],
) -> Result<std::collections::HashMap<i32, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        use sea_orm::QuerySelect;
        let rows: Vec<(i32, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Username)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// What the administration pages list and search: every account without its password hash,
/// ordered by username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub active: bool,
}

/// Every account, without password hashes, by username.
pub async fn user_summaries<C: ConnectionTrait>(conn: &C) -> Result<Vec<UserSummary>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(i32, String, String, String, bool)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .column(user::Column::FullName)
        .column(user::Column::Email)
        .column(user::Column::Active)
        .order_by_asc(user::Column::Username)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, username, full_name, email, active)| UserSummary {
            id,
            username,
            full_name,
            email,
            active,
        })
        .collect())
}

/// The roles of several users at once (two queries), by user id.
pub async fn memberships_of<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[i32],
) -> Result<std::collections::HashMap<i32, Vec<Membership>>> {
    let agencies: std::collections::HashMap<i32, agency::Model> = agency::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out: std::collections::HashMap<i32, Vec<Membership>> = Default::default();
    for chunk in user_ids.chunks(500) {
        let rows = user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(chunk.iter().copied()))
            .order_by_asc(user_role::Column::Id)
            .all(conn)
            .await?;
        for r in rows {
            let a = agencies.get(&r.agency_id).ok_or_else(|| {
                StoreError::Corrupt(format!("role {} points at a missing agency", r.id))
            })?;
            let role = r
                .role
                .parse::<Role>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.entry(r.user_id).or_default().push(Membership {
                agency_id: a.id,
                agency_code: a.code.clone(),
                agency_name: a.name.clone(),
                role,
                title: r.title,
            });
        }
    }
    Ok(out)
}

/// Ends every session of a user (disabled account, new password).
pub async fn delete_sessions_of<C: ConnectionTrait>(conn: &C, user_id: i32) -> Result<u64> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Enables or disables an account with its audit event; disabling ends its sessions (API tokens
/// stop working because they only resolve to active users). False when nothing changed.
pub async fn set_active<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    u: &user::Model,
    active: bool,
) -> Result<bool> {
    if u.active == active {
        return Ok(false);
    }
    let mut am: user::ActiveModel = u.clone().into();
    am.active = Set(active);
    am.updated_at = Set(Utc::now());
    am.update(conn).await?;
    let ended = if active {
        0
    } else {
        delete_sessions_of(conn, u.id).await?
    };
    audit::record(
        conn,
        AuditInput::new(
            actor,
            if active {
                "user.enable"
            } else {
                "user.disable"
            },
            "user",
            &u.username,
        )
        .details(serde_json::json!({"sessions_ended": ended})),
    )
    .await?;
    Ok(true)
}

/// Replaces a user's password hash, ends their sessions and revokes their API tokens, with the
/// audit event (the hash is not in it).
pub async fn set_password<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    u: &user::Model,
    password_hash: &str,
) -> Result<()> {
    let mut am: user::ActiveModel = u.clone().into();
    am.password_hash = Set(password_hash.to_owned());
    am.updated_at = Set(Utc::now());
    am.update(conn).await?;
    let ended = delete_sessions_of(conn, u.id).await?;
    let revoked = revoke_api_tokens_of(conn, u.id, Utc::now()).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "user.password_reset", "user", &u.username)
            .details(serde_json::json!({"sessions_ended": ended, "api_tokens_revoked": revoked})),
    )
    .await?;
    Ok(())
}

/// Grants a role in an agency with its audit event; a role already held is a conflict.
pub async fn grant_role<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    u: &user::Model,
    agency: &agency::Model,
    role: Role,
    title: &str,
) -> Result<()> {
    let held = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(u.id))
        .filter(user_role::Column::AgencyId.eq(agency.id))
        .filter(user_role::Column::Role.eq(role.as_str()))
        .one(conn)
        .await?;
    if held.is_some() {
        return Err(StoreError::Conflict(format!(
            "{} already holds {} in {}",
            u.username, role, agency.code
        )));
    }
    user_role::ActiveModel {
        user_id: Set(u.id),
        agency_id: Set(agency.id),
        role: Set(role.as_str().to_owned()),
        title: Set(title.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditInput::new(actor, "role.grant", "user", &u.username).details(
            serde_json::json!({"agency": agency.code, "role": role.as_str(), "title": title}),
        ),
    )
    .await?;
    Ok(())
}

/// Revokes a role with its audit event; false when the user did not hold it.
pub async fn revoke_role<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    u: &user::Model,
    agency: &agency::Model,
    role: Role,
) -> Result<bool> {
    let r = user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(u.id))
        .filter(user_role::Column::AgencyId.eq(agency.id))
        .filter(user_role::Column::Role.eq(role.as_str()))
        .exec(conn)
        .await?;
    if r.rows_affected == 0 {
        return Ok(false);
    }
    audit::record(
        conn,
        AuditInput::new(actor, "role.revoke", "user", &u.username)
            .details(serde_json::json!({"agency": agency.code, "role": role.as_str()})),
    )
    .await?;
    Ok(true)
}

/// Active users holding `role` in an agency.
pub async fn active_holders<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    role: Role,
) -> Result<Vec<i32>> {
    let ids: Vec<i32> = user_role::Entity::find()
        .filter(user_role::Column::AgencyId.eq(agency_id))
        .filter(user_role::Column::Role.eq(role.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}
