//! The data a template receives: [`DocumentData`], plus the decree's date line.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
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

/// The decree's place-and-date line: "Gia Nghĩa, ngày 05 tháng 6 năm 2023".
///
/// Days below 10 and the months 1 and 2 are zero-padded (Phụ lục I, II.4), so "tháng 01", "tháng 02",
/// but "tháng 3" … "tháng 12".
pub fn format_place_date(place: &str, date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

/// The date line for a document not dated yet: blanks to be filled in by hand.
pub(crate) fn format_place_blank(place: &str) -> String {
    format!("{place}, ngày      tháng      năm      ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn pads_day_below_ten_and_first_two_months() {
        assert_eq!(
            format_place_date("Gia Nghĩa", d(2023, 6, 5)),
            "Gia Nghĩa, ngày 05 tháng 6 năm 2023"
        );
        assert_eq!(
            format_place_date("Hà Nội", d(2024, 1, 15)),
            "Hà Nội, ngày 15 tháng 01 năm 2024"
        );
        assert_eq!(
            format_place_date("Hà Nội", d(2024, 2, 9)),
            "Hà Nội, ngày 09 tháng 02 năm 2024"
        );
        assert_eq!(
            format_place_date("Huế", d(2024, 3, 10)),
            "Huế, ngày 10 tháng 3 năm 2024"
        );
        assert_eq!(
            format_place_date("Huế", d(2024, 12, 31)),
            "Huế, ngày 31 tháng 12 năm 2024"
        );
    }
}
