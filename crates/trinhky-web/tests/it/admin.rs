//! Quản trị (issue 8, the administrator's journey): agencies, recipient groups, users and roles,
//! certificates, workflow definitions and the holiday calendar, as pages and as API; who may use
//! them, CSRF, validation messages, audit events, and the calendar moving a computed deadline.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use serde_json::{Value, json};
use trinhky_testkit::flows::{self, document_at_approval};
use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use trinhky_testkit::store::entities::{audit_event, workflow_instance};
use trinhky_testkit::{
    Session, TestApp, body_text, demo_password, page_text, repo_root, spawn_app, urlencode,
};

async fn login(app: &TestApp, user: &str) -> Session {
    app.login(user, &demo_password(user)).await.ok().unwrap()
}

fn get(uri: &str, s: &Session) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap()
}

/// A form POST with the session's CSRF token and the given fields (values URL-encoded here).
fn form(uri: &str, s: &Session, fields: &[(&str, &str)]) -> Request<Body> {
    let mut body = format!("csrf_token={}", urlencode(&s.csrf));
    for (k, v) in fields {
        body.push_str(&format!("&{k}={}", urlencode(v)));
    }
    Request::post(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn api(method: &str, uri: &str, s: &Session, body: Option<Value>) -> Request<Body> {
    let b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf);
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

async fn json_of(res: axum::http::Response<Body>) -> Value {
    serde_json::from_str(&body_text(res).await).unwrap()
}

/// Audit events with `action`, oldest first.
async fn audited(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(app.store.db())
        .await
        .unwrap()
}

/// Every admin route, page and API, with a body that would be valid for an admin.
fn admin_routes() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GET", "/admin"),
        ("GET", "/admin/agencies"),
        ("GET", "/admin/agencies/new"),
        ("POST", "/admin/agencies"),
        ("GET", "/admin/agencies/SNV"),
        ("POST", "/admin/agencies/SNV"),
        ("GET", "/admin/groups"),
        ("GET", "/admin/groups/new"),
        ("POST", "/admin/groups"),
        ("GET", "/admin/groups/SO-BAN-NGANH"),
        ("POST", "/admin/groups/SO-BAN-NGANH"),
        ("POST", "/admin/groups/SO-BAN-NGANH/delete"),
        ("GET", "/admin/users"),
        ("POST", "/admin/users"),
        ("GET", "/admin/users/snv.chuyenvien"),
        ("POST", "/admin/users/snv.chuyenvien/roles"),
        ("POST", "/admin/users/snv.chuyenvien/roles/revoke"),
        ("POST", "/admin/users/snv.chuyenvien/active"),
        ("POST", "/admin/users/snv.chuyenvien/password"),
        ("POST", "/admin/users/snv.chuyenvien/tokens"),
        ("POST", "/admin/users/snv.chuyenvien/tokens/1/revoke"),
        ("GET", "/admin/certificates"),
        ("POST", "/admin/certificates/issue"),
        ("POST", "/admin/certificates/user/snv.giamdoc/import"),
        ("POST", "/admin/certificates/user/snv.giamdoc/revoke"),
        ("GET", "/admin/workflows"),
        ("GET", "/admin/workflows/bao-cao/3"),
        ("GET", "/admin/workflows/check"),
        ("POST", "/admin/workflows/check"),
        ("GET", "/admin/calendar"),
        ("POST", "/admin/calendar"),
        ("POST", "/admin/calendar/1/delete"),
        ("GET", "/api/v1/admin/agencies"),
        ("POST", "/api/v1/admin/agencies"),
        ("GET", "/api/v1/admin/agencies/SNV"),
        ("PUT", "/api/v1/admin/agencies/SNV"),
        ("GET", "/api/v1/admin/groups"),
        ("POST", "/api/v1/admin/groups"),
        ("GET", "/api/v1/admin/groups/SO-BAN-NGANH"),
        ("PUT", "/api/v1/admin/groups/SO-BAN-NGANH"),
        ("DELETE", "/api/v1/admin/groups/SO-BAN-NGANH"),
        ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/users"),
        ("GET", "/api/v1/admin/users/snv.chuyenvien"),
        ("POST", "/api/v1/admin/users/snv.chuyenvien/roles"),
        (
            "DELETE",
            "/api/v1/admin/users/snv.chuyenvien/roles/SNV/drafter",
        ),
        ("PUT", "/api/v1/admin/users/snv.chuyenvien/active"),
        ("POST", "/api/v1/admin/users/snv.chuyenvien/password"),
        ("GET", "/api/v1/admin/certificates"),
        ("POST", "/api/v1/admin/certificates/issue"),
        ("POST", "/api/v1/admin/certificates/user/snv.giamdoc/import"),
        ("POST", "/api/v1/admin/certificates/user/snv.giamdoc/revoke"),
        ("GET", "/api/v1/admin/workflows"),
        ("GET", "/api/v1/admin/workflows/bao-cao/3"),
        ("POST", "/api/v1/admin/workflows/check"),
        ("GET", "/api/v1/admin/calendar"),
        ("POST", "/api/v1/admin/calendar"),
        ("DELETE", "/api/v1/admin/calendar/1"),
    ]
}

#[tokio::test]
async fn every_admin_route_refuses_non_admins_and_strangers() {
    let app = spawn_app().await;
    let before = trinhky_testkit::store::audit::count(app.store.db())
        .await
        .unwrap();
    // A director, and an agency admin of SNV (who manages SNV's staff, not the province's
    // directory): neither is a system administrator.
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
    let token = trinhky_app::auth::create_api_token(&app.store, "test", "snv.giamdoc", "x")
        .await
        .unwrap();
    for user in ["snv.giamdoc", "snv.quantri", "vpubnd.vanthu"] {
        let s = login(&app, user).await;
        for (method, uri) in admin_routes() {
            let req = Request::builder()
                .method(method)
                .uri(uri)
                .header(header::COOKIE, &s.cookie)
                .header("x-csrf-token", &s.csrf)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf_token={}&name=x&code=X&kind=holiday&from=01/01/2030",
                    s.csrf
                )))
                .unwrap();
            let res = app.send(req).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{user} {method} {uri}");
            let text = body_text(res).await;
            if uri.starts_with("/api/") {
                assert!(text.contains("\"code\":\"TK-FORBIDDEN\""), "{uri}: {text}");
            } else {
                assert!(text.contains("quản trị hệ thống"), "{uri}: {text}");
            }
        }
        // No "Quản trị" link for them.
        let home = page_text(app.send(get("/", &s)).await).await;
        assert!(!home.contains("href=\"/admin\""), "{user}");
    }
    for (method, uri) in admin_routes() {
        // A bearer token of a non-admin: 403 as well.
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let res = app.send(req).await;
        if uri.starts_with("/api/") {
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "bearer {method} {uri}");
        }
        // Nobody logged in: pages send to the login form, the API answers 401.
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let res = app.send(req).await;
        if uri.starts_with("/api/") {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {uri}");
        } else {
            assert!(res.status().is_redirection(), "{method} {uri}");
            assert_eq!(res.headers()[header::LOCATION], "/login");
        }
    }
    // Nothing changed: only the logins and the token were recorded.
    let after = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(before as i64))
        .all(app.store.db())
        .await
        .unwrap();
    assert!(
        after
            .iter()
            .all(|e| ["session.login", "user.create", "api_token.create"]
                .contains(&e.action.as_str())),
        "{:?}",
        after.iter().map(|e| &e.action).collect::<Vec<_>>()
    );
    assert!(
        trinhky_testkit::store::directory::group_by_code(app.store.db(), "SO-BAN-NGANH")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn admin_forms_and_api_need_the_csrf_token() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    let res = app
        .send(
            Request::post("/admin/calendar")
                .header(header::COOKIE, &s.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("kind=holiday&from=01/06/2030&name=Ngh%E1%BB%89"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body_text(res).await.contains("CSRF"));
    let res = app
        .send(
            Request::post("/api/v1/admin/calendar")
                .header(header::COOKIE, &s.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"kind": "holiday", "from": "01/06/2030", "name": "x"}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body_text(res).await.contains("\"code\":\"TK-CSRF\""));
    let res = app
        .send(
            Request::post("/admin/groups/SO-BAN-NGANH/delete")
                .header(header::COOKIE, &s.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf_token=wrong"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(audited(&app, "calendar.add").await.is_empty());
    assert!(audited(&app, "group.delete").await.is_empty());
}

#[tokio::test]
async fn agencies_are_listed_created_edited_and_checked() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    let home = page_text(app.send(get("/", &s)).await).await;
    assert!(
        home.contains("href=\"/admin\""),
        "the admin has the Quản trị link"
    );
    let page = page_text(app.send(get("/admin", &s)).await).await;
    assert!(page.contains("Quản trị hệ thống") && page.contains("Cơ quan, đơn vị"));

    // List, paged and searchable.
    let list = page_text(app.send(get("/admin/agencies?q=noi+vu", &s)).await).await;
    assert!(list.contains("Sở Nội vụ tỉnh Đắk Nông"), "{list}");
    assert!(!list.contains("Sở Kế hoạch và Đầu tư tỉnh"));
    let all = page_text(app.send(get("/admin/agencies", &s)).await).await;
    assert!(all.contains("Trang 1/2"), "66 agencies, 50 a page");
    let second = page_text(app.send(get("/admin/agencies?page=2", &s)).await).await;
    assert!(second.contains("Trang 2/2"));

    // Create.
    let fields = [
        ("code", "TTCDS"),
        ("name", "Trung tâm Chuyển đổi số thử nghiệm"),
        ("short_name", "TT Chuyển đổi số"),
        ("parent", "UBND TỈNH ĐẮK NÔNG"),
        ("kind", "department"),
        ("email", "TTCDS@daknong.example"),
        ("head_title", "Giám đốc"),
        ("deputy_title", "Phó Giám đốc"),
        ("aliases", "TTCĐS\r\nTrung tâm CĐS thử nghiệm"),
        ("uses_trinhky", "1"),
    ];
    let res = app.send(form("/admin/agencies", &s, &fields)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(
        page_text(res)
            .await
            .contains("Đã thêm cơ quan Trung tâm Chuyển đổi số thử nghiệm (TTCDS)")
    );
    let a = trinhky_app::admin::agencies::get(&app.store, "TTCDS")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.email, "ttcds@daknong.example");
    assert_eq!(a.aliases, ["TTCĐS", "Trung tâm CĐS thử nghiệm"]);
    let ev = audited(&app, "agency.create").await;
    let last = ev.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.entity_id.as_str()),
        ("user:quantri", "TTCDS")
    );

    // Validation: the same code again, a bad e-mail, a name that is another agency's.
    let mut dup = fields.to_vec();
    dup[5] = ("email", "khong-phai-thu");
    dup[1] = ("name", "Sở Nội vụ tỉnh Đắk Nông");
    let res = app.send(form("/admin/agencies", &s, &dup)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = page_text(res).await;
    assert!(text.contains("Mã \"TTCDS\" đã được dùng"), "{text}");
    assert!(
        text.contains("không phải địa chỉ thư điện tử hợp lệ"),
        "{text}"
    );
    assert!(text.contains("đã là tên của cơ quan SNV"), "{text}");
    assert!(
        text.contains("value=\"Sở Nội vụ tỉnh Đắk Nông\""),
        "the form keeps what was typed"
    );

    // Edit (the code stays).
    let res = app
        .send(form(
            "/admin/agencies/TTCDS",
            &s,
            &[
                ("name", "Trung tâm Chuyển đổi số thử nghiệm"),
                ("short_name", "TT Chuyển đổi số"),
                ("kind", "department"),
                ("email", "cds@daknong.example"),
                ("code", "XYZ"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page_text(res).await.contains("Đã lưu thay đổi của TTCDS"));
    let a = trinhky_app::admin::agencies::get(&app.store, "TTCDS")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.email, "cds@daknong.example");
    assert!(a.aliases.is_empty() && !a.uses_trinhky);
    assert_eq!(
        audited(&app, "agency.update")
            .await
            .last()
            .unwrap()
            .entity_id,
        "TTCDS"
    );
    let res = app
        .send(form(
            "/admin/agencies/SNV",
            &s,
            &[
                ("name", "X"),
                ("kind", "department"),
                ("email", "cds@daknong.example"),
            ],
        ))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "another agency's e-mail"
    );
    assert_eq!(
        app.send(get("/admin/agencies/KHONGCO", &s)).await.status(),
        StatusCode::NOT_FOUND
    );
    let edit = page_text(app.send(get("/admin/agencies/SKH%C4%90T", &s)).await).await;
    assert!(
        edit.contains("Sở Kế hoạch và Đầu tư"),
        "codes with Đ work in URLs"
    );

    // API: list with paging headers, create, read, update, validation.
    let res = app
        .send(api("GET", "/api/v1/admin/agencies?per_page=10", &s, None))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"], "67");
    assert!(
        res.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    assert_eq!(json_of(res).await.as_array().unwrap().len(), 10);
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/agencies",
            &s,
            Some(json!({"code": "BQLTN", "name": "Ban Quản lý thử nghiệm", "kind": "department", "email": "bqltn@daknong.example"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(json_of(res).await["short_name"], "Ban Quản lý thử nghiệm");
    let res = app
        .send(api(
            "PUT",
            "/api/v1/admin/agencies/BQLTN",
            &s,
            Some(json!({"name": "Ban Quản lý thử nghiệm", "short_name": "BQL thử nghiệm", "kind": "department", "email": "bqltn@daknong.example"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .send(api("GET", "/api/v1/admin/agencies/BQLTN", &s, None))
        .await;
    assert_eq!(json_of(res).await["short_name"], "BQL thử nghiệm");
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/agencies",
            &s,
            Some(json!({"code": "bql", "name": "", "kind": "sở", "email": "x"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        json_of(res).await["detail"]
            .as_str()
            .unwrap()
            .contains("Loại cơ quan")
    );

    // The directory file still imports: the demo agencies are unchanged, the new ones stay.
    let (_, summary) = trinhky_app::directory_import::directory_import(
        &app.store,
        &repo_root().join("deploy/demo/directory.toml"),
        "test",
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.agencies_created, 0);
    assert_eq!(summary.agencies_not_in_file, ["BQLTN", "TTCDS"]);
}

#[tokio::test]
async fn recipient_groups_are_created_edited_and_deleted() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    let list = page_text(app.send(get("/admin/groups", &s)).await).await;
    assert!(list.contains("SO-BAN-NGANH"), "{list}");
    let new = page_text(app.send(get("/admin/groups/new", &s)).await).await;
    assert!(new.contains("name=\"members\" value=\"SNV\""));

    let res = app
        .send(form(
            "/admin/groups",
            &s,
            &[
                ("code", "SO-THU"),
                ("name", "Các Sở thí điểm"),
                ("aliases", "Sở thí điểm"),
                ("members", "SNV"),
                ("members", "SKHĐT"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let g = trinhky_app::admin::groups::get(&app.store, "SO-THU")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.members, ["SKHĐT", "SNV"]);
    let res = app
        .send(form(
            "/admin/groups/SO-THU",
            &s,
            &[("name", "Các Sở thí điểm"), ("members", "STTTT")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let g = trinhky_app::admin::groups::get(&app.store, "SO-THU")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.members, ["STTTT"]);
    // No members, or an unknown one: refused with the reason.
    let res = app
        .send(form(
            "/admin/groups/SO-THU",
            &s,
            &[("name", "Các Sở thí điểm")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(page_text(res).await.contains("Nhóm chưa có thành viên"));
    let res = app
        .send(form(
            "/admin/groups",
            &s,
            &[
                ("code", "SO-BAN-NGANH"),
                ("name", "Nhóm trùng"),
                ("members", "SXX"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = page_text(res).await;
    assert!(text.contains("\"SXX\" không phải mã cơ quan"), "{text}");
    assert!(text.contains("đã được dùng cho một nhóm khác"), "{text}");

    let res = app.send(form("/admin/groups/SO-THU/delete", &s, &[])).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page_text(res).await.contains("Đã xóa nhóm SO-THU"));
    assert!(
        trinhky_app::admin::groups::get(&app.store, "SO-THU")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.send(form("/admin/groups/SO-THU/delete", &s, &[]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for action in ["group.create", "group.update", "group.delete"] {
        let ev = audited(&app, action).await;
        let e = ev
            .iter()
            .find(|e| e.entity_id == "SO-THU")
            .unwrap_or_else(|| panic!("{action}"));
        assert_eq!(e.actor, "user:quantri");
    }

    // API.
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/groups",
            &s,
            Some(json!({"code": "HUYEN-THU", "name": "Các huyện thí điểm", "members": ["SNV"]})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .send(api(
            "PUT",
            "/api/v1/admin/groups/HUYEN-THU",
            &s,
            Some(json!({"name": "Các huyện thí điểm", "members": ["SNV", "STTTT"]})),
        ))
        .await;
    assert_eq!(json_of(res).await["members"], json!(["SNV", "STTTT"]));
    let res = app.send(api("GET", "/api/v1/admin/groups", &s, None)).await;
    assert!(res.headers().contains_key("x-total-count"));
    let res = app
        .send(api("DELETE", "/api/v1/admin/groups/HUYEN-THU", &s, None))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .send(api("GET", "/api/v1/admin/groups/HUYEN-THU", &s, None))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn users_roles_disabling_and_passwords() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    let list = page_text(app.send(get("/admin/users?q=hanh", &s)).await).await;
    assert!(
        list.contains("snv.chuyenvien"),
        "accent-insensitive search: {list}"
    );
    assert!(!list.contains("skhdt.vanthu"));

    // Create.
    let res = app
        .send(form(
            "/admin/users",
            &s,
            &[
                ("full_name", "Võ Thị Thu"),
                ("username", "snv.chuyenvien2"),
                ("email", "snv.cv2@daknong.example"),
                ("password", "mat-khau-rat-dai"),
                ("agency", "SNV"),
                ("role", "drafter"),
                ("title", ""),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let text = page_text(res).await;
    assert!(text.contains("Đã tạo tài khoản snv.chuyenvien2"), "{text}");
    assert!(text.contains("Chuyên viên"));
    let u = trinhky_testkit::store::accounts::user_by_username(app.store.db(), "snv.chuyenvien2")
        .await
        .unwrap()
        .unwrap();
    assert!(u.password_hash.starts_with("$argon2id$"));
    // Validation and a taken username.
    let res = app
        .send(form(
            "/admin/users",
            &s,
            &[
                ("full_name", "A"),
                ("username", "snv.chuyenvien2"),
                ("email", "a@daknong.example"),
                ("password", "mat-khau-rat-dai"),
                ("agency", "SNV"),
                ("role", "drafter"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(page_text(res).await.contains("đã có người dùng"));
    let res = app
        .send(form(
            "/admin/users",
            &s,
            &[
                ("full_name", ""),
                ("username", "A B"),
                ("email", "x"),
                ("password", "ngan"),
                ("agency", "KHONGCO"),
                ("role", "boss"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = page_text(res).await;
    for m in [
        "Tên đăng nhập \"a b\" không hợp lệ",
        "Họ và tên trống",
        "ít nhất 12 ký tự",
        "Vai trò \"boss\"",
        "Không có cơ quan mã \"KHONGCO\"",
    ] {
        assert!(text.contains(m), "{m}: {text}");
    }

    // Grant and revoke a role.
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/roles",
            &s,
            &[
                ("agency", "SNV"),
                ("role", "unit_head"),
                ("title", "Trưởng phòng Tổ chức"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page_text(res).await.contains("Trưởng phòng Tổ chức"));
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/roles",
            &s,
            &[("agency", "SNV"), ("role", "unit_head")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "held already");
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/roles/revoke",
            &s,
            &[("agency", "SNV"), ("role", "unit_head")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ev = audited(&app, "role.grant").await;
    assert_eq!(ev.last().unwrap().entity_id, "snv.chuyenvien2");
    assert_eq!(audited(&app, "role.revoke").await.len(), 1);

    // The admin cannot remove their own last admin role, nor disable themselves.
    let res = app
        .send(form(
            "/admin/users/quantri/roles/revoke",
            &s,
            &[("agency", "VPUBND"), ("role", "admin")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        page_text(res)
            .await
            .contains("vai trò quản trị cuối cùng của chính mình")
    );
    let res = app
        .send(form(
            "/admin/users/quantri/active",
            &s,
            &[("active", "false")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        trinhky_app::admin::users::get(&app.store, "quantri")
            .await
            .unwrap()
            .unwrap()
            .roles
            .iter()
            .any(|r| r.role == trinhky_domain::Role::Admin)
    );

    // Disable: the user's session ends, logging in and tokens stop working.
    let victim = app
        .login("snv.chuyenvien2", "mat-khau-rat-dai")
        .await
        .ok()
        .unwrap();
    let token = trinhky_app::auth::create_api_token(&app.store, "test", "snv.chuyenvien2", "x")
        .await
        .unwrap();
    let bearer = |t: &str| {
        Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.send(bearer(&token)).await.status(), StatusCode::OK);
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/active",
            &s,
            &[("active", "false")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        page_text(res)
            .await
            .contains("Đã khóa tài khoản snv.chuyenvien2")
    );
    let res = app.send(get("/", &victim)).await;
    assert!(res.status().is_redirection(), "the session ended");
    assert!(
        app.login("snv.chuyenvien2", "mat-khau-rat-dai")
            .await
            .is_err(),
        "cannot log in"
    );
    assert_eq!(
        app.send(bearer(&token)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(audited(&app, "user.disable").await.len(), 1);
    // Enable, and reset the password (generated, shown once).
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/active",
            &s,
            &[("active", "true")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        app.login("snv.chuyenvien2", "mat-khau-rat-dai")
            .await
            .is_ok()
    );
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/password",
            &s,
            &[("password", "")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = page_text(res).await;
    let i = text
        .find("Đã đặt mật khẩu mới cho snv.chuyenvien2: ")
        .unwrap();
    let generated: String = text[i..]
        .trim_start_matches("Đã đặt mật khẩu mới cho snv.chuyenvien2: ")
        .chars()
        .take(16)
        .collect();
    assert!(
        app.login("snv.chuyenvien2", "mat-khau-rat-dai")
            .await
            .is_err()
    );
    assert!(app.login("snv.chuyenvien2", &generated).await.is_ok());
    let res = app
        .send(form(
            "/admin/users/snv.chuyenvien2/password",
            &s,
            &[("password", "ngan")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let ev = audited(&app, "user.password_reset").await;
    assert_eq!(ev.len(), 1);
    assert!(
        !ev[0].details.contains(&generated),
        "no password in the audit chain"
    );
    assert_eq!(
        app.send(get("/admin/users/khong.co", &s)).await.status(),
        StatusCode::NOT_FOUND
    );

    // API.
    let res = app
        .send(api("GET", "/api/v1/admin/users?q=snv&per_page=2", &s, None))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse::<usize>()
            .unwrap()
            >= 5
    );
    let page = json_of(res).await;
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert!(page[0]["roles"].is_array());
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/users",
            &s,
            Some(json!({"username": "stttt.moi", "full_name": "Người Mới", "email": "moi@daknong.example", "password": "mat-khau-rat-dai", "agency": "STTTT", "role": "clerk"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(json_of(res).await["roles"][0]["agency_code"], "STTTT");
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/users/stttt.moi/roles",
            &s,
            Some(json!({"agency": "STTTT", "role": "drafter"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .send(api(
            "DELETE",
            "/api/v1/admin/users/stttt.moi/roles/STTTT/clerk",
            &s,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["roles"].as_array().unwrap().len(), 1);
    let res = app
        .send(api(
            "PUT",
            "/api/v1/admin/users/stttt.moi/active",
            &s,
            Some(json!({"active": false})),
        ))
        .await;
    assert_eq!(json_of(res).await["active"], false);
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/users/stttt.moi/password",
            &s,
            Some(json!({})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        json_of(res).await["generated_password"]
            .as_str()
            .unwrap()
            .len(),
        16
    );
    let res = app
        .send(api(
            "DELETE",
            "/api/v1/admin/users/quantri/roles/VPUBND/admin",
            &s,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .send(api("GET", "/api/v1/admin/users/khong.co", &s, None))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// A multipart body with the given text fields and one file field.
fn multipart(
    uri: &str,
    s: &Session,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
    csrf_header: bool,
) -> Request<Body> {
    let boundary = "----trinhkyboundary7MA4YWxk";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut b = Request::post(uri).header(header::COOKIE, &s.cookie).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if csrf_header {
        b = b.header("x-csrf-token", &s.csrf);
    }
    b.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn certificates_are_shown_issued_imported_and_revoked() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    let page = page_text(app.send(get("/admin/certificates", &s)).await).await;
    assert!(
        page.contains("Nguyễn Văn Thắng") && page.contains("Còn hiệu lực"),
        "{page}"
    );
    assert!(page.contains("trinhky Dev Root CA"), "issuer shown");

    // A new head has no key: issue a development certificate to him alone (the CA is created
    // in the data folder with the passphrase given; neither secret is stored).
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/users",
            &s,
            Some(json!({"username": "snv.giamdoc2", "full_name": "Đinh Văn Mới", "email": "gd2@daknong.example", "password": "mat-khau-rat-dai", "agency": "SNV", "role": "deputy_head", "title": "Phó Giám đốc"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .send(form(
            "/admin/certificates/issue",
            &s,
            &[
                ("ca_passphrase", "mat-khau-CA-thu"),
                ("pin", "246810"),
                ("kind", "user"),
                ("handle", "snv.giamdoc2"),
                ("algorithm", "p256"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = page_text(res).await;
    assert!(
        text.contains("Đã cấp 1 chứng thư số phát triển: Đinh Văn Mới"),
        "{text}"
    );
    assert!(app.data_dir.join("pki/ca.pem").exists());
    let owner = trinhky_testkit::store::keys::Owner::User(
        trinhky_testkit::store::accounts::user_by_username(app.store.db(), "snv.giamdoc2")
            .await
            .unwrap()
            .unwrap()
            .id,
    );
    let key = trinhky_testkit::store::keys::current_key(app.store.db(), owner)
        .await
        .unwrap()
        .unwrap();
    assert!(
        trinhky_pdf::pki::load_p12(
            &trinhky_app::signing::key_p12(&app.store, &trinhky_testkit::test_kek(), &key)
                .await
                .unwrap(),
            "246810"
        )
        .is_ok()
    );
    // Again: he has a key now. A wrong passphrase issues nothing.
    let res = app
        .send(form(
            "/admin/certificates/issue",
            &s,
            &[
                ("ca_passphrase", "mat-khau-CA-thu"),
                ("pin", "246810"),
                ("kind", "user"),
                ("handle", "snv.giamdoc2"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/users/snv.chuyenvien/roles",
            &s,
            Some(json!({"agency": "SNV", "role": "deputy_head"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/certificates/issue",
            &s,
            Some(json!({"ca_passphrase": "sai", "pin": "246810"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        json_of(res).await["detail"]
            .as_str()
            .unwrap()
            .contains("Mật khẩu của CA phát triển không đúng")
    );
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/certificates/issue",
            &s,
            Some(json!({"ca_passphrase": "mat-khau-CA-thu", "pin": "135790", "algorithm": "p256"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(json_of(res).await[0]["handle"], "snv.chuyenvien");

    // Import: the PKCS#12 the CA wrote for snv.giamdoc2 becomes snv.chuyenvien's key; a wrong PIN
    // or a file that is not PKCS#12 is refused and changes nothing.
    let p12 = std::fs::read(app.data_dir.join("pki/dinh-van-moi.p12")).unwrap();
    let res = app
        .send(multipart(
            "/admin/certificates/user/snv.chuyenvien/import",
            &s,
            &[("csrf_token", &s.csrf), ("pin", "000000")],
            Some(("k.p12", &p12)),
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        page_text(res)
            .await
            .contains("Mã PIN không mở được tệp PKCS#12")
    );
    let res = app
        .send(multipart(
            "/admin/certificates/user/snv.chuyenvien/import",
            &s,
            &[("csrf_token", &s.csrf), ("pin", "246810")],
            Some(("k.p12", b"not a p12")),
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .send(multipart(
            "/admin/certificates/user/snv.chuyenvien/import",
            &s,
            &[("pin", "246810")],
            Some(("k.p12", &p12)),
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "CSRF");
    let res = app
        .send(multipart(
            "/admin/certificates/user/snv.chuyenvien/import",
            &s,
            &[("csrf_token", &s.csrf), ("pin", "246810")],
            Some(("k.p12", &p12)),
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        page_text(res)
            .await
            .contains("Đã nhập chứng thư số của Trần Thị Minh Hạnh: VN, Đinh Văn Mới")
    );
    let res = app
        .send(multipart(
            "/api/v1/admin/certificates/agency/SNV/import",
            &s,
            &[("pin", "246810")],
            Some(("k.p12", &p12)),
            true,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(json_of(res).await["holder"], "Sở Nội vụ tỉnh Đắk Nông");

    // Revoke: a development-CA certificate needs the CA passphrase (into the CRL).
    let res = app
        .send(form(
            "/admin/certificates/user/snv.giamdoc2/revoke",
            &s,
            &[("ca_passphrase", "")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(page_text(res).await.contains("nhập mật khẩu của CA"));
    assert!(
        trinhky_testkit::store::keys::current_key(app.store.db(), owner)
            .await
            .unwrap()
            .is_some()
    );
    let res = app
        .send(form(
            "/admin/certificates/user/snv.giamdoc2/revoke",
            &s,
            &[("ca_passphrase", "mat-khau-CA-thu")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        page_text(res)
            .await
            .contains("CA phát triển đã công bố danh sách thu hồi mới")
    );
    assert!(
        trinhky_testkit::store::keys::current_key(app.store.db(), owner)
            .await
            .unwrap()
            .is_none()
    );
    // The demo keys come from another CA: revoked without a passphrase.
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/certificates/user/snv.giamdoc/revoke",
            &s,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["crl_published"], false);
    let res = app
        .send(api("GET", "/api/v1/admin/certificates", &s, None))
        .await;
    let list = json_of(res).await;
    let gd = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["handle"] == "snv.giamdoc")
        .unwrap();
    assert!(gd["current"].is_null());
    assert_eq!(gd["revoked"], 1);
    assert_eq!(audited(&app, "key.revoke").await.len(), 2);
    assert_eq!(
        audited(&app, "key.store")
            .await
            .iter()
            .filter(|e| e.actor == "user:quantri")
            .count(),
        4
    );
    let events = audit_event::Entity::find()
        .all(app.store.db())
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .all(|e| !e.details.contains("mat-khau-CA-thu") && !e.details.contains("246810")),
        "no secret in the audit chain"
    );
}

#[tokio::test]
async fn workflows_are_listed_detailed_and_checked() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    document_at_approval(&app, "- Lưu: VT, SNV.").await;
    let list = page_text(app.send(get("/admin/workflows", &s)).await).await;
    assert!(
        list.contains("bao-cao") && list.contains("cong-van"),
        "{list}"
    );
    assert!(
        list.contains("1 (1)"),
        "one document follows bao-cao: {list}"
    );
    let detail = page_text(app.send(get("/admin/workflows/bao-cao/3", &s)).await).await;
    for text in [
        "Chờ lãnh đạo ký duyệt",
        "Người ký",
        "Trình ký",
        "ký số cá nhân",
        "mã PIN ký số",
    ] {
        assert!(detail.contains(text), "{text}: {detail}");
    }
    assert_eq!(
        app.send(get("/admin/workflows/bao-cao/99", &s))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.send(get("/admin/workflows/bao-cao/x", &s))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The checker: the shipped file is valid and already loaded; a broken one gives its codes
    // with line numbers. Nothing is installed.
    let good = std::fs::read_to_string(repo_root().join("workflows/bao-cao.toml")).unwrap();
    let res = app
        .send(multipart(
            "/admin/workflows/check",
            &s,
            &[("csrf_token", &s.csrf), ("source", &good)],
            None,
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = page_text(res).await;
    assert!(text.contains("Hợp lệ: quy trình bao-cao"), "{text}");
    assert!(text.contains("đã được nạp với đúng nội dung này"), "{text}");
    let bad = good.replace(
        "effects = [\"render\", \"sign_personal\"]",
        "effects = [\"render\"]",
    );
    assert_ne!(bad, good);
    let res = app
        .send(multipart(
            "/admin/workflows/check",
            &s,
            &[("csrf_token", &s.csrf)],
            Some(("bao-cao-sua.toml", bad.as_bytes())),
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = page_text(res).await;
    assert!(text.contains("WF008"), "{text}");
    assert!(text.contains("bao-cao-sua.toml"));
    let res = app
        .send(multipart(
            "/admin/workflows/check",
            &s,
            &[("csrf_token", &s.csrf), ("source", " ")],
            None,
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .send(multipart(
            "/admin/workflows/check",
            &s,
            &[("source", &good)],
            None,
            false,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "CSRF");

    let res = app
        .send(
            Request::post("/api/v1/admin/workflows/check?file=x.toml")
                .header(header::COOKIE, &s.cookie)
                .body(Body::from("id = \"x\"\nversion = 1\ntitle = \"X\"\ninitial = \"a\"\n[states]\na = { label = \"A\" }\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let report = json_of(res).await;
    assert_eq!(report["ok"], false);
    let d = &report["diagnostics"][0];
    assert!(d["code"].as_str().unwrap().starts_with("WF"), "{report}");
    assert!(d["line"].as_u64().unwrap() >= 1);
    let res = app
        .send(api("GET", "/api/v1/admin/workflows", &s, None))
        .await;
    let list = json_of(res).await;
    let bc = list
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "bao-cao")
        .unwrap();
    assert_eq!(
        (bc["documents"].as_i64(), bc["current"].as_bool()),
        (Some(1), Some(true))
    );
    let res = app
        .send(api("GET", "/api/v1/admin/workflows/bao-cao/3", &s, None))
        .await;
    assert_eq!(json_of(res).await["documents"]["approval"], 1);
    let registered = trinhky_testkit::store::documents::definitions(app.store.db())
        .await
        .unwrap();
    assert!(
        registered.iter().all(|d| d.definition_id != "x"),
        "the check installs nothing"
    );
}

#[tokio::test]
async fn calendar_entries_are_added_removed_and_move_deadlines() {
    let app = spawn_app().await;
    let s = login(&app, "quantri").await;
    // The file's entries became the database's calendar at start-up.
    let page = page_text(app.send(get("/admin/calendar?year=2024", &s)).await).await;
    assert!(
        page.contains("Tết Nguyên đán Giáp Thìn") && page.contains("08/02/2024"),
        "{page}"
    );
    assert_eq!(audited(&app, "calendar.seed").await.len(), 1);

    // Validation.
    for (fields, message) in [
        (
            vec![("kind", "holiday"), ("from", "31/02/2030"), ("name", "x")],
            "Ngày bắt đầu: Ngày \"31/02/2030\" không hợp lệ",
        ),
        (
            vec![
                ("kind", "holiday"),
                ("from", "05/06/2030"),
                ("to", "01/06/2030"),
                ("name", "x"),
            ],
            "trước ngày bắt đầu",
        ),
        (
            vec![
                ("kind", "holiday"),
                ("from", "01/06/2030"),
                ("to", "30/06/2030"),
                ("name", "x"),
            ],
            "dài hơn 15 ngày",
        ),
        (
            vec![
                ("kind", "working_day"),
                ("from", "03/06/2030"),
                ("name", "x"),
            ],
            "không phải thứ Bảy hay Chủ nhật",
        ),
        (
            vec![
                ("kind", "holiday"),
                ("from", "09/02/2024"),
                ("name", "Trùng Tết"),
            ],
            "09/02/2024 đã có trong lịch: \"Tết Nguyên đán Giáp Thìn\"",
        ),
        (
            vec![("kind", "holiday"), ("from", "04/05/2024"), ("name", "x")],
            "vừa là ngày nghỉ vừa là ngày làm bù",
        ),
        (
            vec![("kind", "holiday"), ("from", "01/06/2030"), ("name", " ")],
            "Tên ngày nghỉ trống",
        ),
    ] {
        let res = app.send(form("/admin/calendar", &s, &fields)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{message}");
        let text = page_text(res).await;
        assert!(text.contains(message), "{message}: {text}");
    }
    assert!(audited(&app, "calendar.add").await.is_empty());

    // A deadline computed now: the issuing step's SLA (1 working day) from today.
    let cal = app.registry.calendar_now(&app.store).await.unwrap();
    let now = Utc::now();
    let due = trinhky_domain::workflow::sla_due(&cal, now, 1);
    // Another server process sharing the database, started before the change.
    let other = app.another_app(&[]).await;
    assert!(
        other
            .registry()
            .calendar_now(&app.store)
            .await
            .unwrap()
            .is_working_day(due)
    );
    assert_eq!(audited(&app, "calendar.seed").await.len(), 1, "seeded once");

    let approve = |doc: i32| {
        let app = &app;
        async move {
            flows::act(app, "snv.giamdoc", doc, "approve", 2)
                .await
                .unwrap();
            workflow_instance::Entity::find()
                .filter(workflow_instance::Column::DocumentId.eq(doc))
                .one(app.store.db())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let unbounded = |doc: i32| {
        let app = &app;
        async move {
            // The assignment's own deadline (2023) would cap the SLA: lift it.
            use trinhky_testkit::sea_orm::{ActiveModelTrait, Set};
            let d = trinhky_testkit::store::documents::document_by_id(app.store.db(), doc)
                .await
                .unwrap()
                .unwrap();
            let a = trinhky_testkit::store::entities::assignment::Entity::find_by_id(
                d.assignment_id.unwrap(),
            )
            .one(app.store.db())
            .await
            .unwrap()
            .unwrap();
            let mut am: trinhky_testkit::store::entities::assignment::ActiveModel = a.into();
            am.last_day = Set(None);
            am.update(app.store.db()).await.unwrap();
            doc
        }
    };
    let first = unbounded(document_at_approval(&app, "- Lưu: VT, SNV.").await).await;
    let second = unbounded(document_at_approval(&app, "- Lưu: VT, SNV.").await).await;
    assert_eq!(approve(first).await.due_date, Some(due));

    // The day it was due becomes a holiday (through the page).
    let res = app
        .send(form(
            "/admin/calendar",
            &s,
            &[
                ("kind", "holiday"),
                ("from", &trinhky_web_dates(due)),
                ("to", ""),
                ("name", "Nghỉ đột xuất"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(page_text(res).await.contains("Đã thêm \"Nghỉ đột xuất\""));
    let after = approve(second).await.due_date.unwrap();
    assert!(
        after > due,
        "the deadline moved past the new holiday: {after} vs {due}"
    );
    assert_eq!(
        after,
        trinhky_domain::workflow::sla_due(&app.registry.calendar(), now, 1)
    );
    // The other process still holds the old calendar in memory, and reads the new one at its
    // next read.
    assert!(other.registry().calendar().is_working_day(due));
    assert!(
        !other
            .registry()
            .calendar_now(&app.store)
            .await
            .unwrap()
            .is_working_day(due)
    );
    let ev = audited(&app, "calendar.add").await;
    assert_eq!((ev.len(), ev[0].actor.as_str()), (1, "user:quantri"));

    // Listing, the API, removal.
    let year = chrono::Datelike::year(&due);
    let res = app
        .send(api(
            "GET",
            &format!("/api/v1/admin/calendar?year={year}"),
            &s,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let list = json_of(res).await;
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Nghỉ đột xuất")
        .unwrap()
        .clone();
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/calendar",
            &s,
            Some(json!({"kind": "working_day", "from": "2031-06-07", "name": "Làm bù"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made = json_of(res).await;
    assert_eq!(made["kind"], "working_day");
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/calendar",
            &s,
            Some(json!({"kind": "working_day", "from": "2031-06-07", "name": "Làm bù"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "duplicate");
    let res = app
        .send(api(
            "DELETE",
            &format!("/api/v1/admin/calendar/{}", made["id"]),
            &s,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .send(form(
            &format!("/admin/calendar/{}/delete", entry["id"]),
            &s,
            &[],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(page_text(res).await.contains("Đã xóa \"Nghỉ đột xuất\""));
    assert!(
        app.registry.calendar().is_working_day(due),
        "removed at once in this process"
    );
    assert_eq!(audited(&app, "calendar.remove").await.len(), 2);
    let res = app
        .send(form("/admin/calendar/999999/delete", &s, &[]))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

fn trinhky_web_dates(d: chrono::NaiveDate) -> String {
    trinhky_domain::time::dmy(d)
}
