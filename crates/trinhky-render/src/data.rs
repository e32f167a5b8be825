//! The data a template receives: [`DocumentData`], plus the decree's date line.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Everything a template needs to lay out one administrative document.
///
/// Deserialised from JSON (the CLI's `--data FILE.json`) or built by the workflow. Every string is shown
/// as text: nothing in it is ever evaluated as typst code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentData {
    /// Cơ quan chủ quản (box 2, first line), e.g. "UBND TỈNH ĐẮK NÔNG". Shown in caps.
    #[serde(default)]
    pub parent_body: Option<String>,
    /// Cơ quan ban hành (box 2), e.g. "SỞ NỘI VỤ". Shown in caps, bold; also the PDF author.
    pub issuing_body: String,
    /// Full number and code once issued, e.g. "05/BC-SNV"; `None` for drafts ("Số:      /BC-SNV").
    #[serde(default)]
    pub number: Option<String>,
    /// Ký hiệu without the number, e.g. "BC-SNV" (công văn: "UBND-VX"); used while `number` is `None`.
    pub code: String,
    /// Địa danh (box 4), e.g. "Gia Nghĩa".
    pub place: String,
    /// Date of issue; `None` leaves the day, month and year blank for handwriting.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Overrides the template's type name ("BÁO CÁO", "KẾ HOẠCH" …); normally left out.
    #[serde(default)]
    pub type_name: Option<String>,
    /// Trích yếu: the subject line (box 5a; a công văn shows it as "V/v …" under the number). Also the
    /// PDF title.
    pub title: String,
    /// "Kính gửi:" recipients (box 9a): công văn, and báo cáo / tờ trình to a higher body.
    #[serde(default)]
    pub addressees: Vec<String>,
    /// Quyết định only: the deciding authority shown above the căn cứ lines, e.g. "GIÁM ĐỐC SỞ NỘI VỤ".
    #[serde(default)]
    pub decider: Option<String>,
    /// Căn cứ lines (italic, one per line) shown before the body; mostly for quyết định.
    #[serde(default)]
    pub preamble: Vec<String>,
    /// The body in trinhky's simple markup, see [`crate::markup`].
    pub body: String,
    /// The signature block (boxes 7a–7b).
    pub signer: Signer,
    /// "Nơi nhận" lines (box 9b), the last being "Lưu: VT, …". A leading "- " is added if missing.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Drafts carry a "DỰ THẢO" watermark.
    #[serde(default)]
    pub draft: bool,
    /// Time written into the PDF metadata (PDF/A requires one); defaults to the time of rendering.
    #[serde(default)]
    pub timestamp: Option<DateTime<FixedOffset>>,
}

/// The signer's block: authority prefix lines, position and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    /// Prefix lines above the position, e.g. `["KT. GIÁM ĐỐC"]` or `["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]`.
    #[serde(default)]
    pub authority: Vec<String>,
    /// Position, e.g. "PHÓ GIÁM ĐỐC".
    pub position: String,
    /// Full name, e.g. "Nguyễn Văn A" (no academic titles, per the decree).
    pub name: String,
}
