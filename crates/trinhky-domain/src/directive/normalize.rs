//! Text normalisation: the one transformation between the input and every span the parser reports.
//!
//! Steps, in order: line endings to `\n`; NFC; invisible characters dropped and exotic spaces made
//! plain; Markdown emphasis (`**bold**`, `__bold__`, `*italic*`) removed; bullet glyphs (`•`, `–`,
//! `—`, `·`) at the start of a line made `-`; whitespace collapsed per line; glued words taken
//! apart (see [`super::syllable`]); a line that a conversion broke in the middle of a sentence
//! (the next line starts in lower case and this one does not end a clause) joined back; runs of
//! blank lines collapsed to one.

use unicode_normalization::UnicodeNormalization;

use super::syllable;

/// Normalise directive text. The parser works on this output and its spans index into it.
pub fn normalize(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text: String = text.nfc().collect();
    let mut lines: Vec<String> = text.split('\n').map(clean_line).collect();
    join_broken_lines(&mut lines);
    let mut out = String::with_capacity(text.len());
    let mut blank_pending = false;
    for line in lines {
        if line.is_empty() {
            blank_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_pending {
                out.push('\n');
            }
        }
        blank_pending = false;
        out.push_str(&line);
    }
    out
}

fn clean_line(line: &str) -> String {
    let mut s = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}' => {}
            '\t' | '\u{00a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => {
                s.push(' ');
            }
            c if c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    // Bullet glyphs first: "·*x" must become "- x" in one pass (a star after a bullet is
    // emphasis once the bullet is "- "), so that normalising is idempotent.
    let s = bullet_glyphs(&s);
    let s = s.replace("**", "").replace("__", "");
    let s = strip_single_stars(&s);
    let s = collapse_spaces(&s);
    // Removing markers can bring a base letter next to a combining mark: compose again.
    let s: String = s.nfc().collect();
    let s = bullet_glyphs(&s);
    let s = unglue(&s);
    space_after_colon(&s)
}

/// Remove `*` used as Markdown italics (`*Gia Nghĩa, ngày …*`), keep footnote marks like `(*)`.
fn strip_single_stars(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '*' {
            let prev = if i == 0 {
                None
            } else {
                chars.get(i - 1).copied()
            };
            let next = chars.get(i + 1).copied();
            let opens = prev.is_none_or(char::is_whitespace)
                && next.is_some_and(|n| !n.is_whitespace() && n != '*' && n != ')');
            let closes = prev.is_some_and(|p| !p.is_whitespace() && p != '*' && p != '(')
                && next.is_none_or(|n| n.is_whitespace() || ".,;:!?".contains(n));
            if opens || closes {
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bullet_glyphs(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some('•' | '–' | '—' | '·' | '\u{f0b7}' | '\u{2212}' | '‒') => {
            let rest = chars.as_str().trim_start();
            if rest.is_empty() {
                "-".to_owned()
            } else {
                format!("- {rest}")
            }
        }
        _ => s.to_owned(),
    }
}

/// Split glued syllables and separate a word glued to a following number ("ngày26/5/2023").
fn unglue(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut word_start: Option<usize> = None;
    let flush = |out: &mut String, word: &str, next: Option<char>| {
        let glued = syllable::split_glued(word);
        let vietnamese_word = !word.is_ascii() && (glued.is_some() || syllable::is_syllable(word));
        if out.ends_with(|c: char| c.is_ascii_digit()) && vietnamese_word {
            out.push(' ');
        }
        if let Some(pieces) = glued {
            out.push_str(&pieces.join(" "));
        } else {
            out.push_str(word);
        }
        if next.is_some_and(|n| n.is_ascii_digit()) && word.chars().count() >= 2 && vietnamese_word
        {
            out.push(' ');
        }
    };
    for (i, c) in s.char_indices() {
        if c.is_alphabetic() {
            if word_start.is_none() {
                word_start = Some(i);
            }
            continue;
        }
        if let Some(start) = word_start.take() {
            flush(&mut out, &s[start..i], Some(c));
        }
        out.push(c);
    }
    if let Some(start) = word_start {
        flush(&mut out, &s[start..], None);
    }
    out
}

/// "Kính gửi:Sở" → "Kính gửi: Sở"; leaves times ("14:00") and URLs alone.
fn space_after_colon(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        if c == ':'
            && i > 0
            && chars[i - 1].is_alphabetic()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
            && !matches!(chars.get(i + 1..i + 3), Some(['/', '/']))
        {
            let word: String = chars[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_alphabetic())
                .collect();
            if !matches!(word.as_str(), "ptth" | "sptth" | "otliam") {
                out.push(' ');
            }
        }
    }
    out
}

fn ends_clause(line: &str) -> bool {
    line.ends_with(['.', ';', ':', '!', '?', '…'])
}

fn is_all_caps(line: &str) -> bool {
    let mut letters = line.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(|c| !c.is_lowercase())
}

fn starts_lowercase(line: &str) -> bool {
    line.chars().next().is_some_and(char::is_lowercase)
}

/// Join a line the conversion broke mid-sentence: "… có Chỉ" + (blank) + "số PAR INDEX …".
fn join_broken_lines(lines: &mut Vec<String>) {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut blanks = 0usize;
    for line in lines.drain(..) {
        if line.is_empty() {
            blanks += 1;
            continue;
        }
        let join = starts_lowercase(&line)
            && out
                .last()
                .is_some_and(|prev| !ends_clause(prev) && !is_all_caps(prev) && !prev.is_empty());
        if join {
            if let Some(prev) = out.last_mut() {
                prev.push(' ');
                prev.push_str(&line);
            }
        } else {
            if blanks > 0 {
                out.push(String::new());
            }
            out.push(line);
        }
        blanks = 0;
    }
    *lines = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bold_and_collapses_whitespace() {
        assert_eq!(
            normalize("  Hoàn thành **chậm nhất   ngày 26/6/2023**. \r\n"),
            "Hoàn thành chậm nhất ngày 26/6/2023."
        );
    }

    #[test]
    fn fixes_glued_words() {
        // Issue 16: a Tây Nguyên name is not a glued word, and decomposed input comes out NFC.
        let line = "có đồng chí Đieu K'Re - Ủy viên Ban Chấp hành";
        assert_eq!(normalize(line), line);
        let decomposed: String = line.nfd().collect();
        assert_eq!(normalize(&decomposed), line);
        assert_eq!(normalize("Kínhgửi: Sở Tài chính"), "Kính gửi: Sở Tài chính");
        assert_eq!(
            normalize("Sở Nội vụ chủtrì, phốihợp"),
            "Sở Nội vụ chủ trì, phối hợp"
        );
        assert_eq!(normalize("Nơinhận:"), "Nơi nhận:");
        assert_eq!(
            normalize("báo cáo trướcngày20/6/2023"),
            "báo cáo trước ngày 20/6/2023"
        );
        assert_eq!(normalize("Kính gửi:Sở Y tế"), "Kính gửi: Sở Y tế");
        assert_eq!(
            normalize("ngày 02 tháng 6năm 2023, 16h30"),
            "ngày 02 tháng 6 năm 2023, 16h30"
        );
    }

    #[test]
    fn joins_sentences_broken_by_conversion() {
        assert_eq!(
            normalize("các tỉnh có Chỉ\n\nsố PAR INDEX cao."),
            "các tỉnh có Chỉ số PAR INDEX cao."
        );
        assert_eq!(
            normalize("Nơi nhận:\n- Như trên;"),
            "Nơi nhận:\n- Như trên;"
        );
        assert_eq!(normalize("VĂN PHÒNG\n\n\n\nSố: 1"), "VĂN PHÒNG\n\nSố: 1");
    }

    #[test]
    fn keeps_footnote_stars_and_times() {
        assert_eq!(
            normalize("Chỉ số (*) trước 14:00"),
            "Chỉ số (*) trước 14:00"
        );
        assert_eq!(
            normalize("*Gia Nghĩa, ngày 5 tháng 6 năm 2023*"),
            "Gia Nghĩa, ngày 5 tháng 6 năm 2023"
        );
        assert_eq!(normalize("• Theo dõi"), "- Theo dõi");
    }

    #[test]
    fn is_idempotent_on_the_seed_like_text() {
        let once = normalize("**THÔNG BÁO**\n\n Kết luận  của\nChủ tịch");
        assert_eq!(normalize(&once), once);
    }
}
