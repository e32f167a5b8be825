//! Name resolution: map agency phrases as written in a directive ("Sở KH&ĐT", "Giám đốc Sở Tài
//! chính", "các Sở, Ban, ngành", "Sở: TC, KH&ĐT, GTVT") to agencies and recipient groups of the
//! directory (danh bạ).
//!
//! Pure and total: a phrase that cannot be resolved is returned in [`Resolution::unresolved`] as
//! written (never dropped), and a phrase that names no specific body ("các đơn vị có liên quan")
//! sets [`Resolution::vague`]. Agency names are data: nothing here knows a name of the directory.
//!
//! # How a phrase is matched
//! 1. Cleanup: parenthetical remarks ("(b/c)", "(qua Sở Nội vụ)"), bullets and trailing
//!    punctuation go.
//! 2. The whole phrase is looked up, first by its folded text (`crate::text::fold`), then by its
//!    canonical key: folded, abbreviations expanded ("KH&ĐT" → "kế hoạch và đầu tư", "UBND" →
//!    "ủy ban nhân dân" …), punctuation, "và" and a non-initial "các" left out. Names, short names
//!    and aliases of the directory are keyed the same way. If that fails, leading titles ("Giám
//!    đốc", "Chủ tịch", "Thủ trưởng", "Giao", "đồng chí" …) and then a leading "các" are stripped
//!    one at a time and the lookup is retried.
//! 3. A phrase made only of generic words ("các cơ quan, đơn vị, địa phương") is vague.
//! 4. Lists: "HEAD: a, b, c" ("các Sở: Kế hoạch và Đầu tư, Thông tin và Truyền thông") puts the
//!    head (without "các") before each item that does not match on its own; tiny abbreviations
//!    ("TC", "CT", "XD") are expanded only there. Otherwise the phrase is split on ",", ";" and
//!    " và ", and runs of pieces are matched longest first, so "Sở Văn hóa, Thể thao và Du lịch"
//!    and "Sở Kế hoạch và Đầu tư" stay whole inside a list. A phrase "các Sở A, B" lends "Sở" to B.
//! 5. An unresolved piece that does not start with an organisation noun (e.g. "Hạ tầng các
//!    huyện" after "Phòng Kinh tế và") is the tail of a cut name: it takes the piece before it
//!    back, and the whole is reported unresolved rather than half-matched.
//!
//! A canonical key that several directory entries share (the directory only guarantees unique
//! folded names) matches none of them; the exact folded spelling still does.

mod canon;
pub mod internal;
mod lookup;

pub use lookup::{Lookup, without_own_channel};

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::directive::{Directive, RecipientKind};
use crate::directory::{Agency, RecipientGroup};
use crate::text::fold;
use canon::Canon;

/// What a phrase resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The phrase as given.
    pub text: String,
    /// Agencies and groups named, in the order written, without duplicates.
    pub targets: Vec<Target>,
    /// Parts of the phrase that name a body the directory does not know, as written.
    pub unresolved: Vec<String>,
    /// The phrase (or a part of it) names no specific body: "các đơn vị có liên quan".
    pub vague: bool,
}

/// An agency or a recipient group of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Agency {
        code: String,
        name: String,
    },
    Group {
        code: String,
        name: String,
        members: Vec<String>,
    },
}

impl Target {
    pub fn code(&self) -> &str {
        match self {
            Target::Agency { code, .. } | Target::Group { code, .. } => code,
        }
    }
}

impl Resolution {
    /// Agency codes: agencies, and group members expanded, deduplicated, in order.
    pub fn agency_codes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.targets {
            let codes: Vec<&String> = match t {
                Target::Agency { code, .. } => vec![code],
                Target::Group { members, .. } => members.iter().collect(),
            };
            for c in codes {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// True when every part of the phrase resolved or was vague.
    pub fn is_resolved(&self) -> bool {
        self.unresolved.is_empty()
    }
}

/// A directory snapshot indexed for [`DirectoryIndex::resolve`]. Build it once per snapshot.
#[derive(Debug, Clone)]
pub struct DirectoryIndex {
    targets: Vec<Target>,
    /// Folded name/alias → target (unique: the directory guarantees it).
    exact: HashMap<String, usize>,
    /// Canonical key → targets (more than one: ambiguous, matches nothing).
    keys: HashMap<String, Vec<usize>>,
    /// First canonical words of names: what a body's name can start with.
    heads: HashSet<String>,
    canon: &'static Canon,
}

/// A piece of a segmented phrase, with its byte range in the segmented text.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Hit(usize),
    Vague,
    Miss,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    kind: Kind,
    start: usize,
    end: usize,
}

impl DirectoryIndex {
    pub fn new(agencies: &[Agency], groups: &[RecipientGroup]) -> Self {
        let mut index = Self {
            targets: Vec::with_capacity(agencies.len() + groups.len()),
            exact: HashMap::new(),
            keys: HashMap::new(),
            heads: canon::HEAD_NOUNS.iter().map(|s| (*s).to_owned()).collect(),
            canon: Canon::shared(),
        };
        for a in agencies {
            let names: Vec<&str> = [a.name.as_str(), a.short_name.as_str()]
                .into_iter()
                .chain(a.aliases.iter().map(String::as_str))
                .collect();
            index.add(
                Target::Agency {
                    code: a.code.clone(),
                    name: a.name.clone(),
                },
                &names,
            );
        }
        for g in groups {
            let names: Vec<&str> = std::iter::once(g.name.as_str())
                .chain(g.aliases.iter().map(String::as_str))
                .collect();
            index.add(
                Target::Group {
                    code: g.code.clone(),
                    name: g.name.clone(),
                    members: g.members.clone(),
                },
                &names,
            );
        }
        index
    }

    fn add(&mut self, target: Target, names: &[&str]) {
        let i = self.targets.len();
        self.targets.push(target);
        for name in names {
            self.exact.entry(fold(name)).or_insert(i);
            for variant in [name.to_string(), canon::clean(name)] {
                let toks = self.canon.tokens(&variant);
                if let Some(first) = toks.first() {
                    self.heads.insert(first.clone());
                }
                let key = toks.join(" ");
                if key.is_empty() {
                    continue;
                }
                let v = self.keys.entry(key).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
    }

    /// The directory entry named exactly by `text` (folded, or by canonical key).
    fn find(&self, text: &str) -> Option<usize> {
        if let Some(&i) = self.exact.get(&fold(text)) {
            return Some(i);
        }
        self.find_key(&self.canon.key(text))
    }

    fn find_key(&self, key: &str) -> Option<usize> {
        match self.keys.get(key).map(Vec::as_slice) {
            Some([i]) => Some(*i),
            _ => None,
        }
    }

    /// [`Self::find`], retried with leading titles and then a leading "các" stripped.
    fn find_stripped(&self, text: &str) -> Option<usize> {
        let mut cur = text;
        loop {
            if let Some(i) = self.find(cur) {
                return Some(i);
            }
            if let Some(i) = canon::strip_determiner(cur).and_then(|s| self.find(s)) {
                return Some(i);
            }
            match canon::strip_title(cur) {
                Some(next) if !next.is_empty() => cur = next,
                _ => return None,
            }
        }
    }

    /// An item of a list under `head`: "TC" under "Sở" → Sở Tài chính; a full name on its own.
    fn find_item(&self, item: &str, head: Option<&str>) -> Option<usize> {
        if let Some(h) = head
            && let Some(i) = self.find_key(&self.canon.list_item_key(h, item))
        {
            return Some(i);
        }
        self.find_stripped(item)
    }

    /// `text` with its leading titles removed.
    fn untitled(text: &str) -> &str {
        let mut cur = text;
        while let Some(next) = canon::strip_title(cur) {
            cur = next;
        }
        cur
    }

    /// Resolves one phrase as written in a directive.
    pub fn resolve(&self, phrase: &str) -> Resolution {
        let mut r = Resolution {
            text: phrase.to_owned(),
            targets: Vec::new(),
            unresolved: Vec::new(),
            vague: false,
        };
        let cleaned = canon::clean(phrase);
        if cleaned.is_empty() {
            return r;
        }
        if canon::is_same_as_addressees(&cleaned) {
            // Only meaningful against a directive's addressees: see `resolve_directive`.
            r.vague = true;
            return r;
        }
        if let Some(i) = self.find_stripped(&cleaned) {
            self.push_target(&mut r, i);
            return r;
        }
        let body = Self::untitled(&cleaned);
        if canon::is_vague(self.canon, body) {
            r.vague = true;
            return r;
        }
        let pieces = match body.split_once(':') {
            Some((left, right)) if !right.trim().is_empty() => {
                let off = body.len() - right.len();
                let head = list_head(left);
                // Items under a head are not names of their own: no tail absorption.
                self.segment(right, head.as_deref())
                    .into_iter()
                    .map(|p| Piece {
                        start: p.start + off,
                        end: p.end + off,
                        ..p
                    })
                    .collect()
            }
            _ => {
                let head = inherited_head(body);
                let pieces = self.segment(body, head);
                if head.is_some() {
                    pieces
                } else {
                    self.absorb_tails(body, pieces)
                }
            }
        };
        let any_hit = pieces.iter().any(|p| matches!(p.kind, Kind::Hit(_)));
        for p in pieces {
            match p.kind {
                Kind::Hit(i) => self.push_target(&mut r, i),
                Kind::Vague => r.vague = true,
                Kind::Miss => {
                    // Nothing matched at all: report the phrase as written (titles included).
                    let text = if any_hit {
                        canon::clean(&body[p.start..p.end])
                    } else {
                        cleaned.clone()
                    };
                    if !text.is_empty() && !r.unresolved.contains(&text) {
                        r.unresolved.push(text);
                    }
                }
            }
        }
        r
    }

    fn push_target(&self, r: &mut Resolution, i: usize) {
        if let Some(t) = self.targets.get(i)
            && !r.targets.iter().any(|x| x.code() == t.code())
        {
            r.targets.push(t.clone());
        }
    }

    /// Splits `text` on ",", ";" and " và ", then matches runs of pieces longest first.
    /// Consecutive misses are merged into one.
    fn segment(&self, text: &str, head: Option<&str>) -> Vec<Piece> {
        let atoms = atoms(text);
        let mut out: Vec<Piece> = Vec::new();
        let mut i = 0;
        'outer: while i < atoms.len() {
            for j in (i + 1..=atoms.len()).rev() {
                let (start, end) = (atoms[i].0, atoms[j - 1].1);
                if let Some(t) = self.find_item(&text[start..end], head) {
                    out.push(Piece {
                        kind: Kind::Hit(t),
                        start,
                        end,
                    });
                    i = j;
                    continue 'outer;
                }
            }
            let (start, end) = atoms[i];
            if canon::is_vague(self.canon, Self::untitled(&text[start..end])) {
                out.push(Piece {
                    kind: Kind::Vague,
                    start,
                    end,
                });
            } else {
                push_miss(&mut out, start, end);
            }
            i += 1;
        }
        out
    }

    /// A miss that does not start like a name ("Hạ tầng các huyện" after "Phòng Kinh tế và") is
    /// the tail of the name before it: the hit before it becomes part of the miss.
    fn absorb_tails(&self, text: &str, pieces: Vec<Piece>) -> Vec<Piece> {
        let mut out: Vec<Piece> = Vec::new();
        for p in pieces {
            let tail = matches!(p.kind, Kind::Miss)
                && !self
                    .canon
                    .tokens(&text[p.start..p.end])
                    .first()
                    .is_some_and(|w| self.heads.contains(w));
            if tail
                && let Some(prev) = out
                    .last()
                    .copied()
                    .filter(|q| matches!(q.kind, Kind::Hit(_)))
            {
                out.pop();
                push_miss(&mut out, prev.start, p.end);
            } else if matches!(p.kind, Kind::Miss) {
                push_miss(&mut out, p.start, p.end);
            } else {
                out.push(p);
            }
        }
        out
    }
}

/// Appends a miss, merging it with a miss right before it.
fn push_miss(out: &mut Vec<Piece>, start: usize, end: usize) {
    match out.last_mut() {
        Some(last) if matches!(last.kind, Kind::Miss) => last.end = end,
        _ => out.push(Piece {
            kind: Kind::Miss,
            start,
            end,
        }),
    }
}

/// Byte ranges of the pieces of `text` between ",", ";" and the word "và", trimmed.
fn atoms(text: &str) -> Vec<(usize, usize)> {
    // Cut points: (start of separator, end of separator).
    let mut cuts: Vec<(usize, usize)> = canon::words(text)
        .into_iter()
        .filter(|(_, _, w)| w == "va")
        .map(|(a, b, _)| (a, b))
        .collect();
    cuts.extend(
        text.char_indices()
            .filter(|(_, c)| *c == ',' || *c == ';')
            .map(|(i, c)| (i, i + c.len_utf8())),
    );
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut p = 0;
    for (a, b) in cuts
        .into_iter()
        .chain(std::iter::once((text.len(), text.len())))
    {
        if a < p {
            continue;
        }
        let piece = &text[p..a];
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            out.push((p + lead, p + lead + trimmed.len()));
        }
        p = b;
    }
    out
}

/// The head of "HEAD: a, b": "các Sở" → "Sở", "Giám đốc các Sở" → "Sở"; `None` if nothing is left.
fn list_head(left: &str) -> Option<String> {
    let left = DirectoryIndex::untitled(left.trim());
    let kept: Vec<&str> = canon::words(left)
        .into_iter()
        .filter(|(_, _, w)| w != "cac" && w != "nhung")
        .map(|(a, b, _)| &left[a..b])
        .collect();
    if kept.is_empty() {
        None
    } else {
        Some(kept.join(" "))
    }
}

/// "các Sở Nội vụ, Tài chính": items of a plural list lend the unit noun ("Sở") to later items.
fn inherited_head(text: &str) -> Option<&str> {
    const UNIT_NOUNS: &[&str] = &["so", "ban", "phong"];
    let ws = canon::words(text);
    match ws.as_slice() {
        [(_, _, c), (a, b, w), _, ..]
            if c == "cac" && UNIT_NOUNS.contains(&w.trim_end_matches(',')) =>
        {
            let noun = &text[*a..*b];
            Some(noun.trim_end_matches(','))
        }
        _ => None,
    }
}

/// A parsed directive with every agency phrase resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedDirective {
    /// One per parsed task, same order.
    pub tasks: Vec<ResolvedTask>,
    /// One per parsed standing directive, same order (`task_index` indexes
    /// `Directive::standing_directives`; `report_to` is empty).
    pub standing_directives: Vec<ResolvedTask>,
    /// One per "Kính gửi" addressee.
    pub addressees: Vec<Resolution>,
    /// One per Nơi nhận line; "Như trên" resolves to the addressees' targets.
    pub recipients: Vec<Resolution>,
    /// Every phrase (anywhere) that did not resolve, deduplicated, for the clerk.
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolvedTask {
    pub task_index: usize,
    pub leads: Vec<Resolution>,
    pub co_agencies: Vec<Resolution>,
    pub report_to: Vec<Resolution>,
    /// The fan-out: one entry per lead agency (group leads expanded to every member agency),
    /// deduplicated, in order.
    pub lead_agencies: Vec<String>,
}

fn resolve_task(
    index: &DirectoryIndex,
    task_index: usize,
    leads: &[String],
    co: &[String],
    report_to: &[String],
) -> ResolvedTask {
    let leads: Vec<Resolution> = leads.iter().map(|p| index.resolve(p)).collect();
    let mut lead_agencies: Vec<String> = Vec::new();
    for c in leads.iter().flat_map(Resolution::agency_codes) {
        if !lead_agencies.contains(&c) {
            lead_agencies.push(c);
        }
    }
    ResolvedTask {
        task_index,
        leads,
        co_agencies: co.iter().map(|p| index.resolve(p)).collect(),
        report_to: report_to.iter().map(|p| index.resolve(p)).collect(),
        lead_agencies,
    }
}

/// Resolves every lead, co-agency, report_to, addressee and recipient of a parsed directive.
pub fn resolve_directive(index: &DirectoryIndex, d: &Directive) -> ResolvedDirective {
    let tasks: Vec<ResolvedTask> = d
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| resolve_task(index, i, &t.leads, &t.co_agencies, &t.report_to))
        .collect();
    let standing_directives: Vec<ResolvedTask> = d
        .standing_directives
        .iter()
        .enumerate()
        .map(|(i, s)| resolve_task(index, i, &s.leads, &s.co_agencies, &[]))
        .collect();
    let addressees: Vec<Resolution> = d.addressees.iter().map(|p| index.resolve(p)).collect();
    let recipients: Vec<Resolution> = d
        .recipients
        .iter()
        .map(|r| {
            if r.kind == RecipientKind::SameAsAddressees || canon::is_same_as_addressees(&r.text) {
                let mut out = Resolution {
                    text: r.text.clone(),
                    targets: Vec::new(),
                    unresolved: Vec::new(),
                    vague: addressees.is_empty(),
                };
                for a in &addressees {
                    for t in &a.targets {
                        if !out.targets.iter().any(|x| x.code() == t.code()) {
                            out.targets.push(t.clone());
                        }
                    }
                    for u in &a.unresolved {
                        if !out.unresolved.contains(u) {
                            out.unresolved.push(u.clone());
                        }
                    }
                    out.vague |= a.vague;
                }
                out
            } else {
                index.resolve(&r.text)
            }
        })
        .collect();

    let mut unresolved: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let all = tasks
        .iter()
        .chain(&standing_directives)
        .flat_map(|t| t.leads.iter().chain(&t.co_agencies).chain(&t.report_to))
        .chain(&addressees)
        .chain(&recipients);
    for r in all {
        for u in &r.unresolved {
            if seen.insert(fold(u)) {
                unresolved.push(u.clone());
            }
        }
    }
    ResolvedDirective {
        tasks,
        standing_directives,
        addressees,
        recipients,
        unresolved,
    }
}

#[cfg(test)]
mod tests;
