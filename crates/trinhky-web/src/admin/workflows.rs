//! Workflow definitions: list, detail, check.

use trinhky_app::admin::workflows;

use super::*;

pub async fn workflows_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<PageQuery>,
) -> PageResult {
    admin(&auth)?;
    let all = workflows::list(&state.store, &state.registry).await?;
    let paging = Paging::new(&q, all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|w| context! { id => w.id, version => w.version, title => w.title, doc_types => w.doc_types.join(", "), states => w.states, transitions => w.transitions, current => w.current, documents => w.documents, running => w.running })
        .collect();
    render(
        &state,
        "admin_workflows.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Quy trình", workflows => rows, pager => paging.pager("/admin/workflows") },
    )
}

pub(super) fn definition_ctx(
    def: &trinhky_domain::workflow::Definition,
    counts: &BTreeMap<String, i64>,
) -> (Vec<minijinja::Value>, Vec<minijinja::Value>) {
    let label_of = |s: &str| def.state(s).map_or(s.to_owned(), |x| x.label.clone());
    let states = def
        .states
        .iter()
        .map(|s| {
            context! {
                name => s.name.clone(), label => s.label.clone(), role => s.role.map(|r| r.label_vi()),
                sla => s.sla_working_days, terminal => s.terminal, optional => s.optional, initial => s.name == def.initial,
                documents => counts.get(&s.name).copied().unwrap_or(0),
            }
        })
        .collect();
    let transitions = def
        .transitions
        .iter()
        .map(|t| {
            context! {
                action => t.action.clone(), label => t.label.clone(), from => label_of(&t.from), to => label_of(&t.to),
                by => t.by.iter().map(|r| r.label_vi()).collect::<Vec<_>>().join(", "),
                requires => t.requires.iter().map(|r| requirement_vi(*r)).collect::<Vec<_>>().join(", "),
                effects => t.effects.iter().map(|e| effect_vi(*e)).collect::<Vec<_>>().join(" → "),
                when => t.when.map(|w| match w { trinhky_domain::workflow::Guard::OptionalEnabled => "khi cơ quan dùng bước tùy chọn", trinhky_domain::workflow::Guard::OptionalDisabled => "khi cơ quan bỏ bước tùy chọn" }),
            }
        })
        .collect();
    (states, transitions)
}

pub(super) fn requirement_vi(r: trinhky_domain::workflow::Requirement) -> &'static str {
    use trinhky_domain::workflow::Requirement as R;
    match r {
        R::Comment => "ý kiến",
        R::SigningPin => "mã PIN ký số",
        R::Attachment => "tệp đính kèm",
        R::ConsultationsClosed => "đã hết hạn lấy ý kiến",
    }
}

pub(super) fn effect_vi(e: trinhky_domain::workflow::EffectKind) -> &'static str {
    use trinhky_domain::workflow::EffectKind as E;
    match e {
        E::Render => "dựng văn bản",
        E::SignPersonal => "ký số cá nhân",
        E::AssignNumber => "cấp số",
        E::SignOrganization => "ký số cơ quan",
        E::Dispatch => "phát hành",
        E::Notify => "thông báo",
        E::OpenConsultations => "lấy ý kiến",
    }
}

pub async fn workflow_page(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, version)): Path<(String, String)>,
) -> PageResult {
    admin(&auth)?;
    let version: u32 = version.parse().map_err(|_| WebError::NotFound)?;
    let (def, counts, current) = workflows::detail(&state.store, &state.registry, &id, version)
        .await?
        .ok_or(WebError::NotFound)?;
    let (states, transitions) = definition_ctx(&def, &counts);
    render(
        &state,
        "admin_workflow.html",
        StatusCode::OK,
        context! {
            nav => nav(&auth), page_title => format!("Quy trình {} (phiên bản {})", def.title, def.version),
            w => context! { id => def.id.clone(), version => def.version, title => def.title.clone(), doc_types => def.doc_types.join(", "), file => def.file.clone(), current },
            states, transitions, documents => counts.values().sum::<i64>(),
        },
    )
}

pub(super) fn check_view(
    state: &AppState,
    auth: &Auth,
    source: &str,
    file_name: &str,
    report: Option<&workflows::CheckReport>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let report_ctx = report.map(|r| {
        let (states, transitions) = r
            .definition
            .as_ref()
            .map(|d| definition_ctx(d, &BTreeMap::new()))
            .unwrap_or_default();
        context! {
            ok => r.ok,
            diagnostics => r.diagnostics.iter().map(|d| context! { code => d.code, line => d.line, message => d.message.clone(), hint => d.hint.clone() }).collect::<Vec<_>>(),
            notes => r.notes.clone(),
            def => r.definition.as_ref().map(|d| context! { id => d.id.clone(), version => d.version, title => d.title.clone() }),
            states, transitions,
        }
    });
    render(
        state,
        "admin_workflow_check.html",
        status,
        context! { nav => nav(auth), page_title => "Kiểm tra quy trình", source, file_name, report => report_ctx, error },
    )
}

pub async fn check_form(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    check_view(&state, &auth, "", "", None, None, StatusCode::OK)
}

/// The largest definition accepted by the checker.
pub(super) const MAX_DEFINITION_BYTES: usize = 512 * 1024;

pub async fn check_submit(
    State(state): State<AppState>,
    User(auth): User,
    mut m: Multipart,
) -> PageResult {
    admin(&auth)?;
    let (mut csrf, mut text, mut file, mut file_name) =
        (String::new(), String::new(), Vec::new(), String::new());
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let msg = format!("Không đọc được nội dung gửi lên: {}", e.body_text());
                return check_view(
                    &state,
                    &auth,
                    "",
                    "",
                    None,
                    Some(msg),
                    StatusCode::BAD_REQUEST,
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            file_name = field.file_name().unwrap_or_default().to_owned();
        }
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let msg = format!("Không đọc được nội dung gửi lên: {}", e.body_text());
                return check_view(
                    &state,
                    &auth,
                    "",
                    "",
                    None,
                    Some(msg),
                    StatusCode::BAD_REQUEST,
                );
            }
        };
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "source" => text = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes.to_vec(),
            _ => {}
        }
    }
    auth.check_csrf(Some(&csrf))?;
    let (source, name) = if !file.is_empty() {
        match String::from_utf8(file) {
            Ok(s) => (s, file_name),
            Err(_) => {
                return check_view(
                    &state,
                    &auth,
                    &text,
                    "",
                    None,
                    Some(format!(
                        "Tệp {file_name} không phải văn bản UTF-8: lưu tệp TOML với mã UTF-8 rồi tải lên lại."
                    )),
                    StatusCode::BAD_REQUEST,
                );
            }
        }
    } else {
        (text, String::new())
    };
    if source.trim().is_empty() {
        return check_view(
            &state,
            &auth,
            "",
            "",
            None,
            Some("Dán nội dung tệp quy trình (TOML) hoặc chọn tệp để kiểm tra.".into()),
            StatusCode::BAD_REQUEST,
        );
    }
    if source.len() > MAX_DEFINITION_BYTES {
        return check_view(
            &state,
            &auth,
            "",
            "",
            None,
            Some("Tệp quy trình lớn hơn 512 KB: kiểm tra lại tệp.".into()),
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    let report = workflows::check(&state.store, &name, &source).await?;
    check_view(
        &state,
        &auth,
        &source,
        &name,
        Some(&report),
        None,
        StatusCode::OK,
    )
}

pub async fn api_workflows(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<workflows::WorkflowSummary>>)> {
    api_admin(&auth, None)?;
    let all = workflows::list(&state.store, &state.registry).await?;
    let paging = Paging::new(&q, all.len());
    Ok((
        paging.headers("/api/v1/admin/workflows"),
        Json(paging.slice(all)),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkflowOut {
    #[schema(value_type = Object)]
    definition: trinhky_domain::workflow::Definition,
    current: bool,
    /// Documents per state.
    documents: BTreeMap<String, i64>,
}

pub async fn api_workflow(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<WorkflowOut>> {
    api_admin(&auth, None)?;
    let version: u32 = version.parse().map_err(|_| WebError::NotFound)?;
    let (def, documents, current) = workflows::detail(&state.store, &state.registry, &id, version)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(WorkflowOut {
        definition: (*def).clone(),
        current,
        documents,
    }))
}

#[derive(Deserialize, Default)]
pub struct CheckQuery {
    #[serde(default)]
    file: String,
}

/// The body is the TOML text itself. Read only: a check, never an installation; no CSRF needed.
pub async fn api_workflow_check(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<CheckQuery>,
    body: Bytes,
) -> ApiResult<Json<workflows::CheckReport>> {
    api_admin(&auth, None)?;
    if body.len() > MAX_DEFINITION_BYTES {
        return Err(WebError::BadRequest("Tệp quy trình lớn hơn 512 KB.".into()).into());
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| WebError::BadRequest("Nội dung không phải văn bản UTF-8.".into()))?;
    Ok(Json(workflows::check(&state.store, &q.file, &text).await?))
}
