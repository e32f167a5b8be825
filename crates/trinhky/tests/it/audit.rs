//! Editing an audit row in the database makes `trinhky audit verify` fail and name it.

use sea_orm::ConnectionTrait;

use crate::{demo_file, text, trinhky};

async fn exec(url: &str, sql: &str) {
    let store = trinhky_store::Store::connect(url).await.unwrap();
    store.db().execute_unprepared(sql).await.unwrap();
    store.close().await.unwrap();
}

#[tokio::test]
async fn intact_chain_verifies_and_an_edited_row_is_named() {
    let url = trinhky_testkit::fresh_database_url().await;
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    let ok = trinhky(&url, &["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("audit chain intact"), "{}", text(&ok));

    exec(
        &url,
        "UPDATE audit_events SET actor = 'user:ke-gian' WHERE seq = 7",
    )
    .await;
    let bad = trinhky(&url, &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("event #7 was modified"),
        "{}",
        text(&bad)
    );

    let json = trinhky(&url, &["audit", "verify", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["broken"]["kind"], "content_changed");
    assert_eq!(v["broken"]["seq"], 7);
}

#[tokio::test]
async fn deleted_rows_are_found() {
    let url = trinhky_testkit::fresh_database_url().await;
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    exec(&url, "DELETE FROM audit_events WHERE seq = 5").await;
    let bad = trinhky(&url, &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("event #5 is missing"), "{}", text(&bad));

    let url = trinhky_testkit::fresh_database_url().await;
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    // Deleting the newest event is found too: the chain head still records it.
    exec(
        &url,
        "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)",
    )
    .await;
    let bad = trinhky(&url, &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("removed from the end"),
        "{}",
        text(&bad)
    );
}
