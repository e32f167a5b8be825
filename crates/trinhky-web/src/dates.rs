//! Dates in forms and pages are dd/mm/yyyy everywhere (the browser's own date picker follows the
//! browser's language, which shows mm/dd/yyyy on an English system). Inputs are text fields with
//! a dd/mm/yyyy pattern; the server also accepts ISO yyyy-mm-dd (API clients, old bookmarks).

use chrono::NaiveDate;
use trinhky_domain::time;

/// "19/06/2023".
pub fn show(d: NaiveDate) -> String {
    time::dmy(d)
}

/// Parses "19/06/2023", "19/6/2023" or "2023-06-19"; empty is `None`. The error names the value
/// and the expected form.
pub fn parse(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, time::DMY)
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .map(Some)
        .map_err(|_| {
            format!("Ngày \"{s}\" không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 19/06/2023.")
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn vietnamese_and_iso_dates() {
        let d = NaiveDate::from_ymd_opt(2023, 6, 19).unwrap();
        assert_eq!(parse("19/06/2023"), Ok(Some(d)));
        assert_eq!(parse(" 19/6/2023 "), Ok(Some(d)));
        assert_eq!(parse("2023-06-19"), Ok(Some(d)));
        assert_eq!(parse(""), Ok(None));
        assert!(parse("06/19/2023").unwrap_err().contains("06/19/2023"));
        assert!(parse("31/02/2023").is_err());
        assert_eq!(show(d), "19/06/2023");
    }
}
