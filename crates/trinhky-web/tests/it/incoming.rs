//! Receiving (issue 7): issued documents land in the incoming registers of the recipient
//! agencies inside trinhky; their clerks register, forward, acknowledge and archive; registers
//! export; the archive searches accent-insensitively; recall marks and notifies.

use chrono::Utc;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_testkit::{TestApp, spawn_app};

use crate::dispatch::{approved_document, principal};

const RECIPIENTS: &str =
    "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.";
const TITLE: &str = "Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023";

/// Sở Nội vụ's plan issued to SKHĐT and VPUBND (and the UBND tỉnh by "Như trên").
async fn issued_document(app: &TestApp) -> i32 {
    let doc = approved_document(app, RECIPIENTS).await;
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, "snv.vanthu").await,
        doc,
        "issue",
        ActRequest {
            expected_version: 3,
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    doc
}

async fn incoming_of(
    app: &TestApp,
    code: &str,
) -> Vec<trinhky_store::entities::incoming_document::Model> {
    let a = trinhky_store::directory::agency_by_code(app.store.db(), code)
        .await
        .unwrap()
        .unwrap();
    trinhky_store::incoming::of_agency_between(app.store.db(), a.id, None, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn issuing_delivers_into_each_recipient_agencys_incoming_register() {
    let app = spawn_app().await;
    let doc = issued_document(&app).await;
    for code in ["SKHĐT", "VPUBND"] {
        let rows = incoming_of(&app, code).await;
        assert_eq!(rows.len(), 1, "{code}");
        let r = &rows[0];
        assert_eq!(r.document_id, doc);
        assert_eq!(r.number, "01/KH-SNV");
        assert_eq!(r.title, TITLE);
        assert_eq!(r.status, "received");
        assert_eq!(r.incoming_no, None);
        assert!(r.file_sha256.is_some());
        assert_eq!(r.from_agency_name, "Sở Nội vụ tỉnh Đắk Nông");
    }
    // UBND tỉnh (Như trên) has no clerk account: e-mail only. The issuer is not a recipient.
    assert!(incoming_of(&app, "UBND").await.is_empty());
    assert!(incoming_of(&app, "SNV").await.is_empty());
    let events = trinhky_store::audit::latest(app.store.db(), 200)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "incoming.deliver")
            .count(),
        2
    );
}
