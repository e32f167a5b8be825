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

/// Rewrites the chain from event `from` on as someone with write access to the database only
/// could: the event's content changed, then every hash from there recomputed with plain SHA-256
/// (prev_hash, hash and the chain head), so the chain is internally consistent again.
async fn rewrite_chain(url: &str, from: i64) {
    use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
    use trinhky_domain::audit::AuditEntry;
    use trinhky_store::entities::{audit_event, audit_head};
    let store = trinhky_store::Store::connect(url).await.unwrap();
    let db = store.db();
    let rows = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await
        .unwrap();
    let mut prev = trinhky_domain::audit::GENESIS_HASH.to_owned();
    for m in rows {
        if m.seq < from {
            prev = m.hash.clone();
            continue;
        }
        let actor = if m.seq == from {
            "user:ke-gian".to_owned()
        } else {
            m.actor.clone()
        };
        let entry = AuditEntry {
            seq: m.seq,
            occurred_at: m.occurred_at,
            actor: actor.clone(),
            action: m.action.clone(),
            entity_type: m.entity_type.clone(),
            entity_id: m.entity_id.clone(),
            before_hash: m.before_hash.clone(),
            after_hash: m.after_hash.clone(),
            details: m.details.clone(),
        };
        let hash = entry.chain_hash(&prev);
        let mut am: audit_event::ActiveModel = m.into();
        am.actor = Set(actor);
        am.prev_hash = Set(prev.clone());
        am.hash = Set(hash.clone());
        am.update(db).await.unwrap();
        prev = hash;
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut head: audit_head::ActiveModel = head.into();
    head.hash = Set(prev);
    head.update(db).await.unwrap();
    store.close().await.unwrap();
}

#[tokio::test]
async fn r13_a_rewritten_chain_that_checks_out_fails_against_the_checkpoints() {
    let url = trinhky_testkit::fresh_database_url().await;
    let checkpoints = crate::checkpoints_of(&url);
    let _ = std::fs::remove_file(&checkpoints);
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    let o = trinhky(&url, &["audit", "checkpoint"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("appended to"), "{}", text(&o));
    let again = trinhky(&url, &["audit", "checkpoint"]);
    assert!(
        text(&again).contains("already anchored"),
        "{}",
        text(&again)
    );
    let lines = std::fs::read_to_string(&checkpoints).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&checkpoints)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let ok = trinhky(&url, &["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("checkpoints match"), "{}", text(&ok));

    // Rewrite event #3 and recompute every hash after it: the chain alone checks out …
    rewrite_chain(&url, 3).await;
    let unanchored = trinhky(
        &url,
        &[
            "audit",
            "verify",
            "--checkpoints",
            "/nonexistent/checkpoints.jsonl",
        ],
    );
    assert!(unanchored.status.success(), "{}", text(&unanchored));
    assert!(text(&unanchored).contains("audit chain intact"));
    assert!(text(&unanchored).contains("not anchored"));
    // … but not against the checkpoint made with the KEK.
    let bad = trinhky(&url, &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("the chain was rewritten up to that event"),
        "{}",
        text(&bad)
    );
    let json = trinhky(&url, &["audit", "verify", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(v["broken"].is_null(), "{v}");
    assert_eq!(v["anchors"]["problems"].as_array().unwrap().len(), 1, "{v}");
    // No new checkpoint anchors the rewritten chain.
    let refused = trinhky(&url, &["audit", "checkpoint"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("no audit checkpoint written"));
    assert_eq!(std::fs::read_to_string(&checkpoints).unwrap(), lines);

    // Nor can the checkpoint be rewritten to match without the KEK: its MAC no longer fits.
    let mut cp: serde_json::Value = serde_json::from_str(lines.trim()).unwrap();
    let store = trinhky_store::Store::connect(&url).await.unwrap();
    let seq = cp["seq"].as_i64().unwrap();
    cp["hash"] = trinhky_store::audit::hash_at(store.db(), seq)
        .await
        .unwrap()
        .unwrap()
        .into();
    store.close().await.unwrap();
    std::fs::write(&checkpoints, format!("{cp}\n")).unwrap();
    let forged = trinhky(&url, &["audit", "verify"]);
    assert_eq!(forged.status.code(), Some(1), "{}", text(&forged));
    assert!(text(&forged).contains("wrong MAC"), "{}", text(&forged));

    // Without the KEK the checkpoints cannot be checked: exit 2, not a pass.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(["audit", "verify"])
        .current_dir(trinhky_testkit::repo_root())
        .env("TRINHKY_DATABASE_URL", &url)
        .env("TRINHKY_AUDIT_CHECKPOINTS", &checkpoints)
        .env(
            "TRINHKY_DATA_DIR",
            std::env::temp_dir().join("trinhky-no-kek-here"),
        )
        .env_remove("TRINHKY_KEK")
        .env_remove("TRINHKY_KEK_FILE")
        .env_remove("TRINHKY_CONFIG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("cannot be checked without the KEK"));
    let _ = std::fs::remove_file(&checkpoints);
}
