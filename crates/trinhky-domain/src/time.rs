//! Time in Vietnam and the decree's date formats, in one place.
//!
//! Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact. Deadlines,
//! registers and document dates are counted in Vietnam's calendar days, never in UTC days: an
//! instant at 20:00 UTC is already the next day in Gia Nghĩa. The current time is a parameter
//! (`now`), so callers and tests control it.
//!
//! Two date forms appear: tables, forms and messages show "19/06/2023" ([`DMY`]); the place-and-date
//! line of a document reads "Gia Nghĩa, ngày 05 tháng 6 năm 2023" ([`format_place_date`]).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

/// Vietnam's offset from UTC in seconds.
pub const VN_OFFSET_SECS: i32 = 7 * 3600;

/// Vietnam's offset from UTC (+07:00).
pub const VN_OFFSET: FixedOffset = match FixedOffset::east_opt(VN_OFFSET_SECS) {
    Some(offset) => offset,
    // Evaluated at compile time: an out-of-range constant would fail the build, not a request.
    None => panic!("UTC+7 is a valid offset"),
};

/// The `chrono` format of a date in tables, forms and messages: "19/06/2023".
pub const DMY: &str = "%d/%m/%Y";

/// The `chrono` format of a moment in tables and pages: "19/06/2023 14:05".
pub const DMY_HM: &str = "%d/%m/%Y %H:%M";

/// An instant as Vietnam's wall-clock time.
pub fn vn(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
}

/// The calendar date in Vietnam at `now`.
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    vn(now).date_naive()
}

/// A date as "19/06/2023".
pub fn dmy(d: NaiveDate) -> String {
    d.format(DMY).to_string()
}

/// An instant in Vietnam's time as "19/06/2023 14:05".
pub fn dmy_hm(t: DateTime<Utc>) -> String {
    vn(t).format(DMY_HM).to_string()
}

/// The date of an instant in Vietnam as "19/06/2023".
pub fn dmy_vn(t: DateTime<Utc>) -> String {
    dmy(local_date(t))
}

/// Reads "19/06/2023" or "19/6/2023".
pub fn parse_dmy(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), DMY).ok()
}

/// The decree's place-and-date line: "Gia Nghĩa, ngày 05 tháng 6 năm 2023".
///
/// Days below 10 and the months 1 and 2 are zero-padded (Nghị định 30/2020, Phụ lục I, II.4), so
/// "tháng 01", "tháng 02", but "tháng 3" … "tháng 12".
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

/// The date line of a document not dated yet: blanks to be filled in by hand.
pub fn format_place_blank(place: &str) -> String {
    format!("{place}, ngày      tháng      năm      ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::{TimeZone, Timelike};

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn offset_is_seven_hours_east() {
        assert_eq!(VN_OFFSET.local_minus_utc(), 7 * 3600);
        assert_eq!(VN_OFFSET.to_string(), "+07:00");
    }

    #[test]
    fn local_date_turns_at_17_utc() {
        let before = Utc.with_ymd_and_hms(2024, 12, 31, 16, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2024, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(local_date(before), d(2024, 12, 31));
        assert_eq!(local_date(after), d(2025, 1, 1));
        assert_eq!(vn(after).hour(), 0);
    }

    #[test]
    fn table_formats_pad_day_and_month() {
        assert_eq!(dmy(d(2023, 6, 5)), "05/06/2023");
        assert_eq!(dmy(d(2024, 12, 31)), "31/12/2024");
        let t = Utc.with_ymd_and_hms(2023, 6, 19, 7, 5, 0).unwrap();
        assert_eq!(dmy_hm(t), "19/06/2023 14:05");
        let late = Utc.with_ymd_and_hms(2023, 6, 19, 20, 0, 0).unwrap();
        assert_eq!(dmy_vn(late), "20/06/2023");
    }

    #[test]
    fn parses_padded_and_unpadded_dates() {
        assert_eq!(parse_dmy("19/06/2023"), Some(d(2023, 6, 19)));
        assert_eq!(parse_dmy(" 5/6/2023 "), Some(d(2023, 6, 5)));
        assert_eq!(parse_dmy("2023-06-19"), None);
        assert_eq!(parse_dmy("31/02/2023"), None);
    }

    #[test]
    fn place_date_pads_day_below_ten_and_first_two_months() {
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

    #[test]
    fn blank_date_line_leaves_room_for_handwriting() {
        assert_eq!(
            format_place_blank("Gia Nghĩa"),
            "Gia Nghĩa, ngày      tháng      năm      "
        );
    }
}
