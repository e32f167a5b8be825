//! Recipient groups (nhóm nơi nhận).

use trinhky_app::admin::groups;

use super::*;

pub async fn groups_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    admin(&auth)?;
    let all = groups::list(&state.store).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|g| context! { path => crate::url::encode(&g.code), code => g.code, name => g.name, aliases => g.aliases.join("; "), count => g.members.len(), members => g.members.join(", ") })
        .collect();
    render(
        &state,
        "admin_groups.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Nhóm nơi nhận", groups => rows, pager => paging.pager("/admin/groups") },
    )
}

pub(super) async fn group_form(
    state: &AppState,
    auth: &Auth,
    is_new: bool,
    g: &GroupInput,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let (message, message_ok) = notice_ctx(&notice);
    let agencies: Vec<minijinja::Value> = trinhky_app::queries::agencies(&state.store)
        .await?
        .into_iter()
        .map(|a| {
            let checked = g.members.contains(&a.code);
            context! { code => a.code, name => a.name, checked }
        })
        .collect();
    let title = if is_new {
        "Thêm nhóm nơi nhận".to_owned()
    } else {
        format!("Sửa nhóm {}", g.code)
    };
    render(
        state,
        "admin_group.html",
        status,
        context! {
            nav => nav(auth), page_title => title, is_new, agencies, message, message_ok,
            g => context! { path => crate::url::encode(&g.code), code => g.code.clone(), name => g.name.clone(), aliases => g.aliases.join("\n"), count => g.members.len() },
        },
    )
}

pub(super) fn group_input(f: &FormData) -> GroupInput {
    GroupInput {
        code: f.get("code"),
        name: f.get("name"),
        aliases: f.lines("aliases"),
        members: f.all("members"),
    }
}

pub(super) fn group_input_of(g: &RecipientGroup) -> GroupInput {
    GroupInput {
        code: g.code.clone(),
        name: g.name.clone(),
        aliases: g.aliases.clone(),
        members: g.members.clone(),
    }
}

pub async fn group_new(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    group_form(
        &state,
        &auth,
        true,
        &GroupInput::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn group_create(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let input = group_input(&f);
    match groups::create(&state.store, &auth.principal, &input).await {
        Ok(g) => {
            group_form(
                &state,
                &auth,
                false,
                &group_input_of(&g),
                Some((true, format!("Đã thêm nhóm {} ({}).", g.name, g.code))),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            group_form(&state, &auth, true, &input, Some((false, m)), status).await
        }
    }
}

pub async fn group_edit(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
) -> PageResult {
    admin(&auth)?;
    let g = groups::get(&state.store, &code)
        .await?
        .ok_or(WebError::NotFound)?;
    group_form(
        &state,
        &auth,
        false,
        &group_input_of(&g),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn group_update(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let mut input = group_input(&f);
    input.code = code.clone();
    match groups::update(&state.store, &auth.principal, &code, &input).await {
        Ok(Some((g, changed))) => {
            let m = if changed {
                format!("Đã lưu nhóm {}.", g.code)
            } else {
                "Không có gì thay đổi.".to_owned()
            };
            group_form(
                &state,
                &auth,
                false,
                &group_input_of(&g),
                Some((true, m)),
                StatusCode::OK,
            )
            .await
        }
        Ok(None) => Err(WebError::NotFound),
        Err(e) => {
            let (status, m) = form_error(e)?;
            group_form(&state, &auth, false, &input, Some((false, m)), status).await
        }
    }
}

pub async fn group_delete(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    FormData::parse(&body).csrf(&auth)?;
    if !groups::delete(&state.store, &auth.principal, &code).await? {
        return Err(WebError::NotFound);
    }
    let all = groups::list(&state.store).await?;
    let paging = Paging::new(&PageQuery::default(), all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|g| context! { path => crate::url::encode(&g.code), code => g.code, name => g.name, aliases => g.aliases.join("; "), count => g.members.len(), members => g.members.join(", ") })
        .collect();
    render(
        &state,
        "admin_groups.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Nhóm nơi nhận", groups => rows, pager => paging.pager("/admin/groups"), message => format!("Đã xóa nhóm {code}."), message_ok => true },
    )
}

pub async fn api_groups(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<RecipientGroup>>)> {
    api_admin(&auth, None)?;
    let all = groups::list(&state.store).await?;
    let paging = Paging::new(&q.paging(), all.len());
    Ok((
        paging.headers("/api/v1/admin/groups"),
        Json(paging.slice(all)),
    ))
}

pub async fn api_group(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<RecipientGroup>> {
    api_admin(&auth, None)?;
    Ok(Json(
        groups::get(&state.store, &code)
            .await?
            .ok_or(WebError::NotFound)?,
    ))
}

pub async fn api_group_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(input): Json<GroupInput>,
) -> ApiResult<(StatusCode, Json<RecipientGroup>)> {
    api_admin(&auth, Some(&headers))?;
    let g = groups::create(&state.store, &auth.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

pub async fn api_group_update(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(input): Json<GroupInput>,
) -> ApiResult<Json<RecipientGroup>> {
    api_admin(&auth, Some(&headers))?;
    let (g, _) = groups::update(&state.store, &auth.principal, &code, &input)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(g))
}

pub async fn api_group_delete(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    api_admin(&auth, Some(&headers))?;
    if groups::delete(&state.store, &auth.principal, &code).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(WebError::NotFound.into())
    }
}
