//! Cross-reference streams and object streams (PDF 1.5), for the lazy reader.

use lopdf::{Dictionary, Object, Stream};

use super::{Entry, Parser, Place, stream_after};
use crate::limits::{Budget, stream_content};

/// Entries one xref stream may declare (more than the file could hold is a lie).
const MAX_ENTRIES: usize = 8_000_000;

/// The xref stream at `at`: its dictionary (the section's trailer) and its
/// entries, `None` for a free one.
pub(super) fn xref_stream(
    pdf: &[u8],
    at: usize,
    budget: &Budget,
) -> Option<(Dictionary, Vec<Entry>)> {
    let mut p = Parser::new(pdf, at);
    p.ws();
    let num = u32::try_from(p.integer()?).ok()?;
    p.ws();
    let gen_ = u16::try_from(p.integer()?).ok()?;
    let (obj, i) = super::parse_indirect(pdf, at, (num, gen_))?;
    let Object::Dictionary(dict) = obj else {
        return None;
    };
    if dict.get(b"Type").ok()?.as_name().ok()? != b"XRef" {
        return None;
    }
    // The /Length of an xref stream must be direct: nothing can be resolved yet.
    let len = dict.get(b"Length").ok()?.as_i64().ok()?;
    let content = stream_after(pdf, i, Some(len))??;
    budget.object().ok()?;
    let stream = Stream::new(dict, content.to_vec());
    let data = stream_content(&stream, budget).ok()?;
    let entries = entries(&stream.dict, &data)?;
    Some((stream.dict, entries))
}

/// Decode the rows of an xref stream (`/W`, `/Index`, `/Size`).
fn entries(dict: &Dictionary, data: &[u8]) -> Option<Vec<Entry>> {
    let w: Vec<usize> = dict
        .get(b"W")
        .ok()?
        .as_array()
        .ok()?
        .iter()
        .map(|o| o.as_i64().ok().and_then(|n| usize::try_from(n).ok()))
        .collect::<Option<_>>()?;
    if w.len() != 3 || w.iter().any(|&n| n > 8) {
        return None;
    }
    let row = w.iter().sum::<usize>();
    if row == 0 {
        return None;
    }
    let size = dict.get(b"Size").ok()?.as_i64().ok()?;
    let index: Vec<i64> = match dict.get(b"Index") {
        Ok(o) => o
            .as_array()
            .ok()?
            .iter()
            .map(|o| o.as_i64().ok())
            .collect::<Option<_>>()?,
        Err(_) => vec![0, size],
    };
    if !index.len().is_multiple_of(2) {
        return None;
    }
    let rows = (data.len() / row).min(MAX_ENTRIES);
    let mut out = Vec::with_capacity(rows.min(1 << 16));
    let mut chunks = data.chunks_exact(row);
    for pair in index.chunks_exact(2) {
        let start = u32::try_from(pair[0]).ok()?;
        let count = u32::try_from(pair[1]).ok()?;
        for k in 0..count {
            let Some(r) = chunks.next() else {
                return Some(out); // fewer rows than announced: keep what is there
            };
            let field = |f: usize| -> Option<u64> {
                let from = w[..f].iter().sum::<usize>();
                Some(
                    r[from..from + w[f]]
                        .iter()
                        .fold(0u64, |v, &b| v << 8 | u64::from(b)),
                )
            };
            let kind = if w[0] == 0 { 1 } else { field(0)? };
            let (a, b) = (field(1)?, field(2)?);
            let num = start.checked_add(k)?;
            match kind {
                0 => out.push((num, None)),
                1 => out.push((
                    num,
                    Some(Place::Direct(
                        usize::try_from(a).ok()?,
                        u16::try_from(b).ok()?,
                    )),
                )),
                2 => out.push((
                    num,
                    Some(Place::Packed {
                        stream: u32::try_from(a).ok()?,
                        index: u32::try_from(b).ok()?,
                    }),
                )),
                _ => {} // reserved types are ignored, as the format asks
            }
        }
    }
    Some(out)
}

/// An object stream, decoded: its data, where the objects start, and the
/// (number, offset) pairs of its header.
pub(crate) struct Packed {
    pub data: Vec<u8>,
    pub first: usize,
    pub entries: Vec<(u32, usize)>,
}

/// Decode object stream `s` and read its header.
pub(super) fn unpack(s: &Stream, budget: &Budget) -> Option<Packed> {
    if s.dict.get(b"Type").ok()?.as_name().ok()? != b"ObjStm" {
        return None;
    }
    let n = usize::try_from(s.dict.get(b"N").ok()?.as_i64().ok()?).ok()?;
    let first = usize::try_from(s.dict.get(b"First").ok()?.as_i64().ok()?).ok()?;
    let data = stream_content(s, budget).ok()?;
    if first > data.len() || n > first / 2 + 1 {
        return None; // each pair takes at least 4 bytes of the header
    }
    let mut p = Parser::new(&data[..first], 0);
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        p.ws();
        let num = u32::try_from(p.integer()?).ok()?;
        p.ws();
        let off = usize::try_from(p.integer()?).ok()?;
        entries.push((num, off));
    }
    Some(Packed {
        data,
        first,
        entries,
    })
}
