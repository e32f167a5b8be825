//! Directive intake: turn the text of an incoming *thông báo kết luận*, *công văn*, *kế hoạch* …
//! into a [`Directive`] — who must do what, by when, and for whom — for a clerk to review.
//!
//! Pure: text in, structure out. No I/O, no async, never panics. The parser assists; a person
//! decides: everything it is unsure of goes into [`Directive::warnings`], and names it cannot
//! resolve are kept as written, never dropped.
//!
//! # Pipeline
//! 1. [`normalize`] — NFC, Markdown emphasis removed, glued words taken apart, broken lines
//!    joined. Every span in the output indexes into this normalised text.
//! 2. layout — find the header (the two columns, possibly flattened onto one line), the type
//!    line and trích yếu, the "Kính gửi" block, the body, "Nơi nhận" and the signature block.
//! 3. items — build the tree of numbered items ("1."), sub-items ("6.1"), lettered points
//!    ("a)") and bullets ("-", "+"); a bullet under item 6 gets ref "6.1", "6.2" …
//! 4. classify — each item becomes an [`Approval`] ("Đồng ý …", "Thống nhất …"), a [`Task`] (it
//!    has a deadline or an explicit deliverable) or a [`StandingDirective`] (directs agencies
//!    without either). Bullets inherit the lead agencies of their item ("Giao Sở Nội vụ:").
//!
//! # Known limits
//! Agency names are found by heads ("Sở", "UBND", "các cơ quan" …) and end where a predicate
//! verb starts, so an unusual name with a lower-case verb inside it can be cut short; recurring
//! deadlines ("trước ngày 20 hằng tháng") are not modelled; working days skip weekends but not
//! public holidays; an approval item that also assigns work is kept as an approval with a
//! warning. A công văn has no type code, so its `type` is null.
//!
//! # Glossary (Vietnamese → identifier)
//! | Vietnamese | identifier |
//! |---|---|
//! | thông báo kết luận / chỉ đạo, công văn | [`Directive`] |
//! | số, ký hiệu ("123/TB-VPUBND") | [`DocumentInfo::number`] |
//! | cơ quan ban hành (tên cơ quan) | [`DocumentInfo::issuer`] |
//! | cơ quan chủ quản (dòng trên) | [`DocumentInfo::parent`] |
//! | địa danh, ngày tháng năm | [`DocumentInfo::place`], [`DocumentInfo::date`] |
//! | tên loại văn bản (THÔNG BÁO → "TB") | [`DocumentInfo::doc_type`] |
//! | trích yếu, "V/v …" | [`DocumentInfo::title`] |
//! | quyền hạn ký (KT., TM., TL., TUQ., Q.), chức vụ, họ tên | [`Signer::authority`], [`Signer::position`], [`Signer::name`] |
//! | nhiệm vụ (giao … chủ trì, có hạn) | [`Task`] |
//! | chỉ đạo chung, thường xuyên | [`StandingDirective`] |
//! | đồng ý, thống nhất, chấp thuận | [`Approval`] |
//! | cơ quan chủ trì | `leads` |
//! | cơ quan phối hợp | `co_agencies` |
//! | sản phẩm (kế hoạch, báo cáo, dự thảo …) | [`Task::deliverable`] |
//! | báo cáo về, gửi về, tham mưu/trình | [`Task::report_to`] |
//! | hạn xử lý | [`Deadline`]; "trước ngày" → [`DeadlineKind::Before`], "chậm nhất", "hạn", "trong ngày" → [`DeadlineKind::NoLaterThan`], "trong tháng/quý/năm" → [`DeadlineKind::Within`], "trong vòng N ngày kể từ" → [`DeadlineKind::Relative`], "sau khi …" → [`DeadlineKind::Conditional`] |
//! | kính gửi | [`Directive::addressees`] |
//! | nơi nhận; "Như trên" | [`Directive::recipients`]; [`RecipientKind::SameAsAddressees`] |
//! | lưu (VT, đơn vị soạn thảo) | [`Directive::archive`] |

mod agencies;
mod deadline;
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod items;
mod layout;
mod normalize;
mod pattern;
mod recipients;
mod signer;
mod syllable;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use normalize::normalize;

/// Inputs that do not come from the text itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Used when the directive carries no date of its own (e.g. the import date): the year of
    /// year-less dates and the anchor of relative deadlines ("15 ngày kể từ ngày ký").
    pub reference_date: Option<NaiveDate>,
}

/// Largest input accepted; real directives are a few tens of kilobytes.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Why a text could not be parsed as a directive at all. Anything less than that is a warning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectiveError {
    #[error(
        "DIR001 the directive text is empty; paste or upload the text of the thông báo / công văn"
    )]
    Empty,
    #[error(
        "DIR002 no task or conclusion found: the text has no numbered items (\"1. …\"), bullets (\"- …\") \
         or paragraphs that assign work (\"Giao Sở …\", \"Đề nghị …\"); is this the body of a directive?"
    )]
    NoContent,
    #[error(
        "DIR003 the directive text is {len} bytes, more than the {max} bytes accepted; split the file"
    )]
    TooLarge { len: usize, max: usize },
}

/// The extraction of one directive (DESIGN §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directive {
    pub document: DocumentInfo,
    pub tasks: Vec<Task>,
    pub standing_directives: Vec<StandingDirective>,
    pub approvals: Vec<Approval>,
    /// "Kính gửi:" entries, as written.
    pub addressees: Vec<String>,
    /// "Nơi nhận:" entries except the archive line.
    pub recipients: Vec<Recipient>,
    /// The "Lưu: VT, …" line.
    pub archive: Option<String>,
    /// What the parser was unsure of, for the clerk.
    pub warnings: Vec<String>,
}

/// The header and signature of the directive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub parent: Option<String>,
    pub place: Option<String>,
    pub date: Option<NaiveDate>,
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
    pub title: Option<String>,
    pub signer: Signer,
}

/// The signature block. `authority` holds the "KT./TM./TL./TUQ./Q." lines, one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub name: Option<String>,
    pub position: Option<String>,
    pub authority: Option<String>,
}

/// A piece of work with a deadline or a deliverable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    #[serde(rename = "ref")]
    pub reference: String,
    pub leads: Vec<String>,
    pub co_agencies: Vec<String>,
    pub deliverable: Option<String>,
    pub report_to: Vec<String>,
    pub deadline: Option<Deadline>,
    pub text: String,
    /// Byte range of `text` in the [`normalize`]d input.
    pub span: (usize, usize),
}

/// An instruction without deadline or deliverable ("Thường xuyên theo dõi, đôn đốc …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingDirective {
    #[serde(rename = "ref")]
    pub reference: String,
    pub leads: Vec<String>,
    pub co_agencies: Vec<String>,
    pub text: String,
    pub span: (usize, usize),
}

/// An item that approves or agrees ("Đồng ý chủ trương …", "Thống nhất …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    #[serde(rename = "ref")]
    pub reference: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// "trước ngày D": the last day is D − 1 (or D itself when a time of day is given).
    Before,
    /// "chậm nhất ngày D", "hạn D", "trong ngày D": the last day is D.
    NoLaterThan,
    /// "trong tháng 6/2023", "quý III/2023", "trong năm 2023": the last day of the period.
    Within,
    /// "trong vòng 15 ngày kể từ ngày ký": counted from the directive date or the date named.
    Relative,
    /// "sau khi Bộ … công bố": no date until the condition is met.
    Conditional,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The date the text names or implies (period end, computed relative date); null when
    /// unknown, invalid or conditional.
    pub date: Option<NaiveDate>,
    pub kind: DeadlineKind,
    /// The last day on which the work may be done.
    pub last_day: Option<NaiveDate>,
    /// "HH:MM" when the text gives a time of day ("trước 14 giờ, ngày 05/12/2017").
    pub time: Option<String>,
    /// The words of the deadline as written.
    pub text: String,
    /// For [`DeadlineKind::Conditional`]: the condition ("sau khi Bộ … công bố").
    pub condition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub text: String,
    pub kind: RecipientKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// Several agencies by category ("Các Sở, Ban, ngành", "UBND các huyện, thành phố").
    Group,
    /// One named agency, or an abbreviated list of named ones ("Sở: TC, KH&ĐT, GTVT").
    Agency,
    /// People by office ("CT, các PCT UBND tỉnh").
    Person,
    /// "Như trên": the addressees of "Kính gửi".
    SameAsAddressees,
    Other,
}

/// Parse a directive. See the module docs for what is recognised.
pub fn parse(text: &str, opts: &ParseOptions) -> Result<Directive, DirectiveError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(DirectiveError::TooLarge {
            len: text.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let norm = normalize(text);
    if norm.trim().is_empty() {
        return Err(DirectiveError::Empty);
    }
    let mut warnings = Vec::new();
    let layout = layout::Layout::of(&norm);
    let mut document = header::parse(&layout, &mut warnings);
    document.signer = signer::parse(&layout.footer_lines());

    let ctx = deadline::DateContext::new(document.date, opts.reference_date);
    let body = items::parse(&layout, &ctx, &mut warnings)?;

    if document.issuer.is_none()
        && let Some(issuer) = body
            .closing
            .as_deref()
            .and_then(agencies::issuer_from_closing)
    {
        warnings.push(format!(
            "cơ quan ban hành suy ra là \"{issuer}\" từ câu kết (văn bản không có phần đầu)"
        ));
        document.issuer = Some(issuer);
    }
    let addressees = recipients::addressees(&layout);
    let (recipients, archive) = recipients::recipients(&layout);
    if recipients
        .iter()
        .any(|r| r.kind == RecipientKind::SameAsAddressees)
        && addressees.is_empty()
    {
        warnings
            .push("\"Như trên\" in Nơi nhận but no \"Kính gửi\" addressees were found".to_owned());
    }
    if recipients.is_empty() {
        warnings.push("không thấy phần \"Nơi nhận\"".to_owned());
    }
    if document.signer.name.is_none() {
        warnings.push("không thấy họ tên người ký ở phần chữ ký".to_owned());
    }
    Ok(Directive {
        document,
        tasks: body.tasks,
        standing_directives: body.standing,
        approvals: body.approvals,
        addressees,
        recipients,
        archive,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn empty_text_is_an_error() {
        assert_eq!(
            parse("", &ParseOptions::default()),
            Err(DirectiveError::Empty)
        );
        assert_eq!(
            parse(" \n\u{a0}\n ** **", &ParseOptions::default()),
            Err(DirectiveError::Empty)
        );
    }

    #[test]
    fn text_without_directions_is_an_error() {
        let r = parse(
            "Hôm nay trời đẹp.\nChúng tôi đi chơi.",
            &ParseOptions::default(),
        );
        assert_eq!(r, Err(DirectiveError::NoContent));
    }

    #[test]
    fn oversized_text_is_refused() {
        let big = "a".repeat(MAX_INPUT_BYTES + 1);
        assert!(matches!(
            parse(&big, &ParseOptions::default()),
            Err(DirectiveError::TooLarge { .. })
        ));
    }

    #[test]
    fn minimal_directive() {
        let d = parse(
            "1. Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính xây dựng Kế hoạch phòng, chống dịch; báo cáo UBND tỉnh trước ngày 20/6/2023.",
            &ParseOptions::default(),
        )
        .unwrap();
        let t = &d.tasks[0];
        assert_eq!(t.reference, "1");
        assert_eq!(t.leads, ["Sở Y tế"]);
        assert_eq!(t.co_agencies, ["Sở Tài chính"]);
        assert_eq!(t.report_to, ["UBND tỉnh"]);
        assert_eq!(t.deliverable.as_deref(), Some("Kế hoạch phòng, chống dịch"));
        let dl = t.deadline.as_ref().unwrap();
        assert_eq!(dl.kind, DeadlineKind::Before);
        assert_eq!(dl.last_day, NaiveDate::from_ymd_opt(2023, 6, 19));
    }

    #[test]
    fn json_shape_matches_design() {
        let d = parse(
            "1. Giao Sở Nội vụ báo cáo trước ngày 20/6/2023.",
            &ParseOptions::default(),
        )
        .unwrap();
        let v = serde_json::to_value(&d).unwrap();
        for key in [
            "document",
            "tasks",
            "standing_directives",
            "approvals",
            "addressees",
            "recipients",
            "archive",
            "warnings",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        let doc = &v["document"];
        for key in [
            "number", "issuer", "parent", "place", "date", "type", "title", "signer",
        ] {
            assert!(doc.get(key).is_some(), "{key}");
        }
        let task = &v["tasks"][0];
        assert_eq!(task["ref"], "1");
        assert_eq!(task["deadline"]["kind"], "before");
        assert_eq!(task["deadline"]["date"], "2023-06-20");
        assert_eq!(task["span"].as_array().unwrap().len(), 2);
        let back: Directive = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
    }
}
