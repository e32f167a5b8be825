//! The documents' access policy (issue 13), checked against the router itself: [`POLICY`] names
//! the access class of every route the router serves (a route without an entry fails
//! `every_route_has_an_access_class`), and `the_access_matrix` takes every document route, for
//! documents in each state, as users of each role of the owning agency, of agencies named in Nơi
//! nhận, of an uninvolved agency and of the province office, and checks the answer against the
//! policy: members see everything; recipients only the issued copy and only between issuing and
//! recall; everyone else 403 "Bạn không có quyền…", with nothing of the document in it.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use trinhky_app::access::Want;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_testkit::flows::{principal, seed_assignment};
use trinhky_testkit::{Session, TestApp, body_text, demo_password, repo_root, spawn_app};

/// How the access policy treats a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Answers without signing in (sign-in form, health, static files, the API description).
    Public,
    /// Not about one document: the caller's own work, agency, registers or administration, each
    /// with its own rule (tested in `authz`, `admin`, `incoming` …).
    Other,
    /// About one document: what it asks of the documents' access policy.
    Doc(Want),
    /// One incoming row (a recipient agency's register entry): its clerk, head or assignee.
    Incoming,
    /// The issued copy of an incoming row (PDF, attachments): its viewers, until recalled.
    IncomingCopy,
}

use Class::{Doc, Incoming, IncomingCopy, Other, Public};

/// (method, route as registered, class). Every route of the router, and nothing else.
const POLICY: &[(&str, &str, Class)] = &[
    // ---- pages ----
    ("GET", "/", Other),
    ("GET", "/my-documents", Other),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", Other),
    ("GET", "/directory", Other),
    ("GET", "/agencies/{code}", Other),
    ("POST", "/agencies/{code}/users", Other),
    ("GET", "/directives", Other),
    ("POST", "/directives", Other),
    ("GET", "/directives/{id}", Other),
    ("POST", "/directives/{id}/confirm", Other),
    ("GET", "/directives/{id}/follow-up", Other),
    (
        "POST",
        "/directives/{id}/follow-up/{assignment_id}/remind",
        Other,
    ),
    ("GET", "/documents/{id}", Doc(Want::IssuedCopy)),
    ("POST", "/documents/{id}/edit", Doc(Want::Change)),
    (
        "POST",
        "/documents/{id}/recipients/check",
        Doc(Want::Working),
    ),
    ("POST", "/documents/{id}/act/{action}", Doc(Want::Step)),
    ("POST", "/documents/{id}/reassign", Doc(Want::Change)),
    ("POST", "/documents/{id}/classification", Doc(Want::Change)),
    ("GET", "/documents/{id}/preview/{page}", Doc(Want::Working)),
    ("GET", "/documents/{id}/pdf", Doc(Want::IssuedCopy)),
    ("POST", "/assignments/{id}/documents", Other),
    ("POST", "/documents/{id}/recall", Doc(Want::Change)),
    (
        "POST",
        "/documents/{id}/deliveries/{message}/resend",
        Doc(Want::Change),
    ),
    ("GET", "/incoming", Other),
    ("GET", "/incoming/{id}", Incoming),
    ("GET", "/incoming/{id}/pdf", IncomingCopy),
    ("POST", "/incoming/{id}/act/{action}", Incoming),
    ("GET", "/registers/{kind}", Other),
    ("GET", "/archive", Other),
    ("GET", "/delegations", Other),
    ("POST", "/delegations", Other),
    ("POST", "/delegations/{id}/revoke", Other),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/static/{file}", Public),
    ("POST", "/documents/{id}/attachments", Doc(Want::Change)),
    (
        "GET",
        "/documents/{id}/attachments/{aid}",
        Doc(Want::IssuedCopy),
    ),
    (
        "POST",
        "/documents/{id}/attachments/{aid}/delete",
        Doc(Want::Change),
    ),
    ("GET", "/documents/{id}/diff", Doc(Want::Working)),
    ("GET", "/documents/{id}/audit", Doc(Want::Working)),
    ("POST", "/documents/{id}/preview", Doc(Want::Change)),
    ("GET", "/incoming/{id}/attachments/{aid}", IncomingCopy),
    ("GET", "/admin", Other),
    ("GET", "/admin/agencies", Other),
    ("POST", "/admin/agencies", Other),
    ("GET", "/admin/agencies/new", Other),
    ("GET", "/admin/agencies/{code}", Other),
    ("POST", "/admin/agencies/{code}", Other),
    ("GET", "/admin/groups", Other),
    ("POST", "/admin/groups", Other),
    ("GET", "/admin/groups/new", Other),
    ("GET", "/admin/groups/{code}", Other),
    ("POST", "/admin/groups/{code}", Other),
    ("POST", "/admin/groups/{code}/delete", Other),
    ("GET", "/admin/users", Other),
    ("POST", "/admin/users", Other),
    ("GET", "/admin/users/{username}", Other),
    ("POST", "/admin/users/{username}/roles", Other),
    ("POST", "/admin/users/{username}/roles/revoke", Other),
    ("POST", "/admin/users/{username}/active", Other),
    ("POST", "/admin/users/{username}/password", Other),
    ("POST", "/admin/users/{username}/tokens", Other),
    ("POST", "/admin/users/{username}/tokens/{id}/revoke", Other),
    ("GET", "/api/v1/tokens", Other),
    ("POST", "/api/v1/tokens", Other),
    ("POST", "/api/v1/tokens/{id}/revoke", Other),
    ("GET", "/admin/certificates", Other),
    ("POST", "/admin/certificates/issue", Other),
    ("POST", "/admin/certificates/{kind}/{handle}/import", Other),
    ("POST", "/admin/certificates/{kind}/{handle}/revoke", Other),
    ("GET", "/admin/workflows", Other),
    ("GET", "/admin/workflows/check", Other),
    ("POST", "/admin/workflows/check", Other),
    ("GET", "/admin/workflows/{workflow}/{version}", Other),
    ("GET", "/admin/calendar", Other),
    ("POST", "/admin/calendar", Other),
    ("POST", "/admin/calendar/{id}/delete", Other),
    // ---- /api/v1 ----
    ("GET", "/api/v1/me", Other),
    ("GET", "/api/v1/agencies", Other),
    ("GET", "/api/v1/agencies/{code}/members", Other),
    ("POST", "/api/v1/agencies/{code}/members", Other),
    ("GET", "/api/v1/documents", Other),
    ("GET", "/api/v1/documents/{id}", Doc(Want::IssuedCopy)),
    ("PUT", "/api/v1/documents/{id}", Doc(Want::Change)),
    (
        "POST",
        "/api/v1/documents/{id}/actions/{action}",
        Doc(Want::Step),
    ),
    (
        "POST",
        "/api/v1/documents/{id}/classification",
        Doc(Want::Change),
    ),
    ("POST", "/api/v1/assignments/{id}/documents", Other),
    ("GET", "/api/v1/documents/{id}/receipts", Doc(Want::Working)),
    (
        "GET",
        "/api/v1/documents/{id}/deliveries",
        Doc(Want::Working),
    ),
    (
        "POST",
        "/api/v1/documents/{id}/deliveries/{message}/resend",
        Doc(Want::Change),
    ),
    (
        "GET",
        "/api/v1/documents/{id}/issue-preview",
        Doc(Want::Working),
    ),
    ("POST", "/api/v1/documents/{id}/recall", Doc(Want::Change)),
    ("GET", "/api/v1/directives/{id}/follow-up", Other),
    (
        "POST",
        "/api/v1/directives/{id}/follow-up/{assignment_id}/remind",
        Other,
    ),
    ("GET", "/api/v1/incoming", Other),
    ("GET", "/api/v1/incoming/{id}", Incoming),
    ("POST", "/api/v1/incoming/{id}/{action}", Incoming),
    ("GET", "/api/v1/registers/{kind}", Other),
    ("GET", "/api/v1/archive", Other),
    ("GET", "/api/v1/groups", Other),
    ("GET", "/api/v1/assignments", Other),
    ("GET", "/api/v1/my-tasks", Other),
    ("GET", "/api/v1/my-documents", Other),
    ("GET", "/api/v1/directives", Other),
    ("POST", "/api/v1/directives", Other),
    ("GET", "/api/v1/directives/{id}", Other),
    ("POST", "/api/v1/directives/{id}/confirm", Other),
    ("POST", "/api/v1/documents/{id}/reassign", Doc(Want::Change)),
    ("GET", "/api/v1/documents/{id}/pdf", Doc(Want::IssuedCopy)),
    (
        "GET",
        "/api/v1/documents/{id}/preview/{page}",
        Doc(Want::Working),
    ),
    ("GET", "/api/v1/incoming/{id}/pdf", IncomingCopy),
    ("GET", "/api/v1/delegations", Other),
    ("POST", "/api/v1/delegations", Other),
    ("POST", "/api/v1/delegations/{id}/revoke", Other),
    ("GET", "/api/v1/openapi.json", Public),
    (
        "GET",
        "/api/v1/documents/{id}/attachments",
        Doc(Want::IssuedCopy),
    ),
    (
        "POST",
        "/api/v1/documents/{id}/attachments",
        Doc(Want::Change),
    ),
    (
        "GET",
        "/api/v1/documents/{id}/attachments/{aid}",
        Doc(Want::IssuedCopy),
    ),
    (
        "DELETE",
        "/api/v1/documents/{id}/attachments/{aid}",
        Doc(Want::Change),
    ),
    ("GET", "/api/v1/documents/{id}/diff", Doc(Want::Working)),
    ("GET", "/api/v1/documents/{id}/audit", Doc(Want::Working)),
    ("POST", "/api/v1/documents/{id}/preview", Doc(Want::Change)),
    (
        "POST",
        "/api/v1/documents/{id}/recipients/check",
        Doc(Want::Working),
    ),
    ("GET", "/api/v1/incoming/{id}/attachments", IncomingCopy),
    (
        "GET",
        "/api/v1/incoming/{id}/attachments/{aid}",
        IncomingCopy,
    ),
    ("GET", "/api/v1/admin/agencies", Other),
    ("POST", "/api/v1/admin/agencies", Other),
    ("GET", "/api/v1/admin/agencies/{code}", Other),
    ("PUT", "/api/v1/admin/agencies/{code}", Other),
    ("GET", "/api/v1/admin/groups", Other),
    ("POST", "/api/v1/admin/groups", Other),
    ("GET", "/api/v1/admin/groups/{code}", Other),
    ("PUT", "/api/v1/admin/groups/{code}", Other),
    ("DELETE", "/api/v1/admin/groups/{code}", Other),
    ("GET", "/api/v1/admin/users", Other),
    ("POST", "/api/v1/admin/users", Other),
    ("GET", "/api/v1/admin/users/{username}", Other),
    ("POST", "/api/v1/admin/users/{username}/roles", Other),
    (
        "DELETE",
        "/api/v1/admin/users/{username}/roles/{agency}/{role}",
        Other,
    ),
    ("PUT", "/api/v1/admin/users/{username}/active", Other),
    ("POST", "/api/v1/admin/users/{username}/password", Other),
    ("GET", "/api/v1/admin/certificates", Other),
    ("POST", "/api/v1/admin/certificates/issue", Other),
    (
        "POST",
        "/api/v1/admin/certificates/{kind}/{handle}/import",
        Other,
    ),
    (
        "POST",
        "/api/v1/admin/certificates/{kind}/{handle}/revoke",
        Other,
    ),
    ("GET", "/api/v1/admin/workflows", Other),
    ("POST", "/api/v1/admin/workflows/check", Other),
    ("GET", "/api/v1/admin/workflows/{workflow}/{version}", Other),
    ("GET", "/api/v1/admin/calendar", Other),
    ("POST", "/api/v1/admin/calendar", Other),
    ("DELETE", "/api/v1/admin/calendar/{id}", Other),
];

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

/// Every (method, route) the router serves: its paths as registered, and for each the methods
/// its 405 answer allows.
async fn routes_of_the_router(app: &TestApp) -> BTreeSet<(String, String)> {
    let state = app.state_with(&[]).await;
    let paths = trinhky_web::route_paths(&state);
    assert!(paths.len() > 100, "{paths:?}");
    // The system administrator passes the administration pages' guard.
    let admin = login(app, "quantri").await;
    let mut out = BTreeSet::new();
    for path in paths {
        let concrete = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let res = app
            .send(
                Request::builder()
                    .method(Method::from_bytes(b"PROBE").unwrap())
                    .uri(&concrete)
                    .header(header::COOKIE, &admin.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{path} ({concrete})"
        );
        let allow = res.headers()[header::ALLOW].to_str().unwrap().to_owned();
        for m in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            out.insert((m.to_owned(), path.clone()));
        }
    }
    out
}

#[tokio::test]
async fn every_route_has_an_access_class() {
    let app = spawn_app().await;
    let routed = routes_of_the_router(&app).await;
    let table: BTreeSet<(String, String)> = POLICY
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(table.len(), POLICY.len(), "a route twice in POLICY");
    let missing: Vec<_> = routed.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes without an access class in POLICY (add each with its class): {missing:?}"
    );
    let stale: Vec<_> = table.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "POLICY names routes the router does not serve: {stale:?}"
    );
}

// ---- the matrix ----

const RECIPIENTS: &str =
    "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.";
/// Text that only the owning agency may ever see: an earlier version's body, the head's
/// comment when returning it, the final text of the working document.
const EARLY_DRAFT: &str = "NHAPSOMOT bản nháp đầu tiên";
const RETURN_COMMENT: &str = "YKIENTRALAI sửa lại số liệu mục II";
const FINAL_BODY: &str = "NOIDUNGCHINH I. MỤC ĐÍCH, YÊU CẦU";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Being drafted, never submitted.
    Draft,
    /// Submitted, waiting for the director's signature.
    AwaitingSignature,
    /// Returned by the director with a comment.
    Returned,
    /// Issued (numbered, sealed, dispatched).
    Issued,
    /// Issued, then recalled.
    Recalled,
}

impl Stage {
    fn issued_and_standing(self) -> bool {
        self == Stage::Issued
    }
}

/// Who the user is to the documents (all of Sở Nội vụ, which owns them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Member,
    /// The clerk of an agency named in Nơi nhận (the province office's among them).
    RecipientClerk,
    /// Anyone else: staff of a recipient agency other than its clerk, an uninvolved agency, the
    /// system administrator.
    Outsider,
}

const USERS: &[(&str, Party)] = &[
    ("snv.chuyenvien", Party::Member),
    ("snv.giamdoc", Party::Member),
    ("snv.phogiamdoc", Party::Member),
    ("snv.vanthu", Party::Member),
    ("snv.quantri", Party::Member),
    ("skhdt.vanthu", Party::RecipientClerk),
    ("vpubnd.vanthu", Party::RecipientClerk),
    ("skhdt.giamdoc", Party::Outsider),
    ("vpubnd.chanhvanphong", Party::Outsider),
    ("quantri", Party::Outsider),
    ("stttt.vanthu", Party::Outsider),
];

/// The policy, as the issue states it.
fn allowed(party: Party, want: Want, stage: Stage) -> bool {
    match party {
        Party::Member => true,
        Party::RecipientClerk => {
            stage.issued_and_standing() && matches!(want, Want::IssuedCopy | Want::Step)
        }
        Party::Outsider => false,
    }
}

async fn instance_version(app: &TestApp, doc: i32) -> i64 {
    trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .version
}

async fn step(app: &TestApp, who: &str, doc: i32, action: &str, comment: Option<&str>) {
    let version = instance_version(app, doc).await;
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, who).await,
        doc,
        action,
        ActRequest {
            expected_version: version,
            paper: Vec::new(),
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            comment: comment.map(str::to_owned),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{who} {action} on {doc}: {e}"));
}

async fn save(app: &TestApp, doc: i32, body: &str) {
    let v = trinhky_testkit::store::documents::latest_version(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .version_no;
    let content = trinhky_testkit::store::documents::Content {
        title: format!("Kế hoạch CCHC năm 2023 (văn bản {doc})"),
        body: body.into(),
        addressees: "Ủy ban nhân dân tỉnh".into(),
        recipients: RECIPIENTS.into(),
    };
    uc::edit(
        &app.store,
        &app.registry,
        &principal(app, "snv.chuyenvien").await,
        doc,
        v,
        content,
        "x",
    )
    .await
    .unwrap();
}

/// A document of Sở Nội vụ taken to `stage`: two versions (the first an early draft), a PDF
/// attachment, and past the head's return with a comment where the stage allows.
async fn document_at(app: &TestApp, stage: Stage) -> i32 {
    let a = seed_assignment(app).await;
    let drafter = principal(app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, a, None)
        .await
        .unwrap()
        .id;
    save(app, doc, EARLY_DRAFT).await;
    save(app, doc, FINAL_BODY).await;
    trinhky_app::attachments::upload(
        &app.store,
        &app.registry,
        &drafter,
        doc,
        "Phụ lục I.pdf",
        &std::fs::read(repo_root().join("crates/trinhky-pdf/tests/fixtures/sign/two-page.pdf"))
            .unwrap(),
        20 * 1024 * 1024,
        Utc::now(),
    )
    .await
    .unwrap();
    if stage == Stage::Draft {
        return doc;
    }
    step(app, "snv.chuyenvien", doc, "submit", None).await;
    step(app, "snv.truongphong", doc, "forward", None).await;
    step(app, "snv.giamdoc", doc, "return", Some(RETURN_COMMENT)).await;
    if stage == Stage::Returned {
        return doc;
    }
    save(app, doc, FINAL_BODY).await;
    step(app, "snv.chuyenvien", doc, "submit", None).await;
    step(app, "snv.truongphong", doc, "forward", None).await;
    if stage == Stage::AwaitingSignature {
        return doc;
    }
    step(app, "snv.giamdoc", doc, "approve", None).await;
    step(app, "snv.vanthu", doc, "issue", None).await;
    if stage == Stage::Recalled {
        trinhky_app::incoming::recall(
            &app.store,
            &principal(app, "snv.vanthu").await,
            doc,
            "Sai số liệu",
            Utc::now(),
        )
        .await
        .unwrap();
    }
    doc
}

/// A concrete request for a document route, built so that nothing changes whoever sends it: a
/// stale version, an unknown message or attachment, an empty reason or file.
fn request(s: &Session, method: &str, route: &str, doc: i32, attachment: i32) -> Request<Body> {
    let api = route.starts_with("/api/");
    // Downloads take the real attachment; deletions one that does not exist.
    let aid = if method == "GET" { attachment } else { 999_999 };
    let uri = route
        .replace("{id}", &doc.to_string())
        .replace("{aid}", &aid.to_string())
        .replace("{message}", "999999")
        .replace("{page}", "1.png")
        .replace("{action}", "receive");
    let b = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri)
        .header(header::COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf);
    if method == "GET" {
        return b.body(Body::empty()).unwrap();
    }
    if route.ends_with("/attachments") {
        let body = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rong.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\r\n--XyZ--\r\n",
            s.csrf
        );
        return b
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(Body::from(body))
            .unwrap();
    }
    if api {
        let json = if route.ends_with("/actions/{action}") || route.ends_with("/reassign") {
            r#"{"expected_version": -1, "drafter": "khong-co"}"#
        } else if route == "/api/v1/documents/{id}" {
            r#"{"expected_version": 0, "title": "x"}"#
        } else if route.ends_with("/classification") {
            r#"{"classification": "khong-hop-le"}"#
        } else if route.ends_with("/recall") {
            r#"{"reason": ""}"#
        } else {
            "{}"
        };
        return b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json))
            .unwrap();
    }
    let form = format!(
        "csrf_token={}&expected=-1&drafter=khong-co&classification=khong-hop-le&reason=&title=x",
        s.csrf
    );
    let form = if route.ends_with("/edit") {
        form.replace("expected=-1", "expected=0")
    } else {
        form
    };
    b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap()
}

/// Sends the requests a few at a time (the router is cloned per request, as a server would
/// serve them) and returns each status with its text body (empty for files).
async fn send_all(app: &TestApp, requests: Vec<Request<Body>>) -> Vec<(StatusCode, String)> {
    use tower::ServiceExt;
    let permits = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for r in requests {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let router = app.router.clone();
        tasks.push(tokio::spawn(async move {
            let res = router.oneshot(r).await.unwrap();
            let status = res.status();
            let text = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| {
                    c.starts_with("text/")
                        || c.starts_with("application/json")
                        || c.starts_with("application/problem+json")
                });
            let text = if text {
                body_text(res).await
            } else {
                String::new()
            };
            drop(permit);
            (status, text)
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// The policy's refusal: 403 with the generic "Bạn không có quyền…" message.
fn policy_refusal(status: StatusCode, body: &str) -> bool {
    status == StatusCode::FORBIDDEN && body.contains("Bạn không có quyền truy cập nội dung này")
}

/// Every document route of [`POLICY`], on a document in each stage, as each user of [`USERS`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_matrix() {
    let started = std::time::Instant::now();
    let app = spawn_app().await;
    // An administrator of Sở Nội vụ (a member by role, who drafts and signs nothing).
    trinhky_app::user_add::user_add(
        &app.store,
        app.app.cpu(),
        "test",
        trinhky_app::user_add::NewUser {
            username: "snv.quantri".into(),
            full_name: "Quản Trị Sở".into(),
            email: "snv.quantri@daknong.example".into(),
            password: demo_password("snv.quantri"),
            roles: vec![("SNV".into(), trinhky_domain::Role::Admin, "Quản trị".into())],
        },
    )
    .await
    .unwrap();
    let stages = [
        Stage::Draft,
        Stage::AwaitingSignature,
        Stage::Returned,
        Stage::Issued,
        Stage::Recalled,
    ];
    let mut docs = Vec::new();
    for stage in stages {
        let doc = document_at(&app, stage).await;
        let attachment = trinhky_testkit::store::attachments::of_document(app.store.db(), doc)
            .await
            .unwrap()[0]
            .id;
        let state = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
            .await
            .unwrap()
            .unwrap()
            .state;
        docs.push((stage, doc, attachment, state));
    }
    let mut sessions = Vec::new();
    for (u, party) in USERS {
        sessions.push((*u, *party, login(&app, u).await));
    }
    let audit_before = trinhky_testkit::store::audit::count(app.store.db())
        .await
        .unwrap();

    // Every (route, document, user), sent a few at a time, then checked in order.
    let mut cases = Vec::new();
    let mut requests = Vec::new();
    for (method, route, class) in POLICY {
        let Doc(want) = *class else { continue };
        for (stage, doc, attachment, state) in &docs {
            for (user, party, s) in &sessions {
                cases.push((*method, *route, want, *stage, state.as_str(), *user, *party));
                requests.push(request(s, method, route, *doc, *attachment));
            }
        }
    }
    let answers = send_all(&app, requests).await;
    let mut checked = 0;
    let mut failures: Vec<String> = Vec::new();
    for ((method, route, want, stage, state, user, party), (status, text)) in
        cases.into_iter().zip(answers)
    {
        checked += 1;
        let what = format!("{method} {route} on the {stage:?} document ({state}) as {user}");
        if status.is_server_error() {
            failures.push(format!("{what}: {status}"));
            continue;
        }
        if allowed(party, want, stage) {
            if policy_refusal(status, &text) {
                failures.push(format!("{what}: refused, the policy allows it"));
                continue;
            }
            // Reading is answered; only a draft that was never rendered has no PDF, and only a
            // clerk at the issuing step gets an issuing preview.
            let absent_file = route.ends_with("/pdf") && stage == Stage::Draft;
            let no_issuing = route.ends_with("/issue-preview");
            if method == "GET"
                && !(status.is_success() || status.is_redirection())
                && !((absent_file || no_issuing) && status == StatusCode::NOT_FOUND)
            {
                failures.push(format!("{what}: {status}, the policy allows it"));
            }
            // A recipient sees the issued copy, never the working document.
            if party == Party::RecipientClerk {
                for secret in [EARLY_DRAFT, RETURN_COMMENT, FINAL_BODY, "Lịch sử xử lý"] {
                    if text.contains(secret) {
                        failures.push(format!("{what}: shows \"{secret}\""));
                    }
                }
            }
        } else {
            if !policy_refusal(status, &text) {
                failures.push(format!("{what}: {status}, the policy refuses it"));
            }
            for secret in [EARLY_DRAFT, RETURN_COMMENT, FINAL_BODY, "Kế hoạch CCHC"] {
                if text.contains(secret) {
                    failures.push(format!("{what}: the refusal shows \"{secret}\""));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1500, "{checked}");
    // Nothing the matrix sent changed anything.
    assert_eq!(
        trinhky_testkit::store::audit::count(app.store.db())
            .await
            .unwrap(),
        audit_before,
        "the matrix's requests changed something"
    );
    for (stage, doc, _, state) in &docs {
        let now = trinhky_testkit::store::documents::instance_of(app.store.db(), *doc)
            .await
            .unwrap()
            .unwrap()
            .state;
        assert_eq!(&now, state, "{stage:?}");
    }

    // Incoming rows: the recipient agency's clerk and head see their row; its copy (PDF,
    // attachments) only until the document is recalled; nobody else sees either.
    let issued = docs.iter().find(|d| d.0 == Stage::Issued).unwrap();
    let recalled = docs.iter().find(|d| d.0 == Stage::Recalled).unwrap();
    for (stage, doc, attachment, _) in [issued, recalled] {
        for row in trinhky_testkit::store::incoming::of_document(app.store.db(), *doc)
            .await
            .unwrap()
        {
            let agency =
                trinhky_testkit::store::directory::agency_by_id(app.store.db(), row.agency_id)
                    .await
                    .unwrap()
                    .unwrap()
                    .code;
            for (method, route, class) in POLICY {
                if !matches!(class, Incoming | IncomingCopy) || *method != "GET" {
                    continue;
                }
                let uri = route
                    .replace("{id}", &row.id.to_string())
                    .replace("{aid}", &attachment.to_string());
                for (user, _, s) in &sessions {
                    let p = principal(&app, user).await;
                    let viewer = p.has_role(&agency, trinhky_domain::Role::Clerk)
                        || p.has_role(&agency, trinhky_domain::Role::AgencyHead);
                    let ok = viewer && (*class == Incoming || *stage == Stage::Issued);
                    let res = app
                        .send(
                            Request::get(&uri)
                                .header(header::COOKIE, &s.cookie)
                                .body(Body::empty())
                                .unwrap(),
                        )
                        .await;
                    checked += 1;
                    let status = res.status();
                    if ok != status.is_success() || (!ok && status != StatusCode::FORBIDDEN) {
                        failures.push(format!(
                            "GET {uri} ({route}, {stage:?}, row of {agency}) as {user}: {status}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} incoming checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "access matrix: {checked} checks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The recipient's page of the issued document shows the card, the signed PDF, the attachments
/// and the recipient step — and none of the working document.
#[tokio::test]
async fn a_recipient_clerk_gets_the_issued_copy_and_nothing_before_or_after() {
    let app = spawn_app().await;
    let doc = document_at(&app, Stage::Issued).await;
    let clerk = login(&app, "skhdt.vanthu").await;
    let get = |path: String| {
        Request::get(path)
            .header(header::COOKIE, &clerk.cookie)
            .body(Body::empty())
            .unwrap()
    };
    // The document's address leads the recipient to the one receiving page: its incoming row.
    let res = app.send(get(format!("/documents/{doc}"))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let row = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(row.starts_with("/incoming/"), "{row}");
    let res = app.send(get(row.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = trinhky_testkit::unescape(&body_text(res).await);
    assert!(html.contains("/KH-SNV"), "the number: {html}");
    assert!(html.contains(&format!("{row}/pdf")), "{html}");
    assert!(html.contains("Phụ lục I.pdf"), "{html}");
    assert!(
        html.contains("Tiếp nhận và vào sổ văn bản đến"),
        "the recipient's step: {html}"
    );
    for secret in [
        EARLY_DRAFT,
        RETURN_COMMENT,
        FINAL_BODY,
        "Lịch sử xử lý",
        "/audit",
        "/diff",
    ] {
        assert!(!html.contains(secret), "{secret}: {html}");
    }
    // The PDF is the issued, sealed file.
    let res = app.send(get(format!("/documents/{doc}/pdf"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("-issued.pdf")
    );
    // The API card has no text and no history.
    let res = app.send(get(format!("/api/v1/documents/{doc}"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(v["body"], "");
    assert_eq!(v["history"], serde_json::json!([]));
    assert_eq!(v["actions"], serde_json::json!(["receive"]));
    // The recipient's step works, and leaves the recipient on the issued copy.
    let version = instance_version(&app, doc).await;
    let res = app
        .send(
            Request::post(format!("/documents/{doc}/act/receive"))
                .header(header::COOKIE, &clerk.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf_token={}&expected={version}",
                    clerk.csrf
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let state = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state, "received");
    // Recalled: nothing any more.
    trinhky_app::incoming::recall(
        &app.store,
        &principal(&app, "snv.vanthu").await,
        doc,
        "Sai số liệu",
        Utc::now(),
    )
    .await
    .unwrap();
    for path in [
        format!("/documents/{doc}"),
        format!("/documents/{doc}/pdf"),
        format!("/api/v1/documents/{doc}"),
    ] {
        let res = app.send(get(path.clone())).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let body = body_text(res).await;
        assert!(body.contains("Bạn không có quyền"), "{path}: {body}");
    }
}
