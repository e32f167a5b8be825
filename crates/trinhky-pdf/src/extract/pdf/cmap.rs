//! `/ToUnicode` CMaps: the `bfchar` and `bfrange` mappings from character codes to text.

use std::collections::HashMap;

/// A `/ToUnicode` CMap: `bfchar` and `bfrange` mappings from character codes
/// to UTF-16 text.
#[derive(Debug, Default)]
pub(super) struct CMap {
    single: HashMap<u32, String>,
    /// Sorted by first code.
    ranges: Vec<CMapRange>,
    /// Byte length of the codes, when every codespace range agrees.
    pub(super) codespace_len: Option<usize>,
}

#[derive(Debug)]
struct CMapRange {
    first: u32,
    last: u32,
    target: RangeTarget,
}

#[derive(Debug)]
enum RangeTarget {
    /// UTF-16 of the first code; later codes increment the last unit.
    Start(Vec<u16>),
    /// One text per code.
    List(Vec<String>),
}

#[derive(Debug)]
enum Token {
    Bytes(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Word(Vec<u8>),
}

impl CMap {
    pub(super) fn parse(src: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        let mut section: Option<&'static [u8]> = None;
        let mut operands: Vec<Token> = Vec::new();
        let mut lens: Vec<usize> = Vec::new();
        for token in tokens(src) {
            let Token::Word(word) = &token else {
                operands.push(token);
                continue;
            };
            match word.as_slice() {
                b"begincodespacerange" => section = Some(b"codespace"),
                b"beginbfchar" => section = Some(b"bfchar"),
                b"beginbfrange" => section = Some(b"bfrange"),
                w if w.starts_with(b"end") => {
                    match section {
                        Some(b"codespace") => {
                            lens.extend(operands.iter().filter_map(|t| match t {
                                Token::Bytes(b) => Some(b.len()),
                                _ => None,
                            }));
                        }
                        Some(b"bfchar") => cmap.add_chars(&operands),
                        Some(b"bfrange") => cmap.add_ranges(&operands),
                        _ => {}
                    }
                    section = None;
                }
                _ => {}
            }
            operands.clear();
        }
        cmap.ranges.sort_by_key(|r| r.first);
        if let Some(&first) = lens.first()
            && lens.iter().all(|&l| l == first)
        {
            cmap.codespace_len = Some(first);
        }
        cmap
    }

    fn add_chars(&mut self, ops: &[Token]) {
        for pair in ops.chunks_exact(2) {
            if let [Token::Bytes(src), Token::Bytes(dst)] = pair {
                self.single
                    .insert(code_of(src), String::from_utf16_lossy(&utf16_units(dst)));
            }
        }
    }

    fn add_ranges(&mut self, ops: &[Token]) {
        for triple in ops.chunks_exact(3) {
            let (first, last) = match triple {
                [Token::Bytes(a), Token::Bytes(b), _] => (code_of(a), code_of(b)),
                _ => continue,
            };
            if last < first {
                continue;
            }
            let target = match &triple[2] {
                Token::Bytes(dst) => RangeTarget::Start(utf16_units(dst)),
                Token::Array(list) => RangeTarget::List(
                    list.iter()
                        .map(|d| String::from_utf16_lossy(&utf16_units(d)))
                        .collect(),
                ),
                Token::Word(_) => continue,
            };
            self.ranges.push(CMapRange {
                first,
                last,
                target,
            });
        }
    }

    pub(super) fn lookup(&self, code: u32) -> Option<String> {
        if let Some(s) = self.single.get(&code) {
            return Some(s.clone());
        }
        let idx = self.ranges.partition_point(|r| r.first <= code);
        // Ranges rarely overlap; look back a little in case they do.
        self.ranges[..idx]
            .iter()
            .rev()
            .take(8)
            .find(|r| code <= r.last)
            .and_then(|r| {
                let offset = code - r.first;
                match &r.target {
                    RangeTarget::Start(units) => {
                        let mut units = units.clone();
                        let last = units.last_mut()?;
                        *last = last.wrapping_add(u16::try_from(offset).ok()?);
                        Some(String::from_utf16_lossy(&units))
                    }
                    RangeTarget::List(list) => list.get(usize::try_from(offset).ok()?).cloned(),
                }
            })
    }
}

/// Big-endian code value of (at most the last four) bytes.
fn code_of(bytes: &[u8]) -> u32 {
    let tail = &bytes[bytes.len().saturating_sub(4)..];
    tail.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

/// Destination bytes as UTF-16BE units; a lone byte is a Latin-1 unit.
fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    if bytes.len() == 1 {
        return vec![u16::from(bytes[0])];
    }
    bytes
        .chunks(2)
        .map(|c| (u16::from(c[0]) << 8) | c.get(1).map_or(0, |&b| u16::from(b)))
        .collect()
}

/// PostScript-ish tokens of a CMap: hex strings, literal strings, arrays of
/// strings, and words (names and numbers are words too; only keywords matter).
fn tokens(src: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut array: Option<Vec<Vec<u8>>> = None;
    while i < src.len() {
        let c = src[i];
        match c {
            b'%' => {
                while i < src.len() && src[i] != b'\n' && src[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if src.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if src.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                let end = src[i + 1..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(src.len(), |p| i + 1 + p);
                let hex: Vec<u8> = src[i + 1..end]
                    .iter()
                    .copied()
                    .filter(u8::is_ascii_hexdigit)
                    .collect();
                let bytes = hex
                    .chunks(2)
                    .map(|pair| {
                        let hi = hex_val(pair[0]);
                        let lo = pair.get(1).map_or(0, |&d| hex_val(d));
                        (hi << 4) | lo
                    })
                    .collect();
                push_token(&mut out, &mut array, Token::Bytes(bytes));
                i = end + 1;
            }
            b'(' => {
                let mut bytes = Vec::new();
                let mut depth = 1usize;
                i += 1;
                while i < src.len() {
                    match src[i] {
                        b'\\' => {
                            i += 1;
                            if let Some(&b) = src.get(i) {
                                bytes.push(b);
                            }
                        }
                        b'(' => {
                            depth += 1;
                            bytes.push(b'(');
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            bytes.push(b')');
                        }
                        b => bytes.push(b),
                    }
                    i += 1;
                }
                push_token(&mut out, &mut array, Token::Bytes(bytes));
                i += 1;
            }
            b'[' => {
                array = Some(Vec::new());
                i += 1;
            }
            b']' => {
                if let Some(list) = array.take() {
                    out.push(Token::Array(list));
                }
                i += 1;
            }
            c if c.is_ascii_whitespace() || c == 0 => i += 1,
            _ => {
                let start = i;
                i += 1;
                while i < src.len()
                    && !src[i].is_ascii_whitespace()
                    && !b"<>()[]%/{}".contains(&src[i])
                {
                    i += 1;
                }
                if array.is_none() {
                    out.push(Token::Word(src[start..i].to_vec()));
                }
            }
        }
    }
    out
}

fn push_token(out: &mut Vec<Token>, array: &mut Option<Vec<Vec<u8>>>, token: Token) {
    match (array, token) {
        (Some(list), Token::Bytes(b)) => list.push(b),
        (_, token) => out.push(token),
    }
}

fn hex_val(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        b'A'..=b'F' => d - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_bfchar_bfrange_and_arrays() {
        let cmap = CMap::parse(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
              1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              2 beginbfchar <0003> <0020> <01F4> <1EC7> endbfchar\n\
              2 beginbfrange <0010> <0012> <0041> <0020> <0021> [<0110> <00D0006F>] endbfrange\n\
              endcmap",
        );
        assert_eq!(cmap.codespace_len, Some(2));
        assert_eq!(cmap.lookup(0x0003).as_deref(), Some(" "));
        assert_eq!(cmap.lookup(0x01F4).as_deref(), Some("ệ"));
        assert_eq!(cmap.lookup(0x0012).as_deref(), Some("C"));
        assert_eq!(cmap.lookup(0x0020).as_deref(), Some("Đ"));
        assert_eq!(cmap.lookup(0x0021).as_deref(), Some("Ðo"));
        assert_eq!(cmap.lookup(0x0013), None);
    }

    #[test]
    fn cmap_surrogate_pairs_and_garbage() {
        let cmap = CMap::parse(
            b"1 beginbfchar <05> <D835DC00> endbfchar beginbfrange <01> endbfrange (((",
        );
        assert_eq!(cmap.lookup(5).as_deref(), Some("\u{1D400}"));
        assert_eq!(cmap.codespace_len, None);
    }
}
