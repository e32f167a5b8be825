//! Warm render of a two-page báo cáo with a table (examples/data/bao-cao.json).
//!
//! "new data" changes the document number on every iteration, so typst's memoisation cannot replay the
//! previous layout: this is the figure that matters for a server rendering different documents.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let renderer =
        trinhky_render::Renderer::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../templates"))
            .unwrap_or_else(|e| panic!("templates: {e}"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/bao-cao.json");
    let data: trinhky_render::DocumentData =
        serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{e}")))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        renderer.page_count("bao-cao", &data).ok(),
        Some(2),
        "the benchmark document must have two pages"
    );
    let mut g = c.benchmark_group("render");
    g.bench_function("bao-cao 2 pages pdf, new data", |b| {
        let mut n = 0u32;
        let mut d = data.clone();
        b.iter(|| {
            n += 1;
            d.number = Some(format!("{:02}/BC-SNV", n % 10_000));
            black_box(renderer.render_pdf("bao-cao", &d).unwrap_or_default())
        })
    });
    g.bench_function("bao-cao 2 pages pdf, same data", |b| {
        b.iter(|| black_box(renderer.render_pdf("bao-cao", &data).unwrap_or_default()))
    });
    g.bench_function("bao-cao 2 pages png 96 dpi, new data", |b| {
        let mut n = 0u32;
        let mut d = data.clone();
        b.iter(|| {
            n += 1;
            d.number = Some(format!("{:02}/BC-SNV", n % 10_000));
            black_box(renderer.render_png("bao-cao", &d, 96.0).unwrap_or_default())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
