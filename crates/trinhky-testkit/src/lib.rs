//! Test kit shared by the integration tests: a fresh database per test on the backend chosen by
//! `TRINHKY_TEST_DATABASE` (`sqlite`, the default, or `postgres`), the app as an axum router
//! (driven with `oneshot`, no socket), and the demo province loaded from `deploy/demo`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, header};
use sea_orm::ConnectionTrait;
use tower::ServiceExt;
use trinhky_app::{App, Settings};
use trinhky_store::Store;

pub mod flows;
pub mod mail;

/// Storage and its ORM, for tests that seed or inspect the database directly: the crates under
/// test reach storage only through `trinhky-app`, so their tests get it from here.
pub use sea_orm;
pub use trinhky_store as store;

/// The repository root (tests run with the crate as working directory).
pub fn repo_root() -> PathBuf {
    let mut p = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !p.join("deploy/demo/directory.toml").exists() {
        assert!(p.pop(), "repository root not found");
    }
    p
}

fn random_suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("randomness");
    hex::encode(b)
}

/// Which backend this test run uses.
pub fn backend() -> &'static str {
    match std::env::var("TRINHKY_TEST_DATABASE").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A fresh, empty database; returns its URL. PostgreSQL databases are named `tk_test_<random>`
/// (the test script drops leftovers before a run).
pub async fn fresh_database_url() -> String {
    let id = random_suffix();
    if backend() == "postgres" {
        let admin = std::env::var("TRINHKY_TEST_PG_ADMIN_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let conn = sea_orm::Database::connect(&admin)
            .await
            .expect("connect to PostgreSQL admin database");
        conn.execute_unprepared(&format!("CREATE DATABASE tk_test_{id}"))
            .await
            .expect("create test database");
        conn.close().await.ok();
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .expect("admin URL has a database");
        format!("{base}/tk_test_{id}")
    } else {
        let dir = std::env::temp_dir().join(format!("trinhky-test-{id}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        format!("sqlite://{}?mode=rwc", dir.join("trinhky.db").display())
    }
}

/// A migrated store on a fresh database.
pub async fn fresh_store() -> (Store, String) {
    let url = fresh_database_url().await;
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, url)
}

/// The app under test.
pub struct TestApp {
    /// The application, built by [`trinhky_app::App::build`] as the server builds it.
    pub app: Arc<App>,
    pub registry: Arc<trinhky_app::registry::Registry>,
    /// The app's data folder (`TRINHKY_DATA_DIR`), fresh per test.
    pub data_dir: PathBuf,
    pub store: Store,
    pub database_url: String,
    pub router: axum::Router,
    /// The development CA of the test keys (`ca.pem` there is the trust root).
    pub pki: TestPki,
}

/// The key-encryption key of the test apps (fixed, so a test can also pass it to the binary
/// as `TRINHKY_KEK`).
pub const TEST_KEK_BASE64: &str = "dHJpbmhreSB0ZXN0IEtFSyAtIG5vdCBhIHNlY3JldCE=";

/// [`TEST_KEK_BASE64`] as a key.
pub fn test_kek() -> trinhky_app::kek::Kek {
    trinhky_app::kek::Kek::parse(TEST_KEK_BASE64, "the test KEK").expect("test KEK")
}

/// Starts the app on a fresh database with the demo province and demo accounts loaded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The settings of a test app on `database_url` with its data in `data_dir`: the repository's
/// workflows, calendar and templates, the test KEK, and `env` (`TRINHKY_*` pairs) on top.
pub fn test_settings(
    database_url: &str,
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
) -> Settings {
    let root = repo_root();
    Settings::load(None, |k| {
        if let Some((_, v)) = env.iter().find(|(name, _)| *name == k) {
            return Some((*v).to_owned());
        }
        match k {
            "TRINHKY_DATABASE_URL" => Some(database_url.to_owned()),
            "TRINHKY_DATA_DIR" => Some(data_dir.display().to_string()),
            "TRINHKY_KEK" => Some(TEST_KEK_BASE64.to_owned()),
            "TRINHKY_WORKFLOWS_DIR" => Some(root.join("workflows").display().to_string()),
            "TRINHKY_CALENDAR" => Some(root.join("deploy/calendar/vn.toml").display().to_string()),
            "TRINHKY_TEMPLATES_DIR" => Some(root.join("templates").display().to_string()),
            _ => None,
        }
    })
    .expect("settings")
}

/// [`spawn_app`] with extra settings, as `TRINHKY_*` variables (e.g. `TRINHKY_TRUSTED_PROXIES`).
pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let (store, database_url) = fresh_store().await;
    trinhky_app::demo::load(&store, &repo_root().join("deploy/demo"))
        .await
        .expect("demo data loads");
    let pki = install_demo_keys(&store).await;
    store.close().await.expect("close the preparing connection");
    // Each test's own data folder (the administration pages write a development CA there); the
    // test CA is a trust root there, as `trinhky pki trust` would make it.
    let data_dir = std::env::temp_dir().join(format!("trinhky-test-data-{}", random_suffix()));
    std::fs::create_dir_all(data_dir.join("trust")).expect("data folder");
    std::fs::write(
        data_dir.join("trust/test-ca.pem"),
        pki.ca.to_pem().expect("CA as PEM"),
    )
    .expect("trust root");
    // Its CRL beside it, as an offline deployment keeps the revocation lists of its roots: the
    // certificates name an HTTP distribution point that is served only while an external
    // validator runs, and without revocation data a signature is indeterminate.
    std::fs::copy(pki.dir.join("ca.crl"), data_dir.join("trust/test-ca.crl")).expect("CRL");
    let settings = test_settings(&database_url, &data_dir, env);
    let app = Arc::new(App::build(&settings).await.expect("the app builds"));
    let router = trinhky_web::router(trinhky_web::state(app.clone()));
    TestApp {
        store: app.store().clone(),
        registry: app.registry().clone(),
        app,
        database_url,
        data_dir,
        router,
        pki,
    }
}

/// The development CA the test keys come from.
pub struct TestPki {
    pub dir: PathBuf,
    pub ca: openssl::x509::X509,
}

impl TestPki {
    /// Runs `cmd args…` while the CA's folder is served over HTTP on the port its certificates
    /// name as CRL distribution point. Test processes share the CA, so the server runs under an
    /// exclusive `flock` on the folder; returns the exit code and the combined output.
    pub fn with_crl_server(&self, cmd: &str, args: &[&str]) -> (i32, String) {
        let port = std::fs::read_to_string(self.dir.join("crl-port")).expect("crl-port");
        let quoted: Vec<String> = std::iter::once(cmd)
            .chain(args.iter().copied())
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect();
        let script = format!(
            "python3 -m http.server {port} --bind 127.0.0.1 --directory '{dir}' >/dev/null 2>&1 & srv=$!; \
             for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.05; done; \
             {cmd}; rc=$?; kill $srv; wait $srv 2>/dev/null; exit $rc",
            port = port.trim(),
            dir = self.dir.display(),
            cmd = quoted.join(" "),
        );
        let out = std::process::Command::new("flock")
            .arg(self.dir.join(".crl-server.lock"))
            .args(["bash", "-c", &script])
            .output()
            .expect("flock (util-linux) and bash");
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

/// Signing keys for every head, deputy and organisation of the demo (ECDSA P-256, PIN
/// [`trinhky_app::demo::DEMO_PIN`]). Issuing them per test would cost seconds, so one CA and key set
/// per version of the demo files is created once per machine under the temp folder (atomically:
/// built aside, then renamed) and each test database gets copies of the same keys.
pub async fn install_demo_keys(store: &Store) -> TestPki {
    use sha2::{Digest, Sha256};
    use trinhky_pdf::pki::{DevPki, IdentityKind, NewIdentity};
    let holders = trinhky_app::signing::holders_without_keys(store)
        .await
        .expect("holders");
    let mut h = Sha256::new();
    for f in ["deploy/demo/directory.toml", "deploy/demo/users.toml"] {
        h.update(std::fs::read(repo_root().join(f)).expect("demo file"));
    }
    h.update(b"pki-v4");
    let tag = hex::encode(&h.finalize()[..8]);
    let dir = std::env::temp_dir().join(format!("trinhky-test-pki-{tag}"));
    if !dir.join("manifest.json").exists() {
        let tmp = std::env::temp_dir().join(format!("trinhky-test-pki-{tag}-{}", random_suffix()));
        // Certificates name their CRL over HTTP on a loopback port picked now (pyHanko fetches
        // CRLs over HTTP only); `TestPki::with_crl_server` serves the folder there while an
        // external validator runs.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let crl_url = format!("http://127.0.0.1:{port}/ca.crl");
        let mut pki = DevPki::create_with_crl_url(
            &tmp,
            Some(&crl_url),
            trinhky_app::demo::DEMO_PIN,
            &[],
            &[],
        )
        .expect("test CA");
        let mut manifest = Vec::new();
        for holder in &holders {
            let kind = if holder.organization {
                IdentityKind::Organization
            } else {
                IdentityKind::Person
            };
            pki.issue(
                &NewIdentity::p256(&holder.name, trinhky_app::demo::DEMO_PIN),
                kind,
            )
            .expect("issue test key");
            let last = pki.issued.last().expect("issued");
            manifest.push(serde_json::json!({
                "handle": holder.handle,
                "p12": last.p12_path.file_name().unwrap().to_string_lossy(),
                "pem": String::from_utf8_lossy(&last.cert.to_pem().unwrap()),
            }));
        }
        std::fs::write(tmp.join("crl-port"), port.to_string()).unwrap();
        std::fs::write(
            tmp.join("manifest.json"),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        if std::fs::rename(&tmp, &dir).is_err() {
            // Another test process won the race; use its keys.
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    let manifest: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let txn = store.begin_write().await.unwrap();
    for holder in &holders {
        let entry = manifest
            .iter()
            .find(|e| e["handle"] == holder.handle.as_str())
            .unwrap_or_else(|| panic!("no cached test key for {}", holder.handle));
        let p12 = std::fs::read(dir.join(entry["p12"].as_str().unwrap())).unwrap();
        trinhky_app::signing::store_key(
            &txn,
            &test_kek(),
            "system:test",
            holder.owner,
            &holder.name,
            entry["pem"].as_str().unwrap(),
            &p12,
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
    let ca = openssl::x509::X509::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    TestPki { dir, ca }
}

/// Demo password of a demo user (the users file's convention).
pub fn demo_password(username: &str) -> String {
    format!("demo-{}", username.replace('.', "-"))
}

impl TestApp {
    /// Another application on this test's database and data folder, built with `env`
    /// (`TRINHKY_*` pairs) on top of the test settings: another server process, or the same
    /// server configured otherwise.
    pub async fn another_app(&self, env: &[(&str, &str)]) -> Arc<App> {
        let settings = test_settings(&self.database_url, &self.data_dir, env);
        Arc::new(App::build(&settings).await.expect("the app builds"))
    }

    /// The handlers' state of [`TestApp::another_app`].
    pub async fn state_with(&self, env: &[(&str, &str)]) -> trinhky_web::AppState {
        trinhky_web::state(self.another_app(env).await)
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers")
    }

    /// Logs in through the form (with its CSRF cookie) and returns the session cookie and the
    /// session's CSRF token (read from the home page).
    pub async fn login(&self, username: &str, password: &str) -> Result<Session, Response<Body>> {
        let (login_cookie, csrf) = self.login_form().await;
        let body = format!(
            "csrf_token={csrf}&username={}&password={}",
            urlencode(username),
            urlencode(password)
        );
        let res = self
            .send(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, login_cookie)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        if !res.status().is_redirection() {
            return Err(res);
        }
        let cookie = set_cookie(&res, "trinhky_session").expect("session cookie");
        let home = self
            .send(
                Request::get("/")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let html = body_text(home).await;
        let csrf = extract_csrf(&html).expect("csrf token on the home page");
        Ok(Session { cookie, csrf })
    }

    /// GETs the login form: (cookie header value, csrf token).
    pub async fn login_form(&self) -> (String, String) {
        let res = self
            .send(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let cookie = set_cookie(&res, "trinhky_login_csrf").expect("login csrf cookie");
        let html = body_text(res).await;
        (cookie, extract_csrf(&html).expect("csrf field"))
    }
}

/// A logged-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    /// `trinhky_session=…`, ready for a Cookie header.
    pub cookie: String,
    pub csrf: String,
}

/// `name=value` of a Set-Cookie header.
pub fn set_cookie(res: &Response<Body>, name: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let first = v.split(';').next()?;
            first
                .starts_with(&format!("{name}="))
                .then(|| first.to_owned())
        })
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(html[i..].split('"').next()?.to_owned())
}

pub async fn body_text(res: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

/// Percent-encodes everything but RFC 3986's unreserved characters (a query value or a path
/// segment), as the pages write their links.
pub fn urlencode(s: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The body with the HTML entities minijinja writes (`&#x2f;`, `&amp;` …) decoded, for text checks.
pub async fn page_text(res: Response<Body>) -> String {
    unescape(&body_text(res).await)
}

pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A form answered by post/redirect/get (issue 16): asserts the 303, then opens the page it
/// leads to with its flash cookie, and returns that page's text (the confirmation or the
/// refusal, with what was typed).
pub async fn followed(app: &TestApp, s: &Session, res: Response<Body>) -> String {
    assert_eq!(
        res.status(),
        axum::http::StatusCode::SEE_OTHER,
        "post/redirect/get"
    );
    let to = res.headers()[header::LOCATION]
        .to_str()
        .expect("Location")
        .to_owned();
    let cookie = match set_cookie(&res, "trinhky_flash") {
        Some(f) => format!("{}; {f}", s.cookie),
        None => s.cookie.clone(),
    };
    page_text(
        app.send(
            Request::get(to)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await,
    )
    .await
}
