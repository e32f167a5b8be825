//! The seed directive (a Thông báo kết luận without header) checked field by field.

use chrono::NaiveDate;
use trinhky_domain::directive::{
    DeadlineKind, Directive, ParseOptions, RecipientKind, StandingDirective, Task, parse,
};

fn seed() -> Directive {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/directives/seed-tb-cchc-2023.txt"
    );
    parse(
        &std::fs::read_to_string(path).unwrap(),
        &ParseOptions::default(),
    )
    .unwrap()
}

fn task<'a>(d: &'a Directive, r: &str) -> &'a Task {
    d.tasks
        .iter()
        .find(|t| t.reference == r)
        .unwrap_or_else(|| panic!("task {r} missing"))
}

fn standing<'a>(d: &'a Directive, r: &str) -> &'a StandingDirective {
    d.standing_directives
        .iter()
        .find(|t| t.reference == r)
        .unwrap_or_else(|| panic!("standing directive {r} missing"))
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

const GROUP_LEADS: [&str; 2] = ["các Sở, Ban, ngành", "UBND các huyện, thành phố"];

#[test]
fn seed_item_2_last_bullet_is_a_report_task() {
    let d = seed();
    let t = task(&d, "2.6");
    assert_eq!(t.leads, GROUP_LEADS);
    assert_eq!(t.report_to, ["UBND tỉnh (qua Sở Nội vụ)"]);
    let dl = t.deadline.as_ref().unwrap();
    assert_eq!(dl.kind, DeadlineKind::Before);
    assert_eq!(dl.date, ymd(2023, 6, 20));
    assert_eq!(dl.last_day, ymd(2023, 6, 19));
    assert_eq!(dl.text, "trước ngày 20/6/2023");
    for r in ["2.1", "2.2", "2.3", "2.4", "2.5"] {
        assert_eq!(standing(&d, r).leads, GROUP_LEADS, "{r}");
    }
}

#[test]
fn seed_item_4() {
    let d = seed();
    let t = task(&d, "4");
    assert_eq!(t.leads, ["Sở Kế hoạch và Đầu tư"]);
    assert_eq!(t.co_agencies, ["các đơn vị có liên quan"]);
    assert_eq!(t.report_to, ["UBND tỉnh"]);
    let dl = t.deadline.as_ref().unwrap();
    assert_eq!(
        (dl.kind, dl.last_day),
        (DeadlineKind::Before, ymd(2023, 6, 15))
    );
}

#[test]
fn seed_item_5_is_conditional() {
    let d = seed();
    let t = task(&d, "5");
    assert_eq!(t.leads, ["Sở Thông tin và Truyền thông"]);
    let dl = t.deadline.as_ref().unwrap();
    assert_eq!(dl.kind, DeadlineKind::Conditional);
    assert_eq!(
        dl.condition.as_deref(),
        Some("sau khi Bộ Thông tin và Truyền thông công bố")
    );
    assert_eq!((dl.date, dl.last_day), (None, None));
}

#[test]
fn seed_item_6() {
    let d = seed();
    let t = task(&d, "6.1");
    assert_eq!(t.leads, ["Sở Nội vụ"]);
    assert!(
        t.deliverable
            .as_deref()
            .unwrap()
            .contains("Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023")
    );
    let dl = t.deadline.as_ref().unwrap();
    assert_eq!(dl.kind, DeadlineKind::NoLaterThan);
    assert_eq!((dl.date, dl.last_day), (ymd(2023, 6, 26), ymd(2023, 6, 26)));
    assert_eq!(dl.text, "chậm nhất ngày 26/6/2023");
    assert_eq!(standing(&d, "6.2").leads, ["Sở Nội vụ"]);
    let s = standing(&d, "6.3");
    assert_eq!(s.leads, ["Sở Nội vụ"]);
    assert_eq!(
        s.co_agencies,
        [
            "Sở Kế hoạch và Đầu tư",
            "Sở Thông tin và Truyền thông",
            "Văn phòng UBND tỉnh",
            "các đơn vị có liên quan"
        ]
    );
}

#[test]
fn seed_item_7() {
    let d = seed();
    let t = task(&d, "7.1");
    assert_eq!(t.leads, ["Văn phòng UBND tỉnh"]);
    let dl = t.deadline.as_ref().unwrap();
    assert_eq!(
        (dl.kind, dl.last_day),
        (DeadlineKind::NoLaterThan, ymd(2023, 6, 26))
    );
    assert_eq!(standing(&d, "7.2").leads, ["Văn phòng UBND tỉnh"]);
}

#[test]
fn seed_items_1_and_3_are_standing() {
    let d = seed();
    standing(&d, "1");
    assert_eq!(
        standing(&d, "3").leads,
        [
            "Các cơ quan báo, đài địa phương",
            "cơ quan thông tấn, báo chí Trung ương đóng chân trên địa bàn tỉnh"
        ]
    );
    let mut refs: Vec<&str> = d.tasks.iter().map(|t| t.reference.as_str()).collect();
    refs.sort_unstable();
    assert_eq!(refs, ["2.6", "4", "5", "6.1", "7.1"]);
    assert!(d.approvals.is_empty());
}

#[test]
fn seed_recipients_and_archive() {
    let d = seed();
    assert_eq!(
        d.recipients.len(),
        11,
        "12 Nơi nhận lines minus the Lưu line"
    );
    let kind = |text: &str| d.recipients.iter().find(|r| r.text == text).map(|r| r.kind);
    assert_eq!(kind("Các Sở, Ban, ngành"), Some(RecipientKind::Group));
    assert_eq!(
        kind("UBND các huyện, thành phố"),
        Some(RecipientKind::Group)
    );
    assert_eq!(kind("CT, các PCT UBND tỉnh"), Some(RecipientKind::Person));
    assert_eq!(
        kind("Báo Đăk Nông, Đài PT&TH Đăk Nông"),
        Some(RecipientKind::Agency)
    );
    assert_eq!(kind("Văn phòng Tỉnh ủy"), Some(RecipientKind::Agency));
    assert_eq!(d.recipients[0].text, "CT, các PCT UBND tỉnh");
    assert_eq!(d.recipients[10].text, "Công thông tin điện tử tỉnh");
    assert_eq!(d.archive.as_deref(), Some("Lưu: VT, TH (Dg)."));
    assert!(d.addressees.is_empty());
}

#[test]
fn seed_document() {
    let d = seed();
    let doc = &d.document;
    assert_eq!(doc.doc_type.as_deref(), Some("TB"));
    assert!(
        doc.title
            .as_deref()
            .unwrap()
            .starts_with("Kết luận của Chủ tịch UBND tỉnh Hồ Văn Mười tại Hội nghị")
    );
    assert_eq!(doc.signer.name.as_deref(), Some("Nghiêm Đình Hiếu"));
    assert_eq!(doc.signer.position.as_deref(), Some("PHÓ CHÁNH VĂN PHÒNG"));
    assert_eq!(doc.signer.authority.as_deref(), Some("KT. CHÁNH VĂN PHÒNG"));
    assert_eq!(
        (
            doc.number.as_deref(),
            doc.date,
            doc.place.as_deref(),
            doc.parent.as_deref()
        ),
        (None, None, None, None)
    );
    // No header: the issuer comes from "Văn phòng UBND tỉnh thông báo để …", with a warning.
    assert_eq!(doc.issuer.as_deref(), Some("Văn phòng UBND tỉnh"));
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("cơ quan ban hành suy ra"))
    );
}

#[test]
fn seed_parses_the_same_with_crlf_and_decomposed_unicode() {
    use unicode_normalization::UnicodeNormalization;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/directives/seed-tb-cchc-2023.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mangled: String = text.replace('\n', "\r\n").nfd().collect();
    let a = seed();
    let b = parse(&mangled, &ParseOptions::default()).unwrap();
    assert_eq!(a, b);
}
