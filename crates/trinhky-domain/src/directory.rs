//! The directory (danh bạ): agencies, recipient groups and demo accounts, as data files.
//!
//! Agency names never appear in code: they come from a TOML file such as
//! `deploy/demo/directory.toml`, parsed and validated here. Every error names the file, line and
//! column and says how to fix it; a file with any error is rejected as a whole.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::Role;
use crate::text::{fold, nfc};

/// A validation or syntax error in a directory or users file, located by line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Kinds of agencies. Only behaviour hangs on the kind, never on a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Committee,
    Office,
    Department,
    District,
    Press,
    Party,
    Council,
    MassOrg,
    Central,
    Unit,
    Leadership,
    Other,
}

impl AgencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Committee => "committee",
            AgencyKind::Office => "office",
            AgencyKind::Department => "department",
            AgencyKind::District => "district",
            AgencyKind::Press => "press",
            AgencyKind::Party => "party",
            AgencyKind::Council => "council",
            AgencyKind::MassOrg => "mass_org",
            AgencyKind::Central => "central",
            AgencyKind::Unit => "unit",
            AgencyKind::Leadership => "leadership",
            AgencyKind::Other => "other",
        }
    }
}

/// A validated agency (cơ quan, đơn vị).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub parent: String,
    pub kind: AgencyKind,
    pub email: String,
    pub head_title: String,
    pub deputy_title: String,
    pub aliases: Vec<String>,
    pub uses_trinhky: bool,
}

/// A validated recipient group (nhóm nơi nhận) with its member agency codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientGroup {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub members: Vec<String>,
}

/// A validated directory file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directory {
    pub name: String,
    pub place: String,
    pub email_domain: String,
    pub province_office: String,
    pub agencies: Vec<Agency>,
    pub groups: Vec<RecipientGroup>,
}

impl Directory {
    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.code == code)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    directory: RawMeta,
    #[serde(default)]
    agencies: Vec<RawAgency>,
    #[serde(default)]
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    name: Spanned<String>,
    place: Spanned<String>,
    email_domain: Spanned<String>,
    province_office: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    code: Spanned<String>,
    name: Spanned<String>,
    short_name: Option<Spanned<String>>,
    #[serde(default)]
    parent: String,
    kind: AgencyKind,
    email: Spanned<String>,
    #[serde(default)]
    head_title: String,
    #[serde(default)]
    deputy_title: String,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    uses_trinhky: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    code: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    members: Vec<Spanned<String>>,
}

/// Turns byte offsets into line/column for messages.
struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    fn at(&self, span: Range<usize>, message: impl fmt::Display) -> FileError {
        let upto = &self.text[..span.start.min(self.text.len())];
        let line = upto.matches('\n').count() + 1;
        let column = upto
            .rfind('\n')
            .map_or(upto.chars().count(), |i| upto[i + 1..].chars().count())
            + 1;
        FileError {
            file: self.file.to_owned(),
            line,
            column,
            message: message.to_string(),
        }
    }

    fn toml(&self, err: toml::de::Error) -> FileError {
        let span = err.span().unwrap_or(0..0);
        self.at(span, err.message().trim_end())
    }
}

/// Agency and group codes: upper-case letters (Vietnamese Đ allowed), digits and '-'.
pub fn valid_code(code: &str) -> bool {
    let n = code.chars().count();
    (1..=24).contains(&n)
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == 'Đ')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

/// A pragmatic e-mail check: one '@', a non-empty local part, a dotted domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.is_ascii()
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
}

fn require_text(loc: &Locator<'_>, v: &Spanned<String>, what: &str) -> Result<String, FileError> {
    let s = nfc(v.get_ref().trim());
    if s.is_empty() {
        return Err(loc.at(v.span(), format!("{what} is empty; write the {what}")));
    }
    Ok(s)
}

/// Parses and validates a directory file. `file` is used in messages only.
pub fn parse_directory(file: &str, text: &str) -> Result<Directory, FileError> {
    let loc = Locator { file, text };
    let raw: RawDirectory = toml::from_str(text).map_err(|e| loc.toml(e))?;

    // Every name and alias, folded, must point at exactly one agency or group.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut claim = |key: &str, owner: &str, span: Range<usize>| -> Result<(), FileError> {
        let k = fold(key);
        match names.get(&k) {
            Some(other) if other != owner => Err(loc.at(
                span,
                format!("\"{key}\" already names {other}; each name or alias must point at one agency or group"),
            )),
            _ => {
                names.insert(k, owner.to_owned());
                Ok(())
            }
        }
    };

    let mut agencies = Vec::with_capacity(raw.agencies.len());
    let mut codes: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut emails: HashMap<String, String> = HashMap::new();
    for a in &raw.agencies {
        let code = a.code.get_ref().trim().to_owned();
        if !valid_code(&code) {
            return Err(loc.at(
                a.code.span(),
                format!("agency code \"{code}\" is invalid; use upper-case letters (Đ allowed), digits and '-', e.g. \"SNV\" or \"SKHĐT\""),
            ));
        }
        if codes.insert(code.clone(), a.code.span()).is_some() {
            return Err(loc.at(
                a.code.span(),
                format!("agency code \"{code}\" is used twice; codes must be unique"),
            ));
        }
        let name = require_text(&loc, &a.name, "agency name")?;
        let email = a.email.get_ref().trim().to_ascii_lowercase();
        if !valid_email(&email) {
            return Err(loc.at(
                a.email.span(),
                format!("\"{email}\" is not a valid e-mail address (expected name@domain.tld)"),
            ));
        }
        if let Some(other) = emails.insert(email.clone(), code.clone()) {
            return Err(loc.at(
                a.email.span(),
                format!("e-mail \"{email}\" is already used by agency {other}"),
            ));
        }
        let short_name = match &a.short_name {
            Some(s) => require_text(&loc, s, "short name")?,
            None => name.clone(),
        };
        let owner = format!("agency {code}");
        claim(&name, &owner, a.name.span())?;
        if let Some(s) = &a.short_name {
            claim(&short_name, &owner, s.span())?;
        }
        let mut aliases = Vec::new();
        for al in &a.aliases {
            let text = require_text(&loc, al, "alias")?;
            claim(&text, &owner, al.span())?;
            aliases.push(text);
        }
        agencies.push(Agency {
            code,
            name,
            short_name,
            parent: nfc(a.parent.trim()),
            kind: a.kind,
            email,
            head_title: nfc(a.head_title.trim()),
            deputy_title: nfc(a.deputy_title.trim()),
            aliases,
            uses_trinhky: a.uses_trinhky,
        });
    }

    let mut groups = Vec::with_capacity(raw.groups.len());
    for g in &raw.groups {
        let code = g.code.get_ref().trim().to_owned();
        if !valid_code(&code) {
            return Err(loc.at(
                g.code.span(),
                format!("group code \"{code}\" is invalid; use upper-case letters, digits and '-'"),
            ));
        }
        if codes.insert(code.clone(), g.code.span()).is_some() {
            return Err(loc.at(
                g.code.span(),
                format!("code \"{code}\" is used twice; agency and group codes must be unique"),
            ));
        }
        let name = require_text(&loc, &g.name, "group name")?;
        let owner = format!("group {code}");
        claim(&name, &owner, g.name.span())?;
        let mut aliases = Vec::new();
        for al in &g.aliases {
            let text = require_text(&loc, al, "alias")?;
            claim(&text, &owner, al.span())?;
            aliases.push(text);
        }
        if g.members.is_empty() {
            return Err(loc.at(
                g.code.span(),
                format!("group {code} has no members; list agency codes in `members`"),
            ));
        }
        let mut members: Vec<String> = Vec::new();
        for m in &g.members {
            let mc = m.get_ref().trim().to_owned();
            if !agencies.iter().any(|a| a.code == mc) {
                return Err(loc.at(
                    m.span(),
                    format!(
                        "group {code} lists \"{mc}\", which is not an agency code defined above"
                    ),
                ));
            }
            if members.contains(&mc) {
                return Err(loc.at(m.span(), format!("group {code} lists \"{mc}\" twice")));
            }
            members.push(mc);
        }
        groups.push(RecipientGroup {
            code,
            name,
            aliases,
            members,
        });
    }

    let m = &raw.directory;
    let province_office = m.province_office.get_ref().trim().to_owned();
    if !agencies.iter().any(|a| a.code == province_office) {
        return Err(loc.at(
            m.province_office.span(),
            format!(
                "province_office \"{province_office}\" is not an agency code defined in this file"
            ),
        ));
    }
    let email_domain = m.email_domain.get_ref().trim().to_ascii_lowercase();
    if !valid_email(&format!("x@{email_domain}")) {
        return Err(loc.at(
            m.email_domain.span(),
            format!("\"{email_domain}\" is not a valid mail domain"),
        ));
    }
    Ok(Directory {
        name: require_text(&loc, &m.name, "directory name")?,
        place: require_text(&loc, &m.place, "place")?,
        email_domain,
        province_office,
        agencies,
        groups,
    })
}

/// A demo or bulk-created account from a users file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub password: String,
    pub roles: Vec<RoleGrant>,
}

/// A role in an agency, with the title printed for the person (chức vụ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub agency: String,
    pub role: Role,
    pub title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUsers {
    #[serde(default)]
    users: Vec<RawUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    username: Spanned<String>,
    full_name: Spanned<String>,
    email: Spanned<String>,
    password: Spanned<String>,
    roles: Vec<Spanned<RawRole>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    agency: String,
    role: String,
    #[serde(default)]
    title: String,
}

/// Minimum password length for any account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Usernames: 3–64 characters of a–z, 0–9, '.', '_' and '-'.
pub fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Parses a users file, checking every agency against `directory`.
pub fn parse_users(
    file: &str,
    text: &str,
    directory: &Directory,
) -> Result<Vec<UserSpec>, FileError> {
    let loc = Locator { file, text };
    let raw: RawUsers = toml::from_str(text).map_err(|e| loc.toml(e))?;
    let mut out: Vec<UserSpec> = Vec::new();
    for u in raw.users {
        let username = u.username.get_ref().trim().to_owned();
        if !valid_username(&username) {
            return Err(loc.at(u.username.span(), format!("username \"{username}\" is invalid; use 3–64 characters a-z, 0-9, '.', '_' or '-'")));
        }
        if out.iter().any(|o| o.username == username) {
            return Err(loc.at(
                u.username.span(),
                format!("username \"{username}\" appears twice"),
            ));
        }
        let email = u.email.get_ref().trim().to_ascii_lowercase();
        if !valid_email(&email) {
            return Err(loc.at(
                u.email.span(),
                format!("\"{email}\" is not a valid e-mail address"),
            ));
        }
        if u.password.get_ref().chars().count() < MIN_PASSWORD_LEN {
            return Err(loc.at(
                u.password.span(),
                format!("password of {username} is shorter than {MIN_PASSWORD_LEN} characters"),
            ));
        }
        let mut roles = Vec::new();
        for r in &u.roles {
            let raw = r.get_ref();
            let role: Role = raw.role.parse().map_err(|e| loc.at(r.span(), e))?;
            if directory.agency(&raw.agency).is_none() {
                return Err(loc.at(r.span(), format!("agency \"{}\" is not in the directory; import the directory first or fix the code", raw.agency)));
            }
            roles.push(RoleGrant {
                agency: raw.agency.clone(),
                role,
                title: nfc(raw.title.trim()),
            });
        }
        out.push(UserSpec {
            username,
            full_name: require_text(&loc, &u.full_name, "full name")?,
            email,
            password: u.password.into_inner(),
            roles,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GOOD: &str = r#"
[directory]
name = "Tỉnh Thử"
place = "Thử"
email_domain = "thu.example"
province_office = "VP"

[[agencies]]
code = "VP"
name = "Văn phòng UBND tỉnh"
kind = "office"
email = "vp@thu.example"

[[agencies]]
code = "SKHĐT"
name = "Sở Kế hoạch và Đầu tư"
aliases = ["Sở KH&ĐT"]
kind = "department"
email = "skhdt@thu.example"

[[groups]]
code = "SBN"
name = "Các Sở, Ban, ngành"
members = ["SKHĐT", "VP"]
"#;

    #[test]
    fn good_file_parses() {
        let d = parse_directory("d.toml", GOOD).unwrap();
        assert_eq!(d.agencies.len(), 2);
        assert_eq!(d.groups[0].members, ["SKHĐT", "VP"]);
        assert_eq!(
            d.agency("SKHĐT").unwrap().short_name,
            "Sở Kế hoạch và Đầu tư"
        );
    }

    #[test]
    fn unknown_member_is_located() {
        let bad = GOOD.replace(
            "members = [\"SKHĐT\", \"VP\"]",
            "members = [\"SKHĐT\", \"SXX\"]",
        );
        let e = parse_directory("d.toml", &bad).unwrap_err();
        assert_eq!(e.line, 24, "{e}");
        assert!(e.message.contains("SXX"), "{e}");
    }

    #[test]
    fn duplicate_alias_across_agencies_is_refused() {
        let bad = GOOD.replace(
            "aliases = [\"Sở KH&ĐT\"]",
            "aliases = [\"Văn phòng UBND tỉnh\"]",
        );
        let e = parse_directory("d.toml", &bad).unwrap_err();
        assert!(e.message.contains("already names agency VP"), "{e}");
        assert_eq!(e.line, 17);
    }

    #[test]
    fn syntax_error_has_a_line() {
        let bad = GOOD.replace("kind = \"office\"", "kind = office");
        let e = parse_directory("d.toml", &bad).unwrap_err();
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn codes_and_emails_are_checked() {
        assert!(valid_code("SKHĐT"));
        assert!(!valid_code("snv"));
        assert!(!valid_code("S NV"));
        assert!(valid_email("snv@daknong.example"));
        assert!(!valid_email("snv@localhost"));
        assert!(!valid_email("a b@x.example"));
    }
}
