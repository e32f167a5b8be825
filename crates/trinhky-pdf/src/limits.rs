//! Bounded work for every PDF this crate reads (issue #15): a [`Budget`] of
//! time, parsed objects and inflated bytes shared by one verification or one
//! text extraction, a bounded flate decoder ([`inflate`]), and the policy for
//! whole processes (the allocator itself is the `trinhky-alloc` crate, the one
//! place the workspace allows unsafe code).
//!
//! Two layers, because no single one is enough:
//!
//! 1. **In the library**, the readers check the budget as they go: cycle
//!    detection (visited sets) on every walk over `/Prev`, `/Kids`, `/Parent`,
//!    `/First`/`/Next`, object-stream nesting and reference chains, a depth
//!    limit on nesting, a cap on each stream's inflated size and on the sum of
//!    them, a cap on objects parsed, and a deadline. Exceeding any of them is
//!    "could not verify: file too complex" (an indeterminate outcome), never a
//!    panic or an endless loop. This is what protects the server, where
//!    verification runs inside a long-lived process.
//! 2. **In the `trinhky verify` process**, a third-party parser (lopdf, used
//!    as the fallback for files the lazy reader cannot read) could still
//!    misbehave. The CLI runs the verification on a worker thread and waits
//!    with a deadline, and installs `trinhky_alloc::CappedAllocator` armed with a ceiling
//!    on the bytes live on the Rust heap: crossing it prints the same message
//!    and exits with status 2 at once, from inside the allocator, before the
//!    memory is taken. A counting allocator was chosen over `setrlimit`:
//!    `RLIMIT_AS` counts address space (thread stacks, allocator arenas,
//!    mapped files) rather than memory used, so a ceiling low enough to matter
//!    fails at random places with an abort instead of a clear answer, and
//!    `RLIMIT_DATA`/`RSS` are either as coarse or not enforced by Linux. The
//!    allocator only counts while armed, so other commands (the server) pay a
//!    single relaxed atomic load per allocation. Memory that C code (OpenSSL)
//!    allocates with `malloc` is not counted; it parses certificates and CMS
//!    structures whose size is bounded by the file.

use std::cell::Cell;
use std::io::Read;
use std::time::{Duration, Instant};

/// The message every reader gives when a file exceeds its budget.
pub const TOO_COMPLEX: &str = "file too complex";

/// Wall time one verification or extraction may take in the library.
pub const DEFAULT_TIME: Duration = Duration::from_millis(1500);
/// Bytes one stream may inflate to.
pub const STREAM_LIMIT: usize = 32 * 1024 * 1024;
/// Bytes all streams of one file may inflate to together.
pub const TOTAL_INFLATE_LIMIT: usize = 96 * 1024 * 1024;
/// Objects one reader may parse (from the file and from object streams).
pub const OBJECT_LIMIT: usize = 500_000;
/// Nesting of arrays and dictionaries within one object.
pub const MAX_NESTING: usize = 64;
/// Steps on any walk over a linked structure (pages, fields, outlines, /Prev).
pub const WALK_LIMIT: usize = 100_000;

/// Which limit a file exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Time,
    Inflate,
    Objects,
    Walk,
}

impl Exceeded {
    /// What was exceeded, for a log line.
    pub fn as_str(self) -> &'static str {
        match self {
            Exceeded::Time => "time limit",
            Exceeded::Inflate => "decompression limit",
            Exceeded::Objects => "object count limit",
            Exceeded::Walk => "structure size limit",
        }
    }
}

/// The work one reader may still do; single-threaded (interior mutability
/// through `Cell`, so readers that hand out shared references can charge it).
/// The first limit hit is remembered: a reader that gave up on one object may
/// carry on with others, but the caller must not trust the result.
#[derive(Debug)]
pub struct Budget {
    deadline: Instant,
    inflated: Cell<usize>,
    objects: Cell<usize>,
    exceeded: Cell<Option<Exceeded>>,
    /// Checking the clock costs ~20 ns; do it every so many charges.
    ticks: Cell<u32>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(DEFAULT_TIME)
    }
}

impl Budget {
    /// A budget that runs out `time` from now.
    pub fn new(time: Duration) -> Self {
        Self {
            deadline: Instant::now() + time,
            inflated: Cell::new(0),
            objects: Cell::new(0),
            exceeded: Cell::new(None),
            ticks: Cell::new(0),
        }
    }

    /// The first limit exceeded so far.
    pub fn exceeded(&self) -> Option<Exceeded> {
        self.exceeded.get()
    }

    fn exceed(&self, what: Exceeded) -> Result<(), Exceeded> {
        if self.exceeded.get().is_none() {
            self.exceeded.set(Some(what));
        }
        Err(what)
    }

    /// Fails once any limit was exceeded or the deadline passed.
    pub fn check(&self) -> Result<(), Exceeded> {
        if let Some(e) = self.exceeded.get() {
            return Err(e);
        }
        let t = self.ticks.get().wrapping_add(1);
        self.ticks.set(t);
        if t.is_multiple_of(64) && Instant::now() > self.deadline {
            return self.exceed(Exceeded::Time);
        }
        Ok(())
    }

    /// One more object parsed.
    pub fn object(&self) -> Result<(), Exceeded> {
        self.check()?;
        let n = self.objects.get() + 1;
        self.objects.set(n);
        if n > OBJECT_LIMIT {
            return self.exceed(Exceeded::Objects);
        }
        Ok(())
    }

    /// One more step of a walk that has taken `steps` so far.
    pub fn step(&self, steps: usize) -> Result<(), Exceeded> {
        self.check()?;
        if steps > WALK_LIMIT {
            return self.exceed(Exceeded::Walk);
        }
        Ok(())
    }

    /// The bytes one stream may still inflate to.
    fn inflate_room(&self) -> usize {
        STREAM_LIMIT.min(TOTAL_INFLATE_LIMIT.saturating_sub(self.inflated.get()))
    }

    fn charge_inflated(&self, n: usize) -> Result<(), Exceeded> {
        let total = self.inflated.get().saturating_add(n);
        self.inflated.set(total);
        if total > TOTAL_INFLATE_LIMIT {
            return self.exceed(Exceeded::Inflate);
        }
        Ok(())
    }
}

/// Why a stream could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The data is not what its filters say.
    Corrupt,
    /// A filter this reader does not implement.
    Unsupported,
    /// A limit of the budget.
    Exceeded(Exceeded),
}

impl From<Exceeded> for DecodeError {
    fn from(e: Exceeded) -> Self {
        DecodeError::Exceeded(e)
    }
}

/// Inflate zlib (`/FlateDecode`) data, at most `limit` bytes of output: more
/// is [`Exceeded::Inflate`], not a partial result. A damaged tail after some
/// output is tolerated as PDF readers do (the output so far is returned).
pub fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut reader = flate2::read::ZlibDecoder::new(data).take(cap);
    let res = reader.read_to_end(&mut out);
    if out.len() > limit {
        return Err(DecodeError::Exceeded(Exceeded::Inflate));
    }
    match res {
        Ok(_) => Ok(out),
        Err(_) if !out.is_empty() => Ok(out),
        Err(_) => Err(DecodeError::Corrupt),
    }
}

/// Undo a PNG predictor (`/Predictor` ≥ 10) on rows of `columns` bytes
/// (`colors × bpc / 8` bytes per pixel, `bpp`).
fn png_unpredict(data: &[u8], columns: usize, bpp: usize) -> Result<Vec<u8>, DecodeError> {
    if columns == 0 || bpp == 0 {
        return Err(DecodeError::Corrupt);
    }
    let row = columns + 1;
    let mut out = Vec::with_capacity(data.len() / row * columns);
    let mut prev = vec![0u8; columns];
    for chunk in data.chunks(row) {
        let (kind, bytes) = chunk.split_first().ok_or(DecodeError::Corrupt)?;
        let mut cur = bytes.to_vec();
        cur.resize(columns, 0);
        for i in 0..columns {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            let add = match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                _ => return Err(DecodeError::Corrupt),
            };
            cur[i] = cur[i].wrapping_add(add);
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

/// Parameters of a filter that matter here (`/DecodeParms`).
#[derive(Clone, Copy, Debug)]
pub struct Predictor {
    pub predictor: i64,
    pub colors: i64,
    pub bits: i64,
    pub columns: i64,
}

impl Default for Predictor {
    /// The defaults PDF gives: no predictor, one 8-bit colour, one column.
    fn default() -> Self {
        Self {
            predictor: 1,
            colors: 1,
            bits: 8,
            columns: 1,
        }
    }
}

impl Predictor {
    /// From a `/DecodeParms` dictionary (direct values only).
    pub fn of(parms: Option<&lopdf::Dictionary>) -> Self {
        let mut p = Self::default();
        if let Some(d) = parms {
            let int = |k: &[u8], dflt: i64| d.get(k).and_then(|o| o.as_i64()).unwrap_or(dflt);
            p.predictor = int(b"Predictor", 1);
            p.colors = int(b"Colors", 1);
            p.bits = int(b"BitsPerComponent", 8);
            p.columns = int(b"Columns", 1);
        }
        p
    }
}

/// The decoded data of `s` (its `/Filter` and `/DecodeParms`, direct values
/// only), charging `budget`: [`decode`] for a lopdf stream.
pub fn stream_content(s: &lopdf::Stream, budget: &Budget) -> Result<Vec<u8>, DecodeError> {
    use lopdf::Object;
    let names: Vec<&[u8]> = match s.dict.get(b"Filter") {
        Err(_) => Vec::new(),
        Ok(Object::Name(n)) => vec![n.as_slice()],
        Ok(Object::Array(a)) => a
            .iter()
            .map(|o| o.as_name().map_err(|_| DecodeError::Corrupt))
            .collect::<Result<_, _>>()?,
        Ok(_) => return Err(DecodeError::Unsupported),
    };
    let parms: Vec<Option<&lopdf::Dictionary>> = match s.dict.get(b"DecodeParms") {
        Ok(Object::Dictionary(d)) => vec![Some(d)],
        Ok(Object::Array(a)) => a.iter().map(|o| o.as_dict().ok()).collect(),
        _ => Vec::new(),
    };
    let filters: Vec<(&[u8], Predictor)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, Predictor::of(parms.get(i).copied().flatten())))
        .collect();
    decode(&s.content, &filters, budget)
}

/// Decode `data` through `filters` (names, in order), charging `budget`.
/// Only `/FlateDecode` (with PNG predictors) is implemented; it is all a
/// verifier needs (xref and object streams, DSS certificates and CRLs).
pub fn decode(
    data: &[u8],
    filters: &[(&[u8], Predictor)],
    budget: &Budget,
) -> Result<Vec<u8>, DecodeError> {
    budget.check()?;
    let mut cur: Option<Vec<u8>> = None;
    for (name, parms) in filters {
        let input = cur.as_deref().unwrap_or(data);
        let next = match *name {
            b"FlateDecode" | b"Fl" => {
                let room = budget.inflate_room();
                let out = inflate(input, room).map_err(|e| match e {
                    DecodeError::Exceeded(x) => {
                        let _ = budget.exceed(x);
                        e
                    }
                    other => other,
                })?;
                budget.charge_inflated(out.len())?;
                match parms.predictor {
                    0 | 1 => out,
                    10.. => {
                        let colors = usize::try_from(parms.colors.clamp(1, 32)).unwrap_or(1);
                        let bits = usize::try_from(parms.bits.clamp(1, 16)).unwrap_or(8);
                        let columns = usize::try_from(parms.columns.clamp(1, 1 << 20)).unwrap_or(1);
                        let bpp = (colors * bits).div_ceil(8);
                        png_unpredict(&out, (columns * colors * bits).div_ceil(8), bpp)?
                    }
                    _ => return Err(DecodeError::Unsupported),
                }
            }
            _ => return Err(DecodeError::Unsupported),
        };
        cur = Some(next);
    }
    Ok(cur.unwrap_or_else(|| data.to_vec()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflate_is_capped() {
        let z = zlib(&vec![0u8; 1 << 20]);
        assert_eq!(inflate(&z, 1 << 20).unwrap().len(), 1 << 20);
        assert_eq!(
            inflate(&z, (1 << 20) - 1),
            Err(DecodeError::Exceeded(Exceeded::Inflate))
        );
        assert_eq!(inflate(b"not zlib", 100), Err(DecodeError::Corrupt));
    }

    #[test]
    fn budget_totals_and_predictors() {
        let b = Budget::default();
        let z = zlib(&vec![7u8; STREAM_LIMIT]);
        let plain: &[(&[u8], Predictor)] = &[(b"FlateDecode", Predictor::default())];
        for _ in 0..TOTAL_INFLATE_LIMIT / STREAM_LIMIT {
            assert_eq!(decode(&z, plain, &b).unwrap().len(), STREAM_LIMIT);
        }
        assert!(decode(&z, plain, &b).is_err());
        assert_eq!(b.exceeded(), Some(Exceeded::Inflate));
        assert!(b.check().is_err(), "the budget stays spent");

        // PNG Up predictor, 3 columns: rows add to the one above.
        let rows = [2u8, 1, 2, 3, 2, 1, 1, 1];
        let p = Predictor {
            predictor: 12,
            columns: 3,
            ..Predictor::default()
        };
        let out = decode(&zlib(&rows), &[(b"FlateDecode", p)], &Budget::default()).unwrap();
        assert_eq!(out, [1, 2, 3, 2, 3, 4]);
        assert_eq!(
            decode(b"x", &[(b"LZWDecode", p)], &Budget::default()),
            Err(DecodeError::Unsupported)
        );
    }

    #[test]
    fn deadline_and_walks() {
        let b = Budget::new(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(1));
        assert!((0..64).any(|_| b.check().is_err()));
        assert_eq!(b.exceeded(), Some(Exceeded::Time));
        let w = Budget::default();
        assert!(w.step(WALK_LIMIT).is_ok());
        assert_eq!(w.step(WALK_LIMIT + 1), Err(Exceeded::Walk));
    }
}
