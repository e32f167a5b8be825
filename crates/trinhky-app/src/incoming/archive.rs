//! The archive search (lưu trữ).

use super::*;

/// Archive search: number, subject (trích yếu), issuing agency, date range of the document.
#[derive(Debug, Clone, Default)]
pub struct ArchiveQuery {
    pub text: Option<String>,
    pub number: Option<String>,
    pub from_agency: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page of the archived documents of an agency matching `q` (accent- and case-insensitive,
/// filtered in SQL), newest archived first, with the number of matches in all.
pub async fn archive_search(
    store: &Store,
    p: &Principal,
    agency_code: Option<&str>,
    q: &ArchiveQuery,
    page: Option<PageRequest>,
) -> Result<(AgencyRef, Vec<IncomingView>, u64)> {
    let a = register_agency(store, p, agency_code).await?;
    let fold = |s: &Option<String>| {
        s.as_deref()
            .map(trinhky_domain::text::fold)
            .filter(|x| !x.is_empty())
    };
    let f = repo::ArchiveFilter {
        text: fold(&q.text),
        number: fold(&q.number),
        from_agency: fold(&q.from_agency),
        from: q.from,
        to: q.to,
    };
    let (rows, total) = repo::archive_filtered(store.db(), a.id, &f, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view_of(store, &a, r).await?);
    }
    Ok((AgencyRef::from(a), out, total))
}
