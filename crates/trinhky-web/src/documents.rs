//! Documents in the workflow: the document page with its history and the action forms, edits,
//! creation from an assignment, delegation; and the matching JSON API.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{NaiveDate, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use trinhky_app::DocumentContent as Content;
use trinhky_app::access::Want;
use trinhky_app::document_view as view;
use trinhky_app::documents::{self as uc, ActRequest, Loaded};
use trinhky_app::{AppError, Kind};
use trinhky_domain::Role;
use trinhky_domain::time;
use trinhky_domain::workflow::{self, Requirement};

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::error::WebError;
use crate::flash::{self, Flash};
use crate::pages::nav;
use crate::state::AppState;

type PageResult = Result<Response, WebError>;

async fn page(
    state: &AppState,
    auth: &Auth,
    l: Loaded,
    message: Option<Flash>,
    status: StatusCode,
) -> PageResult {
    if !l.standing.working() {
        return issued_copy_page(state, auth, l, message, status).await;
    }
    let p = &auth.principal;
    let actor = uc::actor(&state.store, p).await?;
    let actions: Vec<minijinja::Value> =
        workflow::available_actions(&l.definition, &l.domain, &actor, Utc::now())
            .into_iter()
            .map(|t| {
                let back = t.to == l.definition.initial;
                context! {
                    action => t.action.clone(), label => t.label.clone(),
                    needs_comment => t.requires.contains(&Requirement::Comment),
                    needs_pin => t.requires.contains(&Requirement::SigningPin),
                    issues => t.has_effect(workflow::EffectKind::AssignNumber),
                    intent => intent(&l, t),
                    voids_signature => back && l.instance.personal_signed,
                }
            })
            .collect();
    let history: Vec<minijinja::Value> = uc::history(&state.store, l.instance.id)
        .await?
        .into_iter()
        .map(|(t, name)| {
            let label = l.definition.actions_from(&t.from_state).into_iter().find(|x| x.action == t.action).map(|x| x.label.clone()).unwrap_or(t.action.clone());
            let to = l.definition.state(&t.to_state).map(|s| s.label.clone()).unwrap_or(t.to_state.clone());
            context! {
                at => time::dmy_hm(t.at),
                actor => name, action => label, to, comment => t.comment, authority => t.authority, version => t.document_version,
            }
        })
        .collect();
    let versions: Vec<minijinja::Value> = view::versions(&state.store, &l)
        .await?
        .into_iter()
        .rev()
        .map(|v| context! { no => v.no, note => v.note, at => time::dmy_hm(v.created_at), title => v.title })
        .collect();
    let can_edit = trinhky_app::attachments::may_edit(&l, p);
    let attachments = trinhky_app::attachments::of_loaded(&state.store, &l).await?;
    let state_label = l
        .definition
        .state(&l.instance.state)
        .map(|s| s.label.clone())
        .unwrap_or(l.instance.state.clone());
    let can_reassign = (p.has_role(&l.agency_code, Role::AgencyHead)
        || p.has_role(&l.agency_code, Role::UnitHead))
        && !l.definition.is_terminal(&l.instance.state);
    let drafters: Vec<minijinja::Value> = if can_reassign {
        view::other_drafters(&state.store, &l)
            .await?
            .into_iter()
            .map(|(username, name)| context! { username, name })
            .collect()
    } else {
        Vec::new()
    };
    let entry = view::number(&state.store, l.document.id).await?;
    let number = entry.as_ref().map(|n| n.number.clone());
    // The sender's view: who received it, and when; recall while it stands.
    let sender = p.belongs_to(&l.agency_code);
    let receipts = if sender && entry.is_some() {
        trinhky_app::incoming::receipts(&state.store, l.document.id).await?
    } else {
        Vec::new()
    };
    let recalled = entry.as_ref().and_then(|e| e.recalled_at).map(time::dmy_hm);
    let recall_reason = entry.as_ref().and_then(|e| e.recall_reason.clone());
    let can_recall = entry.as_ref().is_some_and(|e| e.recalled_at.is_none())
        && trinhky_app::incoming::may_recall(p, &l.agency_code);
    let can_classify =
        can_edit || (p.has_role(&l.agency_code, Role::AgencyHead) && number.is_none());
    // The signatures of the newest file, verified now against the configured roots.
    let (has_pdf, signatures) =
        view::newest_signatures(&state.store, state.registry.signing(), &l).await?;
    let pages = trinhky_app::rendering::page_count(&state.store, &state.registry, &l)
        .await
        .unwrap_or(0);
    // The clerk's issuing step: the number it will get and where it will go; after issuing, the
    // e-mail status per recipient.
    let issue_preview =
        trinhky_app::delivery::issue_preview(&state.store, &state.registry, p, &l, Utc::now())
            .await?;
    let deliveries = if sender && entry.is_some() {
        trinhky_app::delivery::deliveries(&state.store, p, &l).await?
    } else {
        Vec::new()
    };
    let (ok, msg, kept) = match message {
        Some(f) => (f.ok, Some(f.message), f.fields),
        None => (false, None, Default::default()),
    };
    // The editor's Nơi nhận check, for the saved version (the script updates it while typing).
    let recipient_lines = if can_edit {
        trinhky_app::recipients::resolve_lines(
            &state.store,
            &l.version.recipients,
            &l.version.addressees,
            &l.agency_code,
        )
        .await?
        .lines
    } else {
        Vec::new()
    };
    let line_labels = context! {
        agency => "Cơ quan", email => "Thư điện tử", internal => "Nội bộ", archive => "Lưu", unresolved => "Chưa xác định",
    };
    let body = state
        .templates
        .render(
            "document.html",
            context! {
                nav => nav(auth), page_title => l.document.title.clone(),
                doc => context! {
                    id => l.document.id, title => l.version.title.clone(), doc_type => l.document.doc_type.clone(),
                    agency => l.agency_name.clone(), drafter => l.drafter_name.clone(), body => l.version.body.clone(),
                    addressees => l.version.addressees.clone(), recipients => l.version.recipients.clone(),
                    version_no => l.version.version_no, workflow => l.definition.title.clone(),
                    state => state_label, instance_version => l.instance.version,
                    due => l.instance.due_date.map(time::dmy),
                    authority => l.instance.signing_authority.clone(), position => l.instance.signing_position.clone(),
                    classification => l.document.classification.clone(),
                    classification_label => l.document.classification.as_deref().and_then(trinhky_domain::numbering::Classification::parse).map(|c| c.label()),
                },
                can_classify, attachments, issue_preview, deliveries, recipient_lines, line_labels,
                attachment_limit => trinhky_app::attachments::size_label(i64::try_from(state.settings.attachment_max_bytes).unwrap_or(i64::MAX)),
                actions, history, versions, can_edit, drafters, number, has_pdf, receipts, recalled, recall_reason, can_recall, signatures, pages => (1..=pages).collect::<Vec<_>>(), message => msg, message_ok => ok, kept,
            },
        )
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

/// How a workflow action's button looks: `danger` for one that ends the document (cancelling a
/// draft: behind a confirmation), `secondary` for sending it back, `primary` otherwise.
fn intent(l: &Loaded, t: &workflow::TransitionDef) -> &'static str {
    if l.definition.is_terminal(&t.to) && t.requires.contains(&Requirement::Comment) {
        "danger"
    } else if t.to == l.definition.initial {
        "secondary"
    } else {
        "primary"
    }
}

/// A recipient's page of an issued document: its card, the signed PDF, the attachments and the
/// recipients' steps — nothing of the working document.
async fn issued_copy_page(
    state: &AppState,
    auth: &Auth,
    l: Loaded,
    message: Option<Flash>,
    status: StatusCode,
) -> PageResult {
    let p = &auth.principal;
    let actor = uc::actor(&state.store, p).await?;
    let actions: Vec<minijinja::Value> =
        workflow::available_actions(&l.definition, &l.domain, &actor, Utc::now())
            .into_iter()
            .map(|t| {
                context! {
                    action => t.action.clone(), label => t.label.clone(),
                    needs_comment => t.requires.contains(&Requirement::Comment),
                }
            })
            .collect();
    let attachments = trinhky_app::attachments::of_loaded(&state.store, &l).await?;
    let number = view::number(&state.store, l.document.id)
        .await?
        .map(|n| n.number);
    // The caller's own incoming row of the document, where it is registered and forwarded.
    let incoming = view::own_incoming_row(&state.store, p, l.document.id).await?;
    let state_label = l
        .definition
        .state(&l.instance.state)
        .map(|s| s.label.clone())
        .unwrap_or(l.instance.state.clone());
    let (ok, msg, kept) = match message {
        Some(f) => (f.ok, Some(f.message), f.fields),
        None => (false, None, Default::default()),
    };
    let body = state
        .templates
        .render(
            "issued_copy.html",
            context! {
                nav => nav(auth), page_title => l.version.title.clone(),
                doc => context! {
                    id => l.document.id, title => l.version.title.clone(),
                    type_name => trinhky_app::incoming::type_name(&l.document.doc_type),
                    agency => l.agency_name.clone(), state => state_label,
                    instance_version => l.instance.version,
                },
                number, incoming, attachments, actions, message => msg, message_ok => ok, kept,
            },
        )
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

/// The document page with a message (a refused upload, say) and its status.
pub(crate) async fn page_with_message(
    state: &AppState,
    auth: &Auth,
    id: i32,
    message: String,
    status: StatusCode,
) -> PageResult {
    let l = load_card(state, auth, id).await?;
    page(state, auth, l, Some(Flash::refused(message)), status).await
}

/// The document for its page: the working document, or for a recipient the issued copy.
pub(crate) async fn load_card(state: &AppState, auth: &Auth, id: i32) -> Result<Loaded, AppError> {
    uc::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Want::IssuedCopy,
    )
    .await
}

pub async fn show(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
) -> PageResult {
    let l = load_card(&state, &auth, id).await?;
    // A recipient receives on the one receiving page: its row of the incoming register.
    if !l.standing.working()
        && let Some(row) = view::own_incoming_row(&state.store, &auth.principal, id).await?
    {
        return Ok(Redirect::to(&format!("/incoming/{row}")).into_response());
    }
    let flash = flash::take(&headers, &auth, &format!("/documents/{id}"));
    let res = page(&state, &auth, l, flash, StatusCode::OK).await?;
    Ok(flash::consumed(&state, &headers, res))
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf_token: Option<String>,
    expected: i32,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    addressees: String,
    #[serde(default)]
    recipients: String,
    #[serde(default)]
    note: String,
}

/// After a form on the document page: back to it (303) with the confirmation `done`, or with
/// the refusal and what the user typed (`typed`); a refusal that is not the user's to fix
/// (forbidden, missing …) is the error page.
pub(crate) async fn after(
    state: &AppState,
    headers: &HeaderMap,
    auth: &Auth,
    id: i32,
    result: Result<(), AppError>,
    done: String,
    typed: Flash,
) -> PageResult {
    let (flash, status) = match result {
        Ok(()) => (Flash::ok(done), StatusCode::OK),
        Err(e) => {
            let status = match e.kind() {
                Kind::Conflict => StatusCode::CONFLICT,
                Kind::Throttled => StatusCode::TOO_MANY_REQUESTS,
                Kind::Invalid => StatusCode::BAD_REQUEST,
                _ => return Err(e.into()),
            };
            (
                Flash {
                    ok: false,
                    message: e.to_string(),
                    ..typed
                },
                status,
            )
        }
    };
    let to = format!("/documents/{id}");
    flash::redirect_or(state, headers, auth, &to, flash, |f| async move {
        let l = load_card(state, auth, id).await?;
        page(state, auth, l, Some(f), status).await
    })
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Form(f): Form<EditForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let typed = Flash::default()
        .keep("title", Some(&f.title))
        .keep("body", Some(&f.body))
        .keep("addressees", Some(&f.addressees))
        .keep("recipients", Some(&f.recipients))
        .keep("note", Some(&f.note));
    let content = Content {
        title: f.title,
        body: f.body,
        addressees: f.addressees,
        recipients: f.recipients,
    };
    let note = if f.note.trim().is_empty() {
        "Chỉnh sửa dự thảo".to_owned()
    } else {
        f.note
    };
    let r = uc::edit(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        f.expected,
        content,
        &note,
    )
    .await
    .map(|_| ());
    let done = "Đã lưu phiên bản mới của dự thảo.".to_owned();
    after(&state, &headers, &auth, id, r, done, typed).await
}

/// The action form: comment, PIN, the instance version it was shown at, and at issuing the Nơi
/// nhận lines the clerk sends on paper (`paper`, repeated: one checkbox per line).
#[derive(Default)]
pub struct ActForm {
    csrf_token: Option<String>,
    expected: Option<i64>,
    comment: Option<String>,
    pin: Option<String>,
    paper: Vec<String>,
}

impl ActForm {
    /// Parses the form-encoded body (repeated keys allowed, unknown keys ignored).
    fn parse(body: &[u8]) -> ActForm {
        let mut f = ActForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match &*k {
                "csrf_token" => f.csrf_token = Some(v),
                "expected" => f.expected = v.trim().parse().ok(),
                "comment" => f.comment = Some(v),
                "pin" => f.pin = Some(v),
                "paper" if f.paper.len() < 200 => f.paper.push(v),
                _ => {}
            }
        }
        f
    }
}

pub async fn act(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, action)): Path<(i32, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let f = ActForm::parse(&body);
    auth.check_csrf(f.csrf_token.as_deref())?;
    // Kept for the form if refused (the PIN never is).
    let typed = Flash::default().keep(&format!("comment-{action}"), f.comment.as_deref());
    let Some(expected) = f.expected else {
        return Err(WebError::BadRequest(
            "Dữ liệu biểu mẫu gửi lên không hợp lệ: thiếu phiên bản văn bản (expected) hoặc không phải số. Tải lại trang rồi thao tác lại.".into(),
        ));
    };
    let req = ActRequest {
        comment: f.comment,
        pin: f.pin,
        attachments: 0,
        expected_version: expected,
        paper: f.paper,
    };
    let r = uc::act(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        &action,
        req,
        Utc::now(),
    )
    .await;
    let done = match &r {
        Ok(inst) => {
            moved_to(
                &state,
                &inst.definition_id,
                inst.definition_version,
                &inst.state,
            )
            .await
        }
        Err(_) => String::new(),
    };
    after(&state, &headers, &auth, id, r.map(|_| ()), done, typed).await
}

/// "Đã chuyển văn bản sang bước “Chờ lãnh đạo ký duyệt”."
async fn moved_to(state: &AppState, definition: &str, version: i32, to: &str) -> String {
    let label = state
        .registry
        .get(
            &state.store,
            definition,
            u32::try_from(version).unwrap_or(0),
        )
        .await
        .ok()
        .and_then(|d| d.state(to).map(|s| s.label.clone()))
        .unwrap_or_else(|| to.to_owned());
    format!("Đã chuyển văn bản sang bước “{label}”.")
}

#[derive(Deserialize)]
pub struct ReassignForm {
    csrf_token: Option<String>,
    expected: i64,
    drafter: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Form(f): Form<ReassignForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let r = uc::reassign(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        &f.drafter,
        f.expected,
    )
    .await;
    let done = "Đã giao lại văn bản cho chuyên viên.".to_owned();
    after(&state, &headers, &auth, id, r, done, Flash::default()).await
}

#[derive(Deserialize)]
pub struct ClassifyForm {
    csrf_token: Option<String>,
    #[serde(default)]
    classification: String,
}

fn parse_classification(
    s: &str,
) -> Result<Option<trinhky_domain::numbering::Classification>, AppError> {
    match s.trim() {
        "" | "thuong" => Ok(None),
        other => trinhky_domain::numbering::Classification::parse(other)
            .map(Some)
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "Độ mật \"{other}\" không hợp lệ: chọn mat, toi-mat, tuyet-mat hoặc để trống."
                ))
            }),
    }
}

/// Độ mật of a document (form on the document page).
pub async fn classify(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Form(f): Form<ClassifyForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    uc::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Want::Change,
    )
    .await?;
    let r = match parse_classification(&f.classification) {
        Ok(c) => uc::classify(&state.store, &state.registry, &auth.principal, id, c).await,
        Err(e) => Err(e),
    };
    let done = "Đã cập nhật độ mật của văn bản.".to_owned();
    after(&state, &headers, &auth, id, r, done, Flash::default()).await
}

#[derive(Deserialize)]
pub struct ClassifyIn {
    classification: Option<String>,
}

/// `POST /api/v1/documents/{id}/classification` `{"classification": "mat" | null}`.
pub async fn api_classify(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Json(b): Json<ClassifyIn>,
) -> Result<Json<DocumentOut>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    uc::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Want::Change,
    )
    .await?;
    let c = parse_classification(b.classification.as_deref().unwrap_or_default())?;
    uc::classify(&state.store, &state.registry, &auth.principal, id, c).await?;
    let l = load_card(&state, &auth, id).await?;
    Ok(Json(document_out(&state, &auth, l).await?))
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf_token: Option<String>,
    doc_type: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    Form(f): Form<CreateForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let doc = uc::create_from_assignment(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        f.doc_type.as_deref().filter(|t| !t.is_empty()),
    )
    .await?;
    Ok(Redirect::to(&format!("/documents/{}", doc.id)).into_response())
}

// ---- JSON API ----

#[derive(Serialize)]
pub struct DocumentOut {
    id: i32,
    doc_type: String,
    agency: String,
    title: String,
    body: String,
    addressees: String,
    recipients: String,
    document_version: i32,
    workflow: String,
    workflow_version: i32,
    state: String,
    version: i64,
    due_date: Option<NaiveDate>,
    signing_authority: Option<String>,
    signing_position: Option<String>,
    /// Số, ký hiệu once issued, e.g. "01/KH-SNV".
    number: Option<String>,
    actions: Vec<String>,
    history: Vec<HistoryOut>,
}

#[derive(Serialize)]
pub struct HistoryOut {
    action: String,
    from: String,
    to: String,
    actor: String,
    comment: Option<String>,
    authority: Option<String>,
    at: chrono::DateTime<Utc>,
}

/// The newest file the caller may download: the newest rendered or signed file of the working
/// document, or for a recipient the issued one.
pub(crate) async fn newest_file(state: &AppState, l: &Loaded) -> Result<view::PdfFile, WebError> {
    view::newest_file(&state.store, l)
        .await?
        .ok_or(WebError::NotFound)
}

/// The document as the API shows it; for a recipient only the card of the issued copy (no text,
/// no history).
async fn document_out(state: &AppState, auth: &Auth, l: Loaded) -> Result<DocumentOut, ApiError> {
    let working = l.standing.working();
    let actor = uc::actor(&state.store, &auth.principal).await?;
    let actions = workflow::available_actions(&l.definition, &l.domain, &actor, Utc::now())
        .into_iter()
        .map(|t| t.action.clone())
        .collect();
    let history = if working {
        uc::history(&state.store, l.instance.id).await?
    } else {
        Vec::new()
    };
    let history = history
        .into_iter()
        .map(|(t, name)| HistoryOut {
            action: t.action,
            from: t.from_state,
            to: t.to_state,
            actor: name,
            comment: t.comment,
            authority: t.authority,
            at: t.at,
        })
        .collect();
    let number = view::number(&state.store, l.document.id)
        .await?
        .map(|n| n.number);
    Ok(DocumentOut {
        number,
        id: l.document.id,
        doc_type: l.document.doc_type,
        agency: l.agency_code,
        title: l.version.title,
        body: if working {
            l.version.body
        } else {
            String::new()
        },
        addressees: if working {
            l.version.addressees
        } else {
            String::new()
        },
        recipients: if working {
            l.version.recipients
        } else {
            String::new()
        },
        document_version: l.version.version_no,
        workflow: l.instance.definition_id,
        workflow_version: l.instance.definition_version,
        state: l.instance.state,
        version: l.instance.version,
        due_date: l.instance.due_date,
        signing_authority: l.instance.signing_authority,
        signing_position: l.instance.signing_position,
        actions,
        history,
    })
}

/// `GET /api/v1/documents?page=&per_page=`: one page of the caller's work, with
/// `X-Total-Count` and `Link` headers.
pub async fn api_inbox(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    axum::extract::Query(q): axum::extract::Query<crate::paging::PageQuery>,
) -> Result<(HeaderMap, Json<Vec<uc::WorkItem>>), ApiError> {
    let all = uc::inbox(&state.store, &state.registry, &auth.principal).await?;
    let paging = crate::paging::Paging::new(&q, all.len());
    Ok((paging.headers("/api/v1/documents"), Json(paging.slice(all))))
}

pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<DocumentOut>, ApiError> {
    let l = load_card(&state, &auth, id).await?;
    Ok(Json(document_out(&state, &auth, l).await?))
}

#[derive(Deserialize)]
pub struct CreateIn {
    doc_type: Option<String>,
}

pub async fn api_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    body: Option<Json<CreateIn>>,
) -> Result<(StatusCode, Json<DocumentOut>), ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let doc_type = body.and_then(|b| b.0.doc_type);
    let doc = uc::create_from_assignment(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        doc_type.as_deref(),
    )
    .await?;
    let l = load_card(&state, &auth, doc.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(document_out(&state, &auth, l).await?),
    ))
}

#[derive(Deserialize)]
pub struct EditIn {
    expected_version: i32,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    addressees: String,
    #[serde(default)]
    recipients: String,
    #[serde(default)]
    note: Option<String>,
}

pub async fn api_edit(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Json(b): Json<EditIn>,
) -> Result<Json<DocumentOut>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let content = Content {
        title: b.title,
        body: b.body,
        addressees: b.addressees,
        recipients: b.recipients,
    };
    uc::edit(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        b.expected_version,
        content,
        b.note.as_deref().unwrap_or("Chỉnh sửa qua API"),
    )
    .await?;
    let l = load_card(&state, &auth, id).await?;
    Ok(Json(document_out(&state, &auth, l).await?))
}

#[derive(Deserialize)]
pub struct ActIn {
    expected_version: i64,
    comment: Option<String>,
    pin: Option<String>,
}

pub async fn api_act(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, action)): Path<(i32, String)>,
    headers: HeaderMap,
    Json(b): Json<ActIn>,
) -> Result<Json<DocumentOut>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let req = ActRequest {
        comment: b.comment,
        pin: b.pin,
        attachments: 0,
        expected_version: b.expected_version,
        paper: Vec::new(),
    };
    uc::act(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        &action,
        req,
        Utc::now(),
    )
    .await?;
    let l = load_card(&state, &auth, id).await?;
    Ok(Json(document_out(&state, &auth, l).await?))
}

/// A page of the document as PNG ("1.png" …), so a head sees it before signing without a PDF
/// plugin. Drafts carry the DỰ THẢO watermark.
pub async fn preview(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    Path((id, page)): Path<(i32, String)>,
) -> Result<Response, WebError> {
    // An image: answer 401 rather than redirecting to the login form.
    let Some(axum::Extension(auth)) = auth else {
        return Ok(StatusCode::UNAUTHORIZED.into_response());
    };
    let n: usize = page
        .trim_end_matches(".png")
        .parse()
        .map_err(|_| WebError::NotFound)?;
    let l = uc::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Want::Working,
    )
    .await?;
    let png = trinhky_app::rendering::preview_page(&state.store, &state.registry, &l, n)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/png"),
            (axum::http::header::CACHE_CONTROL, "private, no-store"),
        ],
        axum::body::Bytes::from_owner(png),
    )
        .into_response())
}

/// The newest rendered or signed PDF of a document.
pub async fn pdf(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
) -> Result<Response, WebError> {
    let l = load_card(&state, &auth, id).await?;
    let file = newest_file(&state, &l).await?;
    let name = format!(
        "attachment; filename=\"van-ban-{}-{}.pdf\"",
        l.document.id, file.kind
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        file.data,
    )
        .into_response())
}
