//! The server against slow and hostile clients (issue #13), over real TCP: `trinhky_web::serve`
//! on a loopback listener with the test's settings. Half-open requests are cut at the header
//! timeout while /healthz answers; previews render on the CPU pool without stalling /healthz; a
//! panic is the 500 page with the request id and the server goes on; shutdown is prompt with idle
//! connections open and bounded with slow ones; `X-Request-Id` is echoed; HSTS only with an https
//! base URL; `__Host-` cookies when Secure; the request timeout and body limit answer in
//! Vietnamese.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get as route_get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trinhky_testkit::{TestApp, body_text, demo_password, spawn_app};

/// The handlers' state of an app configured with `extra` variables on top.
async fn state(app: &TestApp, extra: &[(&str, &str)]) -> trinhky_web::AppState {
    app.state_with(extra).await
}

/// A server on a loopback port until `stop` is sent.
struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(app: &TestApp, extra: &[(&str, &str)]) -> Running {
    let st = state(app, extra).await;
    let router = trinhky_web::router(st.clone());
    start_router(router, &st).await
}

async fn start_router(router: axum::Router, st: &trinhky_web::AppState) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let limits = st.settings.server.clone();
    let done = tokio::spawn(async move {
        trinhky_web::server::serve_router(listener, router, &limits, async {
            let _ = rx.await;
        })
        .await
    });
    Running { addr, stop, done }
}

impl Running {
    async fn stop(self) -> Duration {
        let t = Instant::now();
        self.stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(30), self.done)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
        t.elapsed()
    }
}

/// One request with `Connection: close`: (status, head, body).
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut out))
        .await
        .expect("answered within 60 s")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    request(addr, "GET", path, headers, b"").await
}

fn header_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Times of `n` sequential /healthz requests, each on a fresh connection.
async fn healthz_latencies(addr: SocketAddr, until: impl Fn() -> bool) -> Vec<Duration> {
    let mut out = Vec::new();
    while out.len() < 20 || !until() {
        let t = Instant::now();
        let (status, _, body) = get(addr, "/healthz", &[]).await;
        out.push(t.elapsed());
        assert_eq!(status, 200);
        assert_eq!(body, "ok");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    out
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let i = (v.len() * 99).div_ceil(100).saturating_sub(1);
    v[i.min(v.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_are_closed_within_the_header_timeout() {
    let app = spawn_app().await;
    let server = start(&app, &[("TRINHKY_HEADER_TIMEOUT_SECS", "1")]).await;
    let started = Instant::now();
    let mut half_open = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
            .await
            .unwrap();
        half_open.push(s);
    }
    // While they hang, the server answers.
    let lat = healthz_latencies(server.addr, || true).await;
    assert!(p99(lat) < Duration::from_millis(500));
    // Every one is closed by the server once the timeout (1 s) passes, none much later.
    let mut closed_at = Vec::new();
    for mut s in half_open {
        let mut buf = [0u8; 1024];
        let r = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {} // hyper may answer 408 before closing
                }
            }
        })
        .await;
        assert!(r.is_ok(), "a half-open connection stayed open 5 s");
        closed_at.push(started.elapsed());
    }
    let last = closed_at.iter().max().copied().unwrap();
    assert!(
        last < Duration::from_millis(2500),
        "closed {last:?} after opening (timeout 1 s)"
    );
    assert!(
        closed_at.iter().all(|t| *t >= Duration::from_millis(900)),
        "none is closed before the timeout"
    );
    assert_eq!(get(server.addr, "/healthz", &[]).await.0, 200);
    server.stop().await;
}

/// A report long enough for several pages, drafted by Sở Nội vụ's drafter.
async fn long_draft(app: &TestApp) -> i32 {
    use trinhky_testkit::flows::{principal, seed_assignment};
    let drafter = principal(app, "snv.chuyenvien").await;
    let a = seed_assignment(app).await;
    let doc = trinhky_app::documents::create_from_assignment(
        &app.store,
        &app.registry,
        &drafter,
        a,
        None,
    )
    .await
    .unwrap();
    let para = "Sở Nội vụ tổ chức rà soát, đánh giá kết quả thực hiện các nhiệm vụ cải cách hành chính; \
                đề xuất giải pháp khắc phục hạn chế, nâng cao Chỉ số cải cách hành chính cấp tỉnh. ";
    let body: String = (1..=120)
        .map(|i| format!("{i}. {}\n\n", para.repeat(2)))
        .collect();
    trinhky_app::documents::edit(
        &app.store,
        &app.registry,
        &drafter,
        doc.id,
        1,
        trinhky_testkit::store::documents::Content {
            title: "Báo cáo kết quả cải cách hành chính".into(),
            body,
            addressees: "Ủy ban nhân dân tỉnh".into(),
            recipients: "- Như trên;\n- Lưu: VT, TCBC.".into(),
        },
        "x",
    )
    .await
    .unwrap();
    doc.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_stays_fast_while_twenty_previews_render() {
    let app = spawn_app().await;
    let doc = long_draft(&app).await;
    let session = app
        .login("snv.chuyenvien", &demo_password("snv.chuyenvien"))
        .await
        .unwrap();
    let server = start(&app, &[]).await;
    let pages = {
        let l = trinhky_app::documents::load(
            &app.store,
            &app.registry,
            &trinhky_testkit::flows::principal(&app, "snv.chuyenvien").await,
            doc,
            trinhky_app::access::Want::Working,
        )
        .await
        .unwrap();
        trinhky_app::rendering::page_count(&app.store, &app.registry, &l)
            .await
            .unwrap()
    };
    assert!(pages >= 5, "the draft takes {pages} pages");
    // Warm: fonts and templates loaded once per process.
    let (status, _, _) = get(
        server.addr,
        &format!("/documents/{doc}/preview/1.png"),
        &[("Cookie", &session.cookie)],
    )
    .await;
    assert_eq!(status, 200);

    // The machine is shared (other builds and test runs): up to three rounds, each with an
    // emptied preview cache so that every round rasterises; one round must meet the target.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        app.registry.previews.clear();
        let p99 = preview_round(server.addr, &session.cookie, doc, pages).await;
        rounds.push(p99);
        if p99 < Duration::from_millis(50) {
            break;
        }
    }
    eprintln!("/healthz p99 per round: {rounds:?}");
    assert!(
        rounds.iter().any(|p| *p < Duration::from_millis(50)),
        "/healthz p99 {rounds:?}"
    );
    server.stop().await;
}

/// 20 preview requests in parallel while /healthz is asked again and again; the p99 of /healthz.
async fn preview_round(addr: SocketAddr, cookie: &str, doc: i32, pages: usize) -> Duration {
    let running = Arc::new(std::sync::atomic::AtomicUsize::new(20));
    let started = Instant::now();
    let previews: Vec<_> = (0..20)
        .map(|i| {
            let (cookie, running) = (cookie.to_owned(), running.clone());
            // Every page but the first, round and round.
            let page = 2 + i % (pages - 1);
            tokio::spawn(async move {
                let (status, head, _) = get(
                    addr,
                    &format!("/documents/{doc}/preview/{page}.png"),
                    &[("Cookie", &cookie)],
                )
                .await;
                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                (
                    status,
                    header_value(&head, "content-type").map(str::to_owned),
                )
            })
        })
        .collect();
    let r = running.clone();
    let lat = healthz_latencies(addr, move || {
        r.load(std::sync::atomic::Ordering::SeqCst) == 0
    })
    .await;
    for p in previews {
        let (status, ct) = p.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(ct.as_deref(), Some("image/png"));
    }
    let took = started.elapsed();
    let n = lat.len();
    let worst = lat.iter().max().copied().unwrap();
    let p99 = p99(lat);
    eprintln!(
        "20 previews of a {pages}-page draft took {took:?}; /healthz over {n} requests: p99 {p99:?}, max {worst:?}"
    );
    p99
}

async fn boom() -> &'static str {
    panic!("a handler bug")
}

async fn boom_on_the_pool() -> &'static str {
    trinhky_app::cpu::CpuPool::new(1)
        .run(|| -> &'static str { panic!("a bug in CPU work") })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_the_500_page_with_the_request_id_and_the_server_goes_on() {
    let app = spawn_app().await;
    let st = state(&app, &[]).await;
    // Routes that panic exist only here, inside the same middleware as every route.
    let routes = axum::Router::new()
        .route("/boom", route_get(boom))
        .route("/boom-cpu", route_get(boom_on_the_pool))
        .route("/api/v1/boom", route_get(boom))
        .route("/healthz", route_get(|| async { "ok" }));
    let server = start_router(trinhky_web::with_middleware(routes, st.clone()), &st).await;

    let (status, head, body) = get(server.addr, "/boom", &[("X-Request-Id", "req-13-a")]).await;
    assert_eq!(status, 500, "{head}\n{body}");
    assert_eq!(header_value(&head, "x-request-id"), Some("req-13-a"));
    assert!(
        body.contains("Lỗi hệ thống") && body.contains("req-13-a"),
        "{body}"
    );
    assert!(
        !body.contains("a handler bug"),
        "the panic message stays in the log"
    );
    assert!(header_value(&head, "content-security-policy").is_some());

    let (status, head, body) = get(server.addr, "/boom-cpu", &[]).await;
    assert_eq!(status, 500);
    let id = header_value(&head, "x-request-id").unwrap().to_owned();
    assert!(
        body.contains(&id),
        "the page shows the generated id {id}: {body}"
    );

    let (status, _, body) = get(server.addr, "/api/v1/boom", &[("X-Request-Id", "req-13-b")]).await;
    assert_eq!(status, 500);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "TK-INTERNAL");
    assert_eq!(v["request_id"], "req-13-b");

    for _ in 0..5 {
        assert_eq!(get(server.addr, "/healthz", &[]).await.0, 200);
    }
    server.stop().await;
}

#[tokio::test]
async fn r13_an_arrow_in_a_recipient_line_no_longer_breaks_the_clerks_page() {
    let app = spawn_app().await;
    let doc = trinhky_testkit::flows::approved_document(
        &app,
        "- Như trên;\n- Công ty -> A <a@b.vn\n- Lưu: VT, TCBC.",
    )
    .await;
    let server = start(&app, &[]).await;
    let clerk = app
        .login("snv.vanthu", &demo_password("snv.vanthu"))
        .await
        .unwrap();
    let (status, _, body) = get(
        server.addr,
        &format!("/documents/{doc}"),
        &[("Cookie", &clerk.cookie)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("a@b.vn"), "the line resolves to its address");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_prompt_with_idle_connections_and_bounded_with_slow_ones() {
    let app = spawn_app().await;
    // Idle connections (nothing sent yet, or kept alive after an answer) close at once, however
    // long the grace period and the header timeout are.
    let server = start(
        &app,
        &[
            ("TRINHKY_HEADER_TIMEOUT_SECS", "60"),
            ("TRINHKY_SHUTDOWN_GRACE_SECS", "30"),
        ],
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(TcpStream::connect(server.addr).await.unwrap());
    }
    for _ in 0..5 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        idle.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let took = server.stop().await;
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");

    // A client that never finishes its headers holds shutdown for the grace period only.
    let server = start(
        &app,
        &[
            ("TRINHKY_HEADER_TIMEOUT_SECS", "60"),
            ("TRINHKY_SHUTDOWN_GRACE_SECS", "1"),
        ],
    )
    .await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: te")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let took = server.stop().await;
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "shutdown took {took:?} with a grace of 1 s"
    );
    let mut buf = [0u8; 64];
    let r = tokio::time::timeout(Duration::from_secs(2), slow.read(&mut buf)).await;
    assert!(
        matches!(r, Ok(Ok(0) | Err(_))),
        "the slow connection is closed"
    );
    drop(idle);
}

#[tokio::test]
async fn the_request_id_is_taken_or_made_and_echoed() {
    let app = spawn_app().await;
    let server = start(&app, &[]).await;
    let (_, head, _) = get(server.addr, "/healthz", &[("X-Request-Id", "lb-7f3a.1")]).await;
    assert_eq!(header_value(&head, "x-request-id"), Some("lb-7f3a.1"));
    let (_, head, _) = get(server.addr, "/healthz", &[]).await;
    let made = header_value(&head, "x-request-id").unwrap();
    assert!(
        made.len() == 16 && made.bytes().all(|b| b.is_ascii_hexdigit()),
        "{made}"
    );
    // Not a plain token: replaced, never echoed.
    let (_, head, _) = get(
        server.addr,
        "/healthz",
        &[("X-Request-Id", "<script>x</script>")],
    )
    .await;
    let replaced = header_value(&head, "x-request-id").unwrap();
    assert!(
        !replaced.contains('<') && replaced.len() == 16,
        "{replaced}"
    );
    // Error pages under 5xx use it; 4xx answers echo it too.
    let (status, head, _) = get(server.addr, "/khong-co", &[("X-Request-Id", "abc")]).await;
    assert_eq!(status, 404);
    assert_eq!(header_value(&head, "x-request-id"), Some("abc"));
    server.stop().await;
}

async fn oneshot(router: &axum::Router, req: Request<Body>) -> axum::response::Response {
    use tower::ServiceExt;
    router.clone().oneshot(req).await.unwrap()
}

#[tokio::test]
async fn hsts_only_with_an_https_base_url() {
    let app = spawn_app().await;
    let req = || Request::get("/healthz").body(Body::empty()).unwrap();
    let plain = trinhky_web::router(state(&app, &[]).await);
    assert!(
        !oneshot(&plain, req())
            .await
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    let http = trinhky_web::router(
        state(
            &app,
            &[("TRINHKY_BASE_URL", "http://trinhky.example.gov.vn")],
        )
        .await,
    );
    assert!(
        !oneshot(&http, req())
            .await
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    let https = trinhky_web::router(
        state(
            &app,
            &[("TRINHKY_BASE_URL", "https://trinhky.example.gov.vn")],
        )
        .await,
    );
    let res = oneshot(&https, req()).await;
    assert_eq!(
        res.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
    // Error answers carry it too.
    let res = oneshot(
        &https,
        Request::get("/khong-co").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
}

fn set_cookies(res: &axum::response::Response) -> Vec<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn cookies_are_host_prefixed_when_secure_and_old_names_still_work() {
    let app = spawn_app().await;
    let router = trinhky_web::router(state(&app, &[("TRINHKY_SECURE_COOKIES", "always")]).await);
    let res = oneshot(&router, Request::get("/login").body(Body::empty()).unwrap()).await;
    let cookies = set_cookies(&res);
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("__Host-trinhky_login_csrf="))
        .unwrap_or_else(|| panic!("{cookies:?}"))
        .clone();
    assert!(
        csrf_cookie.contains("; Secure")
            && csrf_cookie.contains("Path=/;")
            && !csrf_cookie.contains("Domain"),
        "{csrf_cookie}"
    );
    let html = body_text(res).await;
    let csrf = trinhky_testkit::extract_csrf(&html).unwrap();
    let pair = csrf_cookie.split(';').next().unwrap().to_owned();
    let res = oneshot(
        &router,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &pair)
            .body(Body::from(format!(
                "csrf_token={csrf}&username=snv.chuyenvien&password={}",
                demo_password("snv.chuyenvien")
            )))
            .unwrap(),
    )
    .await;
    assert!(res.status().is_redirection(), "{:?}", res.status());
    let session = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("__Host-trinhky_session="))
        .expect("a __Host- session cookie");
    assert!(session.contains("; Secure") && session.contains("HttpOnly"));
    let pair = session.split(';').next().unwrap().to_owned();
    let home = |cookie: String| {
        Request::get("/")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(oneshot(&router, home(pair.clone())).await.status(), 200);
    // A session cookie set before the prefix (plain name) still opens the session.
    let legacy = pair.replacen("__Host-", "", 1);
    assert_eq!(oneshot(&router, home(legacy)).await.status(), 200);
}

#[tokio::test]
async fn a_slow_request_is_answered_503_in_vietnamese_with_its_id() {
    let app = spawn_app().await;
    let st = state(&app, &[("TRINHKY_REQUEST_TIMEOUT_SECS", "1")]).await;
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    }
    let routes = axum::Router::new()
        .route("/slow", route_get(slow))
        .route("/api/v1/slow", route_get(slow));
    let server = start_router(trinhky_web::with_middleware(routes, st.clone()), &st).await;
    let t = Instant::now();
    let (status, _, body) = get(server.addr, "/slow", &[("X-Request-Id", "slow-1")]).await;
    assert_eq!(status, 503);
    assert!(t.elapsed() < Duration::from_secs(3));
    assert!(
        body.contains("Máy chủ xử lý quá lâu") && body.contains("slow-1"),
        "{body}"
    );
    let (status, _, body) = get(server.addr, "/api/v1/slow", &[]).await;
    assert_eq!(status, 503);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "TK-TIMEOUT");
    server.stop().await;
}

#[tokio::test]
async fn ordinary_routes_take_small_bodies_only() {
    let app = spawn_app().await;
    let router = trinhky_web::router(state(&app, &[("TRINHKY_BODY_MAX_KB", "16")]).await);
    let (cookie, csrf) = app.login_form().await;
    let big = format!(
        "csrf_token={csrf}&username=x&password={}",
        "a".repeat(20 * 1024)
    );
    let res = oneshot(
        &router,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(big))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let html = body_text(res).await;
    assert!(html.contains("Dữ liệu gửi lên quá lớn"), "{html}");
}

/// Issue #14: the CPU pool is the App's own, sized by its settings (no process-wide pool), and a
/// missing part stops App::build with the setting to fix.
#[tokio::test]
async fn r14_the_app_owns_its_cpu_pool_and_names_a_missing_part() {
    let app = trinhky_testkit::spawn_app_with(&[("TRINHKY_CPU_WORKERS", "3")]).await;
    assert_eq!(app.app.cpu().available(), 3);
    let other = app.another_app(&[("TRINHKY_CPU_WORKERS", "1")]).await;
    assert_eq!(other.cpu().available(), 1);
    assert_eq!(app.app.cpu().available(), 3);
    let missing = app.data_dir.join("no-templates");
    let settings = trinhky_testkit::test_settings(
        &app.database_url,
        &app.data_dir,
        &[("TRINHKY_TEMPLATES_DIR", missing.to_str().unwrap())],
    );
    let err = trinhky_app::App::build(&settings)
        .await
        .err()
        .expect("no templates, no app");
    assert!(err.to_string().contains("TRINHKY_TEMPLATES_DIR"), "{err}");
}
