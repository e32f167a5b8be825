//! One directory entry named by a person in a form: a code ("STP"), a name ("Sở Tư pháp tỉnh
//! Đắk Nông"), a short name ("Sở Tư pháp") or an alias ("Sở TP"). Unlike
//! [`DirectoryIndex::resolve`], which reads phrases as a directive writes them (lists, titles,
//! vague words), this answers for one entry and tells an unknown name from an ambiguous one, so
//! that a form can refuse either with a message.

use super::{DirectoryIndex, Target, canon};
use crate::text::fold;

/// What a name typed into a form names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Exactly one agency or group.
    Found(Target),
    /// Several entries share the name (by canonical key): the person must be more specific.
    Ambiguous(Vec<Target>),
    /// Nothing in the directory has this code, name or alias.
    Unknown,
}

impl DirectoryIndex {
    /// The agency or group named by `text`: its code (any case), then its name, short name or
    /// alias as the directive resolver matches them (folded spelling, canonical key, leading
    /// titles such as "Giám đốc" stripped).
    pub fn lookup(&self, text: &str) -> Lookup {
        let t = text.trim();
        if t.is_empty() {
            return Lookup::Unknown;
        }
        if let Some(x) = self
            .targets
            .iter()
            .find(|x| x.code().to_lowercase() == t.to_lowercase())
        {
            return Lookup::Found(x.clone());
        }
        if let Some(x) = self.exact.get(&fold(t)).and_then(|&i| self.targets.get(i)) {
            return Lookup::Found(x.clone());
        }
        for variant in [t.to_owned(), canon::clean(t)] {
            if let Some(v) = self.keys.get(&self.canon.key(&variant))
                && v.len() > 1
            {
                return Lookup::Ambiguous(
                    v.iter()
                        .filter_map(|&i| self.targets.get(i))
                        .cloned()
                        .collect(),
                );
            }
        }
        match self
            .find_stripped(&canon::clean(t))
            .and_then(|i| self.targets.get(i))
        {
            Some(x) => Lookup::Found(x.clone()),
            None => Lookup::Unknown,
        }
    }

    /// The display name of the entry with this code.
    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.targets.iter().find_map(|t| match t {
            Target::Agency { code: c, name } | Target::Group { code: c, name, .. } if c == code => {
                Some(name.as_str())
            }
            _ => None,
        })
    }

    /// Every agency and group, in directory order (for a form's list of suggestions).
    pub fn entries(&self) -> &[Target] {
        &self.targets
    }
}

/// "Kính gửi" of a report drafted by `own_code`: a "(qua X)" remark that names the drafting agency
/// itself is left out ("UBND tỉnh (qua Sở Nội vụ)" drafted by Sở Nội vụ goes straight to
/// "UBND tỉnh"); a remark naming another body, or one the directory does not know, stays.
pub fn without_own_channel(report_to: &str, index: &DirectoryIndex, own_code: &str) -> String {
    let mut out = String::with_capacity(report_to.len());
    let mut rest = report_to;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| open + c) else {
            break;
        };
        let inner = rest[open + 1..close].trim();
        let via = inner
            .strip_prefix("qua ")
            .or_else(|| inner.strip_prefix("Qua "))
            .map(str::trim);
        let own = via.is_some_and(|v| match index.lookup(v) {
            Lookup::Found(t) => t.code() == own_code,
            _ => false,
        });
        if own {
            out.push_str(rest[..open].trim_end());
        } else {
            out.push_str(&rest[..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{Agency, AgencyKind, RecipientGroup};

    fn agency(code: &str, name: &str, short: &str, aliases: &[&str]) -> Agency {
        Agency {
            code: code.into(),
            name: name.into(),
            short_name: short.into(),
            parent: String::new(),
            kind: AgencyKind::Department,
            email: String::new(),
            head_title: String::new(),
            deputy_title: String::new(),
            aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
            uses_trinhky: true,
        }
    }

    fn index() -> DirectoryIndex {
        DirectoryIndex::new(
            &[
                agency("UBND", "Ủy ban nhân dân tỉnh Đắk Nông", "UBND tỉnh", &[]),
                agency("SNV", "Sở Nội vụ tỉnh Đắk Nông", "Sở Nội vụ", &[]),
                agency("STP", "Sở Tư pháp tỉnh Đắk Nông", "Sở Tư pháp", &["Sở TP"]),
            ],
            &[RecipientGroup {
                code: "SO-BAN-NGANH".into(),
                name: "Các sở, ban, ngành".into(),
                aliases: vec![],
                members: vec!["SNV".into(), "STP".into()],
            }],
        )
    }

    fn code(l: Lookup) -> String {
        match l {
            Lookup::Found(t) => t.code().to_owned(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn names_short_names_aliases_and_codes() {
        let ix = index();
        assert_eq!(code(ix.lookup("Sở Tư pháp")), "STP");
        assert_eq!(code(ix.lookup("sở tư pháp tỉnh đắk nông")), "STP");
        assert_eq!(code(ix.lookup("Sở TP")), "STP");
        assert_eq!(code(ix.lookup("stp")), "STP");
        assert_eq!(code(ix.lookup(" SNV ")), "SNV");
        assert_eq!(code(ix.lookup("Giám đốc Sở Nội vụ")), "SNV");
        assert_eq!(code(ix.lookup("Các sở, ban, ngành")), "SO-BAN-NGANH");
        assert_eq!(ix.lookup("Sở Ngoại vụ"), Lookup::Unknown);
        assert_eq!(ix.lookup(""), Lookup::Unknown);
        assert_eq!(ix.name_of("STP"), Some("Sở Tư pháp tỉnh Đắk Nông"));
    }

    #[test]
    fn a_report_skips_its_own_channel() {
        let ix = index();
        assert_eq!(
            without_own_channel("UBND tỉnh (qua Sở Nội vụ)", &ix, "SNV"),
            "UBND tỉnh"
        );
        assert_eq!(
            without_own_channel("UBND tỉnh (qua Sở Nội vụ)", &ix, "STP"),
            "UBND tỉnh (qua Sở Nội vụ)"
        );
        assert_eq!(
            without_own_channel("UBND tỉnh (qua Sở Nội vụ); Sở Tư pháp (b/c)", &ix, "SNV"),
            "UBND tỉnh; Sở Tư pháp (b/c)"
        );
        assert_eq!(
            without_own_channel("UBND tỉnh (qua", &ix, "SNV"),
            "UBND tỉnh (qua"
        );
    }
}
