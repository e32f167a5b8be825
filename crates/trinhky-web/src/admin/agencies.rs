//! Agencies (`/admin/agencies`, `/api/v1/admin/agencies`).

use trinhky_app::admin::agencies;

use super::*;

pub async fn agencies_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    admin(&auth)?;
    let all = agencies::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|a| {
            let kind = a.kind.label_vi();
            context! { path => crate::url::encode(&a.code), code => a.code, name => a.name, short_name => a.short_name, email => a.email, kind, uses_trinhky => a.uses_trinhky }
        })
        .collect();
    render(
        &state,
        "admin_agencies.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Cơ quan, đơn vị", agencies => rows, q => q.q.clone(), pager => paging.pager(&pager_base("/admin/agencies", &q.q)) },
    )
}

pub(super) fn kinds() -> Vec<minijinja::Value> {
    AgencyKind::ALL
        .iter()
        .map(|k| context! { value => k.as_str(), label => k.label_vi() })
        .collect()
}

pub(super) fn agency_input(f: &FormData) -> AgencyInput {
    AgencyInput {
        code: f.get("code"),
        name: f.get("name"),
        short_name: f.get("short_name"),
        parent: f.get("parent"),
        kind: f.get("kind"),
        email: f.get("email"),
        head_title: f.get("head_title"),
        deputy_title: f.get("deputy_title"),
        aliases: f.lines("aliases"),
        uses_trinhky: f.checked("uses_trinhky"),
    }
}

pub(super) fn agency_values(a: &AgencyInput) -> minijinja::Value {
    context! {
        path => crate::url::encode(&a.code), code => a.code.clone(), name => a.name.clone(), short_name => a.short_name.clone(), parent => a.parent.clone(),
        kind => a.kind.clone(), email => a.email.clone(), head_title => a.head_title.clone(), deputy_title => a.deputy_title.clone(),
        aliases => a.aliases.join("\n"), uses_trinhky => a.uses_trinhky,
    }
}

pub(super) fn input_of(a: &Agency) -> AgencyInput {
    AgencyInput {
        code: a.code.clone(),
        name: a.name.clone(),
        short_name: a.short_name.clone(),
        parent: a.parent.clone(),
        kind: a.kind.as_str().to_owned(),
        email: a.email.clone(),
        head_title: a.head_title.clone(),
        deputy_title: a.deputy_title.clone(),
        aliases: a.aliases.clone(),
        uses_trinhky: a.uses_trinhky,
    }
}

pub(super) fn agency_form(
    state: &AppState,
    auth: &Auth,
    is_new: bool,
    values: &AgencyInput,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let (message, message_ok) = notice_ctx(&notice);
    let title = if is_new {
        "Thêm cơ quan, đơn vị".to_owned()
    } else {
        format!("Sửa cơ quan {}", values.code)
    };
    render(
        state,
        "admin_agency.html",
        status,
        context! { nav => nav(auth), page_title => title, is_new, a => agency_values(values), kinds => kinds(), message, message_ok },
    )
}

pub async fn agency_new(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    let values = AgencyInput {
        kind: AgencyKind::Department.as_str().into(),
        uses_trinhky: true,
        ..Default::default()
    };
    agency_form(&state, &auth, true, &values, None, StatusCode::OK)
}

pub async fn agency_create(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let input = agency_input(&f);
    match agencies::create(&state.store, &auth.principal, &input).await {
        Ok(a) => agency_form(
            &state,
            &auth,
            false,
            &input_of(&a),
            Some((true, format!("Đã thêm cơ quan {} ({}).", a.name, a.code))),
            StatusCode::CREATED,
        ),
        Err(e) => {
            let (status, m) = form_error(e)?;
            agency_form(&state, &auth, true, &input, Some((false, m)), status)
        }
    }
}

pub async fn agency_edit(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
) -> PageResult {
    admin(&auth)?;
    let a = agencies::get(&state.store, &code)
        .await?
        .ok_or(WebError::NotFound)?;
    agency_form(&state, &auth, false, &input_of(&a), None, StatusCode::OK)
}

pub async fn agency_update(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let mut input = agency_input(&f);
    input.code = code.clone();
    match agencies::update(&state.store, &auth.principal, &code, &input).await {
        Ok(Some((a, changed))) => agency_form(
            &state,
            &auth,
            false,
            &input_of(&a),
            Some((
                true,
                if changed {
                    format!("Đã lưu thay đổi của {}.", a.code)
                } else {
                    "Không có gì thay đổi.".to_owned()
                },
            )),
            StatusCode::OK,
        ),
        Ok(None) => Err(WebError::NotFound),
        Err(e) => {
            let (status, m) = form_error(e)?;
            agency_form(&state, &auth, false, &input, Some((false, m)), status)
        }
    }
}

pub async fn api_agencies(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Agency>>)> {
    api_admin(&auth, None)?;
    let rows = agencies::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), rows.len());
    let out = paging.slice(rows);
    Ok((paging.headers("/api/v1/admin/agencies"), Json(out)))
}

pub async fn api_agency(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Agency>> {
    api_admin(&auth, None)?;
    Ok(Json(
        agencies::get(&state.store, &code)
            .await?
            .ok_or(WebError::NotFound)?,
    ))
}

pub async fn api_agency_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(input): Json<AgencyInput>,
) -> ApiResult<(StatusCode, Json<Agency>)> {
    api_admin(&auth, Some(&headers))?;
    let a = agencies::create(&state.store, &auth.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

pub async fn api_agency_update(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(input): Json<AgencyInput>,
) -> ApiResult<Json<Agency>> {
    api_admin(&auth, Some(&headers))?;
    let (a, _) = agencies::update(&state.store, &auth.principal, &code, &input)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(a))
}
