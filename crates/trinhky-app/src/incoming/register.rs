//! The two registers (sổ văn bản đi / đến) with the decree's ten columns.

use super::*;

/// Filters of a register view or export.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: Option<String>,
}

impl Filter {
    fn folded_text(&self) -> Option<String> {
        self.text
            .as_deref()
            .map(trinhky_domain::text::fold)
            .filter(|q| !q.is_empty())
    }

    /// The period as the printed register heads it ("Từ ngày … đến ngày …"), or empty.
    pub fn period(&self) -> String {
        match (self.from, self.to) {
            (Some(f), Some(t)) => format!("Từ ngày {} đến ngày {}", fmt_date(f), fmt_date(t)),
            (Some(f), None) => format!("Từ ngày {}", fmt_date(f)),
            (None, Some(t)) => format!("Đến ngày {}", fmt_date(t)),
            (None, None) => String::new(),
        }
    }

    /// The instant a day in Vietnam (UTC+7) starts.
    fn day_start(d: NaiveDate) -> DateTime<Utc> {
        (d.and_hms_opt(0, 0, 0).unwrap_or_default()
            - chrono::Duration::seconds(trinhky_domain::time::VN_OFFSET_SECS.into()))
        .and_utc()
    }
}

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Outgoing,
    Incoming,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "outgoing" | "di" => Some(Kind::Outgoing),
            "incoming" | "den" => Some(Kind::Incoming),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Outgoing => "Sổ đăng ký văn bản đi",
            Kind::Incoming => "Sổ đăng ký văn bản đến",
        }
    }

    /// The path segment of the register's pages ("outgoing", "incoming").
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Outgoing => "outgoing",
            Kind::Incoming => "incoming",
        }
    }

    /// The stem of an exported file's name ("so-van-ban-di").
    pub fn file_stem(self) -> &'static str {
        match self {
            Kind::Outgoing => "so-van-ban-di",
            Kind::Incoming => "so-van-ban-den",
        }
    }

    /// Relative widths of the ten columns in print and in the workbook.
    pub fn widths(self) -> [f64; 10] {
        match self {
            Kind::Outgoing => [1.2, 1.0, 3.0, 1.4, 2.2, 1.2, 0.7, 1.0, 1.0, 1.2],
            Kind::Incoming => [1.0, 0.7, 1.8, 1.2, 1.0, 3.0, 1.6, 1.0, 1.0, 1.2],
        }
    }

    /// The decree's ten columns.
    pub fn columns(self) -> [&'static str; 10] {
        match self {
            Kind::Outgoing => [
                "Số, ký hiệu",
                "Ngày tháng văn bản",
                "Tên loại và trích yếu nội dung",
                "Người ký",
                "Nơi nhận",
                "Đơn vị, người nhận bản lưu",
                "Số lượng bản",
                "Ngày chuyển",
                "Ký nhận",
                "Ghi chú",
            ],
            Kind::Incoming => [
                "Ngày đến",
                "Số đến",
                "Tác giả",
                "Số, ký hiệu",
                "Ngày tháng",
                "Tên loại và trích yếu nội dung",
                "Đơn vị hoặc người nhận",
                "Ngày chuyển",
                "Ký nhận",
                "Ghi chú",
            ],
        }
    }
}

/// A register for display and export.
#[derive(Debug, Clone, Serialize)]
pub struct Register {
    pub kind: Kind,
    pub title: &'static str,
    pub agency_code: String,
    pub agency_name: String,
    pub columns: [&'static str; 10],
    pub rows: Vec<[String; 10]>,
    /// Rows matching the filter in all (`rows` holds one page of them, or all for exports).
    pub total: u64,
}

fn recipients_and_archive(text: &str) -> (String, String) {
    let mut to = Vec::new();
    let mut archive = Vec::new();
    for line in text.lines() {
        let l = line
            .trim()
            .trim_start_matches(['-', '+', '•'])
            .trim()
            .trim_end_matches([';', '.', ','])
            .trim();
        if l.is_empty() {
            continue;
        }
        if trinhky_domain::text::fold(l).starts_with("luu") {
            let rest = l.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
            archive.push(rest.to_owned());
        } else {
            to.push(l.to_owned());
        }
    }
    (to.join("; "), archive.join("; "))
}

pub async fn register_view(
    store: &Store,
    p: &Principal,
    agency_code: Option<&str>,
    kind: Kind,
    filter: &Filter,
    page: Option<PageRequest>,
) -> Result<Register> {
    let a = register_agency(store, p, agency_code).await?;
    let (rows, total) = match kind {
        Kind::Outgoing => outgoing_rows(store, a.id, filter, page).await?,
        Kind::Incoming => incoming_rows(store, a.id, filter, page).await?,
    };
    Ok(Register {
        kind,
        title: kind.title(),
        agency_code: a.code,
        agency_name: a.name,
        columns: kind.columns(),
        rows,
        total,
    })
}

/// The outgoing register's rows (sổ văn bản đi), with who received each document and when.
async fn outgoing_rows(
    store: &Store,
    agency_id: i32,
    filter: &Filter,
    page: Option<PageRequest>,
) -> Result<(Vec<[String; 10]>, u64)> {
    let db = store.db();
    let mut rows: Vec<[String; 10]> = Vec::new();
    let f = numbering::OutgoingFilter {
        from: filter.from,
        to: filter.to,
        text: filter.folded_text(),
    };
    let (entries, n) = numbering::outgoing_filtered(db, agency_id, &f, page).await?;
    for e in entries {
        let (to, archive) = recipients_and_archive(&e.recipients);
        let mut receipts = Vec::new();
        if let Some(doc) = e.document_id {
            for r in repo::of_document(db, doc).await? {
                let code = directory::agency_by_id(db, r.agency_id)
                    .await?
                    .map(|x| x.code)
                    .unwrap_or_default();
                let when = r
                    .acknowledged_at
                    .or(r.registered_at)
                    .unwrap_or(r.received_at);
                receipts.push(format!("{code} {}", vn_time(when)));
            }
        }
        let mut note = e.note.clone();
        if let Some(at) = e.recalled_at {
            let r = format!(
                "Đã thu hồi ngày {}: {}",
                fmt_date(vn_date(at)),
                e.recall_reason.clone().unwrap_or_default()
            );
            note = if note.is_empty() {
                r
            } else {
                format!("{note}; {r}")
            };
        }
        let cells = [
            e.number.clone(),
            fmt_date(e.issued_on),
            format!("{}: {}", type_name(&e.doc_type), e.title),
            e.signer.clone(),
            to,
            archive,
            e.copies.to_string(),
            fmt_date(e.issued_on),
            receipts.join("; "),
            note,
        ];
        rows.push(cells);
    }
    Ok((rows, n))
}

/// The incoming register's rows (sổ văn bản đến).
async fn incoming_rows(
    store: &Store,
    agency_id: i32,
    filter: &Filter,
    page: Option<PageRequest>,
) -> Result<(Vec<[String; 10]>, u64)> {
    let db = store.db();
    let mut rows: Vec<[String; 10]> = Vec::new();
    let f = repo::RegisterFilter {
        from: filter.from.map(Filter::day_start),
        to: filter.to.and_then(|t| t.succ_opt()).map(Filter::day_start),
        text: filter.folded_text(),
    };
    let (found, n) = repo::register_filtered(db, agency_id, &f, page).await?;
    for r in found {
        let forwarded = user_name(store, r.forwarded_to).await?.unwrap_or_default();
        let ack = match (
            user_name(store, r.acknowledged_by).await?,
            r.acknowledged_at,
        ) {
            (Some(n), Some(t)) => format!("{n} {}", vn_time(t)),
            _ => String::new(),
        };
        let mut note = r.note.clone();
        if r.status == Status::Recalled.as_str() && !note.contains("Đã thu hồi") {
            note = format!("Đã thu hồi {note}").trim().to_owned();
        }
        if let Some(d) = r.deadline {
            note = format!("{note} (hạn xử lý {})", fmt_date(d))
                .trim()
                .to_owned();
        }
        let cells = [
            fmt_date(vn_date(r.received_at)),
            r.incoming_no.map(|n| n.to_string()).unwrap_or_default(),
            r.from_agency_name.clone(),
            r.number.clone(),
            fmt_date(r.doc_date),
            format!("{}: {}", type_name(&r.doc_type), r.title),
            forwarded,
            r.forwarded_at
                .map(|t| fmt_date(vn_date(t)))
                .unwrap_or_default(),
            ack,
            note,
        ];
        rows.push(cells);
    }
    Ok((rows, n))
}
