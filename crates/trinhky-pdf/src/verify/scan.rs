//! A lazy PDF reader for verification: it reads the cross-reference sections
//! and parses only the objects it is asked for (catalog, form, signature
//! fields, DSS), instead of parsing the whole file as lopdf does. A signed
//! PDF is mostly page content, fonts, images and hex `/Contents`, none of
//! which verification needs to parse.
//!
//! It reads classic cross-reference tables, cross-reference streams (`/Type
//! /XRef` with `/W`, `/Index`, `/Prev`), hybrid files (`/XRefStm` in a classic
//! trailer) and objects kept in object streams (`/Type /ObjStm`), through any
//! number of incremental updates of each kind. Encryption or a damaged
//! section makes it give up (`None`), and the caller uses the full lopdf
//! parse instead.
//!
//! Every walk is bounded (see [`crate::limits`]): the `/Prev` chain by a
//! visited set of offsets and a section count, reference chains (a `/Length`
//! that refers back) by marking an object before it is parsed, object streams
//! by refusing one that is itself compressed, nesting by a depth limit, and all
//! of it by the [`Budget`] (objects parsed, bytes inflated, a deadline).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

use crate::limits::{Budget, MAX_NESTING};

mod streams;

const MAX_DEPTH: usize = MAX_NESTING;
const MAX_SECTIONS: usize = 256;

/// Where an object of a revision is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// At this offset, with this generation.
    Direct(usize, u16),
    /// Object `index` of object stream `stream` (generation 0).
    Packed { stream: u32, index: u32 },
}

/// One cross-reference entry: object number, and where it is (`None`: free).
type Entry = (u32, Option<Place>);

/// Cross-reference entries of one revision, newest section winning.
#[derive(Clone, Debug, Default)]
pub(crate) struct Xref {
    /// In-use objects: number → where.
    pub used: HashMap<u32, Place>,
    /// Numbers whose newest entry is free.
    pub free: HashSet<u32>,
    /// The newest trailer (an xref stream's dictionary for such a section).
    pub trailer: Dictionary,
}

impl Xref {
    fn known(&self, num: u32) -> bool {
        self.used.contains_key(&num) || self.free.contains(&num)
    }

    /// Record an entry unless a newer section already did.
    fn add(&mut self, num: u32, entry: Option<Place>) {
        if self.known(num) {
            return;
        }
        match entry {
            Some(p) => {
                self.used.insert(num, p);
            }
            None => {
                self.free.insert(num);
            }
        }
    }

    /// Where object `id` is, if this revision has it in use.
    pub fn place(&self, id: ObjectId) -> Option<Place> {
        match self.used.get(&id.0)? {
            p @ Place::Direct(_, g) if *g == id.1 => Some(*p),
            p @ Place::Packed { .. } if id.1 == 0 => Some(*p),
            _ => None,
        }
    }

    /// Generation of object `num` in use.
    pub fn generation(&self, num: u32) -> Option<u16> {
        match self.used.get(&num)? {
            Place::Direct(_, g) => Some(*g),
            Place::Packed { .. } => Some(0),
        }
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
/// prefix ending after a revision's `%%EOF`), with a budget of its own.
#[cfg(test)]
pub(crate) fn xref_chain(pdf: &[u8]) -> Option<Xref> {
    xref_chain_with(pdf, &Budget::default())
}

/// [`xref_chain`] charging `budget`.
pub(crate) fn xref_chain_with(pdf: &[u8], budget: &Budget) -> Option<Xref> {
    let mut x = Xref::default();
    let mut next = Some(startxref(pdf)?);
    let mut seen = HashSet::new();
    let mut first = true;
    while let Some(at) = next {
        if !seen.insert(at) || seen.len() > MAX_SECTIONS {
            return None;
        }
        budget.check().ok()?;
        let trailer = section(pdf, at, &mut x, &mut seen, budget)?;
        if trailer.has(b"Encrypt") {
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

/// The cross-reference section at `at` — a classic table (with the xref
/// stream its `/XRefStm` names, in a hybrid file) or an xref stream — added
/// to `x`; its trailer.
fn section(
    pdf: &[u8],
    at: usize,
    x: &mut Xref,
    seen: &mut HashSet<usize>,
    budget: &Budget,
) -> Option<Dictionary> {
    let mut p = Parser::new(pdf, at);
    p.ws();
    if !p.eat(b"xref") {
        let (dict, entries) = streams::xref_stream(pdf, at, budget)?;
        for (num, e) in entries {
            x.add(num, e);
        }
        return Some(dict);
    }
    let (trailer, entries) = xref_table(pdf, p.i)?;
    // Hybrid: the table's in-use entries first, then the stream's, then the
    // table's free ones (older readers see packed objects as free).
    for &(num, e) in &entries {
        if e.is_some() {
            x.add(num, e);
        }
    }
    if let Ok(stm) = trailer.get(b"XRefStm") {
        let stm = usize::try_from(stm.as_i64().ok()?).ok()?;
        if !seen.insert(stm) {
            return None;
        }
        let (_, more) = streams::xref_stream(pdf, stm, budget)?;
        for (num, e) in more {
            x.add(num, e);
        }
    }
    for (num, e) in entries {
        x.add(num, e);
    }
    Some(trailer)
}

/// The entries and the trailer of a classic table whose subsections start
/// at `from` (after `xref`).
fn xref_table(pdf: &[u8], from: usize) -> Option<(Dictionary, Vec<Entry>)> {
    let mut p = Parser::new(pdf, from);
    let mut out = Vec::new();
    loop {
        p.ws();
        if p.eat(b"trailer") {
            p.ws();
            return match p.object(0)? {
                Object::Dictionary(d) => Some((d, out)),
                _ => None,
            };
        }
        let start = u32::try_from(p.integer()?).ok()?;
        p.ws();
        let count = u32::try_from(p.integer()?).ok()?;
        // An entry takes 20 bytes: a count beyond the file is a lie.
        if usize::try_from(count).ok()? > pdf.len().saturating_sub(p.i) / 18 {
            return None;
        }
        for k in 0..count {
            p.ws();
            let offset = p.digits()?;
            p.ws();
            let gen_ = p.digits()?;
            p.ws();
            let kind = *pdf.get(p.i)?;
            p.i += 1;
            let id = start.checked_add(k)?;
            match kind {
                b'n' => out.push((
                    id,
                    Some(Place::Direct(
                        usize::try_from(offset).ok()?,
                        u16::try_from(gen_).ok()?,
                    )),
                )),
                b'f' => out.push((id, None)),
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
    /// Object streams unpacked so far (`None`: unreadable).
    packed: RefCell<HashMap<u32, Option<Rc<streams::Packed>>>>,
    /// Some object could not be read: the caller should not trust a report
    /// built from this reader and use the full parse (which may repair).
    failed: Cell<bool>,
    budget: Rc<Budget>,
}

impl<'a> Objects<'a> {
    /// A reader with a budget of its own.
    #[cfg(test)]
    pub fn new(pdf: &'a [u8], xref: Xref) -> Self {
        Self::with_budget(pdf, xref, Rc::new(Budget::default()))
    }

    /// A reader charging `budget` (shared with other readers of the file).
    pub fn with_budget(pdf: &'a [u8], xref: Xref, budget: Rc<Budget>) -> Self {
        Self {
            pdf,
            xref,
            cache: RefCell::new(HashMap::new()),
            packed: RefCell::new(HashMap::new()),
            failed: Cell::new(false),
            budget,
        }
    }

    /// The budget this reader charges.
    pub fn budget(&self) -> &Rc<Budget> {
        &self.budget
    }

    /// Whether any object asked for was missing or unreadable.
    pub fn failed(&self) -> bool {
        self.failed.get()
    }

    /// Where object `id` is stored in this revision.
    pub fn place(&self, id: ObjectId) -> Option<Place> {
        self.xref.place(id)
    }

    /// Object `id`, `None` when it is missing or unreadable.
    pub fn get(&self, id: ObjectId) -> Option<Object> {
        if let Some(o) = self.cache.borrow().get(&id) {
            return o.clone();
        }
        // Mark it first: a /Length that refers back (1 → 2 → 1) reads as missing.
        self.cache.borrow_mut().insert(id, None);
        let o = match self.budget.object() {
            Ok(()) => match self.place(id) {
                Some(Place::Direct(at, _)) => self.parse(id, at),
                Some(Place::Packed { stream, index }) => self.unpack(id.0, stream, index),
                None => None,
            },
            Err(_) => None,
        };
        if o.is_none() {
            self.failed.set(true);
        }
        self.cache.borrow_mut().insert(id, o.clone());
        o
    }

    /// Object `num`, number `index` in object stream `stream`.
    fn unpack(&self, num: u32, stream: u32, index: u32) -> Option<Object> {
        let packed = self.packed(stream)?;
        let &(n, off) = packed.entries.get(usize::try_from(index).ok()?)?;
        if n != num {
            return None;
        }
        let at = packed.first.checked_add(off)?;
        Parser::new(&packed.data, at).object(0)
    }

    /// The object stream `num`, unpacked once. It must be stored directly
    /// (an object stream inside an object stream is refused: no nesting, no
    /// cycles).
    fn packed(&self, num: u32) -> Option<Rc<streams::Packed>> {
        if let Some(p) = self.packed.borrow().get(&num) {
            return p.clone();
        }
        self.packed.borrow_mut().insert(num, None);
        let gen_ = match self.xref.used.get(&num)? {
            Place::Direct(_, g) => *g,
            Place::Packed { .. } => return None,
        };
        let p = match self.get((num, gen_))? {
            Object::Stream(s) => streams::unpack(&s, &self.budget).map(Rc::new),
            _ => None,
        };
        self.packed.borrow_mut().insert(num, p.clone());
        p
    }

    fn parse(&self, id: ObjectId, at: usize) -> Option<Object> {
        let (obj, i) = parse_indirect(self.pdf, at, id)?;
        let Object::Dictionary(dict) = obj else {
            return Some(obj);
        };
        let len = match dict.get(b"Length") {
            Ok(Object::Integer(n)) => Some(*n),
            Ok(Object::Reference(r)) if *r != id => match self.get(*r) {
                Some(Object::Integer(n)) => Some(n),
                _ => None,
            },
            _ => None,
        };
        match stream_after(self.pdf, i, len)? {
            None => Some(Object::Dictionary(dict)),
            Some(content) => Some(Object::Stream(Stream::new(dict, content.to_vec()))),
        }
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

/// `N G obj <object>` at `at` for `id`: the object and the offset after it.
fn parse_indirect(pdf: &[u8], at: usize, id: ObjectId) -> Option<(Object, usize)> {
    let mut p = Parser::new(pdf, at);
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
    Some((obj, p.i))
}

/// The content of the stream whose dictionary ends at `at`, when `stream`
/// follows: `Some(None)` when it does not (a plain dictionary), `None` when
/// it does but `len` is unknown or wrong.
fn stream_after(pdf: &[u8], at: usize, len: Option<i64>) -> Option<Option<&[u8]>> {
    let mut p = Parser::new(pdf, at);
    if !p.eat(b"stream") {
        return Some(None);
    }
    // `stream` EOL, then /Length bytes, then (EOL) `endstream`.
    if !(p.eat(b"\r\n") || p.eat(b"\n") || p.eat(b"\r")) {
        return None;
    }
    let len = usize::try_from(len?).ok()?;
    let start = p.i;
    let end = start.checked_add(len)?;
    let content = pdf.get(start..end)?;
    let mut q = Parser::new(pdf, end);
    q.ws();
    if !q.eat(b"endstream") {
        return None;
    }
    Some(Some(content))
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

pub(crate) struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(b: &'a [u8], i: usize) -> Self {
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
