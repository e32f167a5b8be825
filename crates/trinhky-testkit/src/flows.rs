//! Documents taken through the workflow with the app's use cases, for tests that need an
//! approved document (dispatch, issuing over HTTP, servers as processes).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait};
use trinhky_app::Principal;
use trinhky_app::documents::{self as uc, ActRequest};

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

/// Takes Sở Nội vụ's plan (task 6.1) to the clerk and returns its id, with the Nơi nhận given.
pub async fn approved_document(app: &TestApp, recipients: &str) -> i32 {
    let doc = document_at_approval(app, recipients).await;
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, "snv.giamdoc").await,
        doc,
        "approve",
        ActRequest {
            expected_version: 2,
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
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
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, "snv.giamdoc").await,
        doc,
        "approve",
        ActRequest {
            expected_version: 2,
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
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
                ActRequest {
                    expected_version: 2,
                    pin: Some(trinhky_app::demo::DEMO_PIN.into()),
                    ..Default::default()
                },
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

async fn forwarded_from(app: &TestApp, assignment: i32, recipients: &str, title: &str) -> i32 {
    let drafter = principal(app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
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
    let now = Utc::now();
    let req = |v: i64| ActRequest {
        expected_version: v,
        pin: Some(trinhky_app::demo::DEMO_PIN.into()),
        ..Default::default()
    };
    uc::act(
        &app.store,
        &app.registry,
        &drafter,
        doc.id,
        "submit",
        req(0),
        now,
    )
    .await
    .unwrap();
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, "snv.truongphong").await,
        doc.id,
        "forward",
        req(1),
        now,
    )
    .await
    .unwrap();
    doc.id
}
