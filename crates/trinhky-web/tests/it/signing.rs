//! Issue 6 in the workflow: the head signs at approval with their own key and PIN, the clerk
//! numbers the signed file and applies the organisation's signature; pyHanko, pdfsig, qpdf and
//! trinhky's verifier all accept the result. Wrong PINs change nothing and are throttled.

use chrono::Utc;
use trinhky_app::AppError;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_testkit::{TestApp, spawn_app};

use crate::validators::{assert_issued_pdf_valid, scratch};
use trinhky_testkit::flows::{self, approved_document, document_at_approval, principal};

const RECIPIENTS: &str = "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Lưu: VT, SNV.";

fn with_pin(version: i64, pin: &str) -> ActRequest {
    ActRequest {
        expected_version: version,
        paper: Vec::new(),
        pin: Some(pin.into()),
        ..Default::default()
    }
}

async fn file_of(app: &TestApp, doc: i32, kind: &str) -> Option<Vec<u8>> {
    let f = trinhky_testkit::store::documents::latest_file(app.store.db(), doc, Some(kind))
        .await
        .unwrap()?;
    Some(
        trinhky_testkit::store::blobs::get(app.store.db(), &f.blob_sha256)
            .await
            .unwrap()
            .unwrap()
            .data,
    )
}

#[tokio::test]
async fn issued_document_carries_both_signatures_and_validates_everywhere() {
    let app = spawn_app().await;
    let doc = approved_document(&app, RECIPIENTS).await;
    let signed = file_of(&app, doc, "signed")
        .await
        .expect("approval stores the signed PDF");
    let fields = trinhky_pdf::form::text_fields(&signed).unwrap();
    assert_eq!(
        fields,
        vec![
            ("so_ky_hieu".to_owned(), String::new()),
            ("ngay_ban_hanh".to_owned(), String::new())
        ],
        "number and date stay empty until issuing"
    );
    let report = verify_with_crl(&app, &signed);
    assert_eq!(report.signatures.len(), 1);
    assert!(report.signatures[0].valid(), "{report:?}");
    assert!(
        report.signatures[0]
            .signer
            .as_deref()
            .is_some_and(|s| s.contains("CN=")),
        "{report:?}"
    );

    flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    let issued = file_of(&app, doc, "issued")
        .await
        .expect("issuing stores the sealed PDF");
    assert_eq!(
        &issued[..signed.len()],
        &signed[..],
        "the head's signed revision is kept byte for byte"
    );
    let fields = trinhky_pdf::form::text_fields(&issued).unwrap();
    assert_eq!(
        fields[0],
        ("so_ky_hieu".to_owned(), "Số: 01/KH-SNV".to_owned())
    );
    assert!(
        fields[1].1.contains(", ngày ") && fields[1].1.contains(" năm 20"),
        "{fields:?}"
    );
    let report = verify_with_crl(&app, &issued);
    assert_eq!(report.signatures.len(), 2);
    assert!(report.signatures.iter().all(|s| s.valid()), "{report:?}");
    assert_eq!(report.verdict, trinhky_pdf::verify::Verdict::Valid);

    // What the document page shows: the head's and the organisation's names, both valid.
    let shown = trinhky_app::signing::verify_for_display(app.registry.signing(), &issued);
    let head = principal(&app, "snv.giamdoc").await;
    let names: Vec<(&str, &str)> = shown
        .iter()
        .map(|s| (s.signer.as_str(), s.status.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            (head.user.full_name.as_str(), "valid"),
            ("Sở Nội vụ tỉnh Đắk Nông", "valid")
        ],
        "{shown:?}"
    );
    let dir = scratch("issued");
    let path = dir.join("issued.pdf");
    std::fs::write(&path, &issued).unwrap();
    assert_issued_pdf_valid(&app.pki, &dir, &path);

    // The effect rows say who signed with which certificate.
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    let effects = trinhky_testkit::store::documents::effects_of(app.store.db(), inst.id)
        .await
        .unwrap();
    for kind in ["sign_personal", "sign_organization"] {
        let e = effects.iter().find(|e| e.kind == kind).unwrap();
        let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        let text = payload.to_string();
        assert!(
            text.contains("pdf_sha256") && text.contains("certificate"),
            "{kind}: {text}"
        );
    }
}

#[tokio::test]
async fn a_wrong_pin_changes_nothing_and_too_many_lock_signing() {
    let app = spawn_app().await;
    let doc = document_at_approval(&app, RECIPIENTS).await;
    let head = principal(&app, "snv.giamdoc").await;
    let before = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    for attempt in 1..=5 {
        let err = uc::act(
            &app.store,
            &app.registry,
            &head,
            doc,
            "approve",
            with_pin(2, "000000"),
            Utc::now(),
        )
        .await
        .unwrap_err();
        if attempt < 5 {
            assert!(
                err.code() == "TK-PIN-WRONG"
                    && err.kind() == trinhky_app::Kind::Invalid
                    && err.to_string().contains("Mã PIN không đúng")
                    && err
                        .to_string()
                        .contains(&format!("còn {} lần", 5 - attempt)),
                "attempt {attempt}: {err:?}"
            );
        } else {
            assert!(matches!(err, AppError::Throttled(_)), "{err:?}");
        }
    }
    // Locked now, even with the right PIN.
    let err = flows::act(&app, "snv.giamdoc", doc, "approve", 2)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Throttled(_)), "{err:?}");
    let after = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.version, before.version, "nothing moved");
    assert_eq!(after.state, "approval");
    assert!(
        file_of(&app, doc, "signed").await.is_none(),
        "nothing signed"
    );
    // After the window the right PIN works.
    uc::act(
        &app.store,
        &app.registry,
        &head,
        doc,
        "approve",
        with_pin(2, trinhky_app::demo::DEMO_PIN),
        Utc::now() + chrono::Duration::minutes(16),
    )
    .await
    .unwrap();
    assert!(file_of(&app, doc, "signed").await.is_some());
}

#[tokio::test]
async fn a_wrong_organisation_pin_takes_no_number() {
    let app = spawn_app().await;
    let doc = approved_document(&app, RECIPIENTS).await;
    let clerk = principal(&app, "snv.vanthu").await;
    let err = uc::act(
        &app.store,
        &app.registry,
        &clerk,
        doc,
        "issue",
        with_pin(3, "999999"),
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(
        err.code() == "TK-PIN-WRONG" && err.to_string().contains("Mã PIN"),
        "{err:?}"
    );
    assert!(
        trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
            .await
            .unwrap()
            .is_none()
    );
    flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    let n = trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.number, "01/KH-SNV", "the failed attempt used no number");
}

/// Văn bản mật: numbered in their own register (so ordinary documents keep their own sequence)
/// and never e-mailed: a recipient outside trinhky blocks issuing, naming the line.
#[tokio::test]
async fn classified_documents_have_their_own_register_and_no_email() {
    use trinhky_domain::numbering::Classification;
    let app = spawn_app().await;
    let head = principal(&app, "snv.giamdoc").await;
    let drafter = principal(&app, "snv.chuyenvien").await;

    // A recipient with only an e-mail address: refused for a classified document.
    let doc = document_at_approval(
        &app,
        "- Sở Kế hoạch và Đầu tư;\n- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT, SNV.",
    )
    .await;
    let err = uc::classify(
        &app.store,
        &app.registry,
        &drafter,
        doc,
        Some(Classification::Mat),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(_)),
        "the drafter no longer can: {err:?}"
    );
    uc::classify(
        &app.store,
        &app.registry,
        &head,
        doc,
        Some(Classification::Mat),
    )
    .await
    .unwrap();
    flows::act(&app, "snv.giamdoc", doc, "approve", 2)
        .await
        .unwrap();
    let err = flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(m) if m.contains("Công ty Tư vấn A") && m.contains("Văn bản mật")),
        "{err:?}"
    );
    assert!(
        trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
            .await
            .unwrap()
            .is_none()
    );

    // Only agencies that receive in trinhky: issued, in the "mat" register, nothing e-mailed.
    let secret = approved_document_classified(&app, &head).await;
    flows::act(&app, "snv.vanthu", secret, "issue", 3)
        .await
        .unwrap();
    let n = trinhky_testkit::store::numbering::number_of(app.store.db(), secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (n.number.as_str(), n.register.as_str()),
        ("01/KH-SNV", "mat")
    );
    assert!(
        trinhky_testkit::store::outbox::of_document(app.store.db(), secret)
            .await
            .unwrap()
            .is_empty(),
        "a classified document is never e-mailed"
    );
    // An ordinary document keeps its own sequence.
    let plain = approved_document(&app, RECIPIENTS).await;
    flows::act(&app, "snv.vanthu", plain, "issue", 3)
        .await
        .unwrap();
    let n = trinhky_testkit::store::numbering::number_of(app.store.db(), plain)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (n.number.as_str(), n.register.as_str()),
        ("01/KH-SNV", "chung")
    );
}

async fn approved_document_classified(app: &TestApp, head: &trinhky_app::Principal) -> i32 {
    let doc = document_at_approval(app, "- Sở Kế hoạch và Đầu tư;\n- Lưu: VT, SNV.").await;
    uc::classify(
        &app.store,
        &app.registry,
        head,
        doc,
        Some(trinhky_domain::numbering::Classification::Mat),
    )
    .await
    .unwrap();
    uc::act(
        &app.store,
        &app.registry,
        head,
        doc,
        "approve",
        with_pin(2, trinhky_app::demo::DEMO_PIN),
        Utc::now(),
    )
    .await
    .unwrap();
    doc
}

#[tokio::test]
async fn one_clerk_cannot_keep_the_seal_key_locked_for_another() {
    use trinhky_app::signing::{KeyOf, unlock};
    let app = spawn_app().await;
    let snv = trinhky_testkit::store::directory::agency_by_code(app.store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    let key = |clerk: &'static str| KeyOf::Agency {
        agency_id: snv.id,
        code: "SNV",
        clerk,
    };
    let now = Utc::now();
    // A rogue clerk guesses: five free failures, then a delay without checking the PIN.
    for i in 1..=5 {
        let err = unlock(
            &app.store,
            app.registry.signing(),
            key("snv.vanthu.gia"),
            "000000",
            now,
        )
        .await
        .err()
        .unwrap();
        if i < 5 {
            assert!(
                err.code() == "TK-PIN-WRONG"
                    && err.to_string().contains(&format!("còn {} lần", 5 - i)),
                "{err:?}"
            );
        } else {
            assert!(
                matches!(&err, AppError::Throttled(m) if m.contains("thử lại sau 15 giây")),
                "{err:?}"
            );
        }
    }
    let err = unlock(
        &app.store,
        app.registry.signing(),
        key("snv.vanthu.gia"),
        trinhky_app::demo::DEMO_PIN,
        now,
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(err, AppError::Throttled(_)), "{err:?}");
    // The agency's real clerk still seals.
    assert!(
        unlock(
            &app.store,
            app.registry.signing(),
            key("snv.vanthu"),
            trinhky_app::demo::DEMO_PIN,
            now
        )
        .await
        .is_ok()
    );
    // The start of the delay is in the audit chain, once.
    use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let events = trinhky_testkit::store::entities::audit_event::Entity::find()
        .filter(
            trinhky_testkit::store::entities::audit_event::Column::Action.eq("signing.pin_lockout"),
        )
        .all(app.store.db())
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entity_id, "pin:agency:SNV");
    assert!(
        events[0].details.contains("snv.vanthu.gia"),
        "{}",
        events[0].details
    );
    // Parallel wrong PINs of one person are all counted: only the free ones are checked.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let store = app.store.clone();
        let signing = app.registry.signing().clone();
        let agency_id = snv.id;
        set.spawn(async move {
            unlock(
                &store,
                &signing,
                KeyOf::Agency {
                    agency_id,
                    code: "SNV",
                    clerk: "snv.vanthu.khac",
                },
                "111111",
                now,
            )
            .await
            .err()
        });
    }
    let mut invalid = 0;
    while let Some(r) = set.join_next().await {
        if r.unwrap().is_some_and(|e| e.code() == "TK-PIN-WRONG") {
            invalid += 1;
        }
    }
    assert_eq!(invalid, 4);
}

/// Verifies `pdf` against the test CA with its CRL (its certificates name an HTTP distribution
/// point that is served only while an external validator runs).
fn verify_with_crl(app: &TestApp, pdf: &[u8]) -> trinhky_pdf::verify::Report {
    let crl = std::fs::read(app.pki.dir.join("ca.crl")).unwrap(); // DER
    trinhky_pdf::verify::verify_pdf_with(
        pdf,
        &trinhky_pdf::verify::VerifyOptions {
            trust: &[app.pki.ca.clone()],
            crls: &[crl],
            local_crl_dp: false,
            cache: None,
        },
    )
    .unwrap()
}
