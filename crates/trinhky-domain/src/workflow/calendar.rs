//! Working days (ngày làm việc) in Vietnam: Monday–Friday, minus public holidays and compensatory
//! days off, plus the make-up Saturdays (ngày làm bù) the Government swaps in. All of it is data
//! (the file `deploy/calendar/vn.toml` seeds it; the administrator edits the entries, see
//! [`Entry`]); none is computed from the lunar calendar here.
//!
//! File format:
//!
//! ```toml
//! [[holiday]]
//! from = 2024-02-08
//! to = 2024-02-14          # optional, inclusive
//! name = "Tết Nguyên đán Giáp Thìn"
//!
//! [[working_day]]          # a weekend day worked in exchange for a day off
//! date = 2024-05-04
//! name = "Làm bù cho thứ Hai 29/4/2024"
//! ```

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use crate::directory::FileError;
use crate::time::dmy;

pub use crate::time::local_date;

/// Holidays and make-up working days. `Calendar::default()` knows only weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Days off (holidays and compensatory days) with their names.
    pub holidays: BTreeMap<NaiveDate, String>,
    /// Weekend days that are working days (làm bù).
    pub working_weekends: BTreeMap<NaiveDate, String>,
}

impl Calendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.working_weekends.contains_key(&d) {
            return true;
        }
        if self.holidays.contains_key(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The name of the holiday on `d`, if any.
    pub fn holiday(&self, d: NaiveDate) -> Option<&str> {
        self.holidays.get(&d).map(String::as_str)
    }

    /// The `n`-th working day strictly after `from`; for `n = 0`, `from` itself if it is a working
    /// day, else the next working day.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        if n == 0 {
            while !self.is_working_day(d) {
                d = next(d);
            }
            return d;
        }
        let mut left = n;
        while left > 0 {
            d = next(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]` when `to >= from`, negated working days in `(to, from]`
    /// otherwise; so `working_days_between(d, add_working_days(d, n)) == n` for `n >= 1`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (lo, hi, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0i64;
        let mut d = lo;
        while d < hi {
            d = next(d);
            if self.is_working_day(d) {
                count += 1;
            }
        }
        sign * count
    }
}

fn next(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

/// The due date of a state entered at `entered`, counting `sla_working_days` working days in
/// Vietnam from the next working day after the day of entering (so a document submitted on Friday
/// with an SLA of 2 is due on Tuesday).
pub fn sla_due(cal: &Calendar, entered: DateTime<Utc>, sla_working_days: u32) -> NaiveDate {
    cal.add_working_days(local_date(entered), sla_working_days)
}

/// A reminder the worker should send today about something due on `due`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// Today is the working day before the due date.
    BeforeDue,
    /// Today is the due date.
    OnDue,
    /// The due date has passed: escalate to the province office.
    Overdue,
}

/// Which reminder is due `today` (Vietnam date), if any. `BeforeDue` only on a working day exactly
/// one working day before `due`; `Overdue` every day after `due` (the worker sends it once).
pub fn reminders_due(cal: &Calendar, due: NaiveDate, today: NaiveDate) -> Option<ReminderKind> {
    if today > due {
        Some(ReminderKind::Overdue)
    } else if today == due {
        Some(ReminderKind::OnDue)
    } else if cal.is_working_day(today) && cal.working_days_between(today, due) == 1 {
        Some(ReminderKind::BeforeDue)
    } else {
        None
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    holiday: Vec<RawHoliday>,
    #[serde(default)]
    working_day: Vec<RawWorkingDay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    from: Spanned<Datetime>,
    to: Option<Spanned<Datetime>>,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkingDay {
    date: Spanned<Datetime>,
    name: String,
}

struct Src<'a> {
    file: &'a str,
    text: &'a str,
}

impl Src<'_> {
    fn at(&self, span: Range<usize>, message: impl Into<String>) -> FileError {
        let upto = self
            .text
            .get(..span.start.min(self.text.len()))
            .unwrap_or("");
        let line = upto.matches('\n').count() + 1;
        let column = upto
            .rfind('\n')
            .map_or(upto.chars().count(), |i| upto[i + 1..].chars().count())
            + 1;
        FileError {
            file: self.file.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    fn date(&self, v: &Spanned<Datetime>) -> Result<NaiveDate, FileError> {
        let dt = v.get_ref();
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| self.at(v.span(), format!("invalid date {dt}")))
            }
            _ => Err(self.at(
                v.span(),
                format!("expected a plain date such as 2024-02-08, found {dt}"),
            )),
        }
    }
}

/// What a calendar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Days off: a public holiday or a compensatory day off (ngày nghỉ lễ, nghỉ bù).
    Holiday,
    /// A weekend day worked in exchange for a day off (ngày làm bù).
    WorkingDay,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Holiday => "holiday",
            EntryKind::WorkingDay => "working_day",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        [EntryKind::Holiday, EntryKind::WorkingDay]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The Vietnamese name shown in the UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            EntryKind::Holiday => "Ngày nghỉ",
            EntryKind::WorkingDay => "Ngày làm bù",
        }
    }
}

/// One line of the calendar as an office writes it: a holiday range (inclusive) or one make-up
/// working day (`from == to`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub kind: EntryKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub name: String,
}

/// The longest holiday range accepted, in days (a typo guard: Tết is at most 9 days).
pub const MAX_HOLIDAY_DAYS: i64 = 15;

/// Why an entry is refused; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    #[error("tên ngày nghỉ trống: ghi tên, ví dụ \"Quốc khánh 2/9\"")]
    EmptyName,
    #[error("ngày kết thúc {to} trước ngày bắt đầu {from}")]
    EndsBeforeStart { from: String, to: String },
    #[error("khoảng nghỉ dài hơn {MAX_HOLIDAY_DAYS} ngày: kiểm tra lại ngày bắt đầu và kết thúc")]
    TooLong,
    #[error("ngày làm bù {0} không phải thứ Bảy hay Chủ nhật")]
    NotWeekend(String),
    #[error("ngày làm bù chỉ gồm một ngày: để trống ngày kết thúc")]
    WorkingDayRange,
    #[error("{date} đã có trong lịch: \"{name}\"")]
    Duplicate { date: String, name: String },
    #[error("{date} vừa là ngày nghỉ vừa là ngày làm bù (\"{name}\")")]
    Conflict { date: String, name: String },
}

impl Entry {
    /// Checks one entry on its own: a name, an ordered range of at most [`MAX_HOLIDAY_DAYS`], and
    /// make-up days that are single weekend days.
    pub fn check(&self) -> Result<(), EntryError> {
        if self.name.trim().is_empty() {
            return Err(EntryError::EmptyName);
        }
        if self.to < self.from {
            return Err(EntryError::EndsBeforeStart {
                from: dmy(self.from),
                to: dmy(self.to),
            });
        }
        if (self.to - self.from).num_days() > MAX_HOLIDAY_DAYS {
            return Err(EntryError::TooLong);
        }
        if self.kind == EntryKind::WorkingDay {
            if self.to != self.from {
                return Err(EntryError::WorkingDayRange);
            }
            if !matches!(self.from.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(EntryError::NotWeekend(dmy(self.from)));
            }
        }
        Ok(())
    }

    /// Every day of the entry.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// Checks the entry against the calendar it joins: no day listed twice (as a holiday in two
    /// entries, or as a make-up day twice), and no day both a holiday and a make-up day.
    pub fn check_against(&self, existing: &[Entry]) -> Result<(), EntryError> {
        self.check()?;
        for e in existing {
            let Some(day) = self.days().find(|d| *d >= e.from && *d <= e.to) else {
                continue;
            };
            return Err(if e.kind == self.kind {
                EntryError::Duplicate {
                    date: dmy(day),
                    name: e.name.clone(),
                }
            } else {
                EntryError::Conflict {
                    date: dmy(day),
                    name: e.name.clone(),
                }
            });
        }
        Ok(())
    }
}

impl Calendar {
    /// The calendar of a list of entries (later entries win on a repeated day).
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Calendar {
        let mut cal = Calendar::default();
        for e in entries {
            for d in e.days() {
                match e.kind {
                    EntryKind::Holiday => cal.holidays.insert(d, e.name.clone()),
                    EntryKind::WorkingDay => cal.working_weekends.insert(d, e.name.clone()),
                };
            }
        }
        cal
    }
}

/// Parse a holiday calendar. Rejects ranges that end before they start, ranges longer than 15
/// days (a typo guard), make-up days that are not weekend days, and days that are both.
pub fn parse_calendar(file: &str, text: &str) -> Result<Calendar, FileError> {
    Ok(Calendar::from_entries(&parse_calendar_entries(file, text)?))
}

/// The entries of a calendar file, in file order (holidays first, then make-up days), validated
/// as [`parse_calendar`] does.
pub fn parse_calendar_entries(file: &str, text: &str) -> Result<Vec<Entry>, FileError> {
    let src = Src { file, text };
    let raw: RawCalendar = toml::from_str(text)
        .map_err(|e| src.at(e.span().unwrap_or(0..0), e.message().trim_end()))?;
    let mut out = Vec::with_capacity(raw.holiday.len() + raw.working_day.len());
    for h in &raw.holiday {
        let from = src.date(&h.from)?;
        let to = match &h.to {
            Some(t) => {
                let to = src.date(t)?;
                if to < from {
                    return Err(src.at(
                        t.span(),
                        format!(
                            "holiday \"{}\" ends ({to}) before it starts ({from})",
                            h.name
                        ),
                    ));
                }
                if (to - from).num_days() > MAX_HOLIDAY_DAYS {
                    return Err(src.at(
                        t.span(),
                        format!(
                            "holiday \"{}\" is longer than {MAX_HOLIDAY_DAYS} days; check the dates",
                            h.name
                        ),
                    ));
                }
                to
            }
            None => from,
        };
        out.push(Entry {
            kind: EntryKind::Holiday,
            from,
            to,
            name: h.name.clone(),
        });
    }
    for w in &raw.working_day {
        let d = src.date(&w.date)?;
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(src.at(
                w.date.span(),
                format!(
                    "make-up working day {d} is a {}, not a weekend day",
                    d.weekday()
                ),
            ));
        }
        if out
            .iter()
            .any(|e| e.kind == EntryKind::Holiday && e.from <= d && d <= e.to)
        {
            return Err(src.at(
                w.date.span(),
                format!("{d} is listed both as a holiday and as a make-up working day"),
            ));
        }
        out.push(Entry {
            kind: EntryKind::WorkingDay,
            from: d,
            to: d,
            name: w.name.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TET: &str = r#"
[[holiday]]
from = 2024-02-08
to = 2024-02-14
name = "Tết Nguyên đán Giáp Thìn"

[[holiday]]
from = 2024-04-29
to = 2024-05-01
name = "30/4 và 1/5 (nghỉ bù 29/4)"

[[working_day]]
date = 2024-05-04
name = "Làm bù cho thứ Hai 29/4/2024"
"#;

    #[test]
    fn weekends_holidays_and_makeup_saturdays() {
        let cal = parse_calendar("vn.toml", TET).unwrap();
        assert!(!cal.is_working_day(d(2024, 2, 8)));
        assert!(cal.is_working_day(d(2024, 2, 15)));
        assert!(!cal.is_working_day(d(2024, 2, 3)));
        assert!(cal.is_working_day(d(2024, 5, 4)));
        assert!(!cal.is_working_day(d(2024, 4, 29)));
    }

    #[test]
    fn add_and_count_working_days() {
        let cal = parse_calendar("vn.toml", TET).unwrap();
        assert_eq!(cal.add_working_days(d(2024, 2, 2), 2), d(2024, 2, 6));
        assert_eq!(cal.add_working_days(d(2024, 2, 7), 2), d(2024, 2, 16));
        assert_eq!(cal.add_working_days(d(2024, 2, 10), 0), d(2024, 2, 15));
        assert_eq!(cal.add_working_days(d(2024, 2, 7), 0), d(2024, 2, 7));
        assert_eq!(cal.working_days_between(d(2024, 2, 7), d(2024, 2, 16)), 2);
        assert_eq!(cal.working_days_between(d(2024, 2, 16), d(2024, 2, 7)), -2);
        // 26/4 (Fri) → 2/5 (Thu): 4/5 is the make-up Saturday after.
        assert_eq!(cal.add_working_days(d(2024, 4, 26), 1), d(2024, 5, 2));
        assert_eq!(cal.add_working_days(d(2024, 5, 3), 1), d(2024, 5, 4));
    }

    #[test]
    fn local_date_is_utc_plus_seven() {
        let late = DateTime::parse_from_rfc3339("2024-02-02T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_date(late), d(2024, 2, 3));
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse_calendar(
            "vn.toml",
            "[[working_day]]\ndate = 2024-05-06\nname = \"x\"\n",
        )
        .unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("vn.toml", 2), "{err}");
        let err = parse_calendar(
            "vn.toml",
            "[[holiday]]\nfrom = 2024-05-06\nto = 2024-05-01\nname = \"x\"\n",
        )
        .unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn entries_round_trip_and_are_checked() {
        let entries = parse_calendar_entries("vn.toml", TET).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            Calendar::from_entries(&entries),
            parse_calendar("vn.toml", TET).unwrap()
        );
        let e = |kind, from, to, name: &str| Entry {
            kind,
            from,
            to,
            name: name.into(),
        };
        // Overlaps Tết: a duplicate day, named.
        let dup = e(EntryKind::Holiday, d(2024, 2, 14), d(2024, 2, 15), "x");
        assert_eq!(
            dup.check_against(&entries),
            Err(EntryError::Duplicate {
                date: "14/02/2024".into(),
                name: "Tết Nguyên đán Giáp Thìn".into()
            })
        );
        // A holiday on the make-up Saturday.
        let clash = e(EntryKind::Holiday, d(2024, 5, 4), d(2024, 5, 4), "x");
        assert!(matches!(
            clash.check_against(&entries),
            Err(EntryError::Conflict { .. })
        ));
        let weekday = e(EntryKind::WorkingDay, d(2024, 5, 6), d(2024, 5, 6), "x");
        assert!(matches!(weekday.check(), Err(EntryError::NotWeekend(_))));
        let back = e(EntryKind::Holiday, d(2024, 5, 6), d(2024, 5, 1), "x");
        assert!(matches!(
            back.check(),
            Err(EntryError::EndsBeforeStart { .. })
        ));
        let long = e(EntryKind::Holiday, d(2024, 5, 1), d(2024, 6, 1), "x");
        assert_eq!(long.check(), Err(EntryError::TooLong));
        let unnamed = e(EntryKind::Holiday, d(2024, 9, 2), d(2024, 9, 2), " ");
        assert_eq!(unnamed.check(), Err(EntryError::EmptyName));
        let ok = e(
            EntryKind::Holiday,
            d(2024, 9, 2),
            d(2024, 9, 3),
            "Quốc khánh",
        );
        assert_eq!(ok.check_against(&entries), Ok(()));
        assert_eq!(ok.days().count(), 2);
    }

    #[test]
    fn reminders() {
        let cal = parse_calendar("vn.toml", TET).unwrap();
        let due = d(2024, 2, 15);
        assert_eq!(
            reminders_due(&cal, due, d(2024, 2, 7)),
            Some(ReminderKind::BeforeDue)
        );
        assert_eq!(reminders_due(&cal, due, d(2024, 2, 6)), None);
        assert_eq!(reminders_due(&cal, due, d(2024, 2, 10)), None);
        assert_eq!(reminders_due(&cal, due, due), Some(ReminderKind::OnDue));
        assert_eq!(
            reminders_due(&cal, due, d(2024, 2, 16)),
            Some(ReminderKind::Overdue)
        );
    }
}
