//! Effects performed as data: the order a definition declares is the order performed, effect
//! rows carry their real status, and `notify` rows are delivered to the people concerned.

use std::sync::Arc;

use serde_json::Value;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_app::effects::notify;
use trinhky_app::registry::Registry;
use trinhky_testkit::flows::{self, principal, seed_assignment};
use trinhky_testkit::sea_orm::ConnectionTrait;
use trinhky_testkit::store::entities::effect;
use trinhky_testkit::{TestApp, repo_root, spawn_app};

const TITLE: &str = "Tờ trình về việc phê duyệt Kế hoạch cải thiện Chỉ số CCHC năm 2023";

/// A tờ trình of Sở Nội vụ for task 6.1, with Sở Kế hoạch và Đầu tư to consult.
async fn submission(app: &TestApp) -> i32 {
    let a = seed_assignment(app).await;
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE assignments SET co_agencies = '[\"SKHĐT\"]' WHERE id = {a}"
        ))
        .await
        .unwrap();
    flows::drafted(app, a, Some("TTr"), "- Như trên;\n- Lưu: VT, SNV.", TITLE).await
}

async fn rows(app: &TestApp, doc: i32) -> Vec<effect::Model> {
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    trinhky_testkit::store::documents::effects_of(app.store.db(), inst.id)
        .await
        .unwrap()
}

fn kinds_and_status(rows: &[effect::Model]) -> Vec<(String, String)> {
    rows.iter()
        .map(|e| (e.kind.clone(), e.status.clone()))
        .collect()
}

/// The shipped workflows with the tờ trình's `consult` effects swapped, as version 90.
fn reordered_registry(app: &TestApp) -> Registry {
    let dir = std::env::temp_dir().join(format!(
        "trinhky-reordered-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["bao-cao.toml", "cong-van.toml", "to-trinh.toml"] {
        let mut text = std::fs::read_to_string(repo_root().join("workflows").join(f)).unwrap();
        if f == "to-trinh.toml" {
            text = text.replace("version = 3\n", "version = 90\n").replace(
                "effects = [\"render\", \"open_consultations\"]",
                "effects = [\"open_consultations\", \"render\"]",
            );
            assert!(text.contains("[\"open_consultations\", \"render\"]"));
        }
        std::fs::write(dir.join(f), text).unwrap();
    }
    let (_, errors) = trinhky_app::registry::check_paths(std::slice::from_ref(&dir)).unwrap();
    assert!(
        errors.is_empty(),
        "workflow check accepts the order: {errors:?}"
    );
    let services = trinhky_app::registry::Services {
        renderer: app.registry.renderer().clone(),
        signing: app.registry.signing().clone(),
        cpu: app.registry.cpu().clone(),
        numbering_per_type: app.registry.numbering_per_type,
    };
    Registry::load(&dir, &repo_root().join("deploy/calendar/vn.toml"), || {
        Ok(services)
    })
    .unwrap()
}

#[tokio::test]
async fn the_declared_effect_order_is_the_order_performed() {
    let app = spawn_app().await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let consult = |registry: Arc<Registry>, doc: i32| {
        let (store, drafter) = (app.store.clone(), drafter.clone());
        async move {
            uc::act(
                &store,
                &registry,
                &drafter,
                doc,
                "consult",
                ActRequest::default(),
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        }
    };

    // As shipped: render, then open the consultations.
    let shipped = submission(&app).await;
    consult(app.registry.clone(), shipped).await;
    let done = |k: &str| (k.to_owned(), "done".to_owned());
    let pending = |k: &str| (k.to_owned(), "pending".to_owned());
    assert_eq!(
        kinds_and_status(&rows(&app, shipped).await),
        [
            done("render"),
            done("open_consultations"),
            pending("notify")
        ]
    );

    // The same transition with its effects swapped in the definition: performed swapped.
    let reordered = Arc::new(reordered_registry(&app));
    reordered.register(&app.store).await.unwrap();
    let a = seed_assignment(&app).await;
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE assignments SET co_agencies = '[\"SKHĐT\"]' WHERE id = {a}"
        ))
        .await
        .unwrap();
    let doc = uc::create_from_assignment(&app.store, &reordered, &drafter, a, Some("TTr"))
        .await
        .unwrap();
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.definition_version, 90);
    consult(reordered.clone(), doc.id).await;
    let performed = rows(&app, doc.id).await;
    assert_eq!(
        kinds_and_status(&performed),
        [
            done("open_consultations"),
            done("render"),
            pending("notify")
        ]
    );
    // Each row holds what its effect produced: the consulted agency, the stored file.
    let payload = |i: usize| serde_json::from_str::<Value>(&performed[i].payload).unwrap();
    assert_eq!(payload(0)["agencies"], serde_json::json!(["SKHĐT"]));
    assert!(
        payload(1)["pdf_sha256"]
            .as_str()
            .is_some_and(|s| s.len() == 64)
    );
    assert!(performed[1].id > performed[0].id);
}

#[tokio::test]
async fn notify_rows_are_delivered_once_to_the_people_concerned() {
    let app = spawn_app().await;
    let doc = submission(&app).await;
    flows::act(&app, "snv.chuyenvien", doc, "consult", 0)
        .await
        .unwrap();

    // Entering the consultation tells the consulted agency's head and deputy, by e-mail.
    let d = notify::deliver_pending(
        &app.store,
        &app.registry,
        "https://trinhky.example",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((d.effects, d.messages), (1, 2));
    let notices = trinhky_testkit::store::outbox::notices_of_document(app.store.db(), doc)
        .await
        .unwrap();
    let mut to: Vec<&str> = notices.iter().map(|m| m.email.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        [
            "skhdt.giamdoc@daknong.example",
            "skhdt.phogiamdoc@daknong.example"
        ]
    );
    let m = &notices[0];
    assert_eq!(m.kind, "notify");
    assert_eq!(m.status, "pending", "the dispatcher sends it");
    assert!(
        m.subject.starts_with("[Thông báo]") && m.subject.contains(TITLE),
        "{}",
        m.subject
    );
    assert!(m.body.contains("Đang lấy ý kiến"), "{}", m.body);
    assert!(
        m.body
            .contains(&format!("https://trinhky.example/documents/{doc}")),
        "{}",
        m.body
    );
    // Notices are not the document's dispatch.
    assert!(
        trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
            .await
            .unwrap()
            .is_empty()
    );

    // The consulted agency answers: the definition's `notify` tells the drafter.
    flows::act_with(
        &app,
        "skhdt.giamdoc",
        doc,
        "answer",
        ActRequest {
            comment: Some("Thống nhất với dự thảo.".into()),
            expected_version: 1,
            paper: Vec::new(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let d = notify::deliver_pending(&app.store, &app.registry, "", chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!((d.effects, d.messages), (1, 1));
    let again = notify::deliver_pending(&app.store, &app.registry, "", chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!((again.effects, again.messages), (0, 0), "delivered once");
    let notices = trinhky_testkit::store::outbox::notices_of_document(app.store.db(), doc)
        .await
        .unwrap();
    let last = notices.last().unwrap();
    assert_eq!(last.email, "snv.chuyenvien@daknong.example");
    assert!(last.body.contains("Gửi ý kiến góp ý"), "{}", last.body);
    // Every notify row is done now; the other effects were done when performed.
    let all = rows(&app, doc).await;
    assert!(
        all.iter().all(|e| e.status == "done"),
        "{:?}",
        kinds_and_status(&all)
    );
    assert!(all.iter().all(|e| e.processed_at.is_some()));
}
