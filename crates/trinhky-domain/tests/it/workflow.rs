//! Workflow definitions, the engine and the working-day calendar, against the shipped files.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, Utc};
use proptest::prelude::*;
use trinhky_domain::Role;
use trinhky_domain::workflow::{
    ActionInput, Actor, ActorRole, Authority, Calendar, Consultation, Definition, Delegation,
    Denied, Effect, Guard, Instance, Outcome, ReminderKind, Requirement, apply, available_actions,
    load, local_date, parse_calendar, reminders_due, sla_due,
};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped(name: &str) -> Definition {
    let path = repo_root().join("workflows").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    match load(&format!("workflows/{name}.toml"), &text) {
        Ok(d) => d,
        Err(errs) => panic!(
            "{}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn calendar() -> Calendar {
    let text = std::fs::read_to_string(repo_root().join("deploy/calendar/vn.toml")).unwrap();
    parse_calendar("deploy/calendar/vn.toml", &text).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

// ---- definitions --------------------------------------------------------------------------------

#[test]
fn shipped_definitions_load_without_errors() {
    for (name, types) in [
        ("bao-cao", &["BC", "KH"][..]),
        ("to-trinh", &["TTr"][..]),
        ("cong-van", &["CV"][..]),
    ] {
        let def = shipped(name);
        assert_eq!(def.id, name);
        assert_eq!(def.doc_types, types);
        assert_eq!(def.file, format!("workflows/{name}.toml"));
        assert!(def.state(&def.initial).is_some());
        for s in &def.states {
            assert!(!s.label.is_empty() && s.line > 0, "{name}: {s:?}");
        }
        for t in &def.transitions {
            assert!(!t.label.is_empty() && !t.by.is_empty(), "{name}: {t:?}");
        }
    }
}

#[test]
fn bao_cao_has_the_documented_shape() {
    let def = shipped("bao-cao");
    let unit = def.state("unit_review").unwrap();
    assert!(unit.optional);
    assert_eq!(
        (unit.role, unit.sla_working_days),
        (Some(ActorRole::UnitHead), Some(1))
    );
    assert_eq!(def.state("approval").unwrap().role, Some(ActorRole::Signer));
    assert_eq!(def.state("drafting").unwrap().label, "Dự thảo");
    let submits: Vec<_> = def
        .actions_from("drafting")
        .into_iter()
        .filter(|t| t.action == "submit")
        .collect();
    assert_eq!(submits.len(), 2);
    assert_eq!(submits[0].when, Some(Guard::OptionalEnabled));
    assert_eq!(submits[1].when, Some(Guard::OptionalDisabled));
    assert!(def.is_terminal("archived"));
    assert!(!def.is_terminal("approval"));
}

/// The line of the fixture marked `# ERROR`.
fn marked_line(text: &str) -> usize {
    text.lines()
        .position(|l| l.trim_end().ends_with("# ERROR"))
        .map(|i| i + 1)
        .unwrap()
}

#[test]
fn every_broken_fixture_reports_its_code_file_and_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workflows/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut codes_seen = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let code = name[..5].to_uppercase();
        let text = std::fs::read_to_string(&path).unwrap();
        let shown = format!("broken/{name}");
        let errs = load(&shown, &text).expect_err(&name);
        let line = marked_line(&text);
        assert!(
            errs.iter().all(|e| e.code == code),
            "{name}: expected only {code}, got {errs:#?}"
        );
        let hit = errs
            .iter()
            .find(|e| e.line == line)
            .unwrap_or_else(|| panic!("{name}: no error on line {line}: {errs:#?}"));
        let msg = hit.to_string();
        assert!(
            msg.starts_with(&format!("{code} {shown}:{line}: ")),
            "{msg}"
        );
        assert!(msg.contains("(hint: "), "{msg}");
        codes_seen.push(code);
    }
    codes_seen.dedup();
    // WF012 (the same id and version in two files) needs two files: the CLI tests cover it.
    let expected: Vec<String> = (1..=14)
        .filter(|i| *i != 12)
        .map(|i| format!("WF{i:03}"))
        .collect();
    assert_eq!(codes_seen, expected);
}

#[test]
fn check_errors_serialize_for_the_cli() {
    let errs = load("x.toml", "id = \"x\"\nversion = 1\ntitle = \"X\"\n").unwrap_err();
    let json = serde_json::to_value(&errs).unwrap();
    assert_eq!(json[0]["code"], "WF002");
    assert_eq!(json[0]["file"], "x.toml");
}

// ---- engine: fixtures ---------------------------------------------------------------------------

const A: &str = "SO-TC"; // the document's agency
const OTHER: &str = "SO-KH";
const RECIPIENT: &str = "VP-UBND";
const CONSULTED: &str = "SO-TP";

fn actor(username: &str, roles: &[(&str, Role)]) -> Actor {
    Actor {
        username: username.into(),
        roles: roles.iter().map(|(a, r)| ((*a).to_owned(), *r)).collect(),
        ..Actor::default()
    }
}

fn delegation(
    to: &str,
    from: NaiveDate,
    until: Option<NaiveDate>,
    workflow: Option<&str>,
) -> Delegation {
    Delegation {
        agency: A.into(),
        from_username: "gd".into(),
        to_username: to.into(),
        authority: Authority::Kt,
        head_title: "Giám đốc".into(),
        deputy_title: "Phó Giám đốc".into(),
        valid_from: from,
        valid_to: until,
        workflow: workflow.map(str::to_owned),
    }
}

/// drafter, unit head, head, deputy with delegation, deputy without, clerk, other agency,
/// recipient clerk, consulted head.
fn cast() -> Vec<Actor> {
    let mut deputy = actor("pgd1", &[(A, Role::DeputyHead)]);
    deputy
        .delegations
        .push(delegation("pgd1", d(2024, 1, 1), None, None));
    let mut expired = actor("pgd2", &[(A, Role::DeputyHead)]);
    expired.delegations.push(delegation(
        "pgd2",
        d(2020, 1, 1),
        Some(d(2020, 12, 31)),
        None,
    ));
    vec![
        actor("cv1", &[(A, Role::Drafter)]),
        actor("tp1", &[(A, Role::UnitHead)]),
        actor("gd", &[(A, Role::AgencyHead)]),
        deputy,
        expired,
        actor("vt1", &[(A, Role::Clerk)]),
        actor(
            "x",
            &[
                (OTHER, Role::AgencyHead),
                (OTHER, Role::Clerk),
                (OTHER, Role::Drafter),
            ],
        ),
        actor("vtn", &[(RECIPIENT, Role::Clerk)]),
        actor("gdtp", &[(CONSULTED, Role::AgencyHead)]),
    ]
}

fn instance(def: &Definition, skip_optional: bool) -> Instance {
    Instance {
        definition_id: def.id.clone(),
        definition_version: def.version,
        state: def.initial.clone(),
        version: 1,
        agency: A.into(),
        drafter: "cv1".into(),
        recipients: vec![RECIPIENT.into()],
        skip_optional,
        head_title: "Giám đốc".into(),
        ..Instance::default()
    }
}

fn input(inst: &Instance) -> ActionInput {
    ActionInput {
        comment: Some("Đề nghị sửa lại số liệu".into()),
        pin_provided: true,
        attachments: 1,
        expected_version: inst.version,
    }
}

/// Apply an outcome the way the store would.
fn commit(inst: &mut Instance, o: &Outcome, now: DateTime<Utc>) {
    inst.state = o.to.clone();
    inst.version = o.new_version;
    for e in &o.effects {
        match e {
            Effect::SignPersonal { .. } => inst.personal_signed = true,
            Effect::SignOrganization => inst.organization_signed = true,
            Effect::OpenConsultations => {
                let due = local_date(now).checked_add_days(Days::new(2)).unwrap();
                inst.consultations = vec![Consultation {
                    agency: CONSULTED.into(),
                    answered: false,
                    due,
                }];
            }
            _ => {}
        }
    }
    if o.acted_as == ActorRole::Consulted {
        for c in inst
            .consultations
            .iter_mut()
            .filter(|c| c.agency == o.acting_agency)
        {
            c.answered = true;
        }
    }
}

const NOW: &str = "2024-03-04T03:00:00Z"; // Monday 10:00 in Hà Nội

fn run(def: &Definition, inst: &mut Instance, who: &Actor, action: &str) -> Outcome {
    let o = apply(def, inst, who, action, &input(inst), at(NOW))
        .unwrap_or_else(|e| panic!("{action}: {e}"));
    commit(inst, &o, at(NOW));
    o
}

#[test]
fn bao_cao_happy_path_with_unit_review_and_head_signing() {
    let def = shipped("bao-cao");
    let c = cast();
    let mut inst = instance(&def, false);
    let o = run(&def, &mut inst, &c[0], "submit");
    assert_eq!(o.to, "unit_review");
    assert_eq!(
        o.effects,
        vec![
            Effect::Render,
            Effect::Notify {
                role: ActorRole::UnitHead,
                state: "unit_review".into()
            }
        ]
    );
    assert_eq!(run(&def, &mut inst, &c[1], "forward").to, "approval");
    let o = run(&def, &mut inst, &c[2], "approve");
    assert_eq!(o.acted_as, ActorRole::Signer);
    assert_eq!(
        o.effects[..2],
        [
            Effect::Render,
            Effect::SignPersonal {
                signer: "gd".into()
            }
        ]
    );
    let block = o.signing.unwrap();
    assert_eq!(
        (block.authority, block.position.as_str()),
        (None, "GIÁM ĐỐC")
    );
    let o = run(&def, &mut inst, &c[5], "issue");
    assert_eq!(
        o.effects,
        vec![
            Effect::AssignNumber,
            Effect::SignOrganization,
            Effect::Dispatch,
            Effect::Notify {
                role: ActorRole::RecipientClerk,
                state: "dispatched".into()
            }
        ]
    );
    let o = run(&def, &mut inst, &c[7], "receive");
    assert_eq!(o.acting_agency, RECIPIENT);
    run(&def, &mut inst, &c[7], "archive");
    assert_eq!((inst.state.as_str(), inst.version), ("archived", 7));
    for who in &c {
        for t in &def.transitions {
            assert_eq!(
                apply(&def, &inst, who, &t.action, &input(&inst), at(NOW)),
                Err(Denied::Terminal {
                    state: "archived".into()
                })
            );
        }
        assert!(available_actions(&def, &inst, who, at(NOW)).is_empty());
    }
}

#[test]
fn agencies_without_unit_review_submit_straight_to_approval() {
    let def = shipped("bao-cao");
    let c = cast();
    let mut inst = instance(&def, true);
    assert_eq!(run(&def, &mut inst, &c[0], "submit").to, "approval");
}

#[test]
fn a_delegated_deputy_signs_kt_and_an_undelegated_one_is_refused() {
    let def = shipped("cong-van");
    let c = cast();
    let mut inst = instance(&def, false);
    run(&def, &mut inst, &c[0], "submit");
    let denied = apply(&def, &inst, &c[4], "approve", &input(&inst), at(NOW)).unwrap_err();
    assert_eq!(denied, Denied::NoDelegation { agency: A.into() });
    assert!(available_actions(&def, &inst, &c[4], at(NOW)).is_empty());
    let names: Vec<_> = available_actions(&def, &inst, &c[3], at(NOW))
        .iter()
        .map(|t| t.action.as_str())
        .collect();
    assert_eq!(names, ["approve", "return"]);
    let o = run(&def, &mut inst, &c[3], "approve");
    let block = o.signing.unwrap();
    assert_eq!(block.authority.as_deref(), Some("KT. GIÁM ĐỐC"));
    assert_eq!(block.position, "PHÓ GIÁM ĐỐC");
    assert_eq!(block.signer, "pgd1");
}

#[test]
fn delegation_validity_is_judged_on_the_vietnamese_date_and_workflow() {
    let def = shipped("cong-van");
    let mut deputy = actor("pgd", &[(A, Role::DeputyHead)]);
    deputy.delegations.push(delegation(
        "pgd",
        d(2024, 3, 5),
        Some(d(2024, 3, 5)),
        Some("cong-van"),
    ));
    let mut inst = instance(&def, false);
    inst.state = "approval".into();
    // 2024-03-04T17:30Z is already 5/3 00:30 in Hà Nội.
    assert!(
        apply(
            &def,
            &inst,
            &deputy,
            "approve",
            &input(&inst),
            at("2024-03-04T16:30:00Z")
        )
        .is_err()
    );
    assert!(
        apply(
            &def,
            &inst,
            &deputy,
            "approve",
            &input(&inst),
            at("2024-03-04T17:30:00Z")
        )
        .is_ok()
    );
    assert!(
        apply(
            &def,
            &inst,
            &deputy,
            "approve",
            &input(&inst),
            at("2024-03-05T17:30:00Z")
        )
        .is_err()
    );
    deputy.delegations[0].workflow = Some("bao-cao".into());
    assert!(
        apply(
            &def,
            &inst,
            &deputy,
            "approve",
            &input(&inst),
            at("2024-03-04T17:30:00Z")
        )
        .is_err()
    );
}

#[test]
fn denials_have_codes_and_vietnamese_messages() {
    let def = shipped("bao-cao");
    let c = cast();
    let mut inst = instance(&def, false);
    inst.version = 4;
    let stale = ActionInput {
        expected_version: 3,
        ..input(&inst)
    };
    let e = apply(&def, &inst, &c[0], "submit", &stale, at(NOW)).unwrap_err();
    assert_eq!(e.code(), "WFD007");
    assert_eq!(
        e.to_string(),
        "Văn bản đã được cập nhật bởi người khác (phiên bản 4, bạn đang xem 3); tải lại trang."
    );

    let e = apply(&def, &inst, &c[0], "fly", &input(&inst), at(NOW)).unwrap_err();
    assert_eq!(e.code(), "WFD001");
    let e = apply(&def, &inst, &c[0], "approve", &input(&inst), at(NOW)).unwrap_err();
    assert!(matches!(e, Denied::WrongState { .. }), "{e:?}");
    let e = apply(&def, &inst, &c[5], "submit", &input(&inst), at(NOW)).unwrap_err();
    assert_eq!(
        e,
        Denied::WrongRole {
            action: "submit".into(),
            allowed: vec![ActorRole::Drafter]
        }
    );
    assert!(e.to_string().contains("Chuyên viên soạn thảo"), "{e}");

    inst.state = "approval".into();
    let e = apply(&def, &inst, &c[6], "approve", &input(&inst), at(NOW)).unwrap_err();
    assert_eq!(e, Denied::WrongAgency { agency: A.into() });
    let no_pin = ActionInput {
        pin_provided: false,
        ..input(&inst)
    };
    let e = apply(&def, &inst, &c[2], "approve", &no_pin, at(NOW)).unwrap_err();
    assert_eq!(e, Denied::MissingRequirement(Requirement::SigningPin));
    let blank = ActionInput {
        comment: Some("   ".into()),
        ..input(&inst)
    };
    let e = apply(&def, &inst, &c[2], "return", &blank, at(NOW)).unwrap_err();
    assert_eq!(e, Denied::MissingRequirement(Requirement::Comment));
    assert_eq!(e.to_string(), "Cần nhập ý kiến (lý do) cho thao tác này.");

    inst.personal_signed = true;
    assert_eq!(
        apply(&def, &inst, &c[2], "approve", &input(&inst), at(NOW)),
        Err(Denied::AlreadySigned)
    );
    inst.personal_signed = false;
    inst.state = "issuing".into();
    assert_eq!(
        apply(&def, &inst, &c[5], "issue", &input(&inst), at(NOW)),
        Err(Denied::PersonalSignatureMissing)
    );
}

#[test]
fn to_trinh_consultation_closes_when_answered_or_overdue() {
    let def = shipped("to-trinh");
    let c = cast();
    let mut inst = instance(&def, false);
    let o = run(&def, &mut inst, &c[0], "consult");
    assert!(o.effects.contains(&Effect::OpenConsultations));
    assert!(o.effects.contains(&Effect::Notify {
        role: ActorRole::Consulted,
        state: "consultation".into()
    }));
    let e = apply(
        &def,
        &inst,
        &c[0],
        "close_consultation",
        &input(&inst),
        at(NOW),
    )
    .unwrap_err();
    assert_eq!(
        e,
        Denied::ConsultationsOpen {
            pending: vec![CONSULTED.into()]
        }
    );
    // Due on 6/3 (Hà Nội): still open on 6/3, closed from 7/3.
    assert!(
        apply(
            &def,
            &inst,
            &c[0],
            "close_consultation",
            &input(&inst),
            at("2024-03-06T16:00:00Z")
        )
        .is_err()
    );
    assert!(
        apply(
            &def,
            &inst,
            &c[0],
            "close_consultation",
            &input(&inst),
            at("2024-03-06T17:00:00Z")
        )
        .is_ok()
    );
    // Or answered: the self-loop keeps the state, tells the drafter, bumps the version.
    let o = run(&def, &mut inst, &c[8], "answer");
    assert_eq!(
        (o.from.as_str(), o.to.as_str(), o.acting_agency.as_str()),
        ("consultation", "consultation", CONSULTED)
    );
    assert_eq!(
        o.effects,
        vec![Effect::Notify {
            role: ActorRole::Drafter,
            state: "consultation".into()
        }]
    );
    assert!(
        apply(&def, &inst, &c[8], "answer", &input(&inst), at(NOW)).is_err(),
        "answers once"
    );
    assert_eq!(
        run(&def, &mut inst, &c[0], "close_consultation").to,
        "approval"
    );
    run(&def, &mut inst, &c[2], "approve");
    run(&def, &mut inst, &c[5], "issue");
    assert_eq!(run(&def, &mut inst, &c[7], "receive").to, "received");
    assert!(def.is_terminal(&inst.state));
}

#[test]
fn effects_serialize_with_a_kind_tag() {
    let json = serde_json::to_value(Effect::Notify {
        role: ActorRole::RecipientClerk,
        state: "dispatched".into(),
    })
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "notify", "role": "recipient_clerk", "state": "dispatched"})
    );
    assert_eq!(
        serde_json::to_value(Effect::SignOrganization).unwrap(),
        serde_json::json!({"kind": "sign_organization"})
    );
}

// ---- engine: properties -------------------------------------------------------------------------

/// An independent statement of who holds which role, for the property test.
fn really_holds(who: &Actor, role: ActorRole, inst: &Instance) -> bool {
    match role {
        ActorRole::Drafter => who.username == inst.drafter,
        ActorRole::UnitHead => who.username == "tp1",
        ActorRole::AgencyHead => who.username == "gd",
        ActorRole::Signer => who.username == "gd" || who.username == "pgd1",
        ActorRole::Clerk => who.username == "vt1",
        ActorRole::RecipientClerk => who.username == "vtn",
        ActorRole::Consulted => {
            who.username == "gdtp" && inst.consultations.iter().any(|c| !c.answered)
        }
        ActorRole::System => false,
    }
}

#[derive(Debug, Clone)]
struct Step {
    actor: usize,
    action: usize,
    comment: bool,
    pin: bool,
    stale: bool,
    days: u64,
    /// Pick among the actions offered to this actor (so runs get far), else among all actions.
    guided: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..9,
        0usize..16,
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.1),
        0u64..3,
        prop::bool::weighted(0.7),
    )
        .prop_map(|(actor, action, comment, pin, stale, days, guided)| Step {
            actor,
            action,
            comment,
            pin,
            stale,
            days,
            guided,
        })
}

fn check_run(def: &Definition, skip_optional: bool, steps: &[Step]) {
    let cast = cast();
    let mut actions: Vec<String> = def.transitions.iter().map(|t| t.action.clone()).collect();
    actions.sort();
    actions.dedup();
    actions.push("bogus".into());
    let mut inst = instance(def, skip_optional);
    let mut now = at(NOW);
    let mut history: Vec<Outcome> = Vec::new();
    for s in steps {
        now += chrono::Duration::days(s.days as i64);
        let who = &cast[s.actor];
        let offers: Vec<String> = available_actions(def, &inst, who, now)
            .iter()
            .map(|t| t.action.clone())
            .collect();
        // Cancelling ends most runs early: take it rarely when guided.
        let picks: Vec<&String> = offers
            .iter()
            .filter(|a| *a != "cancel" || s.action == 0)
            .collect();
        let action = if s.guided && !picks.is_empty() {
            picks[s.action % picks.len()]
        } else {
            &actions[s.action % actions.len()]
        };
        let inp = ActionInput {
            comment: s.comment.then(|| "Ý kiến".to_owned()),
            pin_provided: s.pin,
            attachments: 0,
            expected_version: if s.stale {
                inst.version - 1
            } else {
                inst.version
            },
        };
        let offered = offers.contains(action);
        match apply(def, &inst, who, action, &inp, now) {
            Ok(o) => {
                assert!(!s.stale && !def.is_terminal(&inst.state));
                assert!(offered, "{action} succeeded but was not offered");
                let t = def
                    .transitions
                    .iter()
                    .find(|t| {
                        t.from == inst.state
                            && &t.action == action
                            && Guard::admits(t.when, inst.skip_optional)
                    })
                    .unwrap();
                assert_eq!(
                    (o.from.as_str(), o.to.as_str()),
                    (t.from.as_str(), t.to.as_str())
                );
                assert!(t.by.contains(&o.acted_as), "{o:?}");
                assert!(
                    really_holds(who, o.acted_as, &inst),
                    "{} acted as {:?}",
                    who.username,
                    o.acted_as
                );
                assert_eq!(o.new_version, inst.version + 1);
                let before = history.len();
                commit(&mut inst, &o, now);
                history.push(o);
                assert_eq!(history.len(), before + 1);
            }
            Err(e) => {
                if s.stale && action != "bogus" {
                    assert!(matches!(e, Denied::StaleVersion { .. }), "{e:?}");
                } else if def.is_terminal(&inst.state) && action != "bogus" {
                    assert_eq!(
                        e,
                        Denied::Terminal {
                            state: inst.state.clone()
                        }
                    );
                }
            }
        }
    }
    // The decree's order on every path: personal signature, then the organisation's, then dispatch.
    let effects: Vec<&Effect> = history.iter().flat_map(|o| &o.effects).collect();
    let pos = |f: &dyn Fn(&Effect) -> bool| effects.iter().position(|e| f(e));
    let personal = pos(&|e| matches!(e, Effect::SignPersonal { .. }));
    let org = pos(&|e| matches!(e, Effect::SignOrganization));
    let dispatch = pos(&|e| matches!(e, Effect::Dispatch));
    if history
        .iter()
        .any(|o| o.to == "dispatched" || o.to == "submitted")
    {
        let (p, o, d) = (personal.unwrap(), org.unwrap(), dispatch.unwrap());
        assert!(p < o && o < d, "{effects:?}");
    }
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::SignPersonal { .. }))
            .count(),
        personal.map_or(0, |_| 1)
    );
    assert_eq!(inst.version, 1 + history.len() as i64);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn bao_cao_only_allowed_roles_move_documents(skip in any::<bool>(), steps in prop::collection::vec(step(), 0..100)) {
        check_run(&shipped("bao-cao"), skip, &steps);
    }

    #[test]
    fn to_trinh_only_allowed_roles_move_documents(steps in prop::collection::vec(step(), 0..100)) {
        check_run(&shipped("to-trinh"), false, &steps);
    }

    #[test]
    fn add_working_days_and_between_agree(y in 2023i32..2028, doy in 0u64..365, n in 1u32..30) {
        let cal = calendar();
        let from = d(y, 1, 1).checked_add_days(Days::new(doy)).unwrap();
        let due = cal.add_working_days(from, n);
        prop_assert!(cal.is_working_day(due));
        prop_assert_eq!(cal.working_days_between(from, due), i64::from(n));
        prop_assert_eq!(cal.working_days_between(due, from), -i64::from(n));
    }
}

// ---- calendar -----------------------------------------------------------------------------------

#[test]
fn shipped_calendar_covers_2023_to_2027() {
    let cal = calendar();
    for y in 2023..=2027 {
        assert!(!cal.is_working_day(d(y, 1, 1)), "{y}-01-01");
        assert!(
            !cal.is_working_day(d(y, 4, 30)) && !cal.is_working_day(d(y, 5, 1)),
            "{y} 30/4, 1/5"
        );
        assert!(!cal.is_working_day(d(y, 9, 2)), "{y}-09-02");
        let days_off_around_2_9 = (1..=4)
            .filter(|&x| cal.holiday(d(y, 9, x)).is_some())
            .count()
            + (30..=31)
                .filter(|&x| cal.holiday(d(y, 8, x)).is_some())
                .count();
        assert!(days_off_around_2_9 >= 2, "{y}: 2/9 plus an adjacent day");
        let tet = cal
            .holidays
            .iter()
            .filter(|(k, v)| k.year() == y && v.contains("Tết Nguyên đán"))
            .count();
        assert!(tet >= 5, "{y}: {tet} days of Tết");
        assert!(
            cal.holidays
                .iter()
                .any(|(k, v)| k.year() == y && v.contains("Giỗ Tổ")),
            "{y}: Giỗ Tổ"
        );
    }
    for make_up in [d(2024, 5, 4), d(2025, 4, 26)] {
        assert!(
            cal.is_working_day(make_up),
            "{make_up} is a make-up Saturday"
        );
    }
    assert_eq!(cal.holiday(d(2024, 4, 18)), Some("Giỗ Tổ Hùng Vương"));
}

use chrono::Datelike;

#[test]
fn sla_across_a_weekend_and_tet_2024() {
    let cal = calendar();
    for x in 8..=14 {
        assert!(!cal.is_working_day(d(2024, 2, x)), "{x}/2/2024 is Tết");
    }
    // Friday 2/2 (10:00 in Hà Nội), SLA 2: Monday 5/2 is day 1, Tuesday 6/2 day 2.
    assert_eq!(sla_due(&cal, at("2024-02-02T03:00:00Z"), 2), d(2024, 2, 6));
    // 1/2 17:30 UTC is already Friday 2/2 in Hà Nội.
    assert_eq!(sla_due(&cal, at("2024-02-01T17:30:00Z"), 2), d(2024, 2, 6));
    assert_eq!(sla_due(&cal, at("2024-02-01T16:30:00Z"), 2), d(2024, 2, 5));
    // Wednesday 7/2, the eve of Tết: 15/2 is day 1, 16/2 day 2.
    assert_eq!(sla_due(&cal, at("2024-02-07T03:00:00Z"), 2), d(2024, 2, 16));
    assert_eq!(sla_due(&cal, at("2024-02-07T03:00:00Z"), 1), d(2024, 2, 15));
    assert_eq!(cal.working_days_between(d(2024, 2, 7), d(2024, 2, 16)), 2);
    // Entering on a holiday with SLA 0: due the first working day.
    assert_eq!(sla_due(&cal, at("2024-02-10T03:00:00Z"), 0), d(2024, 2, 15));
}

#[test]
fn sla_counts_make_up_saturdays() {
    let cal = calendar();
    // 2025: Friday 25/4, SLA 2 → Saturday 26/4 (làm bù) is day 1, Monday 28/4 day 2.
    assert_eq!(sla_due(&cal, at("2025-04-25T03:00:00Z"), 2), d(2025, 4, 28));
    // then 30/4–4/5 off: Tuesday 29/4, SLA 1 → Monday 5/5.
    assert_eq!(sla_due(&cal, at("2025-04-29T03:00:00Z"), 1), d(2025, 5, 5));
    // 2024: Friday 3/5, SLA 1 → Saturday 4/5 (làm bù).
    assert_eq!(sla_due(&cal, at("2024-05-03T03:00:00Z"), 1), d(2024, 5, 4));
    // Friday 26/4/2024, SLA 1 → 29/4–1/5 off → Thursday 2/5.
    assert_eq!(sla_due(&cal, at("2024-04-26T03:00:00Z"), 1), d(2024, 5, 2));
}

#[test]
fn reminders_before_on_and_after_the_due_date() {
    let cal = calendar();
    let due = d(2024, 2, 16);
    assert_eq!(
        reminders_due(&cal, due, d(2024, 2, 15)),
        Some(ReminderKind::BeforeDue)
    );
    assert_eq!(reminders_due(&cal, due, d(2024, 2, 14)), None);
    assert_eq!(reminders_due(&cal, due, due), Some(ReminderKind::OnDue));
    assert_eq!(
        reminders_due(&cal, due, d(2024, 2, 19)),
        Some(ReminderKind::Overdue)
    );
    // Due on Monday 15/2 after Tết: the reminder goes out on 7/2, the last working day before.
    assert_eq!(
        reminders_due(&cal, d(2024, 2, 15), d(2024, 2, 7)),
        Some(ReminderKind::BeforeDue)
    );
}
