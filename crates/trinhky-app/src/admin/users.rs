//! Accounts and roles (người dùng và vai trò). Passwords are argon2id ([`crate::auth`]); a disabled
//! account cannot log in, its sessions end and its API tokens stop resolving. Two guards keep the
//! system administrable: nobody removes their own last admin role or disables themselves, and the
//! province office never loses its last active admin.

use trinhky_domain::Role;
use trinhky_domain::directory::{MIN_PASSWORD_LEN, valid_email, valid_username};
use trinhky_domain::text::{fold, nfc};
use trinhky_store::accounts::{self, Membership, UserSummary};
use trinhky_store::entities::{agency, user};
use trinhky_store::{Store, directory};

use super::commit_err;
use crate::auth::{hash_password, random_bytes};
use crate::user_add::{NewUser, user_add};
use crate::{AppError, Principal, Result};

/// One account with its roles.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[schema(value_type = UserSummarySchema)]
    #[serde(flatten)]
    pub user: UserSummary,
    #[schema(value_type = Vec<MembershipSchema>)]
    pub roles: Vec<Membership>,
}

/// The JSON shape of [`UserSummary`] (a store type without a schema).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UserSummarySchema {
    id: i32,
    username: String,
    full_name: String,
    email: String,
    active: bool,
}

/// The JSON shape of [`Membership`] (a store type without a schema).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MembershipSchema {
    agency_id: i32,
    agency_code: String,
    agency_name: String,
    /// `drafter`, `unit_head`, `agency_head`, `deputy_head`, `clerk` or `admin`.
    role: String,
    title: String,
}

/// Accounts whose username, name or e-mail contains `query` (accents and case ignored), by
/// username.
pub async fn search(store: &Store, query: &str) -> Result<Vec<UserSummary>> {
    let q = fold(query.trim());
    Ok(accounts::user_summaries(store.db())
        .await?
        .into_iter()
        .filter(|u| {
            q.is_empty()
                || u.username.contains(&q)
                || fold(&u.full_name).contains(&q)
                || u.email.contains(&q)
        })
        .collect())
}

/// The roles of a page of accounts.
pub async fn with_roles(store: &Store, page: Vec<UserSummary>) -> Result<Vec<UserView>> {
    let ids: Vec<i32> = page.iter().map(|u| u.id).collect();
    let mut roles = accounts::memberships_of(store.db(), &ids).await?;
    Ok(page
        .into_iter()
        .map(|u| UserView {
            roles: roles.remove(&u.id).unwrap_or_default(),
            user: u,
        })
        .collect())
}

async fn find(store: &Store, username: &str) -> Result<user::Model> {
    accounts::user_by_username(store.db(), username)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{username}\".")))
}

/// One account with its roles; `None` when there is no such username.
pub async fn get(store: &Store, username: &str) -> Result<Option<UserView>> {
    let Some(u) = accounts::user_by_username(store.db(), username).await? else {
        return Ok(None);
    };
    let roles = accounts::memberships(store.db(), u.id).await?;
    Ok(Some(UserView {
        user: UserSummary {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            active: u.active,
        },
        roles,
    }))
}

async fn agency(store: &Store, code: &str) -> Result<agency::Model> {
    directory::agency_by_code(store.db(), code.trim())
        .await?
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "Không có cơ quan mã \"{code}\" trong danh bạ: chọn cơ quan trong danh sách."
            ))
        })
}

fn parse_role(role: &str) -> Result<Role> {
    role.trim().parse::<Role>().map_err(|_| {
        AppError::Invalid(format!(
            "Vai trò \"{role}\" không hợp lệ: chọn một vai trò trong danh sách."
        ))
    })
}

fn require(p: &Principal, agency_code: &str) -> Result<()> {
    if p.may_administer(agency_code) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Bạn không có quyền quản trị cán bộ của cơ quan {agency_code}."
        )))
    }
}

/// The caller may change an account as a whole (enable, disable, password) when they may
/// administer every agency it has a role in.
async fn require_over(store: &Store, p: &Principal, u: &user::Model) -> Result<()> {
    if p.is_system_admin() {
        return Ok(());
    }
    let roles = accounts::memberships(store.db(), u.id).await?;
    if roles.is_empty() || roles.iter().any(|m| !p.may_administer(&m.agency_code)) {
        return Err(AppError::Forbidden(format!(
            "Tài khoản {} có vai trò ở cơ quan bạn không quản trị.",
            u.username
        )));
    }
    Ok(())
}

/// What the form or the API sends to create an account with its first role.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub title: String,
}

/// Creates an account with one role (the caller must administer that agency).
pub async fn create(
    store: &Store,
    cpu: &crate::cpu::CpuPool,
    p: &Principal,
    new: &NewAccount,
) -> Result<user::Model> {
    let mut errors: Vec<String> = Vec::new();
    let username = new.username.trim().to_ascii_lowercase();
    if !valid_username(&username) {
        errors.push(format!("Tên đăng nhập \"{username}\" không hợp lệ: dùng 3–64 ký tự a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang."));
    }
    if nfc(new.full_name.trim()).is_empty() {
        errors.push("Họ và tên trống: ghi họ tên như in trên văn bản.".into());
    }
    let email = new.email.trim().to_ascii_lowercase();
    if !valid_email(&email) {
        errors.push(format!(
            "\"{email}\" không phải địa chỉ thư điện tử hợp lệ (dạng ten@tenmien.vn)."
        ));
    }
    if new.password.chars().count() < MIN_PASSWORD_LEN {
        errors.push(format!(
            "Mật khẩu phải có ít nhất {MIN_PASSWORD_LEN} ký tự."
        ));
    }
    let role = parse_role(&new.role);
    if let Err(AppError::Invalid(m)) = &role {
        errors.push(m.clone());
    }
    let agency = agency(store, &new.agency).await;
    if let Err(AppError::Invalid(m)) = &agency {
        errors.push(m.clone());
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors.join(" ")));
    }
    let (role, agency) = (role?, agency?);
    require(p, &agency.code)?;
    if accounts::user_by_username(store.db(), &username)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "Tên đăng nhập \"{username}\" đã có người dùng: chọn tên khác."
        )));
    }
    let title = match nfc(new.title.trim()) {
        t if t.is_empty() => role.label_vi().to_owned(),
        t => t,
    };
    user_add(
        store,
        cpu,
        &p.actor(),
        NewUser {
            username,
            full_name: new.full_name.clone(),
            email,
            password: new.password.clone(),
            roles: vec![(agency.code, role, title)],
        },
    )
    .await
}

/// Whether `u` is the last active admin of the province office.
async fn last_system_admin(store: &Store, p: &Principal, u: &user::Model) -> Result<bool> {
    let Some(po) = p.province_office.as_deref() else {
        return Ok(false);
    };
    let Some(po) = directory::agency_by_code(store.db(), po).await? else {
        return Ok(false);
    };
    let admins = accounts::active_holders(store.db(), po.id, Role::Admin).await?;
    Ok(admins == [u.id])
}

/// Grants a role in an agency (title defaults to the role's name).
pub async fn grant(
    store: &Store,
    p: &Principal,
    username: &str,
    agency_code: &str,
    role: &str,
    title: &str,
) -> Result<()> {
    let u = find(store, username).await?;
    let role = parse_role(role)?;
    let a = agency(store, agency_code).await?;
    require(p, &a.code)?;
    let title = match nfc(title.trim()) {
        t if t.is_empty() => role.label_vi().to_owned(),
        t => t,
    };
    let txn = store.begin_write().await?;
    accounts::grant_role(&txn, &p.actor(), &u, &a, role, &title)
        .await
        .map_err(|e| match e {
            trinhky_store::StoreError::Conflict(_) => AppError::Conflict(format!(
                "{} đã có vai trò {} tại {}.",
                u.username,
                role.label_vi(),
                a.code
            )),
            other => other.into(),
        })?;
    txn.commit().await.map_err(commit_err)?;
    Ok(())
}

/// Revokes a role. Refused for one's own last admin role, and for the province office's last
/// active admin.
pub async fn revoke(
    store: &Store,
    p: &Principal,
    username: &str,
    agency_code: &str,
    role: &str,
) -> Result<()> {
    let u = find(store, username).await?;
    let role = parse_role(role)?;
    let a = agency(store, agency_code).await?;
    require(p, &a.code)?;
    let roles = accounts::memberships(store.db(), u.id).await?;
    if !roles.iter().any(|m| m.agency_id == a.id && m.role == role) {
        return Err(AppError::Invalid(format!(
            "{} không có vai trò {} tại {}.",
            u.username,
            role.label_vi(),
            a.code
        )));
    }
    if role == Role::Admin {
        if u.id == p.user.id && roles.iter().filter(|m| m.role == Role::Admin).count() == 1 {
            return Err(AppError::Conflict(
                "Bạn không thể thu hồi vai trò quản trị cuối cùng của chính mình: nhờ một quản trị viên khác làm việc này."
                    .into(),
            ));
        }
        if p.province_office.as_deref() == Some(a.code.as_str())
            && last_system_admin(store, p, &u).await?
        {
            return Err(AppError::Conflict(format!(
                "{} là quản trị hệ thống cuối cùng của {}: cấp vai trò quản trị cho người khác trước.",
                u.username, a.code
            )));
        }
    }
    let txn = store.begin_write().await?;
    accounts::revoke_role(&txn, &p.actor(), &u, &a, role).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(())
}

/// Enables or disables an account; disabling ends its sessions. Returns whether it changed.
pub async fn set_active(
    store: &Store,
    p: &Principal,
    username: &str,
    active: bool,
) -> Result<bool> {
    let u = find(store, username).await?;
    require_over(store, p, &u).await?;
    if !active {
        if u.id == p.user.id {
            return Err(AppError::Conflict(
                "Bạn không thể khóa tài khoản của chính mình.".into(),
            ));
        }
        if last_system_admin(store, p, &u).await? {
            return Err(AppError::Conflict(format!(
                "{} là quản trị hệ thống cuối cùng: cấp vai trò quản trị cho người khác trước khi khóa tài khoản này.",
                u.username
            )));
        }
    }
    let txn = store.begin_write().await?;
    let changed = accounts::set_active(&txn, &p.actor(), &u, active).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(changed)
}

/// A random password of 16 characters without look-alikes (0/O, 1/l/I).
fn generated_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<16>()?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Sets a new password (or a generated one when `new` is empty, returned once) and ends the
/// account's sessions.
pub async fn reset_password(
    store: &Store,
    cpu: &crate::cpu::CpuPool,
    p: &Principal,
    username: &str,
    new: &str,
) -> Result<Option<String>> {
    let u = find(store, username).await?;
    require_over(store, p, &u).await?;
    let (password, generated) = if new.is_empty() {
        let g = generated_password()?;
        (g.clone(), Some(g))
    } else if new.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::Invalid(format!(
            "Mật khẩu mới phải có ít nhất {MIN_PASSWORD_LEN} ký tự (để trống để hệ thống tạo mật khẩu)."
        )));
    } else {
        (new.to_owned(), None)
    };
    let pw = password.clone();
    let hash = cpu.run(move || hash_password(&pw)).await?;
    let txn = store.begin_write().await?;
    accounts::set_password(&txn, &p.actor(), &u, &hash).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(generated)
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_passwords_are_long_and_plain() {
        let a = super::generated_password().unwrap_or_default();
        assert_eq!(a.chars().count(), 16);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c))
        );
        assert_ne!(a, super::generated_password().unwrap_or_default());
    }
}
