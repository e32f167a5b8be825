//! Signing certificates of people and agencies.

use trinhky_app::admin::certificates;

use super::*;

pub(super) fn pki_dir(state: &AppState) -> std::path::PathBuf {
    state.settings.data_dir.join("pki")
}

/// The key-encryption key new keys are wrapped with (configured with signing at start-up).
pub(super) fn signing_kek(state: &AppState) -> Result<&trinhky_app::kek::Kek, WebError> {
    state.registry.signing().kek().map_err(WebError::from)
}

pub(super) async fn certificates_view(
    state: &AppState,
    auth: &Auth,
    q: &PageQuery,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let all = certificates::holders(&state.store, Utc::now()).await?;
    let without = all.iter().filter(|h| h.current.is_none()).count();
    let paging = Paging::new(q, all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|h| {
            let cert = h.current.as_ref().map(|c| context! {
                subject => c.subject.clone(), issuer => c.issuer.clone(), serial => c.serial.clone(),
                from => dmy_time(c.valid_from), to => dmy_time(c.valid_to), status => c.status, status_label => c.status_label(),
            });
            context! { kind => h.kind, kind_label => if h.kind == "agency" { "Tổ chức" } else { "Cá nhân" }, path => crate::url::encode(&h.handle), handle => h.handle, name => h.name, position => h.position, cert, revoked => h.revoked }
        })
        .collect();
    let (message, message_ok) = notice_ctx(&notice);
    render(
        state,
        "admin_certificates.html",
        status,
        context! {
            nav => nav(auth), page_title => "Chứng thư số", holders => rows, without, pager => paging.pager("/admin/certificates"),
            dev_ca => pki_dir(state).join("ca.pem").exists(), message, message_ok,
        },
    )
}

pub async fn certificates_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<PageQuery>,
) -> PageResult {
    admin(&auth)?;
    certificates_view(&state, &auth, &q, None, StatusCode::OK).await
}

pub(super) fn algorithm(s: &str) -> KeyAlgorithm {
    if s == "p256" {
        KeyAlgorithm::EcdsaP256
    } else {
        KeyAlgorithm::Rsa
    }
}

pub(super) async fn certificate_outcome(
    state: &AppState,
    auth: &Auth,
    r: trinhky_app::Result<String>,
) -> PageResult {
    match r {
        Ok(m) => {
            certificates_view(
                state,
                auth,
                &PageQuery::default(),
                Some((true, m)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            certificates_view(state, auth, &PageQuery::default(), Some((false, m)), status).await
        }
    }
}

pub async fn certificates_issue(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let only = HolderRef::parse(&f.get("kind"), &f.get("handle"));
    let r = certificates::issue_dev(
        &state.store,
        signing_kek(&state)?,
        &auth.principal.actor(),
        &pki_dir(&state),
        &f.get("ca_passphrase"),
        &f.get("pin"),
        algorithm(&f.get("algorithm")),
        only.as_ref(),
    )
    .await
    .map(|issued| {
        format!(
            "Đã cấp {} chứng thư số phát triển: {}.",
            issued.len(),
            issued
                .iter()
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    certificate_outcome(&state, &auth, r).await
}

/// Reads the import form: (csrf, file bytes, PIN).
pub(super) async fn read_import(mut m: Multipart) -> Result<(String, Vec<u8>, String), WebError> {
    let (mut csrf, mut file, mut pin) = (String::new(), Vec::new(), String::new());
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(WebError::BadRequest(format!(
                    "Không đọc được tệp tải lên: {}",
                    e.body_text()
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            WebError::BadRequest(format!("Không đọc được tệp tải lên: {}", e.body_text()))
        })?;
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "pin" => pin = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file, pin))
}

pub async fn certificate_import(
    State(state): State<AppState>,
    User(auth): User,
    Path((kind, handle)): Path<(String, String)>,
    multipart: Multipart,
) -> PageResult {
    admin(&auth)?;
    let read = read_import(multipart).await;
    let (csrf, file, pin) = match read {
        Ok(x) => x,
        Err(WebError::BadRequest(m)) => {
            return certificates_view(
                &state,
                &auth,
                &PageQuery::default(),
                Some((false, m)),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    auth.check_csrf(Some(&csrf))?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let r = certificates::import_p12(
        &state.store,
        state.registry.signing(),
        &auth.principal.actor(),
        &who,
        &file,
        &pin,
        Utc::now(),
    )
    .await
    .map(|i| {
        format!(
            "Đã nhập chứng thư số của {}: {} (hiệu lực đến {}). Mã PIN không được lưu.",
            i.holder,
            i.subject,
            dmy_time(i.valid_to)
        )
    });
    certificate_outcome(&state, &auth, r).await
}

pub async fn certificate_revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path((kind, handle)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let pass = f.get("ca_passphrase");
    let r = certificates::revoke(
        &state.store,
        &auth.principal.actor(),
        &who,
        &pki_dir(&state),
        Some(pass.as_str()),
    )
    .await
    .map(|r| {
        format!(
            "Đã thu hồi chứng thư số của {}{}.",
            r.holder,
            if r.crl.is_some() {
                " (CA phát triển đã công bố danh sách thu hồi mới)"
            } else {
                "; đề nghị tổ chức đã cấp chứng thư thu hồi cả ở phía họ"
            }
        )
    });
    certificate_outcome(&state, &auth, r).await
}

pub async fn api_certificates(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<certificates::HolderView>>)> {
    api_admin(&auth, None)?;
    let all = certificates::holders(&state.store, Utc::now()).await?;
    let paging = Paging::new(&q, all.len());
    Ok((
        paging.headers("/api/v1/admin/certificates"),
        Json(paging.slice(all)),
    ))
}

#[derive(Deserialize)]
pub struct HolderIn {
    kind: String,
    handle: String,
}

#[derive(Deserialize)]
pub struct IssueIn {
    #[serde(default)]
    ca_passphrase: String,
    #[serde(default)]
    pin: String,
    /// `rsa` (default) or `p256`.
    #[serde(default)]
    algorithm: String,
    holder: Option<HolderIn>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedOut {
    kind: &'static str,
    handle: String,
    name: String,
}

pub async fn api_certificates_issue(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(b): Json<IssueIn>,
) -> ApiResult<(StatusCode, Json<Vec<IssuedOut>>)> {
    api_admin(&auth, Some(&headers))?;
    let only = match &b.holder {
        Some(h) => Some(HolderRef::parse(&h.kind, &h.handle).ok_or_else(|| {
            WebError::BadRequest("holder.kind phải là \"user\" hoặc \"agency\".".into())
        })?),
        None => None,
    };
    let issued = certificates::issue_dev(
        &state.store,
        signing_kek(&state)?,
        &auth.principal.actor(),
        &pki_dir(&state),
        &b.ca_passphrase,
        &b.pin,
        algorithm(&b.algorithm),
        only.as_ref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            issued
                .into_iter()
                .map(|h| IssuedOut {
                    kind: if h.organization { "agency" } else { "user" },
                    handle: h.handle,
                    name: h.name,
                })
                .collect(),
        ),
    ))
}

pub async fn api_certificate_import(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((kind, handle)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<certificates::Imported>)> {
    api_admin(&auth, Some(&headers))?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let (_, file, pin) = read_import(multipart).await?;
    let i = certificates::import_p12(
        &state.store,
        state.registry.signing(),
        &auth.principal.actor(),
        &who,
        &file,
        &pin,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[derive(Deserialize, Default)]
pub struct RevokeIn {
    #[serde(default)]
    ca_passphrase: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RevokedOut {
    holder: String,
    subject: String,
    /// The development CA listed the certificate in a new CRL.
    crl_published: bool,
}

pub async fn api_certificate_revoke(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((kind, handle)): Path<(String, String)>,
    headers: HeaderMap,
    body: Option<Json<RevokeIn>>,
) -> ApiResult<Json<RevokedOut>> {
    api_admin(&auth, Some(&headers))?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let pass = body.map(|b| b.0.ca_passphrase).unwrap_or_default();
    let r = certificates::revoke(
        &state.store,
        &auth.principal.actor(),
        &who,
        &pki_dir(&state),
        Some(pass.as_str()),
    )
    .await?;
    Ok(Json(RevokedOut {
        holder: r.holder,
        subject: r.subject,
        crl_published: r.crl.is_some(),
    }))
}
