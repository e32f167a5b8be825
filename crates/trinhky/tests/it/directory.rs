//! `trinhky directory import`: idempotent, and a broken file imports nothing.

use sea_orm::{ConnectionTrait, Statement};

use crate::{demo_file, text, trinhky, write_temp};

async fn count(url: &str, table: &str) -> i64 {
    let store = trinhky_store::Store::connect(url).await.unwrap();
    let db = store.db();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    store.close().await.unwrap();
    n
}

#[tokio::test]
async fn importing_twice_changes_nothing() {
    let url = trinhky_testkit::fresh_database_url().await;
    let file = demo_file("directory.toml");
    let first = trinhky(&url, &["directory", "import", &file]);
    assert!(first.status.success(), "{}", text(&first));
    let agencies = count(&url, "agencies").await;
    let events = count(&url, "audit_events").await;
    assert!(agencies >= 40, "{agencies}");
    assert!(
        text(&first).contains(&format!("agencies: {agencies} created")),
        "{}",
        text(&first)
    );

    let second = trinhky(&url, &["directory", "import", &file]);
    assert!(second.status.success());
    assert!(
        text(&second).contains("nothing changed"),
        "{}",
        text(&second)
    );
    assert_eq!(count(&url, "agencies").await, agencies);
    assert_eq!(
        count(&url, "audit_events").await,
        events,
        "an unchanged import writes no audit event"
    );

    // A real change is applied and audited.
    let original = std::fs::read_to_string(&file).unwrap();
    let changed = original.replacen("snv@daknong.example", "noivu@daknong.example", 1);
    assert_ne!(changed, original);
    let path = write_temp("changed.toml", &changed);
    let third = trinhky(&url, &["directory", "import", &path]);
    assert!(text(&third).contains("1 updated"), "{}", text(&third));
    assert_eq!(count(&url, "audit_events").await, events + 1);
}

#[tokio::test]
async fn a_broken_file_is_rejected_with_line_and_imports_nothing() {
    let url = trinhky_testkit::fresh_database_url().await;
    let original = std::fs::read_to_string(demo_file("directory.toml")).unwrap();
    // Valid agencies first, then a group naming an agency that does not exist, at the end.
    let broken = format!(
        "{original}\n[[groups]]\ncode = \"HONG\"\nname = \"Nhóm hỏng\"\nmembers = [\"SNV\", \"KHONGCO\"]\n"
    );
    let line = broken.lines().count();
    let path = write_temp("broken.toml", &broken);
    let o = trinhky(&url, &["directory", "import", &path]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains(&format!("broken.toml:{line}:")),
        "names the line {line}: {t}"
    );
    assert!(
        t.contains("KHONGCO") && t.contains("nothing was imported"),
        "{t}"
    );
    let migrated = trinhky(&url, &["migrate"]);
    assert!(migrated.status.success());
    assert_eq!(
        count(&url, "agencies").await,
        0,
        "no agency from the broken file was stored"
    );
    assert_eq!(count(&url, "audit_events").await, 0);

    // Syntax errors too, and an import over existing data leaves it as it was.
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    let before = count(&url, "agencies").await;
    let syntax = original.replacen("kind = \"department\"", "kind = department", 1);
    let path = write_temp(
        "syntax.toml",
        &syntax.replacen("snv@daknong.example", "x@daknong.example", 1),
    );
    let o = trinhky(&url, &["directory", "import", &path]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("syntax.toml:"), "{}", text(&o));
    assert_eq!(count(&url, "agencies").await, before);
    let store = trinhky_store::Store::connect(&url).await.unwrap();
    let snv = trinhky_store::directory::agency_by_code(store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snv.email, "snv@daknong.example");
}

#[tokio::test]
async fn user_add_creates_an_account_that_can_log_in() {
    let url = trinhky_testkit::fresh_database_url().await;
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    let o = crate::trinhky_with_stdin(
        &url,
        &[
            "user",
            "add",
            "--username",
            "snv.moi",
            "--full-name",
            "Lê Thị Thu Hà",
            "--email",
            "ha@daknong.example",
            "--role",
            "SNV:drafter:Chuyên viên",
        ],
        "mot-mat-khau-dai\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let store = trinhky_store::Store::connect(&url).await.unwrap();
    let s = trinhky_app::auth::login(
        &store,
        &trinhky_app::auth::Logins::default(),
        "snv.moi",
        "mot-mat-khau-dai",
        "127.0.0.1",
        chrono::Duration::minutes(5),
        chrono::Utc::now(),
    )
    .await;
    assert!(s.is_ok());
    let dup = crate::trinhky_with_stdin(
        &url,
        &[
            "user",
            "add",
            "--username",
            "snv.moi",
            "--full-name",
            "X",
            "--email",
            "x@daknong.example",
            "--role",
            "SNV:drafter",
        ],
        "mot-mat-khau-dai\n",
    );
    assert_eq!(dup.status.code(), Some(1));
    assert!(text(&dup).contains("already exists"));
    let bad = crate::trinhky_with_stdin(
        &url,
        &[
            "user",
            "add",
            "--username",
            "y.z",
            "--full-name",
            "Y",
            "--email",
            "y@daknong.example",
            "--role",
            "SNV:boss",
        ],
        "mot-mat-khau-dai\n",
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("unknown role \"boss\""),
        "{}",
        text(&bad)
    );
}
