//! Issue 13: no server without a key-encryption key outside the demo, the demo on loopback only,
//! the KEK file itself, and migrations run by several processes at once.

use std::process::{Command, Output};

use crate::text;

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("trinhky-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The binary with only the given settings (no KEK unless `env` names one).
fn bare(url: &str, data: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trinhky"));
    c.args(args)
        .current_dir(trinhky_testkit::repo_root())
        .env_remove("TRINHKY_CONFIG")
        .env_remove("TRINHKY_KEK")
        .env_remove("TRINHKY_KEK_FILE")
        .env_remove("TRINHKY_BIND")
        .env("TRINHKY_DATABASE_URL", url)
        .env("TRINHKY_DATA_DIR", data)
        .env("TRINHKY_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[tokio::test]
async fn r13_serve_refuses_to_start_without_a_kek_outside_demo() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = scratch("nokek");
    let o = bare(&url, &data, &["serve", "--bind", "127.0.0.1:0"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("no key-encryption key (KEK)"), "{t}");
    assert!(t.contains("trinhky keys init-kek"), "{t}");
    assert!(t.contains("TRINHKY_KEK_FILE"), "{t}");
    assert!(
        !data.join("kek").exists(),
        "no KEK is made outside the demo"
    );
    // Signing commands refuse the same way.
    let o = bare(&url, &data, &["pki", "init"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("trinhky keys init-kek"), "{}", text(&o));

    // A KEK file others may read is refused too.
    let kek = data.join("kek-open");
    let o = bare(
        &url,
        &data,
        &["keys", "init-kek", &kek.display().to_string()],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kek, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = bare(
            &url,
            &data,
            &["serve", "--bind", "127.0.0.1:0"],
            &[("TRINHKY_KEK_FILE", &kek.display().to_string())],
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("chmod 600"), "{}", text(&o));
    }
}

#[tokio::test]
async fn r13_demo_refuses_a_public_address_without_demo_public() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = scratch("demopublic");
    for bind in ["0.0.0.0:0", "[::]:0"] {
        let o = bare(&url, &data, &["serve", "--demo", "--bind", bind], &[]);
        assert_eq!(o.status.code(), Some(2), "{bind}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains("refusing to start the demo"), "{t}");
        assert!(t.contains("--demo-public"), "{t}");
    }
    // The setting is checked the same way as the flag.
    let o = bare(
        &url,
        &data,
        &["serve", "--demo"],
        &[("TRINHKY_BIND", "0.0.0.0:0")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--demo-public"), "{}", text(&o));
    // Nothing was started or created on the way.
    assert!(!data.join("kek").exists());
    // --demo-public needs --demo.
    let o = bare(&url, &data, &["serve", "--demo-public"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn r13_keys_init_kek_writes_a_private_file_once() {
    let data = scratch("initkek");
    let file = data.join("etc/kek");
    let f = file.display().to_string();
    let o = bare("sqlite::memory:", &data, &["keys", "init-kek", &f], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("TRINHKY_KEK_FILE="), "{}", text(&o));
    let first = std::fs::read(&file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let o = bare("sqlite::memory:", &data, &["keys", "init-kek", &f], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("refusing to overwrite"), "{}", text(&o));
    assert_eq!(std::fs::read(&file).unwrap(), first, "the KEK is untouched");
}

#[tokio::test]
async fn r13_two_concurrent_migrations_on_a_fresh_database_both_succeed() {
    for round in 0..3 {
        let url = trinhky_testkit::fresh_database_url().await;
        let data = scratch(&format!("migrate-{round}"));
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_trinhky"))
                .arg("migrate")
                .current_dir(trinhky_testkit::repo_root())
                .env_remove("TRINHKY_CONFIG")
                .env("TRINHKY_DATABASE_URL", &url)
                .env("TRINHKY_DATA_DIR", &data)
                .env("TRINHKY_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success(), "first: {}", text(&a));
        assert!(b.status.success(), "second: {}", text(&b));
        // One of them applied every migration, the other found nothing left to do.
        let applied = |o: &Output| -> usize {
            let t = text(o);
            t.split("migrations applied: ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{t}"))
        };
        let (x, y) = (applied(&a), applied(&b));
        assert!(x.min(y) == 0 && x.max(y) > 0, "{x} and {y}");
        // In process too: two stores on the same fresh database, at once.
        let url = trinhky_testkit::fresh_database_url().await;
        let s1 = trinhky_store::Store::connect(&url).await.unwrap();
        let s2 = trinhky_store::Store::connect(&url).await.unwrap();
        let (r1, r2) = tokio::join!(s1.migrate(), s2.migrate());
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert!(r1.min(r2) == 0 && r1.max(r2) > 0, "{r1} and {r2}");
        assert!(s1.is_migrated().await.unwrap());
    }
}
