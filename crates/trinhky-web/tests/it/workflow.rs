//! The report workflow end to end through the JSON API: drafting → unit review (returned with a
//! comment) → edit → approval by a deputy with "KT." → the clerk's inbox; plus scoping,
//! optimistic concurrency and simultaneous approvals (exactly one wins).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use serde_json::{Value, json};
use trinhky_app::Principal;
use trinhky_app::directive_intake;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_domain::workflow::Authority;
use trinhky_testkit::flows;
use trinhky_testkit::{TestApp, body_text, repo_root, spawn_app};

async fn token(app: &TestApp, user: &str) -> String {
    trinhky_app::auth::create_api_token(&app.store, "test", user, "test")
        .await
        .unwrap()
}

async fn call(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let res = app.send(b.body(body).unwrap()).await;
    let status = res.status();
    let text = body_text(res).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Imports the seed directive and returns the id of Sở Nội vụ's assignment 6.1.
async fn seed_assignment(app: &TestApp) -> i32 {
    let bytes = std::fs::read(
        repo_root().join("crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt"),
    )
    .unwrap();
    let d = directive_intake::upload(
        &app.store,
        app.app.cpu(),
        "test",
        "seed.txt",
        &bytes,
        trinhky_app::today_vn(),
    )
    .await
    .unwrap();
    let p = directive_intake::proposal(&app.store, d.id).await.unwrap();
    let decisions = directive_intake::proposed_decisions(&p.parsed, &p.resolved);
    directive_intake::confirm(&app.store, "test", d.id, &decisions)
        .await
        .unwrap();
    let snv = trinhky_testkit::store::directory::agency_by_code(app.store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    let rows = trinhky_testkit::store::intake::open_assignments_for(app.store.db(), &[snv.id])
        .await
        .unwrap();
    rows.iter().find(|a| a.task_ref == "6.1").unwrap().id
}

async fn principal(app: &TestApp, username: &str) -> Principal {
    let user = trinhky_testkit::store::accounts::user_by_username(app.store.db(), username)
        .await
        .unwrap()
        .unwrap();
    let memberships = trinhky_testkit::store::accounts::memberships(app.store.db(), user.id)
        .await
        .unwrap();
    Principal {
        user: user.into(),
        memberships,
        province_office: Some("VPUBND".into()),
    }
}

#[tokio::test]
async fn report_goes_from_drafter_through_review_and_deputy_to_the_clerk() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    let drafter = token(&app, "snv.chuyenvien").await;
    let unit = token(&app, "snv.truongphong").await;
    let deputy = token(&app, "snv.phogiamdoc").await;
    let clerk = token(&app, "snv.vanthu").await;
    let outsider = token(&app, "skhdt.chuyenvien").await;

    let (s, doc) = call(
        &app,
        "POST",
        &format!("/api/v1/assignments/{assignment}/documents"),
        &drafter,
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let id = doc["id"].as_i64().unwrap();
    assert_eq!(doc["state"], "drafting");
    assert_eq!(doc["doc_type"], "KH", "a plan (Kế hoạch …) gets type KH");
    assert_eq!(
        doc["due_date"], "2023-06-26",
        "the document inherits the assignment's deadline"
    );
    let uri = format!("/api/v1/documents/{id}");
    assert_eq!(
        call(&app, "GET", &uri, &outsider, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            &app,
            "POST",
            &format!("/api/v1/assignments/{assignment}/documents"),
            &outsider,
            Some(json!({}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    let edit = |v: i64, body: &str| json!({"expected_version": v, "title": "Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023", "body": body, "addressees": "Ủy ban nhân dân tỉnh", "recipients": "- Như trên;\n- Lưu: VT, SNV."});
    let (s, d) = call(
        &app,
        "PUT",
        &uri,
        &drafter,
        Some(edit(1, "I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao Chỉ số CCHC.")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["document_version"], 2);
    assert_eq!(
        call(&app, "PUT", &uri, &drafter, Some(edit(1, "stale")))
            .await
            .0,
        StatusCode::CONFLICT,
        "an edit of an old version is refused"
    );

    let act = |action: &str, v: i64, extra: Value| {
        let mut b = json!({"expected_version": v});
        if let Value::Object(m) = extra {
            for (k, x) in m {
                b[k] = x;
            }
        }
        (format!("{uri}/actions/{action}"), b)
    };
    // Out of turn: the unit head cannot act on a draft; the drafter submits.
    let (u, b) = act("forward", 0, json!({}));
    assert_eq!(
        call(&app, "POST", &u, &unit, Some(b)).await.0,
        StatusCode::CONFLICT
    );
    let (u, b) = act("submit", 0, json!({}));
    let (s, d) = call(&app, "POST", &u, &drafter, Some(b)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "unit_review");

    // Returning needs a comment.
    let (u, b) = act("return", 1, json!({}));
    let (s, d) = call(&app, "POST", &u, &unit, Some(b)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{d}");
    let (u, b) = act(
        "return",
        1,
        json!({"comment": "Bổ sung giải pháp cụ thể cho Chỉ số SIPAS."}),
    );
    let (s, d) = call(&app, "POST", &u, &unit, Some(b)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "drafting");

    // The drafter sees the comment, edits (a new version) and submits again.
    let (_, d) = call(&app, "GET", &uri, &drafter, None).await;
    assert_eq!(
        d["history"][1]["comment"],
        "Bổ sung giải pháp cụ thể cho Chỉ số SIPAS."
    );
    let (s, _) = call(
        &app,
        "PUT",
        &uri,
        &drafter,
        Some(edit(2, "I. MỤC ĐÍCH\n1. Nâng cao Chỉ số CCHC và SIPAS.")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (u, b) = act("submit", 2, json!({}));
    assert_eq!(
        call(&app, "POST", &u, &drafter, Some(b)).await.0,
        StatusCode::OK
    );
    let (u, b) = act("forward", 3, json!({}));
    let (s, d) = call(&app, "POST", &u, &unit, Some(b)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "approval");
    assert_eq!(
        d["due_date"], "2023-06-26",
        "the SLA never runs past the assignment's deadline"
    );

    // A deputy without delegation may not sign; with one, signs "KT.".
    let (u, b) = act("approve", 4, json!({"pin": "123456"}));
    let (s, d) = call(&app, "POST", &u, &deputy, Some(b.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{d}");
    let head = principal(&app, "snv.giamdoc").await;
    let today = trinhky_app::today_vn();
    uc::delegate(
        &app.store,
        &head,
        "SNV",
        "snv.phogiamdoc",
        Authority::Kt,
        today,
        Some(today + chrono::Duration::days(7)),
        None,
    )
    .await
    .unwrap();
    let (u, nopin) = act("approve", 4, json!({}));
    assert_eq!(
        call(&app, "POST", &u, &deputy, Some(nopin)).await.0,
        StatusCode::BAD_REQUEST,
        "approval needs the signing PIN"
    );
    let (s, d) = call(&app, "POST", &u, &deputy, Some(b)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "issuing");
    assert_eq!(d["signing_authority"], "KT. GIÁM ĐỐC");
    assert_eq!(d["signing_position"], "PHÓ GIÁM ĐỐC");

    // The clerk's inbox has it; the drafter's no longer does.
    let (_, inbox) = call(&app, "GET", "/api/v1/documents", &clerk, None).await;
    assert!(
        inbox
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["document_id"] == id && w["state"] == "issuing"),
        "{inbox}"
    );
    let (_, mine) = call(&app, "GET", "/api/v1/documents", &drafter, None).await;
    assert!(
        !mine
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["document_id"] == id)
    );

    // History is complete and append-only; the approval wrote its effect rows.
    let (_, d) = call(&app, "GET", &uri, &clerk, None).await;
    let actions: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "return", "submit", "forward", "approve"]
    );
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), id as i32)
        .await
        .unwrap()
        .unwrap();
    let effects: Vec<String> =
        trinhky_testkit::store::documents::effects_of(app.store.db(), inst.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
    assert!(effects.contains(&"sign_personal".to_owned()), "{effects:?}");
    let versions = trinhky_testkit::store::documents::versions(app.store.db(), id as i32)
        .await
        .unwrap();
    assert_eq!(
        versions.len(),
        3,
        "every edit is a new version; nothing overwritten"
    );
    assert!(versions[1].body.contains("Nâng cao Chỉ số CCHC."));
    let report = trinhky_testkit::store::audit::verify(app.store.db(), |_, _| {})
        .await
        .unwrap();
    assert!(report.broken.is_none(), "{report:?}");

    let (s, spec) = call(&app, "GET", "/api/v1/openapi.json", &clerk, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(spec["paths"]["/api/v1/documents/{id}/actions/{action}"]["post"].is_object());
}

#[tokio::test]
async fn simultaneous_approvals_make_exactly_one_transition() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let head = principal(&app, "snv.giamdoc").await;
    let today = trinhky_app::today_vn();
    uc::delegate(
        &app.store,
        &head,
        "SNV",
        "snv.phogiamdoc",
        Authority::Kt,
        today,
        None,
        None,
    )
    .await
    .unwrap();
    let deputy = principal(&app, "snv.phogiamdoc").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    let req = |v: i64| ActRequest {
        expected_version: v,
        paper: Vec::new(),
        pin: Some(trinhky_app::demo::DEMO_PIN.into()),
        ..Default::default()
    };
    flows::act(&app, "snv.chuyenvien", doc.id, "submit", 0)
        .await
        .unwrap();
    flows::act(&app, "snv.truongphong", doc.id, "forward", 1)
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for i in 0..8 {
        let who = if i % 2 == 0 {
            head.clone()
        } else {
            deputy.clone()
        };
        let store = app.store.clone();
        let registry = app.registry.clone();
        tasks.push(tokio::spawn(async move {
            uc::act(
                &store,
                &registry,
                &who,
                doc.id,
                "approve",
                req(2),
                Utc::now(),
            )
            .await
        }));
    }
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(trinhky_app::AppError::Conflict(_)) => conflicts += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 7));
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.state, "issuing");
    assert_eq!(inst.version, 3);
    let history = trinhky_testkit::store::documents::transitions_of(app.store.db(), inst.id)
        .await
        .unwrap();
    assert_eq!(
        history.iter().filter(|t| t.action == "approve").count(),
        1,
        "signed exactly once"
    );
    let effects = trinhky_testkit::store::documents::effects_of(app.store.db(), inst.id)
        .await
        .unwrap();
    assert_eq!(
        effects.iter().filter(|e| e.kind == "sign_personal").count(),
        1
    );
}

#[tokio::test]
async fn running_instances_keep_their_definition_version() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    let v = app.registry.latest("bao-cao").unwrap().version;
    // A changed file that keeps its version number is refused.
    let changed = std::fs::read_to_string(repo_root().join("workflows/bao-cao.toml"))
        .unwrap()
        .replace("Dự thảo", "Bản nháp");
    let txn = app.store.begin_write().await.unwrap();
    let err = trinhky_testkit::store::documents::register_definition(
        &txn, "bao-cao", v as i32, "x", &changed,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("raise `version`"), "{err}");
    drop(txn);
    // A new version is accepted; the running document still follows its version.
    let v2 = changed.replace(&format!("version = {v}"), &format!("version = {}", v + 1));
    let txn = app.store.begin_write().await.unwrap();
    assert!(
        trinhky_testkit::store::documents::register_definition(
            &txn,
            "bao-cao",
            v as i32 + 1,
            "x",
            &v2
        )
        .await
        .unwrap()
    );
    txn.commit().await.unwrap();
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.definition_version, i32::try_from(v).unwrap());
    let l = uc::load(
        &app.store,
        &app.registry,
        &drafter,
        doc.id,
        trinhky_app::access::Want::Working,
    )
    .await
    .unwrap();
    assert_eq!(l.definition.version, v);
    assert_eq!(l.definition.state("drafting").unwrap().label, "Dự thảo");
}

#[tokio::test]
async fn deadline_reminders_are_effect_rows_written_once_across_tet() {
    use trinhky_testkit::sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    // Due Friday 16/2/2024, right after the Tết 2024 holidays (8–14/2).
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE workflow_instances SET due_date = '2024-02-16' WHERE id = {}",
            inst.id
        ))
        .await
        .unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let now = Utc::now();
    let reminders = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            trinhky_testkit::store::documents::effects_of(store.db(), inst.id)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.kind == "reminder")
                .map(|e| {
                    serde_json::from_str::<Value>(&e.payload).unwrap()["reminder"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    // Wednesday 7/2 is two working days before (Tết in between): nothing yet.
    assert_eq!(
        uc::scan_reminders(&app.store, &app.registry, d("2024-02-07"), now)
            .await
            .unwrap(),
        0
    );
    // Thursday 15/2, the first working day after Tết, is the day before.
    assert_eq!(
        uc::scan_reminders(&app.store, &app.registry, d("2024-02-15"), now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        uc::scan_reminders(&app.store, &app.registry, d("2024-02-15"), now)
            .await
            .unwrap(),
        0,
        "written once"
    );
    assert_eq!(
        uc::scan_reminders(&app.store, &app.registry, d("2024-02-16"), now)
            .await
            .unwrap(),
        1
    );
    // Monday 19/2: overdue, escalated to Văn phòng UBND, once.
    assert_eq!(
        uc::scan_reminders(&app.store, &app.registry, d("2024-02-19"), now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        uc::scan_reminders(&app.store, &app.registry, d("2024-02-20"), now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(reminders(&app).await, ["before_due", "on_due", "overdue"]);
    let rows = trinhky_testkit::store::documents::effects_of(app.store.db(), inst.id)
        .await
        .unwrap();
    let overdue: Value = serde_json::from_str(
        &rows
            .iter()
            .find(|e| e.payload.contains("overdue"))
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(overdue["escalate_to_province_office"], true);
}

#[tokio::test]
async fn reassigning_the_drafter_keeps_the_history() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let head = principal(&app, "snv.giamdoc").await;
    // A second drafter in Sở Nội vụ.
    trinhky_app::user_add::user_add(
        &app.store,
        app.app.cpu(),
        "test",
        trinhky_app::user_add::NewUser {
            username: "snv.chuyenvien2".into(),
            full_name: "Nguyễn Văn Bình".into(),
            email: "binh@daknong.example".into(),
            password: "mat-khau-rat-dai".into(),
            roles: vec![(
                "SNV".into(),
                trinhky_domain::Role::Drafter,
                "Chuyên viên".into(),
            )],
        },
    )
    .await
    .unwrap();
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    let err = uc::reassign(
        &app.store,
        &app.registry,
        &drafter,
        doc.id,
        "snv.chuyenvien2",
        0,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, trinhky_app::AppError::Forbidden(_)),
        "a drafter cannot reassign"
    );
    let err = uc::reassign(
        &app.store,
        &app.registry,
        &head,
        doc.id,
        "skhdt.chuyenvien",
        0,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, trinhky_app::AppError::Invalid(_)),
        "only drafters of the same agency"
    );
    uc::reassign(
        &app.store,
        &app.registry,
        &head,
        doc.id,
        "snv.chuyenvien2",
        0,
    )
    .await
    .unwrap();

    let doc2 = trinhky_testkit::store::documents::document_by_id(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(doc2.drafter_id, drafter.user.id);
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    let h = uc::history(&app.store, inst.id).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].0.action, "reassign");
    assert_eq!(
        h[0].0.comment.as_deref(),
        Some("Giao lại từ Trần Thị Minh Hạnh cho Nguyễn Văn Bình")
    );
    // The old drafter can no longer edit; the new one can.
    let new = principal(&app, "snv.chuyenvien2").await;
    let content = trinhky_testkit::store::documents::Content {
        title: "Kế hoạch".into(),
        body: "x".into(),
        addressees: "UBND tỉnh".into(),
        recipients: "- Lưu: VT.".into(),
    };
    assert!(
        uc::edit(
            &app.store,
            &app.registry,
            &drafter,
            doc.id,
            1,
            content.clone(),
            "x"
        )
        .await
        .is_err()
    );
    assert_eq!(
        uc::edit(&app.store, &app.registry, &new, doc.id, 1, content, "x")
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn two_hundred_concurrent_issuings_get_numbers_1_to_200_without_gaps() {
    let app = spawn_app().await;
    let snv = trinhky_testkit::store::directory::agency_by_code(app.store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = app.store.clone();
        tasks.push(tokio::spawn(async move {
            let txn = store.begin_write().await.unwrap();
            let seq = trinhky_testkit::store::numbering::next_number(&txn, snv.id, 2026, "chung")
                .await
                .unwrap();
            // Every tenth issuing fails after taking its number: the number must come back.
            if i % 10 == 9 {
                txn.rollback().await.unwrap();
                return None;
            }
            txn.commit().await.unwrap();
            Some(seq)
        }));
    }
    let mut got: Vec<i32> = Vec::new();
    for t in tasks {
        if let Some(n) = t.await.unwrap() {
            got.push(n);
        }
    }
    got.sort_unstable();
    assert_eq!(got, (1..=180).collect::<Vec<_>>(), "unique and gap-free");
    // A new year starts again at 1; another register has its own counter.
    let txn = app.store.begin_write().await.unwrap();
    assert_eq!(
        trinhky_testkit::store::numbering::next_number(&txn, snv.id, 2027, "chung")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        trinhky_testkit::store::numbering::next_number(&txn, snv.id, 2026, "mat")
            .await
            .unwrap(),
        1
    );
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn the_clerk_issues_with_the_next_number_in_the_outgoing_register() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let head = principal(&app, "snv.giamdoc").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    flows::act(&app, "snv.chuyenvien", doc.id, "submit", 0)
        .await
        .unwrap();
    flows::act(&app, "snv.truongphong", doc.id, "forward", 1)
        .await
        .unwrap();
    flows::act(&app, "snv.giamdoc", doc.id, "approve", 2)
        .await
        .unwrap();
    // Nobody but the clerk issues.
    assert!(
        flows::act(&app, "snv.giamdoc", doc.id, "issue", 3)
            .await
            .is_err()
    );
    flows::act(&app, "snv.vanthu", doc.id, "issue", 3)
        .await
        .unwrap();
    let entry = trinhky_testkit::store::numbering::number_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.number, "01/KH-SNV");
    assert_eq!(entry.signer, head.user.full_name);
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.state, "dispatched");
    let effects = trinhky_testkit::store::documents::effects_of(app.store.db(), inst.id)
        .await
        .unwrap();
    let assign = effects.iter().find(|e| e.kind == "assign_number").unwrap();
    assert!(assign.payload.contains("01/KH-SNV"), "{}", assign.payload);
    let kinds: Vec<&str> = effects.iter().map(|e| e.kind.as_str()).collect();
    let personal = kinds.iter().position(|k| *k == "sign_personal").unwrap();
    let org = kinds
        .iter()
        .position(|k| *k == "sign_organization")
        .unwrap();
    assert!(
        personal < org,
        "personal signature before the organisation's: {kinds:?}"
    );
}
