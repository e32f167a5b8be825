//! API parity (issue #8): everything a page can do, `/api/v1` can do. [`PARITY`] maps each page
//! route that does something to its API operation; the tests check the table against the page
//! router (every page route is in the table), against the API router (every operation answers,
//! none is an unknown route or a wrong method) and against `/api/v1/openapi.json` (every
//! operation of the table is documented, every documented operation answers, and the document
//! is valid OpenAPI 3.1 for `openapi-spec-validator`).

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use trinhky_testkit::{Session, TestApp, body_text, demo_password, spawn_app};

/// (page method, page route, API method, API path) — or the reason a page route has no API
/// operation.
enum Api {
    Op(&'static str, &'static str),
    /// Several operations cover what the page shows.
    Ops(&'static [(&'static str, &'static str)]),
    None(&'static str),
}

const PARITY: &[(&str, &str, Api)] = &[
    (
        "GET",
        "/",
        Api::Ops(&[
            ("GET", "/api/v1/assignments"),
            ("GET", "/api/v1/documents"),
            ("GET", "/api/v1/my-tasks"),
        ]),
    ),
    (
        "GET",
        "/my-documents",
        Api::Op("GET", "/api/v1/my-documents"),
    ),
    (
        "GET",
        "/login",
        Api::None("sign-in form; the API authenticates with bearer tokens"),
    ),
    (
        "POST",
        "/login",
        Api::None("sign-in; the API authenticates with bearer tokens"),
    ),
    (
        "POST",
        "/logout",
        Api::None("ends the browser session; tokens are revoked with the CLI"),
    ),
    (
        "GET",
        "/directory",
        Api::Ops(&[("GET", "/api/v1/agencies"), ("GET", "/api/v1/groups")]),
    ),
    (
        "GET",
        "/agencies/{code}",
        Api::Op("GET", "/api/v1/agencies/{code}/members"),
    ),
    (
        "POST",
        "/agencies/{code}/users",
        Api::Op("POST", "/api/v1/agencies/{code}/members"),
    ),
    ("GET", "/directives", Api::Op("GET", "/api/v1/directives")),
    ("POST", "/directives", Api::Op("POST", "/api/v1/directives")),
    (
        "GET",
        "/directives/{id}",
        Api::Op("GET", "/api/v1/directives/{id}"),
    ),
    (
        "POST",
        "/directives/{id}/confirm",
        Api::Op("POST", "/api/v1/directives/{id}/confirm"),
    ),
    (
        "GET",
        "/directives/{id}/follow-up",
        Api::Op("GET", "/api/v1/directives/{id}/follow-up"),
    ),
    (
        "POST",
        "/directives/{id}/follow-up/{assignment_id}/remind",
        Api::Op(
            "POST",
            "/api/v1/directives/{id}/follow-up/{assignment_id}/remind",
        ),
    ),
    (
        "GET",
        "/documents/{id}",
        Api::Ops(&[
            ("GET", "/api/v1/documents/{id}"),
            ("GET", "/api/v1/documents/{id}/receipts"),
        ]),
    ),
    (
        "POST",
        "/documents/{id}/edit",
        Api::Op("PUT", "/api/v1/documents/{id}"),
    ),
    (
        "POST",
        "/documents/{id}/act/{action}",
        Api::Op("POST", "/api/v1/documents/{id}/actions/{action}"),
    ),
    (
        "POST",
        "/documents/{id}/reassign",
        Api::Op("POST", "/api/v1/documents/{id}/reassign"),
    ),
    (
        "POST",
        "/documents/{id}/classification",
        Api::Op("POST", "/api/v1/documents/{id}/classification"),
    ),
    (
        "GET",
        "/documents/{id}/preview/{page}",
        Api::Op("GET", "/api/v1/documents/{id}/preview/{page}"),
    ),
    (
        "GET",
        "/documents/{id}/pdf",
        Api::Op("GET", "/api/v1/documents/{id}/pdf"),
    ),
    (
        "POST",
        "/assignments/{id}/documents",
        Api::Op("POST", "/api/v1/assignments/{id}/documents"),
    ),
    (
        "POST",
        "/documents/{id}/deliveries/{message}/resend",
        Api::Op("POST", "/api/v1/documents/{id}/deliveries/{message}/resend"),
    ),
    (
        "POST",
        "/documents/{id}/recall",
        Api::Op("POST", "/api/v1/documents/{id}/recall"),
    ),
    ("GET", "/incoming", Api::Op("GET", "/api/v1/incoming")),
    (
        "GET",
        "/incoming/{id}",
        Api::Op("GET", "/api/v1/incoming/{id}"),
    ),
    (
        "GET",
        "/incoming/{id}/pdf",
        Api::Op("GET", "/api/v1/incoming/{id}/pdf"),
    ),
    (
        "POST",
        "/incoming/{id}/act/{action}",
        Api::Op("POST", "/api/v1/incoming/{id}/{action}"),
    ),
    (
        "GET",
        "/registers/{kind}",
        Api::Op("GET", "/api/v1/registers/{kind}"),
    ),
    ("GET", "/archive", Api::Op("GET", "/api/v1/archive")),
    ("GET", "/delegations", Api::Op("GET", "/api/v1/delegations")),
    (
        "POST",
        "/delegations",
        Api::Op("POST", "/api/v1/delegations"),
    ),
    (
        "POST",
        "/delegations/{id}/revoke",
        Api::Op("POST", "/api/v1/delegations/{id}/revoke"),
    ),
    ("GET", "/healthz", Api::None("liveness probe, not a page")),
    ("GET", "/readyz", Api::None("readiness probe, not a page")),
    ("GET", "/static/{file}", Api::None("style sheet and logo")),
];

fn api_ops() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (_, _, api) in PARITY {
        match api {
            Api::Op(m, p) => {
                out.insert((m.to_string(), p.to_string()));
            }
            Api::Ops(list) => {
                for (m, p) in *list {
                    out.insert((m.to_string(), p.to_string()));
                }
            }
            Api::None(why) => assert!(!why.is_empty()),
        }
    }
    out
}

/// The page routes declared in `src/lib.rs` (outside the `/api/v1` router), with their methods.
fn page_routes() -> BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let api = src
        .find("let api = Routes::new()")
        .expect("the API router in lib.rs");
    let start = api
        + src[api..]
            .find("\n    Routes::new()")
            .expect("the page router in lib.rs");
    let end = start
        + src[start..]
            .find(".nest(\"/api/v1\", api)")
            .expect("the page router's end");
    let body = &src[start..end];
    let mut out = BTreeSet::new();
    let mut rest = body;
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + ".route(".len()..];
        let path = rest.split('"').nth(1).unwrap().to_owned();
        // The route's arguments, up to the matching parenthesis.
        let mut depth = 1;
        let mut end = 0;
        for (k, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let args = &rest[..end];
        for m in ["get", "post", "put", "delete", "patch"] {
            let pat = format!("{m}(");
            let mut from = 0;
            while let Some(j) = args[from..].find(&pat) {
                let at = from + j;
                let before = args[..at].chars().last();
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    out.insert((m.to_uppercase(), path.clone()));
                }
                from = at + pat.len();
            }
        }
    }
    out
}

#[test]
fn every_page_route_is_in_the_parity_table() {
    let routes = page_routes();
    assert!(routes.len() > 20, "parsed {routes:?}");
    let table: BTreeSet<(String, String)> = PARITY
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = routes.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "page routes without an entry in PARITY (add the API operation or the reason): {missing:?}"
    );
    let stale: Vec<_> = table.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "PARITY names routes the router no longer has: {stale:?}"
    );
}

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

/// A concrete address for a templated API path.
fn concrete(path: &str) -> String {
    let path = if path.starts_with("/api/v1/incoming/{id}/") {
        path.replace("{action}", "register")
    } else {
        path.replace("{action}", "submit")
    };
    path.replace("{assignment_id}", "999999")
        .replace("{id}", "999999")
        .replace("{code}", "VPUBND")
        .replace("{kind}", "outgoing")
        .replace("{page}", "1.png")
}

/// Calls an operation as the province office's clerk (session + CSRF header) and returns the
/// status and body. The ids do not exist, so nothing changes.
async fn call(app: &TestApp, s: &Session, method: &str, path: &str) -> (StatusCode, String) {
    let mut b = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(concrete(path))
        .header(header::COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf);
    let body = if method == "GET" {
        Body::empty()
    } else if path == "/api/v1/directives" {
        b = b.header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ");
        Body::from("--XyZ--\r\n")
    } else {
        b = b.header(header::CONTENT_TYPE, "application/json");
        Body::from("{}")
    };
    let res = app.send(b.body(body).unwrap()).await;
    let status = res.status();
    (status, body_text(res).await)
}

/// Not an unknown route and not a wrong method: whatever the handler decided.
fn answered(method: &str, path: &str, status: StatusCode, body: &str) {
    assert_ne!(
        status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{method} {path}: {body}"
    );
    assert!(
        !body.contains("Không có thao tác API nào"),
        "{method} {path} is not routed: {status} {body}"
    );
    assert!(
        status != StatusCode::NOT_FOUND || body.contains("\"TK-NOT-FOUND\""),
        "{method} {path}: {status} {body}"
    );
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{method} {path}: {body}"
    );
}

#[tokio::test]
async fn every_operation_of_the_table_is_routed_and_documented_and_every_documented_one_answers() {
    let app = spawn_app().await;
    let clerk = login(&app, "vpubnd.vanthu").await;
    let res = app
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let spec: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let table = api_ops();
    let undocumented: Vec<_> = table.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "not in openapi.json: {undocumented:?}"
    );
    for (m, p) in table.iter().chain(documented.iter()) {
        let (status, body) = call(&app, &clerk, m, p).await;
        answered(m, p, status, &body);
    }
    // An unknown API route answers a JSON 404 that says so (the check above relies on it), and a
    // wrong method 405 with Allow.
    let (status, body) = call(&app, &clerk, "GET", "/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Không có thao tác API nào"), "{body}");
    let res = app
        .send(
            Request::delete("/api/v1/archive")
                .header(header::COOKIE, &clerk.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()[header::ALLOW], "GET,HEAD");
}

#[tokio::test]
async fn openapi_json_is_valid_openapi_3_1() {
    let app = spawn_app().await;
    let res = app
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = body_text(res).await;
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Structure checked here, whatever is installed.
    assert_eq!(spec["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            assert!(["get", "post", "put", "delete"].contains(&method.as_str()));
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "duplicate operationId {}",
                op["operationId"]
            );
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()));
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{method} {path}"
            );
            if path != "/api/v1/openapi.json" {
                assert_eq!(
                    responses["403"]["$ref"], "#/components/responses/Problem",
                    "{method} {path} documents the error shape"
                );
            }
            // Every {name} of the path is a declared path parameter.
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            for seg in path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            {
                assert!(params.contains(&seg), "{method} {path}: parameter {seg}");
            }
            if method != "get" && path.contains("/actions/") {
                assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object());
            }
        }
    }
    assert!(ids.len() >= 30, "{} operations", ids.len());
    assert!(spec["components"]["schemas"]["Problem"]["properties"]["code"].is_object());

    // And by an independent validator (scripts/test installs it, as it installs pyHanko).
    let dir = std::env::temp_dir().join(format!("trinhky-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let out = std::process::Command::new("openapi-spec-validator")
        .args(["--schema", "3.1"])
        .arg(&file)
        .output()
        .expect(
            "openapi-spec-validator (pip install openapi-spec-validator; scripts/test installs it)",
        );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether a schema says nothing about its content: `{"type": "object"}` alone, or an array of
/// those.
fn bare(schema: &serde_json::Value) -> bool {
    let untyped_object = |s: &serde_json::Value| {
        s.as_object()
            .is_some_and(|o| o.len() == 1 && o.get("type").is_some_and(|t| t == "object"))
    };
    untyped_object(schema) || (schema["type"] == "array" && untyped_object(&schema["items"]))
}

/// Issue #14: every error response is RFC 9457 problem details (`application/problem+json`,
/// the `Problem` schema with its stable `code`), and success bodies have real schemas.
#[tokio::test]
async fn openapi_errors_are_problems_and_bodies_have_schemas() {
    let app = spawn_app().await;
    let res = app
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let spec: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    let problem = &spec["components"]["responses"]["Problem"]["content"]["application/problem+json"]
        ["schema"];
    assert_eq!(problem["$ref"], "#/components/schemas/Problem");
    let schema = &spec["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "detail", "code", "request_id"] {
        assert!(schema["properties"][field].is_object(), "Problem.{field}");
    }
    let mut untyped = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            for (status, res) in op["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    assert_eq!(
                        res["$ref"], "#/components/responses/Problem",
                        "{name} {status}"
                    );
                    continue;
                }
                for (media, content) in res["content"].as_object().into_iter().flatten() {
                    let s = &content["schema"];
                    assert!(s.is_object(), "{name} {status} {media}: no schema");
                    if bare(s) {
                        untyped.insert(name.clone());
                    }
                    // A reference resolves to a component.
                    let target = s["$ref"].as_str().or_else(|| s["items"]["$ref"].as_str());
                    if let Some(r) = target {
                        let key = r.trim_start_matches("#/components/schemas/");
                        assert!(
                            spec["components"]["schemas"][key].is_object(),
                            "{name}: {r}"
                        );
                    }
                }
            }
        }
    }
    assert!(
        untyped.is_empty(),
        "operations with a bare success schema; type them (utoipa::ToSchema): {untyped:?}"
    );
}
