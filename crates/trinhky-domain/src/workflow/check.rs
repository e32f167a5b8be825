//! Loading and validating workflow definitions: every problem, each with a stable code.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::definition::{
    ActorRole, Definition, EffectKind, Guard, Requirement, StateDef, TransitionDef,
};

/// One problem in a workflow file. `Display`:
/// `WF003 workflows/bao-cao.toml:14: unreachable state "review" (hint: add a transition into it or remove it)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckError {
    /// Stable code, `WF001`…`WF014`:
    /// WF001 TOML syntax or shape; WF002 missing or unknown initial state; WF003 unreachable state;
    /// WF004 non-terminal state with no exit; WF005 duplicate action from a state; WF006 unknown role;
    /// WF007 unknown effect; WF008 organisation signature not preceded by the personal signature on
    /// every path (or dispatch before the organisation signature); WF009 transition names an
    /// unknown state; WF010 terminal state with outgoing transitions; WF011 unknown requirement;
    /// WF012 duplicate id and version; WF013 a signing transition without `signing_pin`; WF014 a
    /// non-terminal state whose every exit signs or dispatches — effects that refuse for reasons
    /// outside the step (a signer without a key, a Nơi nhận line nobody can deliver to): then
    /// nobody could move the document (issue 16).
    pub code: &'static str,
    pub file: String,
    pub line: usize,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}:{}: {}",
            self.code, self.file, self.line, self.message
        )?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDef {
    id: Spanned<String>,
    version: Spanned<u32>,
    title: Spanned<String>,
    #[serde(default)]
    doc_types: Vec<String>,
    initial: Option<Spanned<String>>,
    #[serde(default)]
    states: BTreeMap<Spanned<String>, RawState>,
    #[serde(default)]
    transitions: Vec<RawTransition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    label: String,
    role: Option<Spanned<String>>,
    sla_working_days: Option<u32>,
    #[serde(default)]
    terminal: bool,
    #[serde(default)]
    optional: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransition {
    action: Spanned<String>,
    label: String,
    from: Spanned<String>,
    to: Spanned<String>,
    by: Spanned<toml::Value>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
    #[serde(default)]
    effects: Vec<Spanned<String>>,
    when: Option<Spanned<String>>,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<CheckError>,
}

impl Ctx<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text
            .get(..end)
            .map_or(1, |s| s.matches('\n').count() + 1)
    }

    fn push(
        &mut self,
        code: &'static str,
        line: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.errors.push(CheckError {
            code,
            file: self.file.to_owned(),
            line,
            message: message.into(),
            hint: hint.into(),
        });
    }
}

fn names<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|x| f(*x)).collect::<Vec<_>>().join(", ")
}

/// Parse and validate one workflow file. `file` is only used in messages (pass the path as the
/// user wrote it). On error, returns every problem found, sorted by line.
pub fn load(file: &str, text: &str) -> Result<Definition, Vec<CheckError>> {
    let mut cx = Ctx {
        file,
        text,
        errors: Vec::new(),
    };
    let raw: RawDef = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let line = cx.line(e.span().unwrap_or(0..0));
            cx.push(
                "WF001",
                line,
                e.message().trim_end().to_owned(),
                "check the TOML syntax and field names against workflows/bao-cao.toml",
            );
            return Err(cx.errors);
        }
    };
    check_header(&raw, &mut cx);
    let states = states(raw.states, &mut cx);
    let known: BTreeSet<&str> = states.iter().map(|s| s.name.as_str()).collect();
    let known_list = states
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let known = Known {
        names: known,
        list: &known_list,
    };
    let initial = initial(raw.initial.as_ref(), &known, &mut cx);
    let transitions = raw
        .transitions
        .into_iter()
        .map(|t| transition(t, &known, &mut cx))
        .collect();

    let def = Definition {
        id: raw.id.into_inner(),
        version: raw.version.into_inner(),
        title: raw.title.into_inner(),
        doc_types: raw.doc_types,
        initial,
        states,
        transitions,
        file: file.to_owned(),
    };
    check_graph(&def, &mut cx);

    if cx.errors.is_empty() {
        Ok(def)
    } else {
        cx.errors
            .sort_by(|a, b| (a.line, a.code).cmp(&(b.line, b.code)));
        cx.errors.dedup();
        Err(cx.errors)
    }
}

/// The state names defined under `[states]`, for checking references and for hints.
struct Known<'a> {
    names: BTreeSet<&'a str>,
    /// "drafting, review, …", in file order.
    list: &'a str,
}

impl Known<'_> {
    /// WF002 / WF009 hint for an unknown state.
    fn hint(&self) -> String {
        format!("define it under [states] or use one of: {}", self.list)
    }
}

/// Shape checks on the id, version and title that serde cannot express.
fn check_header(raw: &RawDef, cx: &mut Ctx<'_>) {
    if raw.id.get_ref().trim().is_empty() {
        let line = cx.line(raw.id.span());
        cx.push(
            "WF001",
            line,
            "empty workflow id",
            "set id = \"bao-cao\" or similar",
        );
    }
    if *raw.version.get_ref() == 0 {
        let line = cx.line(raw.version.span());
        cx.push(
            "WF001",
            line,
            "workflow version must be at least 1",
            "set version = 1 and increase it on every change",
        );
    }
    if raw.title.get_ref().trim().is_empty() {
        let line = cx.line(raw.title.span());
        cx.push(
            "WF001",
            line,
            "empty workflow title",
            "set a Vietnamese title, e.g. title = \"Báo cáo\"",
        );
    }
}

/// The states, in file order; WF006 for an unknown role, WF001 for an empty label.
fn states(raw: BTreeMap<Spanned<String>, RawState>, cx: &mut Ctx<'_>) -> Vec<StateDef> {
    let mut raw_states: Vec<(Spanned<String>, RawState)> = raw.into_iter().collect();
    raw_states.sort_by_key(|(k, _)| k.span().start);
    let mut states = Vec::with_capacity(raw_states.len());
    for (name, st) in raw_states {
        let line = cx.line(name.span());
        let role = match &st.role {
            None => None,
            Some(r) => match ActorRole::parse(r.get_ref()) {
                Some(role) => Some(role),
                None => {
                    let l = cx.line(r.span());
                    cx.push(
                        "WF006",
                        l,
                        format!(
                            "unknown role \"{}\" for state \"{}\"",
                            r.get_ref(),
                            name.get_ref()
                        ),
                        format!(
                            "expected one of: {}",
                            names(&ActorRole::ALL, ActorRole::as_str)
                        ),
                    );
                    None
                }
            },
        };
        if st.label.trim().is_empty() {
            cx.push(
                "WF001",
                line,
                format!("state \"{}\" has an empty label", name.get_ref()),
                "give it a Vietnamese label",
            );
        }
        states.push(StateDef {
            name: name.into_inner(),
            label: st.label,
            role,
            sla_working_days: st.sla_working_days,
            terminal: st.terminal,
            optional: st.optional,
            line,
        });
    }
    states
}

/// The initial state (WF002 when missing or unknown).
fn initial(initial: Option<&Spanned<String>>, known: &Known<'_>, cx: &mut Ctx<'_>) -> String {
    match initial {
        None => {
            cx.push(
                "WF002",
                1,
                "missing initial state",
                "add initial = \"drafting\" (a state defined under [states])",
            );
            String::new()
        }
        Some(i) => {
            if !known.names.contains(i.get_ref().as_str()) {
                let line = cx.line(i.span());
                cx.push(
                    "WF002",
                    line,
                    format!("unknown initial state \"{}\"", i.get_ref()),
                    known.hint(),
                );
            }
            i.get_ref().clone()
        }
    }
}

/// One transition: its states (WF009), roles (WF006), requirements (WF011), effects (WF007),
/// the signing PIN (WF013) and its guard.
fn transition(t: RawTransition, known: &Known<'_>, cx: &mut Ctx<'_>) -> TransitionDef {
    let line = cx.line(t.action.span());
    let action = t.action.get_ref().clone();
    if action.trim().is_empty() || t.label.trim().is_empty() {
        cx.push(
            "WF001",
            line,
            "transition with an empty action or label",
            "set action = \"submit\" and a Vietnamese label",
        );
    }
    for (which, s) in [("from", &t.from), ("to", &t.to)] {
        if !known.names.contains(s.get_ref().as_str()) {
            let l = cx.line(s.span());
            cx.push(
                "WF009",
                l,
                format!(
                    "transition \"{action}\" names unknown state \"{}\" in `{which}`",
                    s.get_ref()
                ),
                known.hint(),
            );
        }
    }
    let by = roles_by(&t.by, &action, cx);
    let requires = requirements(&t.requires, &action, cx);
    let effects = effects(&t.effects, &action, cx);
    if effects
        .iter()
        .any(|e| matches!(e, EffectKind::SignPersonal | EffectKind::SignOrganization))
        && !requires.contains(&Requirement::SigningPin)
    {
        cx.push(
            "WF013",
            line,
            format!("transition \"{action}\" signs but does not ask for the signing PIN"),
            "add requires = [\"signing_pin\"]: a private key is unlocked only by its holder's PIN",
        );
    }
    let when = t.when.as_ref().and_then(|w| guard(w, &action, cx));
    TransitionDef {
        action,
        label: t.label,
        from: t.from.into_inner(),
        to: t.to.into_inner(),
        by,
        requires,
        effects,
        when,
        line,
    }
}

/// `by`: a role or a list of roles, without repeats.
fn roles_by(by: &Spanned<toml::Value>, action: &str, cx: &mut Ctx<'_>) -> Vec<ActorRole> {
    let by_line = cx.line(by.span());
    let by_raw: Vec<Option<String>> = match by.get_ref() {
        toml::Value::String(s) => vec![Some(s.clone())],
        toml::Value::Array(a) => a.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => vec![None],
    };
    let mut roles = Vec::new();
    for r in &by_raw {
        match r.as_deref().map(|s| (s, ActorRole::parse(s))) {
            Some((_, Some(role))) => {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            Some((s, None)) => cx.push(
                "WF006",
                by_line,
                format!("unknown role \"{s}\" in transition \"{action}\""),
                format!(
                    "expected one of: {}",
                    names(&ActorRole::ALL, ActorRole::as_str)
                ),
            ),
            None => cx.push(
                "WF001",
                by_line,
                format!(
                    "`by` of transition \"{action}\" must be a role name or a list of role names"
                ),
                "write by = [\"drafter\"]",
            ),
        }
    }
    if by_raw.is_empty() {
        cx.push(
            "WF006",
            by_line,
            format!("transition \"{action}\" names no role in `by`"),
            format!(
                "name at least one of: {}",
                names(&ActorRole::ALL, ActorRole::as_str)
            ),
        );
    }
    roles
}

fn requirements(raw: &[Spanned<String>], action: &str, cx: &mut Ctx<'_>) -> Vec<Requirement> {
    let mut requires = Vec::new();
    for r in raw {
        match Requirement::parse(r.get_ref()) {
            Some(req) => requires.push(req),
            None => {
                let l = cx.line(r.span());
                cx.push(
                    "WF011",
                    l,
                    format!(
                        "unknown requirement \"{}\" in transition \"{action}\"",
                        r.get_ref()
                    ),
                    format!(
                        "expected one of: {}",
                        names(&Requirement::ALL, Requirement::as_str)
                    ),
                );
            }
        }
    }
    requires
}

fn effects(raw: &[Spanned<String>], action: &str, cx: &mut Ctx<'_>) -> Vec<EffectKind> {
    let mut effects = Vec::new();
    for e in raw {
        match EffectKind::parse(e.get_ref()) {
            Some(k) => effects.push(k),
            None => {
                let l = cx.line(e.span());
                cx.push(
                    "WF007",
                    l,
                    format!(
                        "unknown effect \"{}\" in transition \"{action}\"",
                        e.get_ref()
                    ),
                    format!(
                        "expected one of: {}",
                        names(&EffectKind::ALL, EffectKind::as_str)
                    ),
                );
            }
        }
    }
    effects
}

fn guard(w: &Spanned<String>, action: &str, cx: &mut Ctx<'_>) -> Option<Guard> {
    let g = Guard::parse(w.get_ref());
    if g.is_none() {
        let l = cx.line(w.span());
        cx.push(
            "WF001",
            l,
            format!(
                "unknown guard when = \"{}\" in transition \"{action}\"",
                w.get_ref()
            ),
            "expected \"optional_enabled\" or \"optional_disabled\", or no `when`",
        );
    }
    g
}

/// WF003, WF004, WF005, WF008, WF010: checks on the graph of (known) states.
fn check_graph(def: &Definition, cx: &mut Ctx<'_>) {
    // WF005: the same action twice from a state, unless the guards are exclusive.
    let mut seen: HashMap<(&str, &str), Vec<&TransitionDef>> = HashMap::new();
    for t in &def.transitions {
        let prev = seen
            .entry((t.from.as_str(), t.action.as_str()))
            .or_default();
        if let Some(p) = prev.iter().find(|p| guards_overlap(p.when, t.when)) {
            cx.push(
                "WF005",
                t.line,
                format!("duplicate action \"{}\" from state \"{}\" (first on line {})", t.action, t.from, p.line),
                "rename one of them, or guard them with when = \"optional_enabled\" / when = \"optional_disabled\"",
            );
        }
        prev.push(t);
    }

    // WF010: terminal states accept nothing.
    for t in &def.transitions {
        if def.is_terminal(&t.from) {
            cx.push(
                "WF010",
                t.line,
                format!(
                    "terminal state \"{}\" has an outgoing transition \"{}\"",
                    t.from, t.action
                ),
                "remove the transition, or remove terminal = true from the state",
            );
        }
    }

    if def.state(&def.initial).is_none() {
        return; // WF002 already reported; reachability would only add noise.
    }

    check_way_out(def, cx);

    // WF003: reachability over both guard modes.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut queue = VecDeque::from([def.initial.as_str()]);
    while let Some(s) = queue.pop_front() {
        if !reached.insert(s) {
            continue;
        }
        for t in def.transitions.iter().filter(|t| t.from == s) {
            if def.state(&t.to).is_some() {
                queue.push_back(&t.to);
            }
        }
    }
    for s in &def.states {
        if !reached.contains(s.name.as_str()) {
            cx.push(
                "WF003",
                s.line,
                format!("unreachable state \"{}\"", s.name),
                "add a transition into it or remove it",
            );
        }
    }

    // WF008: walk (state, personal_signed, organization_signed) for each guard mode; an instance
    // keeps its mode for its whole life, so the modes are not mixed.
    let mut flagged: BTreeSet<(usize, &'static str)> = BTreeSet::new();
    for skip_optional in [false, true] {
        let mut seen: BTreeSet<(&str, bool, bool)> = BTreeSet::new();
        let mut queue = VecDeque::from([(def.initial.as_str(), false, false)]);
        while let Some(node) = queue.pop_front() {
            if !seen.insert(node) {
                continue;
            }
            let (s, p0, o0) = node;
            for (i, t) in def.transitions.iter().enumerate() {
                if t.from != s
                    || !Guard::admits(t.when, skip_optional)
                    || def.state(&t.to).is_none()
                {
                    continue;
                }
                let (mut p, mut o) = (p0, o0);
                for e in &t.effects {
                    match e {
                        EffectKind::SignPersonal => p = true,
                        EffectKind::SignOrganization => {
                            if !p && flagged.insert((i, "org")) {
                                cx.push(
                                    "WF008",
                                    t.line,
                                    format!(
                                        "transition \"{}\" ({} → {}) applies sign_organization, but a path from \"{}\" reaches it without sign_personal",
                                        t.action, t.from, t.to, def.initial
                                    ),
                                    "the organisation's signature may only follow the signer's personal signature: add sign_personal to every earlier path (or earlier in this effects list)",
                                );
                            }
                            o = true;
                        }
                        EffectKind::Render if p && flagged.insert((i, "render")) => {
                            cx.push(
                                "WF008",
                                t.line,
                                format!(
                                    "transition \"{}\" ({} → {}) renders the document again after the personal signature",
                                    t.action, t.from, t.to
                                ),
                                "a new rendering would not carry the signature (and changing the signed page invalidates it): the number and date are filled into the signed file at issuing, so remove render here",
                            );
                        }
                        EffectKind::Dispatch if !o && flagged.insert((i, "dispatch")) => {
                            cx.push(
                                "WF008",
                                t.line,
                                format!(
                                    "transition \"{}\" ({} → {}) dispatches, but a path from \"{}\" reaches it without sign_organization",
                                    t.action, t.from, t.to, def.initial
                                ),
                                "dispatch only after sign_organization (put dispatch after it in the effects list)",
                            );
                        }
                        _ => {}
                    }
                }
                // Back in the initial state the signatures are void (the engine's instance
                // clears them): the text is drafted and signed again.
                if t.to == def.initial {
                    (p, o) = (false, false);
                }
                queue.push_back((t.to.as_str(), p, o));
            }
        }
    }
}

/// WF004: a non-terminal state needs a way out. WF014: some exit of every non-terminal state
/// can be taken when signing or dispatching
/// refuses (no such effect, no guard): a document is never stuck because of a missing key or a
/// Nơi nhận line nobody can deliver to.
fn check_way_out(def: &Definition, cx: &mut Ctx<'_>) {
    // WF004: a non-terminal state needs a way out (a self-loop is not one).
    for s in &def.states {
        if !s.terminal
            && !def
                .transitions
                .iter()
                .any(|t| t.from == s.name && t.to != s.name)
        {
            cx.push(
                "WF004",
                s.line,
                format!(
                    "state \"{}\" is not terminal but has no transition out of it",
                    s.name
                ),
                "add a transition from it, or mark it terminal = true",
            );
        }
    }

    for s in &def.states {
        let exits: Vec<&TransitionDef> = def
            .transitions
            .iter()
            .filter(|t| t.from == s.name && t.to != s.name)
            .collect();
        if s.terminal || exits.is_empty() {
            continue; // WF004 covers a state with no exit.
        }
        let free = exits.iter().any(|t| {
            t.when.is_none()
                && !t.effects.iter().any(|e| {
                    matches!(
                        e,
                        EffectKind::SignPersonal
                            | EffectKind::SignOrganization
                            | EffectKind::Dispatch
                    )
                })
        });
        if !free {
            cx.push(
                "WF014",
                s.line,
                format!(
                    "every transition out of state \"{}\" signs or dispatches; if that refuses (no key, a Nơi nhận nobody can deliver to), the document is stuck there",
                    s.name
                ),
                "add a transition without effects out of it, e.g. action = \"return\" back to the drafter with requires = [\"comment\"]",
            );
        }
    }
}

fn guards_overlap(a: Option<Guard>, b: Option<Guard>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const MINI: &str = r#"
id = "mini"
version = 1
title = "Mini"
doc_types = ["CV"]
initial = "drafting"

[states]
drafting = { label = "Dự thảo", role = "drafter" }
approval = { label = "Chờ ký", role = "signer", sla_working_days = 2 }
done = { label = "Xong", terminal = true }

[[transitions]]
action = "submit"
label = "Trình ký"
from = "drafting"
to = "approval"
by = "drafter"

[[transitions]]
action = "approve"
label = "Ký"
from = "approval"
to = "done"
by = ["signer"]
requires = ["signing_pin"]
effects = ["sign_personal", "sign_organization", "dispatch"]

[[transitions]]
action = "return"
label = "Trả lại"
from = "approval"
to = "drafting"
by = ["signer"]
requires = ["comment"]
"#;

    #[test]
    fn loads_a_minimal_definition_in_file_order() {
        let d = load("mini.toml", MINI).unwrap();
        let names: Vec<_> = d.states.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["drafting", "approval", "done"]);
        assert_eq!(d.states[0].line, 9);
        assert_eq!(d.transitions[0].by, vec![ActorRole::Drafter]);
        assert_eq!(d.transitions[1].line, 21);
        assert!(d.is_terminal("done"));
        assert_eq!(d.actions_from("approval").len(), 2);
    }

    #[test]
    fn reports_every_problem_not_just_the_first() {
        let text = MINI
            .replace("\"drafter\"\n", "\"boss\"\n")
            .replace("\"dispatch\"]", "\"fax\"]");
        let errs = load("mini.toml", &text).unwrap_err();
        let codes: Vec<_> = errs.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["WF006", "WF007"], "{errs:?}");
        assert_eq!(errs[0].line, 18);
    }

    #[test]
    fn display_has_code_file_line_and_hint() {
        let e = CheckError {
            code: "WF003",
            file: "workflows/bao-cao.toml".into(),
            line: 14,
            message: "unreachable state \"review\"".into(),
            hint: "add a transition into it or remove it".into(),
        };
        assert_eq!(
            e.to_string(),
            "WF003 workflows/bao-cao.toml:14: unreachable state \"review\" (hint: add a transition into it or remove it)"
        );
    }

    #[test]
    fn organisation_signature_before_personal_is_wf008() {
        let text = MINI.replace(
            r#"["sign_personal", "sign_organization", "dispatch"]"#,
            r#"["sign_organization", "sign_personal", "dispatch"]"#,
        );
        let errs = load("mini.toml", &text).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, "WF008");
    }
}
