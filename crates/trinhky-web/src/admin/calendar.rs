//! The holiday calendar (lịch nghỉ lễ).

use trinhky_app::admin::calendar;

use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    page: Option<usize>,
    per_page: Option<usize>,
}

pub(super) fn year_of(q: &YearQuery) -> i32 {
    q.year
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or_else(|| trinhky_app::today_vn().year())
}

pub(super) async fn calendar_view(
    state: &AppState,
    auth: &Auth,
    q: &YearQuery,
    values: (&str, &str, &str, &str),
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let year = year_of(q);
    let all = calendar::year(&state.store, year).await?;
    let paging = Paging::new(
        &PageQuery {
            page: q.page,
            per_page: q.per_page,
        },
        all.len(),
    );
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|e| {
            let days = e.entry.days().count();
            context! {
                id => e.id, kind => e.entry.kind.as_str(), kind_label => e.entry.kind.label_vi(),
                from => dmy(e.entry.from), to => (e.entry.to != e.entry.from).then(|| dmy(e.entry.to)), days, name => e.entry.name,
            }
        })
        .collect();
    let mut years = calendar::years(&state.store).await?;
    let this = trinhky_app::today_vn().year();
    for y in [year, this, this + 1] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable();
    let (message, message_ok) = notice_ctx(&notice);
    let (kind, from, to, name) = values;
    render(
        state,
        "admin_calendar.html",
        status,
        context! {
            nav => nav(auth), page_title => format!("Lịch nghỉ lễ năm {year}"), year, years, entries => rows,
            pager => paging.pager(&format!("/admin/calendar?year={year}")),
            kinds => [CalendarEntryKind::Holiday, CalendarEntryKind::WorkingDay].iter().map(|k| context! { value => k.as_str(), label => k.label_vi() }).collect::<Vec<_>>(),
            v => context! { kind, from, to, name }, message, message_ok, source => state.registry.calendar_source(),
        },
    )
}

pub async fn calendar_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<YearQuery>,
) -> PageResult {
    admin(&auth)?;
    calendar_view(
        &state,
        &auth,
        &q,
        ("holiday", "", "", ""),
        None,
        StatusCode::OK,
    )
    .await
}

/// Parses the form's or the API's dates into a new entry, or the message to show.
pub(super) fn new_entry(kind: &str, from: &str, to: &str, name: &str) -> Result<NewEntry, String> {
    let from_d = crate::dates::parse(from).map_err(|m| format!("Ngày bắt đầu: {m}"))?;
    let to_d = crate::dates::parse(to).map_err(|m| format!("Ngày kết thúc: {m}"))?;
    Ok(NewEntry {
        kind: kind.to_owned(),
        from: from_d,
        to: to_d,
        name: name.to_owned(),
    })
}

pub async fn calendar_add(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let (kind, from, to, name) = (f.get("kind"), f.get("from"), f.get("to"), f.get("name"));
    let values = (kind.as_str(), from.as_str(), to.as_str(), name.as_str());
    let entry = match new_entry(&kind, &from, &to, &name) {
        Ok(e) => e,
        Err(m) => {
            let q = YearQuery::default();
            return calendar_view(
                &state,
                &auth,
                &q,
                values,
                Some((false, m)),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let q = YearQuery {
        year: entry.from.map(|d| d.year()),
        ..Default::default()
    };
    match calendar::add(
        &state.store,
        &state.registry,
        &auth.principal,
        &entry,
        Utc::now(),
    )
    .await
    {
        Ok(v) => {
            let m = &v.entry;
            let msg = format!(
                "Đã thêm \"{}\" ({}{}). Hạn xử lý tính từ nay theo lịch mới.",
                m.name,
                dmy(m.from),
                if m.to != m.from {
                    format!(" – {}", dmy(m.to))
                } else {
                    String::new()
                }
            );
            calendar_view(
                &state,
                &auth,
                &q,
                ("holiday", "", "", ""),
                Some((true, msg)),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            calendar_view(&state, &auth, &q, values, Some((false, m)), status).await
        }
    }
}

pub async fn calendar_remove(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    FormData::parse(&body).csrf(&auth)?;
    let e = calendar::remove(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Utc::now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    let q = YearQuery {
        year: Some(e.from.year()),
        ..Default::default()
    };
    let msg = format!("Đã xóa \"{}\" ({}).", e.name, dmy(e.from));
    calendar_view(
        &state,
        &auth,
        &q,
        ("holiday", "", "", ""),
        Some((true, msg)),
        StatusCode::OK,
    )
    .await
}

pub async fn api_calendar(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<YearQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<calendar::EntryView>>)> {
    api_admin(&auth, None)?;
    let all = calendar::year(&state.store, year_of(&q)).await?;
    let paging = Paging::new(
        &PageQuery {
            page: q.page,
            per_page: q.per_page,
        },
        all.len(),
    );
    Ok((
        paging.headers("/api/v1/admin/calendar"),
        Json(paging.slice(all)),
    ))
}

#[derive(Deserialize)]
pub struct EntryIn {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    name: String,
}

pub async fn api_calendar_add(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(b): Json<EntryIn>,
) -> ApiResult<(StatusCode, Json<calendar::EntryView>)> {
    api_admin(&auth, Some(&headers))?;
    let entry = new_entry(&b.kind, &b.from, &b.to, &b.name).map_err(WebError::BadRequest)?;
    let view = calendar::add(
        &state.store,
        &state.registry,
        &auth.principal,
        &entry,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn api_calendar_remove(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    api_admin(&auth, Some(&headers))?;
    calendar::remove(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Utc::now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_repeated_fields_and_escapes() {
        let f =
            FormData::parse(b"members=SNV&members=SKH%C4%90T&name=C%C3%A1c+S%E1%BB%9F&bad=%ZZ&x");
        assert_eq!(f.all("members"), ["SNV", "SKHĐT"]);
        assert_eq!(f.get("name"), "Các Sở");
        assert_eq!(f.get("bad"), "%ZZ");
        assert_eq!(f.get("missing"), "");
        assert!(!f.checked("x"));
    }
}
