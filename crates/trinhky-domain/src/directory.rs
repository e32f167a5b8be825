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
    pub const ALL: [AgencyKind; 12] = [
        AgencyKind::Committee,
        AgencyKind::Office,
        AgencyKind::Department,
        AgencyKind::District,
        AgencyKind::Press,
        AgencyKind::Party,
        AgencyKind::Council,
        AgencyKind::MassOrg,
        AgencyKind::Central,
        AgencyKind::Unit,
        AgencyKind::Leadership,
        AgencyKind::Other,
    ];

    pub fn parse(s: &str) -> Option<AgencyKind> {
        AgencyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Vietnamese name shown in the UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            AgencyKind::Committee => "Ủy ban nhân dân",
            AgencyKind::Office => "Văn phòng",
            AgencyKind::Department => "Sở, ban, ngành",
            AgencyKind::District => "Huyện, thành phố",
            AgencyKind::Press => "Báo chí",
            AgencyKind::Party => "Cơ quan Đảng",
            AgencyKind::Council => "Hội đồng nhân dân",
            AgencyKind::MassOrg => "Đoàn thể",
            AgencyKind::Central => "Cơ quan trung ương",
            AgencyKind::Unit => "Đơn vị trực thuộc",
            AgencyKind::Leadership => "Lãnh đạo",
            AgencyKind::Other => "Khác",
        }
    }

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
    let mut cx = Checker {
        loc: Locator { file, text },
        names: HashMap::new(),
        codes: BTreeMap::new(),
        emails: HashMap::new(),
    };
    let raw: RawDirectory = toml::from_str(text).map_err(|e| cx.loc.toml(e))?;
    let mut agencies = Vec::with_capacity(raw.agencies.len());
    for a in &raw.agencies {
        agencies.push(cx.agency(a)?);
    }
    let mut groups = Vec::with_capacity(raw.groups.len());
    for g in &raw.groups {
        groups.push(cx.group(g, &agencies)?);
    }
    let loc = &cx.loc;
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
        name: require_text(loc, &m.name, "directory name")?,
        place: require_text(loc, &m.place, "place")?,
        email_domain,
        province_office,
        agencies,
        groups,
    })
}

/// What a directory file has claimed so far while it is checked entry by entry.
struct Checker<'a> {
    loc: Locator<'a>,
    /// Every name and alias, folded, with its owner ("agency SNV"): each must point at one owner.
    names: HashMap<String, String>,
    /// Agency and group codes, which share one namespace.
    codes: BTreeMap<String, Range<usize>>,
    /// Agency e-mail addresses with the code using each.
    emails: HashMap<String, String>,
}

impl Checker<'_> {
    fn claim(&mut self, key: &str, owner: &str, span: Range<usize>) -> Result<(), FileError> {
        let k = fold(key);
        match self.names.get(&k) {
            Some(other) if other != owner => Err(self.loc.at(
                span,
                format!("\"{key}\" already names {other}; each name or alias must point at one agency or group"),
            )),
            _ => {
                self.names.insert(k, owner.to_owned());
                Ok(())
            }
        }
    }

    fn aliases(&mut self, raw: &[Spanned<String>], owner: &str) -> Result<Vec<String>, FileError> {
        let mut aliases = Vec::new();
        for al in raw {
            let text = require_text(&self.loc, al, "alias")?;
            self.claim(&text, owner, al.span())?;
            aliases.push(text);
        }
        Ok(aliases)
    }

    fn agency(&mut self, a: &RawAgency) -> Result<Agency, FileError> {
        let loc = &self.loc;
        let code = a.code.get_ref().trim().to_owned();
        if !valid_code(&code) {
            return Err(loc.at(
                a.code.span(),
                format!("agency code \"{code}\" is invalid; use upper-case letters (Đ allowed), digits and '-', e.g. \"SNV\" or \"SKHĐT\""),
            ));
        }
        if self.codes.insert(code.clone(), a.code.span()).is_some() {
            return Err(loc.at(
                a.code.span(),
                format!("agency code \"{code}\" is used twice; codes must be unique"),
            ));
        }
        let name = require_text(loc, &a.name, "agency name")?;
        let email = a.email.get_ref().trim().to_ascii_lowercase();
        if !valid_email(&email) {
            return Err(loc.at(
                a.email.span(),
                format!("\"{email}\" is not a valid e-mail address (expected name@domain.tld)"),
            ));
        }
        if let Some(other) = self.emails.insert(email.clone(), code.clone()) {
            return Err(loc.at(
                a.email.span(),
                format!("e-mail \"{email}\" is already used by agency {other}"),
            ));
        }
        let short_name = match &a.short_name {
            Some(s) => require_text(loc, s, "short name")?,
            None => name.clone(),
        };
        let owner = format!("agency {code}");
        self.claim(&name, &owner, a.name.span())?;
        if let Some(s) = &a.short_name {
            self.claim(&short_name, &owner, s.span())?;
        }
        let aliases = self.aliases(&a.aliases, &owner)?;
        Ok(Agency {
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
        })
    }

    fn group(&mut self, g: &RawGroup, agencies: &[Agency]) -> Result<RecipientGroup, FileError> {
        let code = g.code.get_ref().trim().to_owned();
        if !valid_code(&code) {
            return Err(self.loc.at(
                g.code.span(),
                format!("group code \"{code}\" is invalid; use upper-case letters, digits and '-'"),
            ));
        }
        if self.codes.insert(code.clone(), g.code.span()).is_some() {
            return Err(self.loc.at(
                g.code.span(),
                format!("code \"{code}\" is used twice; agency and group codes must be unique"),
            ));
        }
        let name = require_text(&self.loc, &g.name, "group name")?;
        let owner = format!("group {code}");
        self.claim(&name, &owner, g.name.span())?;
        let aliases = self.aliases(&g.aliases, &owner)?;
        if g.members.is_empty() {
            return Err(self.loc.at(
                g.code.span(),
                format!("group {code} has no members; list agency codes in `members`"),
            ));
        }
        let mut members: Vec<String> = Vec::new();
        for m in &g.members {
            let mc = m.get_ref().trim().to_owned();
            if !agencies.iter().any(|a| a.code == mc) {
                return Err(self.loc.at(
                    m.span(),
                    format!(
                        "group {code} lists \"{mc}\", which is not an agency code defined above"
                    ),
                ));
            }
            if members.contains(&mc) {
                return Err(self
                    .loc
                    .at(m.span(), format!("group {code} lists \"{mc}\" twice")));
            }
            members.push(mc);
        }
        Ok(RecipientGroup {
            code,
            name,
            aliases,
            members,
        })
    }
}

/// Why an agency or group edited by an administrator is refused: the field and what to fix
/// (Vietnamese, shown beside the form). The same rules as [`parse_directory`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The form field: `code`, `name`, `short_name`, `email`, `aliases`, `members`.
    pub field: &'static str,
    pub message: String,
}

fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Who a folded name points at: every agency's name, short name and aliases and every group's
/// name and aliases, except `skip` (the one being edited).
fn name_owners(
    agencies: &[Agency],
    groups: &[RecipientGroup],
    skip: &str,
) -> HashMap<String, String> {
    let mut owners = HashMap::new();
    for a in agencies.iter().filter(|a| a.code != skip) {
        for n in std::iter::once(&a.name)
            .chain(std::iter::once(&a.short_name))
            .chain(a.aliases.iter())
        {
            owners.insert(fold(n), format!("cơ quan {} ({})", a.code, a.name));
        }
    }
    for g in groups.iter().filter(|g| g.code != skip) {
        for n in std::iter::once(&g.name).chain(g.aliases.iter()) {
            owners.insert(fold(n), format!("nhóm {} ({})", g.code, g.name));
        }
    }
    owners
}

fn clean_aliases(aliases: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in aliases {
        let a = nfc(a.trim());
        if !a.is_empty() && !out.iter().any(|o| fold(o) == fold(&a)) {
            out.push(a);
        }
    }
    out
}

/// Normalises and checks an agency entered in the administration pages against the rest of the
/// directory, as [`parse_directory`] checks a file: code syntax and uniqueness (agency and group
/// codes share one namespace), a name, a valid e-mail used by no other agency, and names, short
/// name and aliases that point at no other agency or group (Nơi nhận lines resolve by them).
/// `agencies` may contain the agency itself (an edit): it is compared with the others only.
/// Returns every problem, one per field.
pub fn check_agency(
    candidate: &Agency,
    agencies: &[Agency],
    groups: &[RecipientGroup],
    is_new: bool,
) -> Result<Agency, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = candidate.code.trim().to_owned();
    if !valid_code(&code) {
        errors.push(field_error(
            "code",
            format!("Mã \"{code}\" không hợp lệ: dùng chữ in hoa (có thể có Đ), chữ số và dấu '-', tối đa 24 ký tự, ví dụ SNV hoặc SKHĐT."),
        ));
    } else if is_new && agencies.iter().any(|a| a.code == code) {
        errors.push(field_error(
            "code",
            format!("Mã \"{code}\" đã được dùng cho một cơ quan khác."),
        ));
    } else if groups.iter().any(|g| g.code == code) {
        errors.push(field_error(
            "code",
            format!("Mã \"{code}\" đã được dùng cho một nhóm nơi nhận."),
        ));
    }
    let name = nfc(candidate.name.trim());
    if name.is_empty() {
        errors.push(field_error(
            "name",
            "Tên cơ quan trống: ghi tên đầy đủ của cơ quan.",
        ));
    }
    let short_name = match nfc(candidate.short_name.trim()) {
        s if s.is_empty() => name.clone(),
        s => s,
    };
    let email = candidate.email.trim().to_ascii_lowercase();
    if !valid_email(&email) {
        errors.push(field_error(
            "email",
            format!("\"{email}\" không phải địa chỉ thư điện tử hợp lệ (dạng ten@tenmien.vn)."),
        ));
    } else if let Some(other) = agencies
        .iter()
        .find(|a| (is_new || a.code != code) && a.email.eq_ignore_ascii_case(&email))
    {
        errors.push(field_error(
            "email",
            format!(
                "Địa chỉ {email} đã là thư điện tử của {} ({}).",
                other.code, other.name
            ),
        ));
    }
    let aliases = clean_aliases(&candidate.aliases);
    let owners = name_owners(agencies, groups, if is_new { "" } else { &code });
    for (field, n) in std::iter::once(("name", &name))
        .chain(std::iter::once(("short_name", &short_name)))
        .chain(aliases.iter().map(|a| ("aliases", a)))
    {
        if n.is_empty() {
            continue;
        }
        if let Some(owner) = owners.get(&fold(n))
            && !errors.iter().any(|e| e.field == field)
        {
            errors.push(field_error(
                    field,
                    format!("\"{n}\" đã là tên của {owner}: mỗi tên, tên viết tắt hoặc tên gọi khác chỉ trỏ tới một cơ quan hoặc nhóm."),
                ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Agency {
        code,
        name,
        short_name,
        parent: nfc(candidate.parent.trim()),
        kind: candidate.kind,
        email,
        head_title: nfc(candidate.head_title.trim()),
        deputy_title: nfc(candidate.deputy_title.trim()),
        aliases,
        uses_trinhky: candidate.uses_trinhky,
    })
}

/// Normalises and checks a recipient group like [`check_agency`]: code syntax and uniqueness, a
/// name, names and aliases that point at nothing else, and at least one member, each an agency
/// code of the directory (members are returned sorted, without repeats).
pub fn check_group(
    candidate: &RecipientGroup,
    agencies: &[Agency],
    groups: &[RecipientGroup],
    is_new: bool,
) -> Result<RecipientGroup, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = candidate.code.trim().to_owned();
    if !valid_code(&code) {
        errors.push(field_error(
            "code",
            format!(
                "Mã nhóm \"{code}\" không hợp lệ: dùng chữ in hoa, chữ số và dấu '-', ví dụ SBN."
            ),
        ));
    } else if is_new && groups.iter().any(|g| g.code == code) {
        errors.push(field_error(
            "code",
            format!("Mã \"{code}\" đã được dùng cho một nhóm khác."),
        ));
    } else if agencies.iter().any(|a| a.code == code) {
        errors.push(field_error(
            "code",
            format!("Mã \"{code}\" đã được dùng cho một cơ quan."),
        ));
    }
    let name = nfc(candidate.name.trim());
    if name.is_empty() {
        errors.push(field_error(
            "name",
            "Tên nhóm trống: ghi tên như trong Nơi nhận, ví dụ \"Các Sở, Ban, ngành\".",
        ));
    }
    let aliases = clean_aliases(&candidate.aliases);
    let owners = name_owners(agencies, groups, if is_new { "" } else { &code });
    for (field, n) in std::iter::once(("name", &name)).chain(aliases.iter().map(|a| ("aliases", a)))
    {
        if let Some(owner) = owners.get(&fold(n)).filter(|_| !n.is_empty())
            && !errors.iter().any(|e| e.field == field)
        {
            errors.push(field_error(
                field,
                format!(
                    "\"{n}\" đã là tên của {owner}: mỗi tên chỉ trỏ tới một cơ quan hoặc nhóm."
                ),
            ));
        }
    }
    let mut members: Vec<String> = Vec::new();
    for m in &candidate.members {
        let m = m.trim();
        if m.is_empty() || members.iter().any(|x| x == m) {
            continue;
        }
        if !agencies.iter().any(|a| a.code == m) {
            errors.push(field_error(
                "members",
                format!("\"{m}\" không phải mã cơ quan trong danh bạ."),
            ));
            continue;
        }
        members.push(m.to_owned());
    }
    if members.is_empty() && !errors.iter().any(|e| e.field == "members") {
        errors.push(field_error(
            "members",
            "Nhóm chưa có thành viên: chọn ít nhất một cơ quan.",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    members.sort();
    Ok(RecipientGroup {
        code,
        name,
        aliases,
        members,
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
    fn agencies_and_groups_from_forms_are_checked_like_files() {
        let d = parse_directory("d.toml", GOOD).unwrap();
        let mut a = d.agency("VP").unwrap().clone();
        a.code = "STC".into();
        a.name = " Sở Tài chính ".into();
        a.short_name = String::new();
        a.email = "STC@thu.example".into();
        a.aliases = vec!["Sở TC".into(), " ".into(), "sở tc".into()];
        let ok = check_agency(&a, &d.agencies, &d.groups, true).unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.short_name.as_str(), ok.email.as_str()),
            ("Sở Tài chính", "Sở Tài chính", "stc@thu.example")
        );
        assert_eq!(ok.aliases, ["Sở TC"]);

        let mut bad = a.clone();
        bad.code = "VP".into();
        bad.email = "vp@thu.example".into();
        bad.aliases = vec!["so kh&dt".into()];
        let errs = check_agency(&bad, &d.agencies, &d.groups, true).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "email", "aliases"], "{errs:?}");
        // Editing VP itself keeps its own code, e-mail and names.
        let vp = d.agency("VP").unwrap().clone();
        assert!(check_agency(&vp, &d.agencies, &d.groups, false).is_ok());
        bad.code = "SBN".into();
        assert!(
            check_agency(&bad, &d.agencies, &d.groups, true).unwrap_err()[0]
                .message
                .contains("nhóm")
        );
        bad.code = "x y".into();
        bad.email = "khong-hop-le".into();
        let errs = check_agency(&bad, &d.agencies, &d.groups, true).unwrap_err();
        assert_eq!(errs[0].field, "code");
        assert_eq!(errs[1].field, "email");

        let g = RecipientGroup {
            code: "HUYEN".into(),
            name: "Các huyện".into(),
            aliases: vec![],
            members: vec!["VP".into(), "SKHĐT".into(), "VP".into()],
        };
        let ok = check_group(&g, &d.agencies, &d.groups, true).unwrap();
        assert_eq!(ok.members, ["SKHĐT", "VP"]);
        let mut bad = g.clone();
        bad.name = "Các Sở, Ban, ngành".into();
        bad.members = vec!["SXX".into()];
        let errs = check_group(&bad, &d.agencies, &d.groups, true).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "members"], "{errs:?}");
        bad.members.clear();
        bad.name = "Nhóm mới".into();
        assert_eq!(
            check_group(&bad, &d.agencies, &d.groups, true).unwrap_err()[0].field,
            "members"
        );
        // Editing SBN keeps its own name.
        assert!(check_group(&d.groups[0], &d.agencies, &d.groups, false).is_ok());
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
