//! Use case: load the demo province (`deploy/demo/`): its directory and one account per role for
//! the departments the seed directive names. Safe to run on every start: what exists is kept.

use std::path::{Path, PathBuf};

use trinhky_domain::directory::{UserSpec, parse_users};
use trinhky_store::{Store, accounts};

use crate::directory_import::directory_import;
use crate::user_add::{NewUser, user_add};
use crate::{AppError, Result, read_text};

/// One demo account, for the table printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub full_name: String,
    pub roles: String,
    pub created: bool,
}

/// Finds `deploy/demo` next to the current directory or the executable.
pub fn find_demo_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let mut candidates = vec![PathBuf::from("deploy/demo")];
    if let Ok(exe) = std::env::current_exe() {
        for anc in exe.ancestors().skip(1).take(5) {
            candidates.push(anc.join("deploy/demo"));
        }
    }
    candidates
        .into_iter()
        .find(|p| p.join("directory.toml").is_file())
        .ok_or_else(|| {
            AppError::Invalid(
                "demo data not found: run from the repository root or pass --demo-dir deploy/demo"
                    .into(),
            )
        })
}

/// Imports the demo directory and creates the demo accounts that do not exist yet. Runs before
/// the application is built (the demo's keys must exist when signing loads its trust roots), so
/// the passwords are hashed on a pool of its own.
pub async fn load(store: &Store, demo_dir: &Path) -> Result<Vec<DemoAccount>> {
    let cpu = crate::cpu::CpuPool::default();
    let (dir, _) = directory_import(
        store,
        &demo_dir.join("directory.toml"),
        "system:demo",
        |_, _| {},
    )
    .await?;
    let users_path = demo_dir.join("users.toml");
    let users: Vec<UserSpec> = parse_users(
        &users_path.display().to_string(),
        &read_text(&users_path)?,
        &dir,
    )?;
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let exists = accounts::user_by_username(store.db(), &u.username)
            .await?
            .is_some();
        if !exists {
            user_add(
                store,
                &cpu,
                "system:demo",
                NewUser {
                    username: u.username.clone(),
                    full_name: u.full_name.clone(),
                    email: u.email.clone(),
                    password: u.password.clone(),
                    roles: u
                        .roles
                        .iter()
                        .map(|r| (r.agency.clone(), r.role, r.title.clone()))
                        .collect(),
                },
            )
            .await?;
        }
        out.push(DemoAccount {
            roles: u
                .roles
                .iter()
                .map(|r| format!("{} {}", r.agency, r.title))
                .collect::<Vec<_>>()
                .join(", "),
            username: u.username,
            password: u.password,
            full_name: u.full_name,
            created: !exists,
        });
    }
    Ok(out)
}

/// The PIN of every demo signing key (demo only: real keys have their holders' own PINs).
pub const DEMO_PIN: &str = "123456";

/// Issues demo signing keys (ECDSA P-256, PIN [`DEMO_PIN`], wrapped with `kek`) from the
/// development CA in `<data_dir>/pki` (its own passphrase in `ca.pass` there) to every head,
/// deputy and organisation that has none; returns how many.
pub async fn install_keys(store: &Store, kek: &crate::kek::Kek, data_dir: &Path) -> Result<usize> {
    let issued = crate::signing::issue_dev_keys(
        store,
        kek,
        &data_dir.join("pki"),
        DEMO_PIN,
        trinhky_pdf::sign::KeyAlgorithm::EcdsaP256,
        "system:demo",
        |_| {},
    )
    .await?;
    Ok(issued.len())
}
