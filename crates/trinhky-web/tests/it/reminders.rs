//! Reminder e-mails (nhắc việc): reminder effect rows and assignment deadlines become outbox
//! messages once, to the people responsible, and reach a real SMTP server (aiosmtpd) with a
//! Vietnamese subject that decodes.

use chrono::{NaiveDate, Utc};
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_app::reminders;
use trinhky_mail::{Mailer, Security, SmtpConfig, TransportConfig};
use trinhky_testkit::flows::{
    self, approved_document, document_at_approval, principal, seed_assignment,
};
use trinhky_testkit::mail::{SmtpOptions, SmtpServer, read_with_python};
use trinhky_testkit::sea_orm::ConnectionTrait;
use trinhky_testkit::store::entities::outbox_message;
use trinhky_testkit::{TestApp, spawn_app};

use crate::validators::scratch;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn set_due(app: &TestApp, doc: i32, due: &str) -> i32 {
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE workflow_instances SET due_date = '{due}' WHERE id = {}",
            inst.id
        ))
        .await
        .unwrap();
    inst.id
}

/// Closes every assignment but `keep`, so that only its reminders appear.
async fn only_assignment(app: &TestApp, keep: i32, last_day: &str) {
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE assignments SET status = 'done' WHERE id <> {keep}"
        ))
        .await
        .unwrap();
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE assignments SET last_day = '{last_day}' WHERE id = {keep}"
        ))
        .await
        .unwrap();
}

async fn reminder_rows(app: &TestApp) -> Vec<outbox_message::Model> {
    use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq("reminder"))
        .order_by_asc(outbox_message::Column::Id)
        .all(app.store.db())
        .await
        .unwrap()
}

fn emails(rows: &[outbox_message::Model]) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|r| r.email.clone()).collect();
    v.sort();
    v
}

async fn mail(app: &TestApp, today: &str) -> reminders::Mailed {
    reminders::mail_pending(&app.store, &app.registry, "", d(today), Utc::now())
        .await
        .unwrap()
}

async fn scan(app: &TestApp, today: &str) -> usize {
    uc::scan_reminders(&app.store, &app.registry, d(today), Utc::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn reminder_effects_become_outbox_rows_once_for_the_drafter() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    only_assignment(&app, assignment, "2030-12-31").await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    let inst = set_due(&app, doc.id, "2024-02-16").await;

    // Thursday 15/2 (the first working day after Tết): the day before.
    assert_eq!(scan(&app, "2024-02-15").await, 1);
    let m = mail(&app, "2024-02-15").await;
    assert_eq!((m.effects, m.messages), (1, 1), "{m:?}");
    let rows = reminder_rows(&app).await;
    assert_eq!(emails(&rows), ["snv.chuyenvien@daknong.example"]);
    let r = &rows[0];
    assert_eq!(r.document_id, Some(doc.id));
    assert_eq!(r.status, "pending");
    assert_eq!(
        r.subject,
        format!(
            "[Nhắc việc] Văn bản \"{}\" đến hạn ngày 16/02/2024",
            doc.title
        )
    );
    assert!(
        r.body.contains(&format!("/documents/{}", doc.id)),
        "{}",
        r.body
    );
    assert!(r.body.contains("Bước xử lý: Dự thảo"), "{}", r.body);
    assert!(r.body.contains("Hạn xử lý: 16/02/2024"), "{}", r.body);
    let effects = trinhky_testkit::store::documents::effects_of(app.store.db(), inst)
        .await
        .unwrap();
    assert!(effects.iter().all(|e| e.status == "done"), "{effects:?}");

    // Running again adds nothing.
    assert_eq!(mail(&app, "2024-02-15").await, reminders::Mailed::default());
    assert_eq!(reminder_rows(&app).await.len(), 1);

    // Two workers at once on the next reminder: one message, not two.
    assert_eq!(scan(&app, "2024-02-16").await, 1);
    let (a, b) = tokio::join!(mail(&app, "2024-02-16"), mail(&app, "2024-02-16"));
    assert_eq!(a.effects + b.effects, 1, "{a:?} {b:?}");
    assert_eq!(a.messages + b.messages, 1, "{a:?} {b:?}");
    let rows = reminder_rows(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].email, "snv.chuyenvien@daknong.example");
    assert!(rows[1].message_id != rows[0].message_id);
}

#[tokio::test]
async fn overdue_reminders_go_to_the_signers_and_the_province_office_clerk() {
    let app = spawn_app().await;
    let doc = document_at_approval(&app, "- Như trên;\n- Lưu: VT, SNV.").await;
    let a = trinhky_testkit::store::documents::document_by_id(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .assignment_id
        .unwrap();
    only_assignment(&app, a, "2030-12-31").await;
    set_due(&app, doc, "2024-02-16").await;

    assert_eq!(scan(&app, "2024-02-15").await, 1);
    mail(&app, "2024-02-15").await;
    let rows = reminder_rows(&app).await;
    // Chờ lãnh đạo ký duyệt: the director and the deputy director.
    assert_eq!(
        emails(&rows),
        [
            "snv.giamdoc@daknong.example",
            "snv.phogiamdoc@daknong.example"
        ]
    );
    assert!(
        rows[0].body.contains("Chờ lãnh đạo ký duyệt"),
        "{}",
        rows[0].body
    );

    // Monday 19/2: overdue, escalated to Văn phòng UBND's clerk.
    assert_eq!(scan(&app, "2024-02-19").await, 1);
    let m = mail(&app, "2024-02-19").await;
    assert_eq!((m.effects, m.messages), (1, 3), "{m:?}");
    let rows = reminder_rows(&app).await;
    let overdue: Vec<_> = rows
        .iter()
        .filter(|r| r.subject.starts_with("[Quá hạn]"))
        .cloned()
        .collect();
    assert_eq!(
        emails(&overdue),
        [
            "snv.giamdoc@daknong.example",
            "snv.phogiamdoc@daknong.example",
            "vpubnd.vanthu@daknong.example"
        ]
    );
    assert!(overdue[0].subject.ends_with("đã quá hạn ngày 16/02/2024"));
    assert!(
        overdue[0].body.contains("Văn phòng UBND"),
        "{}",
        overdue[0].body
    );
    assert_eq!(mail(&app, "2024-02-20").await.messages, 0);
}

#[tokio::test]
async fn a_reminder_for_a_step_already_left_is_not_mailed() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    only_assignment(&app, assignment, "2030-12-31").await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    let inst = set_due(&app, doc.id, "2024-02-16").await;
    assert_eq!(scan(&app, "2024-02-15").await, 1);
    // The drafter submits before the worker mails the reminder.
    uc::act(
        &app.store,
        &app.registry,
        &drafter,
        doc.id,
        "submit",
        ActRequest {
            expected_version: 0,
            paper: Vec::new(),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let m = mail(&app, "2024-02-15").await;
    assert_eq!((m.effects, m.messages), (1, 0), "{m:?}");
    assert!(reminder_rows(&app).await.is_empty());
    let e = trinhky_testkit::store::documents::effects_of(app.store.db(), inst)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "reminder")
        .unwrap();
    assert_eq!(e.status, "done");
    assert!(e.last_error.unwrap().contains("left step drafting"));
}

#[tokio::test]
async fn a_before_due_reminder_mailed_after_the_due_date_is_dropped() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    only_assignment(&app, assignment, "2030-12-31").await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    set_due(&app, doc.id, "2024-02-16").await;
    assert_eq!(scan(&app, "2024-02-15").await, 1);
    // The worker was down until Monday 19/2: the overdue reminder goes out, not the stale one.
    assert_eq!(scan(&app, "2024-02-19").await, 1);
    let m = mail(&app, "2024-02-19").await;
    assert_eq!((m.effects, m.messages), (2, 2), "{m:?}");
    let rows = reminder_rows(&app).await;
    assert!(
        rows.iter().all(|r| r.subject.starts_with("[Quá hạn]")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn reminder_subject_decodes_through_a_real_smtp_server() {
    let app = spawn_app().await;
    let assignment = seed_assignment(&app).await;
    only_assignment(&app, assignment, "2030-12-31").await;
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, assignment, None)
        .await
        .unwrap();
    set_due(&app, doc.id, "2024-02-16").await;
    assert_eq!(scan(&app, "2024-02-19").await, 1);
    assert_eq!(mail(&app, "2024-02-19").await.messages, 2);

    let dir = scratch("reminders-smtp");
    let smtp = SmtpServer::start(&dir.join("maildir"), &SmtpOptions::default());
    let mailer = Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp.port,
        security: Security::None,
        credentials: None,
        ca_pem: None,
        timeout: trinhky_mail::DEFAULT_SMTP_TIMEOUT,
    }))
    .unwrap();
    let pass = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &mailer,
        "vanthu@daknong.example",
        "reminders-test",
        50,
        chrono::Duration::seconds(130),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(pass.sent, 2, "{pass:?}");
    let files = smtp.files();
    assert_eq!(files.len(), 2);
    let want = format!(
        "[Quá hạn] Văn bản \"{}\" đã quá hạn ngày 16/02/2024",
        doc.title
    );
    for f in &files {
        let (subject, has_pdf) = read_with_python(f, &dir.join("x.pdf"));
        assert_eq!(subject, want);
        assert!(!has_pdf, "a reminder carries no attachment");
    }
    let raw = smtp.messages().join("\n");
    assert!(raw.contains("snv.chuyenvien@daknong.example"));
    assert!(raw.contains("vpubnd.vanthu@daknong.example"));
    assert!(reminder_rows(&app).await.iter().all(|r| r.status == "sent"));
}

#[tokio::test]
async fn assignment_reminders_go_to_the_lead_clerk_and_head_once_per_kind() {
    let app = spawn_app().await;
    let a = seed_assignment(&app).await;
    // Friday 8/3/2024.
    only_assignment(&app, a, "2024-03-08").await;
    let of_a = |rows: Vec<outbox_message::Model>| -> Vec<outbox_message::Model> {
        rows.into_iter()
            .filter(|r| r.assignment_id == Some(a))
            .collect()
    };
    // Friday 1/3: five working days before, nothing yet.
    assert_eq!(mail(&app, "2024-03-01").await, reminders::Mailed::default());
    // Saturday 2/3: not a working day.
    assert_eq!(mail(&app, "2024-03-02").await.messages, 0);
    // Tuesday 5/3: three working days before.
    let m = mail(&app, "2024-03-05").await;
    assert_eq!((m.assignments, m.messages), (1, 2), "{m:?}");
    let rows = of_a(reminder_rows(&app).await);
    assert_eq!(
        emails(&rows),
        ["snv.giamdoc@daknong.example", "snv.vanthu@daknong.example"]
    );
    assert_eq!(rows[0].document_id, None);
    assert!(
        rows[0].subject.starts_with("[Nhắc việc] Nhiệm vụ 6.1")
            && rows[0].subject.ends_with("đến hạn ngày 08/03/2024"),
        "{}",
        rows[0].subject
    );
    assert!(rows[0].body.contains("Chưa có báo cáo"), "{}", rows[0].body);
    // Once per kind: Wednesday and Thursday add nothing.
    assert_eq!(mail(&app, "2024-03-06").await.messages, 0);
    assert_eq!(mail(&app, "2024-03-07").await.messages, 0);
    // A report in progress: the on-due reminder links to it.
    let drafter = principal(&app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, a, None)
        .await
        .unwrap();
    let (x, y) = tokio::join!(mail(&app, "2024-03-08"), mail(&app, "2024-03-08"));
    assert_eq!(x.assignments + y.assignments, 1, "{x:?} {y:?}");
    let rows = of_a(reminder_rows(&app).await);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].document_id, Some(doc.id));
    assert!(rows[3].body.contains(&format!("/documents/{}", doc.id)));
    assert!(
        rows[3].body.contains("Báo cáo đang ở bước: Dự thảo"),
        "{}",
        rows[3].body
    );
    // Monday 11/3: overdue, once.
    let m = mail(&app, "2024-03-11").await;
    assert_eq!((m.assignments, m.messages), (1, 2), "{m:?}");
    assert_eq!(mail(&app, "2024-03-12").await.messages, 0);
    let rows = of_a(reminder_rows(&app).await);
    assert_eq!(rows.len(), 6);
    assert!(rows[5].subject.starts_with("[Quá hạn] Nhiệm vụ 6.1"));
    let kinds: Vec<String> =
        trinhky_testkit::store::intake::reminders_of_assignment(app.store.db(), a)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.kind)
            .collect();
    assert_eq!(kinds, ["due_soon", "on_due", "overdue"]);
}

#[tokio::test]
async fn an_issued_report_stops_the_assignment_reminders() {
    let app = spawn_app().await;
    let doc = approved_document(&app, "- Như trên;\n- Lưu: VT, SNV.").await;
    let a = trinhky_testkit::store::documents::document_by_id(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .assignment_id
        .unwrap();
    only_assignment(&app, a, "2024-03-08").await;
    flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    let m = mail(&app, "2024-03-11").await;
    assert_eq!(m.assignments, 0, "{m:?}");
    assert!(
        reminder_rows(&app)
            .await
            .iter()
            .all(|r| r.assignment_id != Some(a))
    );
}
