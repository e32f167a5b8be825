//! Documents taken through the workflow with the app's use cases, for tests that need a
//! document at some step (approval, issuing, dispatch, servers as processes): the common
//! sequences create → submit → forward → approve → issue, and [`act`] for one step.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait};
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_app::{AppError, Principal};
use trinhky_store::entities::workflow_instance;

use crate::{TestApp, repo_root};

pub async fn principal(app: &TestApp, username: &str) -> Principal {
    let user = trinhky_store::accounts::user_by_username(app.store.db(), username)
        .await
        .unwrap()
        .unwrap();
    let memberships = trinhky_store::accounts::memberships(app.store.db(), user.id)
        .await
        .unwrap();
    Principal {
        user: user.into(),
        memberships,
        province_office: Some("VPUBND".into()),
    }
}

/// An action request at instance version `version` with the demo PIN.
pub fn with_pin(version: i64) -> ActRequest {
    ActRequest {
        expected_version: version,
        paper: Vec::new(),
        pin: Some(trinhky_app::demo::DEMO_PIN.into()),
        ..Default::default()
    }
}

/// `username` takes `action` on `doc`, looking at instance version `version`, with the demo PIN.
pub async fn act(
    app: &TestApp,
    username: &str,
    doc: i32,
    action: &str,
    version: i64,
) -> Result<workflow_instance::Model, AppError> {
    act_with(app, username, doc, action, with_pin(version)).await
}

/// [`act`] with the request given (a comment, another PIN …).
pub async fn act_with(
    app: &TestApp,
    username: &str,
    doc: i32,
    action: &str,
    req: ActRequest,
) -> Result<workflow_instance::Model, AppError> {
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, username).await,
        doc,
        action,
        req,
        Utc::now(),
    )
    .await
}

/// The director approves (signs) a document waiting at approval (instance version 2).
pub async fn approve(app: &TestApp, doc: i32) {
    act(app, "snv.giamdoc", doc, "approve", 2).await.unwrap();
}

/// The clerk issues an approved document (instance version 3): number, seal, dispatch.
pub async fn issue(app: &TestApp, doc: i32) {
    act(app, "snv.vanthu", doc, "issue", 3).await.unwrap();
}

/// Takes Sở Nội vụ's plan (task 6.1) to the clerk and returns its id, with the Nơi nhận given.
pub async fn approved_document(app: &TestApp, recipients: &str) -> i32 {
    let doc = document_at_approval(app, recipients).await;
    approve(app, doc).await;
    doc
}

/// Nơi nhận every line of which the demo directory resolves.
pub const RESOLVABLE: &str = "- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.";

/// [`approved_document`] whose Nơi nhận is `recipients` by the time it reaches the clerk, as
/// when the directory changed after the drafter submitted (a line the drafter's check accepted
/// no longer resolves): drafted and signed with [`RESOLVABLE`], then the stored text replaced.
pub async fn approved_with_stale_recipients(app: &TestApp, recipients: &str) -> i32 {
    let doc = approved_document(app, RESOLVABLE).await;
    let v = trinhky_store::documents::latest_version(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    let mut am: trinhky_store::entities::document_version::ActiveModel = v.into();
    am.recipients = sea_orm::Set(recipients.to_owned());
    am.update(app.store.db()).await.unwrap();
    doc
}

/// Sở Nội vụ's plan (task 6.1) created, submitted, forwarded, approved and issued.
pub async fn issued_document(app: &TestApp, recipients: &str) -> i32 {
    let doc = approved_document(app, recipients).await;
    issue(app, doc).await;
    doc
}

/// Sở Nội vụ's plan (task 6.1), drafted and forwarded: waiting for the director's signature.
pub async fn document_at_approval(app: &TestApp, recipients: &str) -> i32 {
    let a = seed_assignment(app).await;
    forwarded_from(app, a, recipients, DEFAULT_TITLE).await
}

const DEFAULT_TITLE: &str = "Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023";

/// [`approved_document`] with the given trích yếu.
pub async fn approved_document_titled(app: &TestApp, recipients: &str, title: &str) -> i32 {
    let a = seed_assignment(app).await;
    let doc = forwarded_from(app, a, recipients, title).await;
    approve(app, doc).await;
    doc
}

/// `n` approved documents (all from task 6.1, drafted `concurrency` at a time), waiting for the
/// clerk to issue them.
pub async fn approved_documents(
    app: &TestApp,
    n: usize,
    concurrency: usize,
    recipients: &str,
) -> Vec<i32> {
    // One report per assignment: copies of task 6.1's assignment, one per document.
    let first = seed_assignment(app).await;
    let model = trinhky_store::entities::assignment::Entity::find_by_id(first)
        .one(app.store.db())
        .await
        .unwrap()
        .unwrap();
    let mut assignments = vec![first];
    for k in 1..n {
        let mut am: trinhky_store::entities::assignment::ActiveModel = model.clone().into();
        am.id = sea_orm::ActiveValue::NotSet;
        am.task_ref = sea_orm::ActiveValue::Set(format!("{}.{k}", model.task_ref));
        assignments.push(am.insert(app.store.db()).await.unwrap().id);
    }
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = Vec::new();
    for a in assignments {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let (store, registry) = (app.store.clone(), app.registry.clone());
        let head = principal(app, "snv.giamdoc").await;
        let doc = forwarded_from(app, a, recipients, DEFAULT_TITLE).await;
        tasks.push(tokio::spawn(async move {
            uc::act(
                &store,
                &registry,
                &head,
                doc,
                "approve",
                with_pin(2),
                Utc::now(),
            )
            .await
            .unwrap();
            drop(permit);
            doc
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Uploads and confirms the seed directive; returns Sở Nội vụ's assignment of task 6.1.
pub async fn seed_assignment(app: &TestApp) -> i32 {
    let bytes = std::fs::read(
        repo_root().join("crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt"),
    )
    .unwrap();
    let d = trinhky_app::directive_intake::upload(
        &app.store,
        app.app.cpu(),
        "test",
        "seed.txt",
        &bytes,
        trinhky_app::today_vn(),
    )
    .await
    .unwrap();
    let p = trinhky_app::directive_intake::proposal(&app.store, d.id)
        .await
        .unwrap();
    trinhky_app::directive_intake::confirm(
        &app.store,
        "test",
        d.id,
        &trinhky_app::directive_intake::proposed_decisions(&p.parsed, &p.resolved),
    )
    .await
    .unwrap();
    let snv = trinhky_store::directory::agency_by_code(app.store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    // Each call imports the seed again: take a 6.1 assignment that has no report yet.
    for x in trinhky_store::intake::open_assignments_for(app.store.db(), &[snv.id])
        .await
        .unwrap()
    {
        if x.task_ref == "6.1"
            && trinhky_store::documents::document_for_assignment(app.store.db(), x.id)
                .await
                .unwrap()
                .is_none()
        {
            return x.id;
        }
    }
    panic!("no 6.1 assignment without a report")
}

/// A document drafted by Sở Nội vụ's drafter from `assignment` (of `doc_type`, or the one the
/// assignment implies), with the trích yếu and Nơi nhận given: version 2, not yet submitted.
pub async fn drafted(
    app: &TestApp,
    assignment: i32,
    doc_type: Option<&str>,
    recipients: &str,
    title: &str,
) -> i32 {
    let drafter = principal(app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, doc_type)
        .await
        .unwrap();
    let content = trinhky_store::documents::Content {
        title: title.into(),
        body: "I. MỤC ĐÍCH, YÊU CẦU".into(),
        addressees: "Ủy ban nhân dân tỉnh".into(),
        recipients: recipients.into(),
    };
    uc::edit(&app.store, &app.registry, &drafter, doc.id, 1, content, "x")
        .await
        .unwrap();
    doc.id
}

/// Drafted, submitted by the drafter and forwarded by the unit head: waiting at approval.
async fn forwarded_from(app: &TestApp, assignment: i32, recipients: &str, title: &str) -> i32 {
    let doc = drafted(app, assignment, None, recipients, title).await;
    act(app, "snv.chuyenvien", doc, "submit", 0).await.unwrap();
    act(app, "snv.truongphong", doc, "forward", 1)
        .await
        .unwrap();
    doc
}
