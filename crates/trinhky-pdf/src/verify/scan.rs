//! A lazy PDF reader for verification: it reads the cross-reference tables
//! and parses only the objects it is asked for (catalog, form, signature
//! fields, DSS), instead of parsing the whole file as lopdf does. A signed
//! PDF is mostly page content, fonts, images and hex `/Contents`, none of
//! which verification needs to parse.
//!
//! It handles classic cross-reference tables only (what our signing writes
//! and most producers use for incremental updates); anything else — xref
//! streams, object streams, encryption, a damaged table — makes it give up
//! (`None`), and the caller uses the full lopdf parse instead.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

const MAX_DEPTH: usize = 64;
const MAX_SECTIONS: usize = 256;

/// Cross-reference entries of one revision, newest section winning.
#[derive(Clone, Debug, Default)]
pub(crate) struct Xref {
    /// In-use objects: number → (offset, generation).
    pub used: HashMap<u32, (usize, u16)>,
    /// Numbers whose newest entry is free.
    pub free: HashSet<u32>,
    /// The newest trailer.
    pub trailer: Dictionary,
}

impl Xref {
    fn offset(&self, id: ObjectId) -> Option<usize> {
        self.used
            .get(&id.0)
            .filter(|(_, g)| *g == id.1)
            .map(|(o, _)| *o)
    }
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The offset after the last `startxref` of `pdf`.
fn startxref(pdf: &[u8]) -> Option<usize> {
    let tail_from = pdf.len().saturating_sub(1024);
    let at = tail_from + find_last(&pdf[tail_from..], b"startxref")?;
    let mut p = Parser::new(pdf, at + 9);
    p.ws();
    usize::try_from(p.integer()?).ok()
}

/// Read the cross-reference chain of the revision `pdf` (a whole file or a
/// prefix ending after a revision's `%%EOF`).
pub(crate) fn xref_chain(pdf: &[u8]) -> Option<Xref> {
    let mut x = Xref::default();
    let mut next = Some(startxref(pdf)?);
    let mut seen = HashSet::new();
    let mut first = true;
    while let Some(at) = next {
        if !seen.insert(at) || seen.len() > MAX_SECTIONS {
            return None;
        }
        let trailer = xref_section(pdf, at, &mut x)?;
        if trailer.has(b"XRefStm") || trailer.has(b"Encrypt") {
            return None;
        }
        next = match trailer.get(b"Prev") {
            Ok(Object::Integer(p)) => Some(usize::try_from(*p).ok()?),
            Ok(_) => return None,
            Err(_) => None,
        };
        if first {
            x.trailer = trailer;
            first = false;
        }
    }
    Some(x)
}

/// One classic `xref` … `trailer << >>` section at `at`; entries not yet in
/// `x` are added (the caller walks from the newest section to the oldest).
fn xref_section(pdf: &[u8], at: usize, x: &mut Xref) -> Option<Dictionary> {
    let mut p = Parser::new(pdf, at);
    p.ws();
    if !p.eat(b"xref") {
        return None; // an xref stream
    }
    loop {
        p.ws();
        if p.eat(b"trailer") {
            p.ws();
            return match p.object(0)? {
                Object::Dictionary(d) => Some(d),
                _ => None,
            };
        }
        let start = u32::try_from(p.integer()?).ok()?;
        p.ws();
        let count = u32::try_from(p.integer()?).ok()?;
        for k in 0..count {
            p.ws();
            let offset = p.digits()?;
            p.ws();
            let gen_ = p.digits()?;
            p.ws();
            let kind = *pdf.get(p.i)?;
            p.i += 1;
            let id = start.checked_add(k)?;
            if x.used.contains_key(&id) || x.free.contains(&id) {
                continue;
            }
            match kind {
                b'n' => {
                    x.used.insert(
                        id,
                        (usize::try_from(offset).ok()?, u16::try_from(gen_).ok()?),
                    );
                }
                b'f' => {
                    x.free.insert(id);
                }
                _ => return None,
            }
        }
    }
}

/// Objects of one revision, parsed on demand and kept.
pub(crate) struct Objects<'a> {
    pdf: &'a [u8],
    pub xref: Xref,
    cache: RefCell<HashMap<ObjectId, Option<Object>>>,
    /// Some object could not be read: the caller should not trust a report
    /// built from this reader and use the full parse (which may repair).
    failed: Cell<bool>,
}

impl<'a> Objects<'a> {
    pub fn new(pdf: &'a [u8], xref: Xref) -> Self {
        Self {
            pdf,
            xref,
            cache: RefCell::new(HashMap::new()),
            failed: Cell::new(false),
        }
    }

    /// Whether any object asked for was missing or unreadable.
    pub fn failed(&self) -> bool {
        self.failed.get()
    }

    /// Offset of object `id` in this revision.
    pub fn offset(&self, id: ObjectId) -> Option<usize> {
        self.xref.offset(id)
    }

    /// Object `id`, `None` when it is missing or unreadable.
    pub fn get(&self, id: ObjectId) -> Option<Object> {
        if let Some(o) = self.cache.borrow().get(&id) {
            return o.clone();
        }
        // Mark it first: a /Length that refers back (1 → 2 → 1) reads as missing.
        self.cache.borrow_mut().insert(id, None);
        let o = self.parse(id);
        if o.is_none() {
            self.failed.set(true);
        }
        self.cache.borrow_mut().insert(id, o.clone());
        o
    }

    fn parse(&self, id: ObjectId) -> Option<Object> {
        let at = self.offset(id)?;
        let mut p = Parser::new(self.pdf, at);
        p.ws();
        let (n, g) = (p.integer()?, {
            p.ws();
            p.integer()?
        });
        if n != i64::from(id.0) || g != i64::from(id.1) {
            return None;
        }
        p.ws();
        if !p.eat(b"obj") {
            return None;
        }
        p.ws();
        let obj = p.object(0)?;
        p.ws();
        let Object::Dictionary(dict) = obj else {
            return Some(obj);
        };
        if !p.eat(b"stream") {
            return Some(Object::Dictionary(dict));
        }
        // `stream` EOL, then /Length bytes, then (EOL) `endstream`.
        if p.eat(b"\r\n") || p.eat(b"\n") || p.eat(b"\r") {
        } else {
            return None;
        }
        let len = match dict.get(b"Length").ok()? {
            Object::Integer(n) => *n,
            Object::Reference(r) if *r != id => match self.get(*r)? {
                Object::Integer(n) => n,
                _ => return None,
            },
            _ => return None,
        };
        let len = usize::try_from(len).ok()?;
        let start = p.i;
        let end = start.checked_add(len)?;
        let content = self.pdf.get(start..end)?.to_vec();
        let mut q = Parser::new(self.pdf, end);
        q.ws();
        if !q.eat(b"endstream") {
            return None;
        }
        Some(Object::Stream(Stream::new(dict, content)))
    }

    /// `o` itself, or the object it references (a missing reference stays
    /// the reference, as lopdf's resolution does).
    pub fn resolve(&self, o: &Object) -> Object {
        match o {
            Object::Reference(id) => self.get(*id).unwrap_or_else(|| o.clone()),
            _ => o.clone(),
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decode a hex string body (whitespace allowed, odd length padded with 0).
pub(crate) fn decode_hex(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 2);
    let mut hi: Option<u8> = None;
    for &c in body {
        if is_ws(c) {
            continue;
        }
        let v = hex(c)?;
        match hi.take() {
            Some(h) => out.push(h << 4 | v),
            None => hi = Some(v),
        }
    }
    if let Some(h) = hi {
        out.push(h << 4);
    }
    Some(out)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn new(b: &'a [u8], i: usize) -> Self {
        Self { b, i }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skip whitespace and comments.
    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.i += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, s: &[u8]) -> bool {
        if self.b.get(self.i..self.i + s.len()) == Some(s) {
            self.i += s.len();
            true
        } else {
            false
        }
    }

    fn digits(&mut self) -> Option<u64> {
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }

    fn integer(&mut self) -> Option<i64> {
        let neg = if self.eat(b"-") {
            true
        } else {
            self.eat(b"+");
            false
        };
        let v = i64::try_from(self.digits()?).ok()?;
        Some(if neg { -v } else { v })
    }

    fn number(&mut self) -> Option<Object> {
        let start = self.i;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.i += 1;
        }
        let mut dot = false;
        let mut any = false;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' => any = true,
                b'.' if !dot => dot = true,
                _ => break,
            }
            self.i += 1;
        }
        if !any {
            return None;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        if dot {
            text.parse::<f32>().ok().map(Object::Real)
        } else {
            text.parse::<i64>().ok().map(Object::Integer)
        }
    }

    fn name(&mut self) -> Option<Vec<u8>> {
        // after '/'
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if is_ws(c) || is_delim(c) {
                break;
            }
            if c == b'#'
                && let (Some(h), Some(l)) = (
                    self.b.get(self.i + 1).copied().and_then(hex),
                    self.b.get(self.i + 2).copied().and_then(hex),
                )
            {
                out.push(h << 4 | l);
                self.i += 3;
                continue;
            }
            out.push(c);
            self.i += 1;
        }
        Some(out)
    }

    fn literal(&mut self) -> Option<Vec<u8>> {
        // after '('
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(out);
                    }
                    out.push(c);
                }
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            self.eat(b"\n");
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                b'\r' => {
                    self.eat(b"\n");
                    out.push(b'\n');
                }
                _ => out.push(c),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Object> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        let c = self.peek()?;
        match c {
            b'/' => {
                self.i += 1;
                self.name().map(Object::Name)
            }
            b'(' => {
                self.i += 1;
                self.literal()
                    .map(|s| Object::String(s, StringFormat::Literal))
            }
            b'<' if self.b.get(self.i + 1) == Some(&b'<') => {
                self.i += 2;
                let mut d = Dictionary::new();
                loop {
                    self.ws();
                    if self.eat(b">>") {
                        return Some(Object::Dictionary(d));
                    }
                    if !self.eat(b"/") {
                        return None;
                    }
                    let k = self.name()?;
                    let v = self.object(depth + 1)?;
                    d.set(k, v);
                }
            }
            b'<' => {
                self.i += 1;
                let start = self.i;
                let len = self.b.get(start..)?.iter().position(|&x| x == b'>')?;
                self.i = start + len + 1;
                decode_hex(&self.b[start..start + len])
                    .map(|s| Object::String(s, StringFormat::Hexadecimal))
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                loop {
                    self.ws();
                    if self.eat(b"]") {
                        return Some(Object::Array(a));
                    }
                    a.push(self.object(depth + 1)?);
                }
            }
            b't' if self.eat(b"true") => Some(Object::Boolean(true)),
            b'f' if self.eat(b"false") => Some(Object::Boolean(false)),
            b'n' if self.eat(b"null") => Some(Object::Null),
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                let n = self.number()?;
                // `N G R` is a reference.
                if let Object::Integer(num) = n {
                    let save = self.i;
                    self.ws();
                    let mut q = Parser::new(self.b, self.i);
                    if let Some(g) = q.digits() {
                        q.ws();
                        if q.eat(b"R") && q.peek().is_none_or(|c| is_ws(c) || is_delim(c)) {
                            self.i = q.i;
                            return Some(Object::Reference((
                                u32::try_from(num).ok()?,
                                u16::try_from(g).ok()?,
                            )));
                        }
                    }
                    self.i = save;
                }
                Some(n)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn objects_parse_like_pdf_says() {
        let src = b"<< /Type /Sig /ByteRange [0 10 20 30] /Contents <30 82 0A>\n /M (D:2025\\(x\\)\\101) /R 1 0 R /F -1.5 /N#20x null /B true >>";
        let o = Parser::new(src, 0).object(0).unwrap();
        let d = o.as_dict().unwrap();
        assert_eq!(d.get(b"Type").unwrap().as_name().unwrap(), b"Sig");
        assert_eq!(d.get(b"ByteRange").unwrap().as_array().unwrap().len(), 4);
        assert_eq!(
            d.get(b"Contents").unwrap().as_str().unwrap(),
            &[0x30, 0x82, 0x0A]
        );
        assert_eq!(d.get(b"M").unwrap().as_str().unwrap(), b"D:2025(x)A");
        assert_eq!(d.get(b"R").unwrap(), &Object::Reference((1, 0)));
        assert_eq!(d.get(b"F").unwrap(), &Object::Real(-1.5));
        assert_eq!(d.get(b"N x").unwrap(), &Object::Null);
        assert_eq!(d.get(b"B").unwrap(), &Object::Boolean(true));
        assert_eq!(decode_hex(b"AB c"), Some(vec![0xAB, 0xC0]));
        assert_eq!(decode_hex(b"zz"), None);
        // Nesting is bounded.
        let deep = [b'['; 100];
        assert_eq!(Parser::new(&deep, 0).object(0), None);
    }

    #[test]
    fn xref_chains_are_read_and_streams_sliced() {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let o1 = pdf.len();
        pdf.extend_from_slice(b"1 0 obj\n<< /Type /Catalog >>\nendobj\n");
        let o2 = pdf.len();
        pdf.extend_from_slice(b"2 0 obj\n<< /Length 3 0 R >>\nstream\nabcde\nendstream\nendobj\n");
        let o3 = pdf.len();
        pdf.extend_from_slice(b"3 0 obj 5 endobj\n");
        let x = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n0 4\n0000000000 65535 f \n{o1:010} 00000 n \n{o2:010} 00000 n \n{o3:010} 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n"
            )
            .as_bytes(),
        );
        let xref = xref_chain(&pdf).unwrap();
        let objs = Objects::new(&pdf, xref);
        assert_eq!(
            objs.get((2, 0)).unwrap().as_stream().unwrap().content,
            b"abcde"
        );
        assert_eq!(objs.get((3, 0)), Some(Object::Integer(5)));
        assert_eq!(objs.get((4, 0)), None);
        assert!(objs.xref.free.contains(&0));
        assert_eq!(
            objs.xref.trailer.get(b"Root").unwrap(),
            &Object::Reference((1, 0))
        );
    }
}
