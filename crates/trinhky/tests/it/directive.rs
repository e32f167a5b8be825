//! `trinhky directive parse|import` on the seed directive in every format, and bad input.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

use crate::{demo_file, text, trinhky, write_temp};

fn fixture(rel: &str) -> String {
    trinhky_testkit::repo_root().join(rel).display().to_string()
}

const SEED_TXT: &str = "crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt";

fn parse_json(file: &str) -> Value {
    let o = trinhky("sqlite::memory:", &["directive", "parse", file, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// (ref, leads, kind, last_day) of every task: what must agree across formats.
fn task_keys(v: &Value) -> Vec<(String, String, String, String)> {
    v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["ref"].as_str().unwrap().to_owned(),
                t["leads"].to_string(),
                t["deadline"]["kind"].to_string(),
                t["deadline"]["last_day"].to_string(),
            )
        })
        .collect()
}

#[test]
fn seed_extraction_has_the_dated_tasks() {
    let v = parse_json(&fixture(SEED_TXT));
    let tasks = task_keys(&v);
    let find = |r: &str| {
        tasks
            .iter()
            .find(|t| t.0 == r)
            .unwrap_or_else(|| panic!("task {r} in {tasks:?}"))
            .clone()
    };
    assert_eq!(find("2.6").3, "\"2023-06-19\"");
    assert_eq!(find("4").3, "\"2023-06-15\"");
    assert_eq!(find("6.1").3, "\"2023-06-26\"");
    assert_eq!(find("7.1").3, "\"2023-06-26\"");
    assert_eq!(find("5").2, "\"conditional\"");
    assert_eq!(v["archive"], "Lưu: VT, TH (Dg).");
    let human = trinhky(
        "sqlite::memory:",
        &["directive", "parse", &fixture(SEED_TXT)],
    );
    assert!(text(&human).contains("19/06/2023"), "{}", text(&human));
}

#[test]
fn docx_and_pdf_of_the_seed_give_the_same_tasks_as_the_text() {
    let txt = task_keys(&parse_json(&fixture(SEED_TXT)));
    assert!(txt.len() >= 5);
    for f in [
        "crates/trinhky-pdf/tests/fixtures/seed.docx",
        "crates/trinhky-pdf/tests/fixtures/seed.pdf",
        "crates/trinhky-pdf/tests/fixtures/seed-fpdf2.pdf",
    ] {
        assert_eq!(task_keys(&parse_json(&fixture(f))), txt, "{f}");
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    let store = trinhky_store::Store::connect(url).await.unwrap();
    let db = store.db();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    store.close().await.unwrap();
    n
}

#[tokio::test]
async fn import_creates_one_assignment_per_member_agency() {
    let url = trinhky_testkit::fresh_database_url().await;
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    let no = trinhky(&url, &["directive", "import", &fixture(SEED_TXT)]);
    assert_eq!(
        no.status.code(),
        Some(1),
        "without --yes and without a terminal nothing is stored"
    );
    assert_eq!(count(&url, "SELECT COUNT(*) AS n FROM directives").await, 0);

    let o = trinhky(&url, &["directive", "import", &fixture(SEED_TXT), "--yes"]);
    assert!(o.status.success(), "{}", text(&o));
    let members = count(
        &url,
        "SELECT COUNT(DISTINCT gm.agency_id) AS n FROM group_members gm JOIN recipient_groups g ON g.id = gm.group_id WHERE g.code IN ('SO-BAN-NGANH', 'UBND-HUYEN')",
    )
    .await;
    assert!(members > 20);
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) AS n FROM assignments WHERE task_ref = '2.6'"
        )
        .await,
        members
    );
    assert_eq!(
        count(&url, "SELECT COUNT(*) AS n FROM assignments a JOIN agencies g ON g.id = a.lead_agency_id WHERE a.task_ref = '6.1' AND g.code = 'SNV'").await,
        1
    );
    assert_eq!(count(&url, "SELECT COUNT(*) AS n FROM assignments WHERE task_ref = '5' AND last_day IS NULL AND deadline_kind = 'conditional'").await, 1);
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) AS n FROM directives WHERE status = 'confirmed'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&url, "SELECT COUNT(*) AS n FROM blobs").await,
        1,
        "the original file is kept as a blob"
    );
    let audit = trinhky(&url, &["audit", "verify"]);
    assert!(audit.status.success(), "{}", text(&audit));
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_stores_nothing() {
    let url = trinhky_testkit::fresh_database_url().await;
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    let big = std::env::temp_dir().join(format!("trinhky-big-{}.txt", std::process::id()));
    std::fs::write(
        &big,
        "Giao Sở Nội vụ báo cáo trước ngày 20/6/2023.\n".repeat(50 * 1024 * 1024 / 48),
    )
    .unwrap();
    let cases = [
        (write_temp("empty.txt", ""), "empty"),
        (fixture("crates/trinhky-pdf/tests/fixtures/junk.bin"), "not"),
        (
            fixture("crates/trinhky-pdf/tests/fixtures/no-body.docx"),
            "no",
        ),
        (
            fixture("crates/trinhky-pdf/tests/fixtures/scanned.pdf"),
            "no text layer",
        ),
        (big.display().to_string(), "MB"),
        (write_temp("no-tasks.txt", "Hôm nay trời đẹp.\n"), "DIR002"),
    ];
    for (file, needle) in cases {
        let o = trinhky(&url, &["directive", "import", &file, "--yes"]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", text(&o));
        let t = text(&o);
        assert!(
            t.to_lowercase().contains(&needle.to_lowercase()),
            "{file}: {t}"
        );
        assert!(t.contains("nothing was stored"), "{file}: {t}");
        assert!(!t.contains("panicked"));
    }
    assert_eq!(count(&url, "SELECT COUNT(*) AS n FROM directives").await, 0);
    assert_eq!(count(&url, "SELECT COUNT(*) AS n FROM blobs").await, 0);
    let _ = std::fs::remove_file(big);
}
