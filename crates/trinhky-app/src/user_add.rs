//! Use case: create an account with its roles.

use trinhky_domain::Role;
use trinhky_domain::directory::{MIN_PASSWORD_LEN, valid_email, valid_username};
use trinhky_domain::text::nfc;
use trinhky_store::{Store, StoreError, accounts, directory};

use crate::auth::hash_password;
use crate::{AppError, Code, Result};

/// What an administrator (or the demo loader) asks for.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub password: String,
    /// (agency code, role, title)
    pub roles: Vec<(String, Role, String)>,
}

/// Validates and creates the user, its roles and the audit event in one transaction.
pub async fn user_add(
    store: &Store,
    cpu: &crate::cpu::CpuPool,
    actor: &str,
    new: NewUser,
) -> Result<trinhky_store::entities::user::Model> {
    let username = new.username.trim().to_ascii_lowercase();
    if !valid_username(&username) {
        return Err(AppError::Invalid(format!(
            "username \"{username}\" is invalid: use 3–64 characters a-z, 0-9, '.', '_' or '-'"
        )));
    }
    let full_name = nfc(new.full_name.trim());
    if full_name.is_empty() {
        return Err(AppError::Invalid(
            "full name is empty; give the person's name as it is printed".into(),
        ));
    }
    let email = new.email.trim().to_ascii_lowercase();
    if !valid_email(&email) {
        return Err(AppError::Invalid(format!(
            "\"{email}\" is not a valid e-mail address"
        )));
    }
    if new.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::Invalid(format!(
            "password is shorter than {MIN_PASSWORD_LEN} characters"
        )));
    }
    if new.roles.is_empty() {
        return Err(AppError::Invalid(
            "give at least one role, e.g. --role SNV:drafter".into(),
        ));
    }
    for (code, _, _) in &new.roles {
        if directory::agency_by_code(store.db(), code).await?.is_none() {
            return Err(AppError::Invalid(format!(
                "agency \"{code}\" is not in the directory; import it with `trinhky directory import` or fix the code"
            )));
        }
    }
    let pw = new.password.clone();
    let hash = cpu.run(move || hash_password(&pw)).await?;
    let roles: Vec<(String, Role, String)> = new
        .roles
        .into_iter()
        .map(|(c, r, t)| (c, r, nfc(t.trim())))
        .collect();
    let txn = store.begin_write().await?;
    let user = accounts::create_user(&txn, actor, &username, &full_name, &email, &hash, &roles)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => AppError::new(Code::Duplicate, m),
            other => other.into(),
        })?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(user)
}

/// Parses "AGENCY:role[:title]" as given on the command line.
pub fn parse_role_arg(arg: &str) -> Result<(String, Role, String)> {
    let mut parts = arg.splitn(3, ':');
    let (Some(code), Some(role)) = (parts.next(), parts.next()) else {
        return Err(AppError::Invalid(format!(
            "role \"{arg}\" must look like AGENCY:role, e.g. SNV:drafter"
        )));
    };
    let role: Role = role
        .parse()
        .map_err(|e: trinhky_domain::role::UnknownRole| AppError::Invalid(e.to_string()))?;
    let title = parts
        .next()
        .map_or_else(|| role.label_vi().to_owned(), str::to_owned);
    Ok((code.trim().to_owned(), role, title))
}
