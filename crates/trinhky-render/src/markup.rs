//! trinhky's body markup, parsed into plain data that the templates lay out.
//!
//! The markup is line based, which is how drafters already type administrative text:
//!
//! | line                         | becomes                                                    |
//! |------------------------------|------------------------------------------------------------|
//! | `I. KẾT QUẢ ĐẠT ĐƯỢC`        | level-1 heading (caps, bold)                               |
//! | `1. Công tác tổ chức`        | level-2 heading (bold); `1.1.` … too                       |
//! | `1. Rà soát …;` (ends . ; ,) | a paragraph: numbered items that end like sentences are not titles |
//! | `- một ý`                    | bullet paragraph (the dash is kept, as the decree writes it) |
//! | `| a | b |` (several lines)  | a table; a `|---|---|` line after the first row makes it a header |
//! | blank line                   | nothing (every non-blank line is its own paragraph)       |
//! | anything else                | a justified paragraph; `Điều 3.` at its start is set bold  |
//!
//! Inline: `**bold**`, `*italic*`; a backslash makes the next `*`, `|` or `\` literal (`\*`, `\|`, `\\`);
//! any other backslash prints as itself (`C:\Văn bản`).
//!
//! Safety: the output is data ([`Block`]s of [`Span`]s holding plain strings) handed to the template as
//! JSON; the template turns each string into text with `text(..)`. No user character ever reaches typst's
//! parser, so `#read(..)`, `#import`, `$…$`, `]`, `@label`, `<tag>` all print as themselves.

use serde::Serialize;

use crate::RenderError;

/// Size limits that keep one render bounded in time and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum body size in bytes (UTF-8).
    pub max_body_bytes: usize,
    /// Maximum number of blocks (paragraphs, headings, bullets, table rows count one each).
    pub max_blocks: usize,
    /// Maximum number of cells over all tables.
    pub max_table_cells: usize,
    /// Maximum number of columns of one table.
    pub max_table_columns: usize,
    /// Maximum number of pages of the laid-out document.
    pub max_pages: usize,
}

impl Default for Limits {
    /// 200 KiB of body, 2,000 blocks, 4,000 table cells, 12 columns, 60 pages: several times the longest
    /// report an office sends, and about a second of layout at worst on a 2-core machine.
    fn default() -> Self {
        Self {
            max_body_bytes: 200 * 1024,
            max_blocks: 2_000,
            max_table_cells: 4_000,
            max_table_columns: 12,
            max_pages: 60,
        }
    }
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The text, shown literally.
    pub t: String,
    /// Bold.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub b: bool,
    /// Italic.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub i: bool,
}

/// One block of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Block {
    /// A justified paragraph with first-line indent.
    Para { spans: Vec<Span> },
    /// A numbered heading: level 1 for "I.", level 2 for "1." / "1.1.".
    Heading { level: u8, spans: Vec<Span> },
    /// A "- …" line.
    Bullet { spans: Vec<Span> },
    /// A table; `header` says whether the first row is a header row.
    Table {
        columns: usize,
        header: bool,
        rows: Vec<Vec<Vec<Span>>>,
    },
}

/// Parses the body markup, refusing input beyond `limits` with [`RenderError::TooLarge`].
pub fn parse(body: &str, limits: &Limits) -> Result<Vec<Block>, RenderError> {
    if body.len() > limits.max_body_bytes {
        return Err(RenderError::TooLarge(format!(
            "the body is {} bytes; the limit is {} bytes — split the document or move data into an attachment",
            body.len(),
            limits.max_body_bytes
        )));
    }
    let mut blocks = Vec::new();
    let mut count = 0usize;
    let mut cells = 0usize;
    let mut table: Vec<&str> = Vec::new();
    let mut lines = body.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        count += 1;
        if count > limits.max_blocks {
            return Err(RenderError::TooLarge(format!(
                "the body has more than {} paragraphs, headings and table rows; split the document",
                limits.max_blocks
            )));
        }
        if line.starts_with('|') {
            table.push(line);
            if lines.peek().is_some_and(|next| next.starts_with('|')) {
                continue;
            }
            let t = parse_table(&table, limits, &mut cells)?;
            blocks.push(t);
            table.clear();
            continue;
        }
        blocks.push(parse_line(line));
    }
    Ok(blocks)
}

fn parse_line(line: &str) -> Block {
    if let Some(rest) = line.strip_prefix("- ") {
        let mut spans = vec![Span {
            t: "- ".into(),
            b: false,
            i: false,
        }];
        spans.extend(inline(rest.trim_start()));
        return Block::Bullet { spans };
    }
    if let Some(level) = heading_level(line) {
        return Block::Heading {
            level,
            spans: inline(line),
        };
    }
    if let Some(n) = article_prefix(line) {
        let mut spans = vec![Span {
            t: line[..n].to_string(),
            b: true,
            i: false,
        }];
        spans.extend(inline(&line[n..]));
        return Block::Para { spans };
    }
    Block::Para {
        spans: inline(line),
    }
}

/// "I. …" (Roman numeral) → 1; "1. …", "1.2. …" → 2.
fn heading_level(line: &str) -> Option<u8> {
    let (head, rest) = line.split_once(". ")?;
    // A numbered line ending like a sentence ("1. Tiếp tục rà soát …;") is a list item, not a title.
    if rest.trim().is_empty()
        || head.is_empty()
        || line.ends_with(['.', ';', ','])
        || line.chars().count() > 200
    {
        return None;
    }
    if head.len() <= 6 && head.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L')) {
        return Some(1);
    }
    let numeric = head
        .split('.')
        .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if numeric && head.len() <= 8 {
        return Some(2);
    }
    None
}

/// Length of a leading "Điều 12." (quyết định articles), which the decree's samples set bold.
fn article_prefix(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("Điều ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 || rest.as_bytes().get(digits) != Some(&b'.') {
        return None;
    }
    Some("Điều ".len() + digits + 1)
}

fn parse_table(lines: &[&str], limits: &Limits, cells: &mut usize) -> Result<Block, RenderError> {
    let mut rows: Vec<Vec<Vec<Span>>> = Vec::new();
    let mut header = false;
    for (index, line) in lines.iter().enumerate() {
        let raw = split_cells(line);
        if raw.iter().all(|c| is_rule_cell(c)) {
            if index == 1 {
                header = true;
            }
            continue;
        }
        if raw.len() > limits.max_table_columns {
            return Err(RenderError::TooLarge(format!(
                "a table row has {} columns; the limit is {} — put wide data in an attachment",
                raw.len(),
                limits.max_table_columns
            )));
        }
        *cells += raw.len();
        if *cells > limits.max_table_cells {
            return Err(RenderError::TooLarge(format!(
                "the tables have more than {} cells in total; put large data in an attachment",
                limits.max_table_cells
            )));
        }
        rows.push(raw.iter().map(|c| inline(c.trim())).collect());
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for row in &mut rows {
        row.resize_with(columns, Vec::new);
    }
    Ok(Block::Table {
        columns,
        header: header && rows.len() > 1,
        rows,
    })
}

fn is_rule_cell(cell: &str) -> bool {
    let c = cell.trim();
    !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':'))
}

/// Splits "| a | b \| c |" into ["a", "b \| c"], keeping escapes for [`inline`].
fn split_cells(line: &str) -> Vec<String> {
    let inner = line.strip_prefix('|').unwrap_or(line);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push('\\');
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '|' => cells.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        cells.push(cur);
    }
    cells
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Char(char),
    Bold,
    Italic,
}

/// Inline markup: `**bold**`, `*italic*`, `\*` `\|` `\\` literal. A marker opens only before a non-space and closes
/// only after one; markers left unclosed print literally.
pub(crate) fn inline(text: &str) -> Vec<Span> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && matches!(chars.get(i + 1), Some('*' | '\\' | '|')) {
            toks.push(Tok::Char(chars[i + 1]));
            i += 2;
            continue;
        }
        if c == '*' {
            let double = chars.get(i + 1) == Some(&'*');
            toks.push(if double { Tok::Bold } else { Tok::Italic });
            i += if double { 2 } else { 1 };
            continue;
        }
        toks.push(Tok::Char(c));
        i += 1;
    }
    // Pair markers: an opener needs a non-space after it, a closer a non-space before it.
    let mut paired = vec![false; toks.len()];
    for kind in [Tok::Bold, Tok::Italic] {
        let mut open: Option<usize> = None;
        for (j, t) in toks.iter().enumerate() {
            if *t != kind {
                continue;
            }
            let before = j.checked_sub(1).and_then(|k| toks.get(k));
            let after = toks.get(j + 1);
            let non_space = |t: Option<&Tok>| matches!(t, Some(Tok::Char(c)) if !c.is_whitespace());
            match open {
                Some(o) if non_space(before) => {
                    paired[o] = true;
                    paired[j] = true;
                    open = None;
                }
                _ if non_space(after) => open = Some(j),
                _ => {}
            }
        }
    }
    let mut spans: Vec<Span> = Vec::new();
    let (mut b, mut it) = (false, false);
    let mut cur = String::new();
    let flush = |spans: &mut Vec<Span>, cur: &mut String, b: bool, i: bool| {
        if !cur.is_empty() {
            spans.push(Span {
                t: std::mem::take(cur),
                b,
                i,
            });
        }
    };
    for (j, t) in toks.iter().enumerate() {
        match (t, paired[j]) {
            (Tok::Char(c), _) => cur.push(*c),
            (Tok::Bold, true) => {
                flush(&mut spans, &mut cur, b, it);
                b = !b;
            }
            (Tok::Italic, true) => {
                flush(&mut spans, &mut cur, b, it);
                it = !it;
            }
            (Tok::Bold, false) => cur.push_str("**"),
            (Tok::Italic, false) => cur.push('*'),
        }
    }
    flush(&mut spans, &mut cur, b, it);
    spans
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn s(t: &str, b: bool, i: bool) -> Span {
        Span { t: t.into(), b, i }
    }

    #[test]
    fn inline_styles() {
        assert_eq!(
            inline("a **b** *c*"),
            vec![
                s("a ", false, false),
                s("b", true, false),
                s(" ", false, false),
                s("c", false, true)
            ]
        );
        assert_eq!(inline("5 * 3 = 15"), vec![s("5 * 3 = 15", false, false)]);
        assert_eq!(inline("**open"), vec![s("**open", false, false)]);
        assert_eq!(inline(r"\*x\* \\"), vec![s(r"*x* \", false, false)]);
        assert_eq!(
            inline(r"C:\Văn bản\*"),
            vec![s(r"C:\Văn bản*", false, false)]
        );
    }

    #[test]
    fn blocks() {
        let b = parse("I. KẾT QUẢ\n\n1. Công tác\n- ý một\nĐiều 1. Nay quyết định\nđoạn\n| a | b |\n|---|---|\n| 1 | 2 |", &Limits::default()).unwrap();
        assert!(matches!(b[0], Block::Heading { level: 1, .. }));
        assert!(matches!(b[1], Block::Heading { level: 2, .. }));
        assert!(matches!(b[2], Block::Bullet { .. }));
        assert_eq!(
            b[3],
            Block::Para {
                spans: vec![
                    s("Điều 1.", true, false),
                    s(" Nay quyết định", false, false)
                ]
            }
        );
        assert!(matches!(b[4], Block::Para { .. }));
        assert_eq!(
            b[5],
            Block::Table {
                columns: 2,
                header: true,
                rows: vec![
                    vec![vec![s("a", false, false)], vec![s("b", false, false)]],
                    vec![vec![s("1", false, false)], vec![s("2", false, false)]],
                ]
            }
        );
    }

    #[test]
    fn numbered_sentences_are_paragraphs_not_headings() {
        let b = parse(
            "1. Tiếp tục rà soát, sắp xếp tổ chức bộ máy.\nII. TỒN TẠI\nNăm 2023. Tiếp",
            &Limits::default(),
        )
        .unwrap();
        assert!(matches!(b[0], Block::Para { .. }));
        assert!(matches!(b[1], Block::Heading { level: 1, .. }));
        assert!(matches!(b[2], Block::Para { .. }));
    }

    #[test]
    fn limits_refuse() {
        let l = Limits {
            max_blocks: 3,
            ..Limits::default()
        };
        assert!(matches!(
            parse("a\nb\nc\nd", &l),
            Err(RenderError::TooLarge(_))
        ));
        let l = Limits {
            max_table_cells: 3,
            ..Limits::default()
        };
        assert!(matches!(
            parse("|a|b|\n|c|d|", &l),
            Err(RenderError::TooLarge(_))
        ));
    }
}
