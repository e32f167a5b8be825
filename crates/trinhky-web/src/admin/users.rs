//! Users and their roles.

use trinhky_app::admin::users;

use super::*;

pub(super) fn roles_select() -> Vec<minijinja::Value> {
    Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => r.label_vi() })
        .collect()
}

pub(super) async fn agencies_select(state: &AppState) -> Result<Vec<minijinja::Value>, WebError> {
    Ok(trinhky_app::queries::agencies(&state.store)
        .await?
        .into_iter()
        .map(|a| context! { code => a.code, name => a.name })
        .collect())
}

pub(super) fn role_labels(roles: &[trinhky_app::principal::Membership]) -> Vec<minijinja::Value> {
    roles
        .iter()
        .map(|m| context! { agency => m.agency_code.clone(), agency_name => m.agency_name.clone(), role => m.role.as_str(), role_label => m.role.label_vi(), title => m.title.clone() })
        .collect()
}

pub(super) async fn users_list(
    state: &AppState,
    auth: &Auth,
    q: &ListQuery,
    values: &NewAccount,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let all = users::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let page = users::with_roles(&state.store, paging.slice(all)).await?;
    let rows: Vec<minijinja::Value> = page
        .iter()
        .map(|u| context! { username => u.user.username.clone(), full_name => u.user.full_name.clone(), email => u.user.email.clone(), active => u.user.active, roles => role_labels(&u.roles) })
        .collect();
    let (message, message_ok) = notice_ctx(&notice);
    render(
        state,
        "admin_users.html",
        status,
        context! {
            nav => nav(auth), page_title => "Người dùng và vai trò", users => rows, q => q.q.clone(),
            pager => paging.pager(&pager_base("/admin/users", &q.q)),
            roles => roles_select(), agencies => agencies_select(state).await?, message, message_ok,
            v => context! { username => values.username.clone(), full_name => values.full_name.clone(), email => values.email.clone(), agency => values.agency.clone(), role => values.role.clone(), title => values.title.clone() },
        },
    )
}

pub async fn users_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    admin(&auth)?;
    users_list(
        &state,
        &auth,
        &q,
        &NewAccount::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn user_create(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let new = NewAccount {
        username: f.get("username"),
        full_name: f.get("full_name"),
        email: f.get("email"),
        password: f.get("password"),
        agency: f.get("agency"),
        role: f.get("role"),
        title: f.get("title"),
    };
    match users::create(&state.store, state.app.cpu(), &auth.principal, &new).await {
        Ok(u) => {
            user_detail(
                &state,
                &auth,
                &u.username,
                Some((true, format!("Đã tạo tài khoản {}.", u.username))),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            let kept = NewAccount {
                password: String::new(),
                ..new
            };
            users_list(
                &state,
                &auth,
                &ListQuery::default(),
                &kept,
                Some((false, m)),
                status,
            )
            .await
        }
    }
}

pub(super) async fn user_detail(
    state: &AppState,
    auth: &Auth,
    username: &str,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let u = users::get(&state.store, username)
        .await?
        .ok_or(WebError::NotFound)?;
    let (message, message_ok) = notice_ctx(&notice);
    let own = u.user.id == auth.principal.user.id;
    let api_tokens: Vec<minijinja::Value> =
        trinhky_app::tokens::list(&state.store, &u.user.username, Utc::now())
            .await?
            .into_iter()
            .map(|t| {
                context! {
                    id => t.id, name => t.name.clone(), status => t.status, status_label => t.status_vi(),
                    created => dmy_time(Some(t.created_at)), expires => dmy_time(t.expires_at),
                    last_used => t.last_used_at.map_or_else(|| "chưa dùng".to_owned(), |d| dmy_time(Some(d))),
                }
            })
            .collect();
    render(
        state,
        "admin_user.html",
        status,
        context! {
            nav => nav(auth), page_title => format!("Tài khoản {}", u.user.username),
            u => context! { username => u.user.username.clone(), full_name => u.user.full_name.clone(), email => u.user.email.clone(), active => u.user.active },
            roles => role_labels(&u.roles), own, all_roles => roles_select(), agencies => agencies_select(state).await?,
            api_tokens, token_default_days => trinhky_app::tokens::DEFAULT_DAYS, token_max_days => trinhky_app::tokens::MAX_DAYS,
            message, message_ok,
        },
    )
}

pub async fn user_page(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
) -> PageResult {
    admin(&auth)?;
    user_detail(&state, &auth, &username, None, StatusCode::OK).await
}

/// Runs a change on one account and shows the account with its outcome.
pub(super) async fn user_change(
    state: &AppState,
    auth: &Auth,
    username: &str,
    result: trinhky_app::Result<String>,
) -> PageResult {
    match result {
        Ok(m) => user_detail(state, auth, username, Some((true, m)), StatusCode::OK).await,
        Err(_) if users::get(&state.store, username).await?.is_none() => Err(WebError::NotFound),
        Err(e) => {
            let (status, m) = form_error(e)?;
            user_detail(state, auth, username, Some((false, m)), status).await
        }
    }
}

pub async fn user_grant(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let (agency, role) = (f.get("agency"), f.get("role"));
    let r = users::grant(
        &state.store,
        &auth.principal,
        &username,
        &agency,
        &role,
        &f.get("title"),
    )
    .await
    .map(|()| format!("Đã cấp vai trò {} tại {agency}.", role_label(&role)));
    user_change(&state, &auth, &username, r).await
}

pub(super) fn role_label(role: &str) -> &'static str {
    role.parse::<Role>().map_or("", |r| r.label_vi())
}

pub async fn user_revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let (agency, role) = (f.get("agency"), f.get("role"));
    let r = users::revoke(&state.store, &auth.principal, &username, &agency, &role)
        .await
        .map(|()| format!("Đã thu hồi vai trò {} tại {agency}.", role_label(&role)));
    user_change(&state, &auth, &username, r).await
}

pub async fn user_active(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let active = f.get("active") == "true";
    let r = users::set_active(&state.store, &auth.principal, &username, active)
        .await
        .map(|_| {
            if active {
                format!("Đã mở khóa tài khoản {username}.")
            } else {
                format!("Đã khóa tài khoản {username}: các phiên đăng nhập đã kết thúc, khóa API không còn dùng được.")
            }
        });
    user_change(&state, &auth, &username, r).await
}

pub async fn user_password(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let r = users::reset_password(&state.store, state.app.cpu(), &auth.principal, &username, &f.get("password"))
        .await
        .map(|generated| match generated {
            Some(p) => format!("Đã đặt mật khẩu mới cho {username}: {p} (chỉ hiện một lần; các phiên đăng nhập cũ đã kết thúc, các khóa API đã bị thu hồi)."),
            None => format!("Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc, các khóa API đã bị thu hồi."),
        });
    user_change(&state, &auth, &username, r).await
}

pub async fn user_token_create(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let days = match f.get("expires_days").trim() {
        "" => Ok(trinhky_app::tokens::DEFAULT_DAYS),
        d => d.parse::<i64>().map_err(|_| {
            trinhky_app::AppError::Invalid(format!(
                "Thời hạn \"{d}\" không phải số ngày (1–{}).",
                trinhky_app::tokens::MAX_DAYS
            ))
        }),
    };
    let r = match days {
        Ok(days) => trinhky_app::tokens::issue_as(
            &state.store,
            &auth.principal,
            &username,
            &f.get("name"),
            days,
            Utc::now(),
        )
        .await
        .map(|(token, v)| {
            format!(
                "Đã tạo khóa API \"{}\" cho {username}, hết hạn {}: {token} (chỉ hiện một lần; gửi kèm tiêu đề Authorization: Bearer).",
                v.name,
                dmy_time(v.expires_at)
            )
        }),
        Err(e) => Err(e),
    };
    user_change(&state, &auth, &username, r).await
}

pub async fn user_token_revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path((username, id)): Path<(String, i32)>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let owned = trinhky_app::tokens::list(&state.store, &username, Utc::now())
        .await
        .map(|ts| ts.iter().any(|t| t.id == id))
        .unwrap_or(false);
    if !owned {
        return Err(WebError::NotFound);
    }
    let r = trinhky_app::tokens::revoke_as(&state.store, &auth.principal, id, Utc::now())
        .await
        .and_then(|r| match r {
            trinhky_app::tokens::Revoked::Done(v) => Ok(format!(
                "Đã thu hồi khóa API \"{}\" của {username}.",
                v.name
            )),
            trinhky_app::tokens::Revoked::Already(v) => Err(trinhky_app::AppError::Conflict(
                format!("Khóa API \"{}\" đã bị thu hồi trước đó.", v.name),
            )),
            trinhky_app::tokens::Revoked::NotFound => Err(trinhky_app::AppError::Invalid(format!(
                "Không có khóa API số {id}."
            ))),
        });
    user_change(&state, &auth, &username, r).await
}

pub async fn api_users(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<users::UserView>>)> {
    api_admin(&auth, None)?;
    let all = users::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let page = users::with_roles(&state.store, paging.slice(all)).await?;
    Ok((paging.headers("/api/v1/admin/users"), Json(page)))
}

pub(super) async fn user_json(
    state: &AppState,
    username: &str,
) -> ApiResult<Json<users::UserView>> {
    Ok(Json(
        users::get(&state.store, username)
            .await?
            .ok_or(WebError::NotFound)?,
    ))
}

pub async fn api_user(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
) -> ApiResult<Json<users::UserView>> {
    api_admin(&auth, None)?;
    user_json(&state, &username).await
}

pub async fn api_user_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(new): Json<NewAccount>,
) -> ApiResult<(StatusCode, Json<users::UserView>)> {
    api_admin(&auth, Some(&headers))?;
    let u = users::create(&state.store, state.app.cpu(), &auth.principal, &new).await?;
    Ok((StatusCode::CREATED, user_json(&state, &u.username).await?))
}

/// 404 for an unknown account instead of the use case's 400.
pub(super) async fn known(state: &AppState, username: &str) -> ApiResult<()> {
    if users::get(&state.store, username).await?.is_none() {
        return Err(WebError::NotFound.into());
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct GrantIn {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    title: String,
}

pub async fn api_user_grant(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    Json(g): Json<GrantIn>,
) -> ApiResult<(StatusCode, Json<users::UserView>)> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    users::grant(
        &state.store,
        &auth.principal,
        &username,
        &g.agency,
        &g.role,
        &g.title,
    )
    .await?;
    Ok((StatusCode::CREATED, user_json(&state, &username).await?))
}

pub async fn api_user_revoke(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((username, agency, role)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<users::UserView>> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    users::revoke(&state.store, &auth.principal, &username, &agency, &role).await?;
    user_json(&state, &username).await
}

#[derive(Deserialize)]
pub struct ActiveIn {
    active: bool,
}

pub async fn api_user_active(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    Json(a): Json<ActiveIn>,
) -> ApiResult<Json<users::UserView>> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    users::set_active(&state.store, &auth.principal, &username, a.active).await?;
    user_json(&state, &username).await
}

#[derive(Deserialize)]
pub struct PasswordIn {
    #[serde(default)]
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PasswordOut {
    username: String,
    /// Present when the server generated the password (shown once).
    generated_password: Option<String>,
}

pub async fn api_user_password(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    body: Option<Json<PasswordIn>>,
) -> ApiResult<Json<PasswordOut>> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    let password = body.map(|b| b.0.password).unwrap_or_default();
    let generated = users::reset_password(
        &state.store,
        state.app.cpu(),
        &auth.principal,
        &username,
        &password,
    )
    .await?;
    Ok(Json(PasswordOut {
        username,
        generated_password: generated,
    }))
}
