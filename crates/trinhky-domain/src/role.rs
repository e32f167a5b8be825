//! Roles a user holds in one agency (vai trò theo cơ quan).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role is always held *in an agency*: the same person may be a drafter in one agency only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// chuyên viên: prepares documents.
    Drafter,
    /// thủ trưởng: approves and signs for the agency.
    AgencyHead,
    /// cấp phó: signs "KT." when delegated.
    DeputyHead,
    /// trưởng phòng: head of a unit inside the agency; reviews drafts before the agency head.
    UnitHead,
    /// văn thư: numbers, seals, dispatches and registers. In the province office the clerk also
    /// receives and archives incoming documents.
    Clerk,
    /// quản trị hệ thống: manages the agency's users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Drafter,
        Role::AgencyHead,
        Role::DeputyHead,
        Role::UnitHead,
        Role::Clerk,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Drafter => "drafter",
            Role::AgencyHead => "agency_head",
            Role::DeputyHead => "deputy_head",
            Role::UnitHead => "unit_head",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
        }
    }

    /// The Vietnamese name shown in the UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Drafter => "Chuyên viên",
            Role::AgencyHead => "Thủ trưởng cơ quan",
            Role::DeputyHead => "Cấp phó",
            Role::UnitHead => "Trưởng phòng",
            Role::Clerk => "Văn thư",
            Role::Admin => "Quản trị hệ thống",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role \"{0}\"; expected one of: drafter, agency_head, deputy_head, unit_head, clerk, admin"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("boss".parse::<Role>().is_err());
    }
}
