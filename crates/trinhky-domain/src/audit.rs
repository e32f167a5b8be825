//! The audit chain (nhật ký thao tác): every state change is recorded as an event that carries the
//! SHA-256 of the previous event, so editing or deleting any row breaks the chain from that row on.
//!
//! This module only defines what is hashed and how; the store writes and reads the rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that precedes the first event of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit event, as hashed. `before`/`after` are SHA-256 hashes of the entity's canonical JSON
/// before and after the change (None when it did not exist / no longer exists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// Who acted: `user:<username>`, `cli:<os user>` or `system`.
    pub actor: String,
    /// What happened, e.g. `directory.import`, `user.add`, `session.login`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    /// Free-form JSON details (never secrets).
    pub details: String,
}

impl AuditEntry {
    /// The event's hash: SHA-256 over the previous hash and every field, each length-prefixed so no
    /// two different events encode to the same bytes.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        let ts = self
            .occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let seq = self.seq.to_string();
        let fields: [&str; 10] = [
            prev_hash,
            &seq,
            &ts,
            &self.actor,
            &self.action,
            &self.entity_type,
            &self.entity_id,
            self.before_hash.as_deref().unwrap_or("-"),
            self.after_hash.as_deref().unwrap_or("-"),
            &self.details,
        ];
        for f in fields {
            h.update((f.len() as u64).to_be_bytes());
            h.update(f.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// SHA-256 (hex) of a value's canonical JSON, used for before/after hashes.
pub fn state_hash<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChainBreak {
    /// The stored hash does not match the event's content: the row was edited.
    ContentChanged {
        seq: i64,
        stored: String,
        computed: String,
    },
    /// The event does not point at the hash of the event before it: a row was removed or
    /// inserted, or its `prev_hash` was edited.
    LinkBroken {
        seq: i64,
        expected_prev: String,
        found_prev: String,
    },
    /// Sequence numbers jump: an event was deleted.
    Gap { expected_seq: i64, found_seq: i64 },
    /// The chain head does not match the last event: events were removed from the end.
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::ContentChanged { seq, .. } => write!(
                f,
                "event #{seq} was modified: its content no longer matches its stored hash"
            ),
            ChainBreak::LinkBroken { seq, .. } => write!(
                f,
                "event #{seq} does not link to event #{}: an event was removed, inserted or re-linked",
                seq - 1
            ),
            ChainBreak::Gap {
                expected_seq,
                found_seq,
            } => write!(
                f,
                "event #{expected_seq} is missing (next event found is #{found_seq}): events were deleted"
            ),
            ChainBreak::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "the chain head records event #{head_seq} but the last event is #{last_seq}: events were removed from the end"
            ),
        }
    }
}

/// Checks a chain one event at a time, so a long chain can be streamed from the database.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: String,
    expected_seq: i64,
    last: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev: GENESIS_HASH.to_owned(),
            expected_seq: 1,
            last: 0,
        }
    }
}

impl ChainVerifier {
    /// A verifier that continues a chain after event `seq` whose hash is `hash` (a checkpoint),
    /// so only the events after it are read.
    pub fn starting_after(seq: i64, hash: &str) -> Self {
        ChainVerifier {
            prev: hash.to_owned(),
            expected_seq: seq + 1,
            last: seq,
        }
    }

    /// Feeds the next event (in seq order) with its stored `prev_hash` and `hash`.
    pub fn push(
        &mut self,
        entry: &AuditEntry,
        prev_hash: &str,
        stored: &str,
    ) -> Result<(), ChainBreak> {
        if entry.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                expected_seq: self.expected_seq,
                found_seq: entry.seq,
            });
        }
        if prev_hash != self.prev {
            return Err(ChainBreak::LinkBroken {
                seq: entry.seq,
                expected_prev: self.prev.clone(),
                found_prev: prev_hash.to_owned(),
            });
        }
        let computed = entry.chain_hash(prev_hash);
        if computed != stored {
            return Err(ChainBreak::ContentChanged {
                seq: entry.seq,
                stored: stored.to_owned(),
                computed,
            });
        }
        self.prev = computed;
        self.last = entry.seq;
        self.expected_seq += 1;
        Ok(())
    }

    /// Ends the walk: the chain head must point at the last event seen.
    pub fn finish(self, head_seq: i64) -> Result<i64, ChainBreak> {
        if self.last != head_seq {
            return Err(ChainBreak::HeadMismatch {
                head_seq,
                last_seq: self.last,
            });
        }
        Ok(self.last)
    }
}

/// Checks a whole chain in order; returns the last seq or the first break found.
pub fn verify_chain<'a, I>(events: I, head_seq: i64) -> Result<i64, ChainBreak>
where
    I: IntoIterator<Item = (&'a AuditEntry, &'a str, &'a str)>,
{
    let mut v = ChainVerifier::default();
    for (entry, prev_hash, stored) in events {
        v.push(entry, prev_hash, stored)?;
    }
    v.finish(head_seq)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(seq: i64, details: &str) -> AuditEntry {
        AuditEntry {
            seq,
            occurred_at: DateTime::parse_from_rfc3339("2023-06-05T08:00:00+07:00")
                .unwrap()
                .to_utc(),
            actor: "user:snv.chuyenvien".into(),
            action: "user.add".into(),
            entity_type: "user".into(),
            entity_id: "7".into(),
            before_hash: None,
            after_hash: Some("ab".into()),
            details: details.into(),
        }
    }

    fn chain(n: i64) -> Vec<(AuditEntry, String, String)> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|i| {
                let e = entry(i, "{}");
                let h = e.chain_hash(&prev);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    fn check(rows: &[(AuditEntry, String, String)], head: i64) -> Result<i64, ChainBreak> {
        verify_chain(
            rows.iter().map(|(e, p, h)| (e, p.as_str(), h.as_str())),
            head,
        )
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(check(&chain(5), 5), Ok(5));
        assert_eq!(check(&[], 0), Ok(0));
    }

    #[test]
    fn edited_content_is_named() {
        let mut rows = chain(5);
        rows[2].0.details = "{\"x\":1}".into();
        assert!(matches!(
            check(&rows, 5),
            Err(ChainBreak::ContentChanged { seq: 3, .. })
        ));
    }

    #[test]
    fn deleted_rows_are_found() {
        let mut rows = chain(5);
        rows.remove(1);
        assert!(matches!(
            check(&rows, 5),
            Err(ChainBreak::Gap {
                expected_seq: 2,
                found_seq: 3
            })
        ));
        let rows = chain(5);
        assert!(matches!(
            check(&rows[..4], 5),
            Err(ChainBreak::HeadMismatch {
                head_seq: 5,
                last_seq: 4
            })
        ));
    }

    #[test]
    fn field_boundaries_matter() {
        let mut a = entry(1, "{}");
        let mut b = entry(1, "{}");
        a.actor = "ab".into();
        a.action = "c".into();
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(a.chain_hash(GENESIS_HASH), b.chain_hash(GENESIS_HASH));
    }
}
