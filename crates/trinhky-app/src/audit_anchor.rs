//! The audit chain anchored outside the database. The chain itself is SHA-256 with its head in
//! the same database, so someone who can write to the database could rewrite events and
//! recompute every hash into a chain that checks out. Checkpoints stop that: a checkpoint is a
//! line `{"seq", "hash", "at", "kek", "mac"}` appended to a file outside the database
//! (`TRINHKY_AUDIT_CHECKPOINTS`, default `$TRINHKY_DATA_DIR/audit-checkpoints.jsonl`, and also
//! written to the log) that an operator ships elsewhere. Its MAC is HMAC-SHA256 under a key
//! derived from the KEK (label `trinhky audit checkpoint v1`, see [`crate::kek`]), which the
//! database does not hold, so checkpoints cannot be forged from the database.
//!
//! A checkpoint is written only when the events since the previous one continue its hash (so
//! the checkpoints form a chain themselves); the first one checks the whole chain and anchors
//! every event before it, including those recorded before checkpoints existed.
//! `trinhky audit verify` then checks that each checkpoint's MAC is right and that the event it
//! names still has the hash it recorded: a rewritten chain, however consistent, no longer does.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use trinhky_store::{Store, audit};

use crate::kek::{Kek, hmac_sha256};
use crate::{AppError, Result};

/// The label of the checkpoint MAC key derived from the KEK, and the first line of each MAC'd
/// message.
pub const LABEL: &str = "trinhky audit checkpoint v1";

/// One line of the checkpoints file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last event anchored.
    pub seq: i64,
    /// Its hash in the chain.
    pub hash: String,
    pub at: DateTime<Utc>,
    /// Id of the KEK the MAC key is derived from.
    pub kek: String,
    /// HMAC-SHA256 (hex) of [`LABEL`], seq, hash and time, one per line.
    pub mac: String,
}

fn message(seq: i64, hash: &str, at: DateTime<Utc>) -> String {
    format!(
        "{LABEL}\n{seq}\n{hash}\n{}",
        at.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

fn mac(kek: &Kek, seq: i64, hash: &str, at: DateTime<Utc>) -> Result<String> {
    let key = kek.derive(LABEL)?;
    Ok(hex::encode(hmac_sha256(
        &key,
        message(seq, hash, at).as_bytes(),
    )?))
}

impl Checkpoint {
    /// A checkpoint of event `seq` with hash `hash`, MAC'd with the key derived from `kek`.
    pub fn new(kek: &Kek, seq: i64, hash: &str, at: DateTime<Utc>) -> Result<Checkpoint> {
        let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        Ok(Checkpoint {
            seq,
            hash: hash.to_owned(),
            at,
            kek: kek.id(),
            mac: mac(kek, seq, hash, at)?,
        })
    }

    /// Whether the MAC was made with `kek` over this content.
    pub fn mac_ok(&self, kek: &Kek) -> Result<bool> {
        let want = mac(kek, self.seq, &self.hash, self.at)?;
        Ok(want.len() == self.mac.len()
            && openssl::memcmp::eq(want.as_bytes(), self.mac.as_bytes()))
    }
}

/// The lines of a checkpoints file (numbered from 1), each parsed or with why not; a missing
/// file has none.
pub fn read_file(path: &Path) -> Result<Vec<(usize, std::result::Result<Checkpoint, String>)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(AppError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            });
        }
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            (
                i + 1,
                serde_json::from_str::<Checkpoint>(l).map_err(|e| e.to_string()),
            )
        })
        .collect())
}

/// What [`checkpoint`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The chain is empty: nothing to anchor.
    Empty,
    /// The last checkpoint already anchors the head.
    Unchanged(Checkpoint),
    /// A new line was appended.
    New(Checkpoint),
}

/// Appends a checkpoint of the chain head to `path` (created 0600) when the chain grew since the
/// last valid checkpoint there, after checking that the events since then continue it (or, for
/// the first checkpoint, that the whole chain verifies). A chain that does not is refused: a
/// checkpoint never anchors a tampered chain.
pub async fn checkpoint(
    store: &Store,
    kek: &Kek,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<Written> {
    let db = store.db();
    let (seq, hash) = audit::head(db).await?;
    if seq == 0 {
        return Ok(Written::Empty);
    }
    let mut last: Option<Checkpoint> = None;
    for (_, line) in read_file(path)? {
        let Ok(c) = line else { continue };
        if c.kek == kek.id() && c.mac_ok(kek)? && last.as_ref().is_none_or(|l| c.seq >= l.seq) {
            last = Some(c);
        }
    }
    let refuse = |why: String| {
        AppError::Conflict(format!(
            "no audit checkpoint written: {why}. Run `trinhky audit verify` and investigate before anchoring the chain again"
        ))
    };
    match &last {
        Some(l) if l.seq == seq && l.hash == hash => return Ok(Written::Unchanged(l.clone())),
        Some(l) if l.seq >= seq => {
            return Err(refuse(format!(
                "the last checkpoint anchors event #{} with another hash or beyond the chain's head #{seq}",
                l.seq
            )));
        }
        Some(l) => {
            if let Some(b) = audit::verify_after(db, l.seq, &l.hash, seq).await? {
                return Err(refuse(format!(
                    "the events after the checkpoint of event #{} do not continue it ({b})",
                    l.seq
                )));
            }
        }
        None => {
            let report = audit::verify(db, |_, _| {}).await?;
            if let Some(b) = report.broken {
                return Err(refuse(format!("the audit chain is broken ({b})")));
            }
        }
    }
    let c = Checkpoint::new(kek, seq, &hash, now)?;
    let line = serde_json::to_string(&c).map_err(|e| AppError::Internal(e.to_string()))?;
    append_line(path, &line)?;
    tracing::info!(checkpoint = %line, "audit checkpoint");
    Ok(Written::New(c))
}

fn append_line(path: &Path, line: &str) -> Result<()> {
    let io = |e: std::io::Error| AppError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::kek::create_private_dir(dir).map_err(io)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(io)?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// What [`verify`] found about the checkpoints.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnchorReport {
    /// Checkpoint lines read.
    pub checkpoints: usize,
    /// The newest event anchored by a valid checkpoint, and when.
    pub anchored_seq: Option<i64>,
    pub anchored_at: Option<DateTime<Utc>>,
    /// Every problem, in English, first line first. Empty when every checkpoint matches.
    pub problems: Vec<String>,
}

/// Checks every checkpoint in `path` against the chain in the database: its MAC under `kek`, and
/// that the event it names still has the hash it recorded.
pub async fn verify(store: &Store, kek: &Kek, path: &Path) -> Result<AnchorReport> {
    let db = store.db();
    let lines = read_file(path)?;
    let (head_seq, _) = audit::head(db).await?;
    let mut r = AnchorReport {
        checkpoints: lines.len(),
        ..AnchorReport::default()
    };
    for (n, line) in lines {
        let c = match line {
            Ok(c) => c,
            Err(e) => {
                r.problems.push(format!(
                    "line {n} of {} is not a checkpoint: {e}",
                    path.display()
                ));
                continue;
            }
        };
        if c.kek != kek.id() {
            r.problems.push(format!(
                "the checkpoint on line {n} was made with KEK {}, but the configured KEK is {}: set TRINHKY_KEK_FILE to the server's KEK",
                c.kek,
                kek.id()
            ));
            continue;
        }
        if !c.mac_ok(kek)? {
            r.problems.push(format!(
                "the checkpoint on line {n} (event #{}) has a wrong MAC: the line was forged or edited",
                c.seq
            ));
            continue;
        }
        if c.seq > head_seq {
            r.problems.push(format!(
                "the checkpoint on line {n} anchors event #{} (written {}), but the chain ends at event #{head_seq}: events were removed from the end",
                c.seq, c.at
            ));
            continue;
        }
        match audit::hash_at(db, c.seq).await? {
            Some(h) if h == c.hash => {
                if r.anchored_seq.is_none_or(|s| c.seq >= s) {
                    r.anchored_seq = Some(c.seq);
                    r.anchored_at = Some(c.at);
                }
            }
            Some(_) => r.problems.push(format!(
                "event #{} no longer has the hash anchored by the checkpoint on line {n} (written {}): the chain was rewritten up to that event",
                c.seq, c.at
            )),
            None => r.problems.push(format!(
                "event #{} anchored by the checkpoint on line {n} is missing from the chain",
                c.seq
            )),
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_checkpoint_mac_covers_every_field() {
        let kek = Kek::from_bytes([3; 32]).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-12-03T08:00:00.123456Z")
            .unwrap()
            .to_utc();
        let c = Checkpoint::new(&kek, 42, "ab", at).unwrap();
        assert!(c.mac_ok(&kek).unwrap());
        let line = serde_json::to_string(&c).unwrap();
        let back: Checkpoint = serde_json::from_str(&line).unwrap();
        assert!(back.mac_ok(&kek).unwrap());
        for edit in [
            Checkpoint {
                seq: 43,
                ..c.clone()
            },
            Checkpoint {
                hash: "ac".into(),
                ..c.clone()
            },
            Checkpoint {
                at: at + chrono::Duration::seconds(1),
                ..c.clone()
            },
        ] {
            assert!(!edit.mac_ok(&kek).unwrap());
        }
        assert!(!c.mac_ok(&Kek::from_bytes([4; 32]).unwrap()).unwrap());
    }
}
