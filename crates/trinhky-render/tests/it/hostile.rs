//! Hostile body markup: typst syntax prints as text, oversized input is refused quickly.

use std::time::{Duration, Instant};

use trinhky_render::RenderError;

use crate::fixtures::{long_report, renderer, sample};
use crate::poppler::text;

const HOSTILE: &[&str] = &[
    r#"#read("/etc/passwd")"#,
    r#"#import "/etc/passwd": *"#,
    r#"#let x = 1; #x #include "nd30.typ""#,
    r#"#json("/data.json") #image("/etc/hosts")"#,
    r#"$ sum_(i=1)^n x_i $ and \\ backslashes \ and ] closing [ brackets"#,
    r#"@label -- --- <tag> `raw` = heading _under_ ~ end"#,
    r#"#{ while true { } } #set page(width: 1pt) #show: none"#,
    "ủy ban «nhân dân» \u{200b}zero-width & <b>html</b> /* comment */ // comment",
];

#[test]
fn typst_syntax_in_every_field_prints_as_plain_text() {
    let mut d = sample("cong-van");
    d.body = HOSTILE.join("\n");
    d.title = HOSTILE[0].into();
    d.issuing_body = "#read(\"/etc/passwd\")".into();
    d.signer.name = "#import \"x\": *".into();
    d.recipients = vec![r"$x$ ] \".into(), "Lưu: VT, @ref".into()];
    d.addressees = vec!["<tag> #let".into()];
    for template in trinhky_render::TEMPLATES {
        let pdf = renderer()
            .render_pdf(template, &d)
            .unwrap_or_else(|e| panic!("{template}: {e}"));
        let got = text(&pdf);
        assert!(!got.contains("root:x:0"), "{template}: /etc/passwd leaked");
        for line in HOSTILE {
            // Compare without whitespace: pdftotext re-flows lines as it likes.
            let squash = |s: &str| {
                s.replace('\u{200b}', "")
                    .split_whitespace()
                    .collect::<String>()
            };
            let expected = squash(&line.replace(r"\\", r"\"));
            let got_clean = squash(&got);
            assert!(
                got_clean.contains(&expected),
                "{template}: {expected:?} missing from\n{got}"
            );
        }
        assert!(got.contains("#import \"x\": *"), "{template}: signer");
        assert!(got.contains(r"- $x$ ] \;"), "{template}: recipient");
    }
}

#[test]
fn markup_markers_and_escapes() {
    let mut d = sample("bao-cao");
    d.body =
        r"Giá trị 5 * 3 = 15, **đậm** *nghiêng* \*không nghiêng\* và \\ và **không đóng".into();
    let got = text(&renderer().render_pdf("bao-cao", &d).unwrap());
    assert!(
        got.contains(r"Giá trị 5 * 3 = 15, đậm nghiêng *không nghiêng* và \ và **không đóng"),
        "{got}"
    );
}

fn assert_too_large(result: Result<Vec<u8>, RenderError>, started: Instant, what: &str) {
    let elapsed = started.elapsed();
    match result {
        Err(RenderError::TooLarge(msg)) => assert!(!msg.is_empty()),
        other => panic!(
            "{what}: expected TooLarge, got {:?}",
            other.map(|b| b.len())
        ),
    }
    // A bound, not a speed target (benchmarks measure speed): refusing must not mean doing the
    // work first. Generous for debug builds on a loaded CI machine.
    assert!(
        elapsed < Duration::from_secs(10),
        "{what}: refusing took {elapsed:?}"
    );
}

#[test]
fn ten_thousand_paragraphs_are_refused_quickly() {
    let mut d = sample("bao-cao");
    d.body = (0..10_000)
        .map(|i| format!("Đoạn {i}."))
        .collect::<Vec<_>>()
        .join("\n");
    let t = Instant::now();
    assert_too_large(renderer().render_pdf("bao-cao", &d), t, "10,000 paragraphs");
}

#[test]
fn huge_tables_are_refused_quickly() {
    let mut d = sample("bao-cao");
    d.body = (0..1_500)
        .map(|i| format!("| {i} | a | b | c |"))
        .collect::<Vec<_>>()
        .join("\n");
    let t = Instant::now();
    assert_too_large(renderer().render_pdf("bao-cao", &d), t, "6,000 cells");
    d.body = format!("|{}|", vec!["x"; 50].join("|"));
    let t = Instant::now();
    assert_too_large(renderer().render_pdf("bao-cao", &d), t, "50 columns");
}

#[test]
fn oversized_body_and_fields_are_refused() {
    let mut d = sample("bao-cao");
    d.body = "a".repeat(300 * 1024);
    let t = Instant::now();
    assert_too_large(renderer().render_pdf("bao-cao", &d), t, "300 KiB body");
    let mut d = sample("bao-cao");
    d.title = "x ".repeat(10_000);
    let t = Instant::now();
    assert_too_large(renderer().render_pdf("bao-cao", &d), t, "20 KB title");
}

#[test]
fn too_many_pages_are_refused_with_a_message() {
    let r = trinhky_render::Renderer::with_limits(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../templates"),
        trinhky_render::Limits {
            max_pages: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let err = r.render_pdf("bao-cao", &long_report(60)).unwrap_err();
    assert!(err.to_string().contains("pages; the limit is 2"), "{err}");
}

#[test]
fn the_largest_accepted_body_renders_in_bounded_time() {
    // Just under the block limit: the worst case a user can ask for must still finish promptly.
    let n = trinhky_render::Limits::default().max_blocks - 10;
    let mut d = sample("bao-cao");
    d.body = (0..n)
        .map(|i| format!("Đoạn {i}: nội dung ngắn."))
        .collect::<Vec<_>>()
        .join("\n");
    let r = trinhky_render::Renderer::with_limits(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../templates"),
        trinhky_render::Limits {
            max_pages: 1_000,
            ..Default::default()
        },
    )
    .unwrap();
    let t = Instant::now();
    let pdf = r.render_pdf("bao-cao", &d).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(120),
        "took {:?}",
        t.elapsed()
    );
    assert!(text(&pdf).contains(&format!("Đoạn {}: nội dung ngắn.", n - 1)));
}
