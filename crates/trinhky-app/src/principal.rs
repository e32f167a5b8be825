//! Who is acting, and what they may touch. Every route asks the principal; nothing is decided
//! by what the browser shows or hides.

use trinhky_domain::Role;
pub use trinhky_store::accounts::Membership;
use trinhky_store::entities::user;

/// The acting user as every request carries it: who they are, never their secrets (the
/// password hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrincipalUser {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub active: bool,
}

impl From<user::Model> for PrincipalUser {
    fn from(u: user::Model) -> Self {
        PrincipalUser {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            active: u.active,
        }
    }
}

/// An authenticated user with their roles per agency.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: PrincipalUser,
    pub memberships: Vec<Membership>,
    /// The directory's province office code (Văn phòng UBND), whose clerks receive and archive.
    pub province_office: Option<String>,
}

impl Principal {
    /// The principal of an account: its roles per agency and the directory's province office.
    pub async fn load(store: &trinhky_store::Store, user: user::Model) -> crate::Result<Principal> {
        let db = store.db();
        let memberships = trinhky_store::accounts::memberships(db, user.id).await?;
        let province_office = trinhky_store::directory::settings(db)
            .await?
            .map(|s| s.province_office);
        Ok(Principal {
            user: user.into(),
            memberships,
            province_office,
        })
    }

    /// The actor string written into the audit chain.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user.username)
    }

    /// Holds any role in the agency.
    pub fn belongs_to(&self, agency_code: &str) -> bool {
        self.memberships
            .iter()
            .any(|m| m.agency_code == agency_code)
    }

    /// Holds `role` in the agency.
    pub fn has_role(&self, agency_code: &str, role: Role) -> bool {
        self.memberships
            .iter()
            .any(|m| m.agency_code == agency_code && m.role == role)
    }

    /// Agencies the user belongs to, without repeats, in the order roles were granted.
    pub fn agencies(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for m in &self.memberships {
            if !out.iter().any(|(c, _)| *c == m.agency_code) {
                out.push((&m.agency_code, &m.agency_name));
            }
        }
        out
    }

    /// Roles held anywhere.
    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.memberships.iter().map(|m| m.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// System administrator: holds `admin` in the province office (Văn phòng UBND), which keeps
    /// the province's directory. Administers every agency, group, account, signing key, workflow
    /// view and the holiday calendar (the `/admin` pages).
    pub fn is_system_admin(&self) -> bool {
        self.province_office
            .as_deref()
            .is_some_and(|po| self.has_role(po, Role::Admin))
    }

    /// May manage an agency's staff and roles: the agency's own admin, or a system administrator.
    /// The one rule every page, API route and use case asks.
    pub fn may_administer(&self, agency_code: &str) -> bool {
        self.has_role(agency_code, Role::Admin) || self.is_system_admin()
    }

    /// May see an agency's staff list: its members, and whoever may administer it.
    pub fn may_view_staff(&self, agency_code: &str) -> bool {
        self.belongs_to(agency_code) || self.may_administer(agency_code)
    }

    /// Clerk of the province office: receives, registers and archives incoming documents.
    pub fn is_receiving_clerk(&self) -> bool {
        self.province_office
            .as_deref()
            .is_some_and(|po| self.has_role(po, Role::Clerk))
    }
}
