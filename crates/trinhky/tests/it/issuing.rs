//! 200 clerks' issue calls at once over HTTP against real `trinhky serve` processes (two sharing
//! one PostgreSQL database; one on SQLite): the outgoing register gets numbers 1…200, no gap, no
//! duplicate, each document exactly one.

use std::collections::BTreeSet;
use std::time::Instant;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use trinhky_testkit::flows::approved_documents;
use trinhky_testkit::{backend, spawn_app};

use crate::servers::{Serve, post_json, scratch};

#[tokio::test]
async fn two_hundred_issuings_over_http_get_numbers_1_to_200_without_gaps() {
    const N: usize = 200;
    let app = spawn_app().await;
    let t = Instant::now();
    let docs = approved_documents(
        &app,
        N,
        2,
        "- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT, SNV.",
    )
    .await;
    let prepared = t.elapsed();
    let token = trinhky_app::auth::create_api_token(&app.store, "test", "snv.vanthu", "load test")
        .await
        .unwrap();
    let dir = scratch("issuing");
    let n_servers = if backend() == "postgres" { 2 } else { 1 };
    let mut servers: Vec<Serve> = (0..n_servers)
        .map(|i| {
            Serve::start(
                &app.database_url,
                &dir.join(format!("data{i}")),
                &app.pki.dir,
                &[],
            )
        })
        .collect();
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();

    let t = Instant::now();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(N));
    let handles: Vec<_> = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let addr = addrs[i % addrs.len()].clone();
            let (token, barrier, doc) = (token.clone(), barrier.clone(), *doc);
            std::thread::spawn(move || {
                barrier.wait();
                post_json(
                    &addr,
                    &format!("/api/v1/documents/{doc}/actions/issue"),
                    &token,
                    &format!(
                        r#"{{"expected_version":3,"pin":"{}"}}"#,
                        trinhky_app::demo::DEMO_PIN
                    ),
                )
            })
        })
        .collect();
    let results: Vec<(u16, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let issuing = t.elapsed();
    let failed: Vec<_> = results.iter().filter(|(s, _)| *s != 200).collect();
    eprintln!(
        "prepared in {prepared:.1?}; issuing took {:.1?}; {} of {N} failed",
        t.elapsed(),
        failed.len()
    );
    assert!(failed.is_empty(), "{:?}", failed.first());

    let snv = trinhky_store::directory::agency_by_code(app.store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    let register = trinhky_store::entities::outgoing_register::Entity::find()
        .filter(trinhky_store::entities::outgoing_register::Column::AgencyId.eq(snv.id))
        .all(app.store.db())
        .await
        .unwrap();
    assert_eq!(register.len(), N);
    let mut seqs: Vec<i32> = register.iter().map(|r| r.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>(), "unique and gap-free");
    let numbers: BTreeSet<&str> = register.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(numbers.len(), N, "no duplicate number");
    assert!(numbers.contains("01/KH-SNV") && numbers.contains("200/KH-SNV"));
    let docs_in_register: BTreeSet<i32> = register.iter().filter_map(|r| r.document_id).collect();
    assert_eq!(docs_in_register, docs.iter().copied().collect());
    for s in &mut servers {
        assert!(s.stop().success());
    }
    eprintln!(
        "{}: {N} documents prepared in {prepared:.1?}; {N} issue calls over HTTP on {n_servers} server(s) in {issuing:.1?}",
        backend()
    );
}
