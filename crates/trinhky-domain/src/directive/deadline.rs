//! Deadlines (hạn xử lý): find the words that set a deadline in an item and compute its last day.
//!
//! A date alone is never a deadline ("Báo cáo số 119/BC-SNV ngày 22/5/2023" is a reference);
//! it needs a cue: "trước", "chậm nhất", "hạn", "trong ngày", "hoàn thành vào", "trong tháng",
//! "quý", "trong năm", "trong vòng … kể từ", "không quá … kể từ", "sau khi". When an item has
//! several, an exact date wins over a relative one, which wins over a period, which wins over a
//! condition ("… trong năm 2023. Báo cáo trước ngày 20/6/2023" → before 20/6/2023).

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::pattern::Re;
use super::{Deadline, DeadlineKind};

/// The dates a deadline without a year or with a relative anchor is resolved against.
#[derive(Debug, Clone, Copy)]
pub(super) struct DateContext {
    doc_date: Option<NaiveDate>,
    reference: Option<NaiveDate>,
}

impl DateContext {
    pub(super) fn new(doc_date: Option<NaiveDate>, reference: Option<NaiveDate>) -> Self {
        Self {
            doc_date,
            reference,
        }
    }

    /// The base date and whether it came from the directive itself.
    fn base(&self) -> Option<(NaiveDate, bool)> {
        self.doc_date
            .map(|d| (d, true))
            .or(self.reference.map(|d| (d, false)))
    }
}

macro_rules! date {
    () => {
        r"(?:(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})(?:\s*[/.\-]\s*(?P<y>\d{4}))?|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?:\s*(?:năm|,|/)\s*(?P<y2>\d{4}))?)\b"
    };
}
macro_rules! time {
    () => {
        r"(?:(?P<hh>\d{1,2})\s*(?:giờ|h|g|:)\s*(?P<mm>\d{2})?(?:\s*phút)?\s*,?\s*)?"
    };
}

static CHAM_NHAT: Re = Re::new(concat!(
    r"(?i)\bchậm\s+nhất\s+(?:là\s+)?(?:vào\s+)?(?P<trc>trước\s+)?",
    time!(),
    r"(?:ngày\s+)?",
    date!()
));
static TRUOC: Re = Re::new(concat!(
    r"(?i)\btrước\s+",
    time!(),
    r"(?:ngày\s+)?",
    date!()
));
static TRONG_NGAY: Re = Re::new(concat!(r"(?i)\btrong\s+ngày\s+", date!()));
static HAN: Re = Re::new(concat!(
    r"(?i)\b(?:thời\s+)?hạn(?:\s+chót|\s+cuối\s+cùng|\s+hoàn\s+thành|\s+nộp|\s+báo\s+cáo|\s+xử\s+lý|\s+gửi)?\s*(?:là|:)?\s*(?P<trc>trước\s+)?",
    time!(),
    r"(?:ngày\s+)?",
    date!()
));
static THOI_GIAN: Re = Re::new(concat!(
    r"(?i)\bthời\s+gian\s+(?:hoàn\s+thành|thực\s+hiện|nộp)\s*:?\s*(?P<trc>trước\s+)?",
    time!(),
    r"(?:ngày\s+)?",
    date!()
));
static HOAN_THANH_VAO: Re = Re::new(concat!(
    r"(?i)\b(?:hoàn\s+thành|xong)\s+(?:vào|trong)\s+(?:ngày\s+)?",
    date!()
));
static TRUOC_THANG: Re =
    Re::new(r"(?i)\btrước\s+tháng\s+(?P<mo>\d{1,2})\s*(?:/|năm)\s*(?P<yr>\d{4})\b");
static TRONG_THANG: Re = Re::new(
    r"(?i)\b(?:trong|hoàn\s+thành(?:\s+trong)?)\s+tháng\s+(?P<mo>\d{1,2})(?:\s*(?:/|năm)\s*(?P<yr>\d{4}))?\b",
);
static QUY: Re = Re::new(
    r"(?i)\b(?P<trong>trong\s+)?quý\s+(?P<q>IV|III|II|I|[1-4])\b(?:\s*(?:/|năm)\s*(?P<yr>\d{4}))?",
);
static TRONG_NAM: Re = Re::new(r"(?i)\btrong\s+năm\s+(?P<yr>\d{4})\b");
static HALF: Re = Re::new(
    r"(?i)\b(?:trong\s+)?(?P<n>6|9|sáu|chín)\s+tháng\s+(?P<half>đầu|cuối)\s+năm(?:\s+(?P<yr>\d{4}))?",
);
static RELATIVE: Re = Re::new(
    r"(?i)\b(?:trong\s+(?:vòng|thời\s+hạn|thời\s+gian)|không\s+quá|chậm\s+nhất(?:\s+là)?|sau)\s+(?P<n>\d{1,3})\s+(?P<unit>ngày\s+làm\s+việc|ngày|tuần|tháng|năm)(?P<from>\s*,?\s*(?:kể\s+từ|tính\s+từ)\s+)?",
);
static ANCHOR_DATE: Re = Re::new(concat!(r"(?i)^(?:ngày\s+)?", date!()));
static ANCHOR_SIGNING: Re = Re::new(
    r"(?i)^(?:ngày\s+)?(?:ký(?:\s+ban\s+hành)?|ban\s+hành|(?:văn\s+bản|thông\s+báo|công\s+văn|kế\s+hoạch|quyết\s+định)\s+(?:này|được\s+ban\s+hành|có\s+hiệu\s+lực))(?:\s+(?:văn\s+bản|thông\s+báo|công\s+văn|kế\s+hoạch|quyết\s+định)(?:\s+này)?)?",
);
static ANCHOR_RECEIPT: Re = Re::new(
    r"(?i)^(?:ngày\s+)?nhận\s+được(?:\s+(?:văn\s+bản|thông\s+báo|công\s+văn|kế\s+hoạch)(?:\s+này)?)?",
);
static CONDITION: Re = Re::new(r"(?i)\b(?:ngay\s+)?sau\s+khi\s+[^.;:,]+");

struct Candidate {
    start: usize,
    end: usize,
    priority: u8,
    deadline: Deadline,
    warnings: Vec<String>,
}

/// The deadline of an item's text, with the byte range of its words, or `None`.
pub(super) fn find(
    text: &str,
    ctx: &DateContext,
    item: &str,
    warnings: &mut Vec<String>,
) -> Option<(Deadline, std::ops::Range<usize>)> {
    let mut cands: Vec<Candidate> = Vec::new();
    exact_dates(text, ctx, item, &mut cands);
    periods(text, ctx, item, &mut cands);
    relative(text, ctx, item, &mut cands);
    for m in CONDITION.find_iter(text) {
        let cond = m.as_str().trim().trim_end_matches([',', ' ']).to_owned();
        cands.push(Candidate {
            start: m.start(),
            end: m.end(),
            priority: 0,
            deadline: Deadline {
                date: None,
                kind: DeadlineKind::Conditional,
                last_day: None,
                time: None,
                text: cond.clone(),
                condition: Some(cond),
            },
            warnings: Vec::new(),
        });
    }
    // Drop candidates inside another one ("chậm nhất trước ngày" also matches "trước ngày").
    let all: Vec<(usize, usize)> = cands.iter().map(|c| (c.start, c.end)).collect();
    cands.retain(|c| {
        !all.iter()
            .any(|&(s, e)| s <= c.start && c.end <= e && (e - s) > (c.end - c.start))
    });
    let best_priority = cands.iter().map(|c| c.priority).max()?;
    let mut top: Vec<Candidate> = cands
        .into_iter()
        .filter(|c| c.priority == best_priority)
        .collect();
    top.sort_by_key(|c| c.start);
    let mut top = top.into_iter();
    let chosen = top.next()?;
    let others: Vec<String> = top
        .filter(|c| {
            c.deadline.last_day != chosen.deadline.last_day
                || c.deadline.kind != chosen.deadline.kind
        })
        .map(|c| format!("\"{}\"", c.deadline.text))
        .collect();
    if !others.is_empty() {
        warnings.push(format!(
            "mục {item}: có nhiều thời hạn; dùng \"{}\", ngoài ra còn {}",
            chosen.deadline.text,
            others.join(", ")
        ));
    }
    warnings.extend(chosen.warnings);
    Some((chosen.deadline, chosen.start..chosen.end))
}

fn num<T: std::str::FromStr>(c: &regex::Captures<'_>, name: &str) -> Option<T> {
    c.name(name).and_then(|m| m.as_str().parse().ok())
}

/// Build a date from day, month and optional year; a missing year comes from the context.
fn make_date(
    d: u32,
    m: u32,
    y: Option<i32>,
    ctx: &DateContext,
    item: &str,
    warnings: &mut Vec<String>,
) -> Option<NaiveDate> {
    match y {
        Some(y) => {
            let date = NaiveDate::from_ymd_opt(y, m, d);
            if date.is_none() {
                warnings.push(format!(
                    "mục {item}: {d}/{m}/{y} không phải ngày hợp lệ; để trống hạn cuối cùng"
                ));
            }
            date
        }
        None => {
            let Some((base, own)) = ctx.base() else {
                warnings.push(format!(
                    "mục {item}: ngày {d}/{m} không ghi năm và văn bản không có ngày ban hành; để trống hạn cuối cùng"
                ));
                return None;
            };
            let Some(mut date) = NaiveDate::from_ymd_opt(base.year(), m, d) else {
                warnings.push(format!(
                    "mục {item}: {d}/{m} không phải ngày hợp lệ; để trống hạn cuối cùng"
                ));
                return None;
            };
            if date < base {
                if let Some(next) = NaiveDate::from_ymd_opt(base.year() + 1, m, d) {
                    date = next;
                }
                warnings.push(format!(
                    "mục {item}: ngày {d}/{m} không ghi năm; hiểu là {}",
                    crate::time::dmy(date)
                ));
            } else if !own {
                warnings.push(format!(
                    "mục {item}: ngày {d}/{m} không ghi năm; lấy năm {} theo ngày ban hành",
                    date.year()
                ));
            }
            Some(date)
        }
    }
}

fn captured_date(
    c: &regex::Captures<'_>,
    ctx: &DateContext,
    item: &str,
    warnings: &mut Vec<String>,
) -> Option<NaiveDate> {
    let (d, m, y) = if c.name("d").is_some() {
        (num::<u32>(c, "d")?, num::<u32>(c, "m")?, num::<i32>(c, "y"))
    } else {
        (
            num::<u32>(c, "d2")?,
            num::<u32>(c, "m2")?,
            num::<i32>(c, "y2"),
        )
    };
    make_date(d, m, y, ctx, item, warnings)
}

fn captured_time(
    c: &regex::Captures<'_>,
    item: &str,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let hh: u32 = num(c, "hh")?;
    let mm: u32 = num(c, "mm").unwrap_or(0);
    if hh < 24 && mm < 60 {
        Some(format!("{hh:02}:{mm:02}"))
    } else {
        warnings.push(format!("mục {item}: {hh}:{mm:02} không phải giờ hợp lệ"));
        None
    }
}

fn exact_dates(text: &str, ctx: &DateContext, item: &str, out: &mut Vec<Candidate>) {
    // (pattern, kind when the words contain no "trước")
    let patterns: [(&Re, DeadlineKind); 6] = [
        (&CHAM_NHAT, DeadlineKind::NoLaterThan),
        (&TRUOC, DeadlineKind::Before),
        (&TRONG_NGAY, DeadlineKind::NoLaterThan),
        (&HAN, DeadlineKind::NoLaterThan),
        (&THOI_GIAN, DeadlineKind::NoLaterThan),
        (&HOAN_THANH_VAO, DeadlineKind::NoLaterThan),
    ];
    for (re, default_kind) in patterns {
        for c in re.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            let mut warnings = Vec::new();
            let kind = if c.name("trc").is_some() {
                DeadlineKind::Before
            } else {
                default_kind
            };
            let date = captured_date(&c, ctx, item, &mut warnings);
            let time = captured_time(&c, item, &mut warnings);
            let last_day = match (kind, &time) {
                (DeadlineKind::Before, None) => date.and_then(|d| d.pred_opt()),
                _ => date,
            };
            out.push(Candidate {
                start: m.start(),
                end: m.end(),
                priority: 3,
                deadline: Deadline {
                    date,
                    kind,
                    last_day,
                    time,
                    text: m.as_str().to_owned(),
                    condition: None,
                },
                warnings,
            });
        }
    }
    for c in TRUOC_THANG.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let mut warnings = Vec::new();
        let date = match (num::<u32>(&c, "mo"), num::<i32>(&c, "yr")) {
            (Some(mo), Some(yr)) => make_date(1, mo, Some(yr), ctx, item, &mut warnings),
            _ => None,
        };
        out.push(Candidate {
            start: m.start(),
            end: m.end(),
            priority: 3,
            deadline: Deadline {
                date,
                kind: DeadlineKind::Before,
                last_day: date.and_then(|d| d.pred_opt()),
                time: None,
                text: m.as_str().to_owned(),
                condition: None,
            },
            warnings,
        });
    }
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

fn year_or_base(
    yr: Option<i32>,
    ctx: &DateContext,
    item: &str,
    what: &str,
    warnings: &mut Vec<String>,
) -> Option<i32> {
    match (yr, ctx.base()) {
        (Some(y), _) => Some(y),
        (None, Some((base, own))) => {
            if !own {
                warnings.push(format!(
                    "mục {item}: \"{what}\" không ghi năm; lấy năm {} theo ngày ban hành",
                    base.year()
                ));
            }
            Some(base.year())
        }
        (None, None) => {
            warnings.push(format!(
                "mục {item}: \"{what}\" không ghi năm và văn bản không có ngày ban hành"
            ));
            None
        }
    }
}

fn periods(text: &str, ctx: &DateContext, item: &str, out: &mut Vec<Candidate>) {
    let mut push = |m: regex::Match<'_>, date: Option<NaiveDate>, warnings: Vec<String>| {
        out.push(Candidate {
            start: m.start(),
            end: m.end(),
            priority: 1,
            deadline: Deadline {
                date,
                kind: DeadlineKind::Within,
                last_day: date,
                time: None,
                text: m.as_str().to_owned(),
                condition: None,
            },
            warnings,
        });
    };
    for c in TRONG_THANG.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let mut w = Vec::new();
        let date = year_or_base(num(&c, "yr"), ctx, item, m.as_str(), &mut w)
            .zip(num::<u32>(&c, "mo"))
            .and_then(|(y, mo)| month_end(y, mo));
        if date.is_none() && w.is_empty() {
            w.push(format!(
                "mục {item}: \"{}\" không phải tháng hợp lệ",
                m.as_str()
            ));
        }
        push(m, date, w);
    }
    for c in QUY.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        if c.name("trong").is_none() && c.name("yr").is_none() {
            continue;
        }
        let q = match c.name("q").map(|q| q.as_str().to_uppercase()) {
            Some(q) if q == "I" || q == "1" => 1,
            Some(q) if q == "II" || q == "2" => 2,
            Some(q) if q == "III" || q == "3" => 3,
            Some(_) => 4,
            None => continue,
        };
        let mut w = Vec::new();
        let date = year_or_base(num(&c, "yr"), ctx, item, m.as_str(), &mut w)
            .and_then(|y| month_end(y, q * 3));
        push(m, date, w);
    }
    for c in TRONG_NAM.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let date = num::<i32>(&c, "yr").and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31));
        push(m, date, Vec::new());
    }
    for c in HALF.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let n = match c.name("n").map(|n| n.as_str().to_lowercase()) {
            Some(n) if n == "9" || n == "chín" => 9,
            _ => 6,
        };
        let first_half = c
            .name("half")
            .is_some_and(|h| h.as_str().to_lowercase() == "đầu");
        let month = if first_half { n } else { 12 };
        let mut w = Vec::new();
        let date = year_or_base(num(&c, "yr"), ctx, item, m.as_str(), &mut w)
            .and_then(|y| month_end(y, month));
        push(m, date, w);
    }
}

fn add_working_days(mut d: NaiveDate, n: u64) -> Option<NaiveDate> {
    let mut left = n;
    while left > 0 {
        d = d.succ_opt()?;
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    Some(d)
}

fn relative(text: &str, ctx: &DateContext, item: &str, out: &mut Vec<Candidate>) {
    for c in RELATIVE.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let mut warnings = Vec::new();
        let mut end = m.end();
        let n: u64 = num(&c, "n").unwrap_or(0);
        let unit = c
            .name("unit")
            .map(|u| u.as_str().to_lowercase())
            .unwrap_or_default();
        let anchor: Option<NaiveDate> = if c.name("from").is_some() {
            let rest = &text[m.end()..];
            if let Some(a) = ANCHOR_DATE.captures(rest) {
                end += a.get(0).map_or(0, |x| x.end());
                captured_date(&a, ctx, item, &mut warnings)
            } else if let Some(a) = ANCHOR_SIGNING.find(rest) {
                end += a.end();
                anchor_from_directive(ctx, item, "ngày ký", &mut warnings)
            } else if let Some(a) = ANCHOR_RECEIPT.find(rest) {
                end += a.end();
                warnings.push(format!(
                    "mục {item}: thời hạn tính từ ngày nhận văn bản; tạm tính từ ngày ban hành"
                ));
                ctx.base().map(|(d, _)| d)
            } else {
                let stop = rest.find([',', '.', ';']).unwrap_or(rest.len()).min(80);
                let stop = (0..=stop)
                    .rev()
                    .find(|&i| rest.is_char_boundary(i))
                    .unwrap_or(0);
                end += stop;
                warnings.push(format!(
                    "mục {item}: không xác định được mốc \"{}\" để tính thời hạn; để trống hạn cuối cùng",
                    rest[..stop].trim()
                ));
                None
            }
        } else {
            warnings.push(format!(
                "mục {item}: \"{}\" không nói tính từ khi nào; tính từ ngày ban hành",
                m.as_str().trim()
            ));
            anchor_from_directive(ctx, item, "ngày ban hành", &mut Vec::new())
        };
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        let date = anchor.and_then(|a| match unit.as_str() {
            "ngày làm việc" => {
                warnings.push(format!(
                    "mục {item}: ngày làm việc được tính chưa trừ ngày lễ"
                ));
                add_working_days(a, n)
            }
            "tuần" => a.checked_add_days(Days::new(n.saturating_mul(7))),
            "tháng" => a.checked_add_months(Months::new(n32)),
            "năm" => a.checked_add_months(Months::new(n32.saturating_mul(12))),
            _ => a.checked_add_days(Days::new(n)),
        });
        let words = text[m.start()..end].trim_end().to_owned();
        out.push(Candidate {
            start: m.start(),
            end: m.start() + words.len(),
            priority: 2,
            deadline: Deadline {
                date,
                kind: DeadlineKind::Relative,
                last_day: date,
                time: None,
                text: words,
                condition: None,
            },
            warnings,
        });
    }
}

fn anchor_from_directive(
    ctx: &DateContext,
    item: &str,
    what: &str,
    warnings: &mut Vec<String>,
) -> Option<NaiveDate> {
    match ctx.base() {
        Some((d, true)) => Some(d),
        Some((d, false)) => {
            warnings.push(format!(
                "mục {item}: chưa biết {what}; tính từ ngày ban hành"
            ));
            Some(d)
        }
        None => {
            warnings.push(format!(
                "mục {item}: chưa biết {what}; để trống hạn cuối cùng"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn dl(text: &str, doc: Option<NaiveDate>) -> (Deadline, Vec<String>) {
        let mut w = Vec::new();
        let (d, range) = find(text, &DateContext::new(doc, None), "1", &mut w).unwrap();
        assert_eq!(&text[range], d.text);
        (d, w)
    }

    #[test]
    fn patterns_compile() {
        for re in [
            &CHAM_NHAT,
            &TRUOC,
            &TRONG_NGAY,
            &HAN,
            &THOI_GIAN,
            &HOAN_THANH_VAO,
            &TRUOC_THANG,
            &TRONG_THANG,
            &QUY,
            &TRONG_NAM,
            &HALF,
            &RELATIVE,
            &ANCHOR_DATE,
            &ANCHOR_SIGNING,
            &ANCHOR_RECEIPT,
            &CONDITION,
        ] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn before_is_the_day_before() {
        let (d, _) = dl("Báo cáo kết quả về UBND tỉnh trước ngày 20/6/2023.", None);
        assert_eq!(
            (d.kind, d.date, d.last_day),
            (DeadlineKind::Before, ymd(2023, 6, 20), ymd(2023, 6, 19))
        );
        assert_eq!(d.text, "trước ngày 20/6/2023");
    }

    #[test]
    fn no_later_than_forms() {
        for (t, text) in [
            (
                "Hoàn thành chậm nhất ngày 26/6/2023.",
                "chậm nhất ngày 26/6/2023",
            ),
            (
                "gửi Sở Nội vụ trong ngày 26-6-2023.",
                "trong ngày 26-6-2023",
            ),
            ("Thời hạn: 26/06/2023.", "Thời hạn: 26/06/2023"),
            (
                "hoàn thành vào ngày 26 tháng 6 năm 2023",
                "hoàn thành vào ngày 26 tháng 6 năm 2023",
            ),
        ] {
            let (d, _) = dl(t, None);
            assert_eq!(
                (d.kind, d.last_day),
                (DeadlineKind::NoLaterThan, ymd(2023, 6, 26)),
                "{t}"
            );
            assert_eq!(d.text, text);
        }
    }

    #[test]
    fn time_of_day() {
        let (d, _) = dl("gửi về Văn phòng trước 14 giờ, ngày 05/12/2017.", None);
        assert_eq!(d.kind, DeadlineKind::Before);
        assert_eq!(d.time.as_deref(), Some("14:00"));
        assert_eq!(d.last_day, ymd(2017, 12, 5));
        assert_eq!(d.text, "trước 14 giờ, ngày 05/12/2017");
        let (d, _) = dl("trước 16h30 ngày 5/12/2017", None);
        assert_eq!(d.time.as_deref(), Some("16:30"));
    }

    #[test]
    fn periods() {
        let (d, _) = dl("tổ chức trong tháng 6/2023", None);
        assert_eq!(
            (d.kind, d.last_day),
            (DeadlineKind::Within, ymd(2023, 6, 30))
        );
        let (d, _) = dl("hoàn thành trong quý III/2023", None);
        assert_eq!(d.last_day, ymd(2023, 9, 30));
        let (d, _) = dl("Thời gian: Quý IV năm 2023", None);
        assert_eq!(d.last_day, ymd(2023, 12, 31));
        let (d, _) = dl("thực hiện trong năm 2023", None);
        assert_eq!(d.last_day, ymd(2023, 12, 31));
        let (d, _) = dl("sơ kết 6 tháng đầu năm 2024", None);
        assert_eq!(d.last_day, ymd(2024, 6, 30));
        let (d, _) = dl("trong tháng 2", ymd(2024, 1, 10));
        assert_eq!(d.last_day, ymd(2024, 2, 29));
    }

    #[test]
    fn exact_beats_period() {
        let (d, w) = dl(
            "triển khai trong năm 2023; báo cáo UBND tỉnh trước ngày 16/6/2023.",
            None,
        );
        assert_eq!(d.last_day, ymd(2023, 6, 15));
        assert!(w.is_empty());
    }

    #[test]
    fn relative_deadlines() {
        let doc = ymd(2023, 6, 5);
        let (d, w) = dl("trong vòng 15 ngày kể từ ngày ký Thông báo này.", doc);
        assert_eq!(
            (d.kind, d.last_day),
            (DeadlineKind::Relative, ymd(2023, 6, 20))
        );
        assert!(
            d.text.starts_with("trong vòng 15 ngày kể từ ngày ký"),
            "{}",
            d.text
        );
        assert!(w.is_empty(), "{w:?}");
        let (d, _) = dl("không quá 2 tháng kể từ ngày 01/7/2023", doc);
        assert_eq!(d.last_day, ymd(2023, 9, 1));
        assert_eq!(d.text, "không quá 2 tháng kể từ ngày 01/7/2023");
        let (d, w) = dl("trong vòng 10 ngày làm việc kể từ ngày ký", doc);
        assert_eq!(d.last_day, ymd(2023, 6, 19));
        assert_eq!(w.len(), 1);
        let (d, w) = dl("trong vòng 15 ngày kể từ ngày ký", None);
        assert_eq!(d.date, None);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn conditional() {
        let (d, _) = dl(
            "tham mưu UBND tỉnh triển khai năm 2023 sau khi Bộ Thông tin và Truyền thông công bố.",
            None,
        );
        assert_eq!(d.kind, DeadlineKind::Conditional);
        assert_eq!(
            d.condition.as_deref(),
            Some("sau khi Bộ Thông tin và Truyền thông công bố")
        );
        assert_eq!(d.date, None);
    }

    #[test]
    fn yearless_dates() {
        let (d, w) = dl("báo cáo trước ngày 20/6", ymd(2023, 6, 5));
        assert_eq!(d.last_day, ymd(2023, 6, 19));
        assert!(w.is_empty());
        let (d, w) = dl("báo cáo trước ngày 10/1", ymd(2023, 12, 20));
        assert_eq!(d.date, ymd(2024, 1, 10));
        assert_eq!(w.len(), 1);
        let mut w = Vec::new();
        let (d, _) = find(
            "trước ngày 20/6",
            &DateContext::new(None, ymd(2023, 5, 1)),
            "2",
            &mut w,
        )
        .unwrap();
        assert_eq!(d.date, ymd(2023, 6, 20));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn invalid_dates_warn() {
        let (d, w) = dl("báo cáo trước ngày 31/2/2023", None);
        assert_eq!(
            (d.kind, d.date, d.last_day),
            (DeadlineKind::Before, None, None)
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn references_are_not_deadlines() {
        let mut w = Vec::new();
        let ctx = DateContext::new(None, None);
        assert!(
            find(
                "tại Báo cáo số 119/BC-SNV ngày 22/5/2023",
                &ctx,
                "1",
                &mut w
            )
            .is_none()
        );
        assert!(
            find(
                "chịu trách nhiệm trước UBND tỉnh; hạn chế tối đa",
                &ctx,
                "1",
                &mut w
            )
            .is_none()
        );
        assert!(find("theo Nghị định 30/2020/NĐ-CP", &ctx, "1", &mut w).is_none());
        assert!(find("báo cáo kết quả quý I", &ctx, "1", &mut w).is_none());
    }
}
