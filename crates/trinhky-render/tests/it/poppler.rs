//! Helpers around poppler-utils (pdftotext, pdffonts, pdfinfo), which read our PDFs as a clerk's viewer would.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TempPdf(pub std::path::PathBuf);

impl TempPdf {
    pub fn new(bytes: &[u8]) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "trinhky-render-{}-{}.pdf",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, bytes).unwrap();
        TempPdf(path)
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn run(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let file = TempPdf::new(pdf);
    let mut cmd = Command::new(tool);
    cmd.args(args).arg(&file.0);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{tool} not runnable (apt-get install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text with runs of whitespace collapsed to one space.
pub fn text(pdf: &[u8]) -> String {
    collapse(&run("pdftotext", &["-enc", "UTF-8"], pdf))
}

pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone)]
pub struct Word {
    pub page: usize,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub text: String,
}

pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub words: Vec<Word>,
}

impl Layout {
    pub fn find(&self, text: &str) -> Vec<&Word> {
        self.words.iter().filter(|w| w.text == text).collect()
    }
    pub fn first(&self, text: &str) -> &Word {
        self.find(text)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no word {text:?}"))
    }
    pub fn pages(&self) -> usize {
        self.words.iter().map(|w| w.page).max().unwrap_or(0)
    }
}

/// Word boxes from `pdftotext -bbox` (points, origin top left; pages numbered from 1).
pub fn bbox(pdf: &[u8]) -> Layout {
    let html = run("pdftotext", &["-bbox", "-enc", "UTF-8"], pdf);
    let attr = |line: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = line.find(&key).unwrap() + key.len();
        let end = line[start..].find('"').unwrap() + start;
        line[start..end].parse().unwrap()
    };
    let (mut page, mut width, mut height, mut words) = (0, 0.0, 0.0, Vec::new());
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
            width = attr(line, "width");
            height = attr(line, "height");
        } else if line.starts_with("<word ") {
            let start = line.find('>').unwrap() + 1;
            let end = line.rfind("</word>").unwrap();
            let text = line[start..end]
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"");
            words.push(Word {
                page,
                x0: attr(line, "xMin"),
                y0: attr(line, "yMin"),
                x1: attr(line, "xMax"),
                y1: attr(line, "yMax"),
                text,
            });
        }
    }
    Layout {
        width,
        height,
        words,
    }
}

pub const MM: f64 = 72.0 / 25.4;
