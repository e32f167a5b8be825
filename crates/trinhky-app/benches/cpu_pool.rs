//! The cost of the CPU pool (`trinhky_app::cpu::CpuPool::run`: a semaphore permit, then tokio's
//! `spawn_blocking`, then waking the caller) on the render and sign figures of BENCHMARKS.md,
//! measured in one run: each operation called directly on the benchmark thread (the baseline) and
//! the same operation awaited through the pool from a tokio runtime, as the web handlers do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use trinhky_domain::time::VN_OFFSET;
use trinhky_pdf::pki::{DevPki, NewIdentity, load_p12};
use trinhky_pdf::sign::{Placement, SignOptions, SignatureImage, SignatureKind, sign_pdf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // Rendering: the two-page báo cáo of the render benchmark, new data every time.
    let renderer = Arc::new(trinhky_render::Renderer::new(root().join("templates")).unwrap());
    let data: trinhky_render::DocumentData = serde_json::from_slice(
        &std::fs::read(root().join("crates/trinhky-render/examples/data/bao-cao.json")).unwrap(),
    )
    .unwrap();
    let pool = trinhky_app::cpu::CpuPool::default();
    let mut g = c.benchmark_group("cpu-pool");
    g.bench_function("no-op: direct", |b| b.iter(|| black_box(1 + 1)));
    g.bench_function("no-op: through the pool", |b| {
        b.iter(|| rt.block_on(pool.run(|| black_box(1 + 1))))
    });
    g.bench_function("render bao-cao pdf: direct", |b| {
        let mut n = 0u32;
        b.iter(|| {
            n += 1;
            let mut d = data.clone();
            d.number = Some(format!("{:02}/BC-SNV", n % 10_000));
            black_box(renderer.render_pdf("bao-cao", &d).unwrap())
        })
    });
    g.bench_function("render bao-cao pdf: through the pool", |b| {
        let mut n = 0u32;
        b.iter(|| {
            n += 1;
            let mut d = data.clone();
            d.number = Some(format!("{:02}/BC-SNV", n % 10_000));
            let r = renderer.clone();
            black_box(rt.block_on(pool.run(move || r.render_pdf("bao-cao", &d).unwrap())))
        })
    });
    g.bench_function("preview page 1 png 96 dpi: direct", |b| {
        let mut n = 0u32;
        b.iter(|| {
            n += 1;
            let mut d = data.clone();
            d.number = Some(format!("{:02}/BC-SNV", n % 10_000));
            black_box(renderer.render_png_page("bao-cao", &d, 96.0, 1).unwrap())
        })
    });
    g.bench_function("preview page 1 png 96 dpi: through the pool", |b| {
        let mut n = 0u32;
        b.iter(|| {
            n += 1;
            let mut d = data.clone();
            d.number = Some(format!("{:02}/BC-SNV", n % 10_000));
            let r = renderer.clone();
            black_box(
                rt.block_on(pool.run(move || r.render_png_page("bao-cao", &d, 96.0, 1).unwrap())),
            )
        })
    });

    // Signing: the two-page fixture of the sign benchmark, personal visible signature, RSA-2048.
    let dir = std::env::temp_dir().join("trinhky-cpu-pool-bench");
    let _ = std::fs::remove_dir_all(&dir);
    let pki = DevPki::create(
        &dir.join("pki"),
        "bench-ca",
        &[],
        &[NewIdentity::rsa("Nguyễn Văn An", "2468")],
    )
    .unwrap();
    let pdf = Arc::new(
        std::fs::read(root().join("crates/trinhky-pdf/tests/fixtures/sign/two-page.pdf")).unwrap(),
    );
    let person = Arc::new(
        load_p12(
            &std::fs::read(&pki.get("Nguyễn Văn An").unwrap().p12_path).unwrap(),
            "2468",
        )
        .unwrap(),
    );
    let image = std::fs::read(root().join("templates/signatures/demo-signature.png")).unwrap();
    let opts = Arc::new(SignOptions {
        kind: SignatureKind::Personal,
        placement: Placement {
            page: 2,
            rect: [365.0, 591.0, 485.0, 639.0],
        },
        image: Some(SignatureImage::from_png(&image).unwrap()),
        reason: Some("Phê duyệt".into()),
        location: Some("Hà Nội".into()),
        name: Some("Nguyễn Văn An".into()),
        time: VN_OFFSET.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap(),
        tsa_url: None,
        trust: Vec::new(),
    });
    g.bench_function("sign personal (visible): direct", |b| {
        b.iter(|| black_box(sign_pdf(&pdf, &*person, &opts).unwrap()))
    });
    g.bench_function("sign personal (visible): through the pool", |b| {
        b.iter(|| {
            let (pdf, person, opts) = (pdf.clone(), person.clone(), opts.clone());
            black_box(rt.block_on(pool.run(move || sign_pdf(&pdf, &*person, &opts).unwrap())))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
