//! Progressive delays for guessed secrets: login passwords and signing-key PINs.
//!
//! # What it protects against, and what it must not allow
//!
//! Online guessing must get slow, but whoever guesses must not be able to keep the owner of an
//! account (a director, an agency's seal key) out. A hard lock ("5 failures: refused, even with
//! the right password") gives exactly that power to anyone who knows a username, so there is none:
//! each failure only raises a *delay* before the next attempt of the same kind is even checked,
//! and the delay is always counted from a failure of the one who is waiting.
//!
//! # Keys
//!
//! An attempt names a *subject* (the username typed, or the signing key `pin:user:…` /
//! `pin:agency:…`) and a *source* (the client address — see [`crate::client_addr`] for how it is
//! taken behind a reverse proxy — or, for a PIN, the person typing it). Three tallies of failures
//! inside [`Policy::window`] decide the delay; each has its own [`Schedule`]:
//!
//! 1. **pair** (subject, source), counted since that pair's last success: the owner's own typos,
//!    or one attacker on one account. Free failures 5, then 15 s, 30 s, 60 s … capped at 5 min.
//! 2. **source** (every subject from one address): password spraying. Free failures 30 per hour,
//!    then the same growth. Only for logins (a PIN's source is an authenticated person who can
//!    only reach the keys they hold).
//! 3. **subject** (one account from every source): an attacker rotating addresses. A much higher
//!    ceiling (50 failures per hour for logins, 20 for a key), and it applies **only to sources
//!    that have failed on this subject themselves** (pair tally ≥ 1), counted from that source's
//!    own last failure. A fresh address — the owner at their desk — is never delayed by what
//!    others did; an attacker rotating addresses gets one guess per fresh address, then waits.
//!
//! The required wait is the largest of the three, `last failure of the tally + delay(failures)`
//! minus now. An attempt inside it is answered "thử lại sau N giây" without the secret being
//! checked (no argon2 work either). Whoever is delayed on their own pair waits at most the cap
//! after their own last failure, whatever anyone else does: no one can be locked out for good.
//!
//! # Atomicity
//!
//! [`admit`] records the attempt first — as a failure, since it is not known yet — and only
//! then counts, in one write transaction: SQLite write transactions are serial, and on PostgreSQL
//! the subject's and the source's keys take advisory transaction locks
//! ([`accounts::lock_attempt_keys`]). N parallel wrong attempts therefore see each other: after
//! the free ones, the others are refused. The secret is checked after that transaction (outside
//! any lock; argon2 and PKCS#12 decryption are slow), and a success then turns the row into a
//! success ([`Ticket::succeeded`]). An attempt refused by the delay is rolled back: it neither
//! counts nor grows the table.
//!
//! Because an admitted attempt counts as a failure until it is resolved, attempts of one
//! (subject, source) pair are also taken one at a time in a process ([`Turns`]): the next is
//! admitted once the previous one is resolved. Otherwise a burst of *right* attempts — a clerk
//! sealing two hundred reports at once with the right PIN — would see each other as pending
//! failures and be delayed. Parallel wrong attempts are then evaluated in turn, and after the
//! free ones the rest wait, exactly as when they come one after another. Across several servers
//! sharing one database, at most one attempt per server is pending at a time.
//!
//! # Audit
//!
//! When a failure starts a delay on a tally (its count reaches that schedule's free failures),
//! the caller records it in the audit chain (`session.lockout`, `signing.pin_lockout`) with the
//! tally, the source and the wait — once per crossing, not once per failure. Later failures only
//! lengthen the delay. The user is told how long to wait in Vietnamese ([`wait_vi`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::OwnedMutexGuard;
use trinhky_store::accounts::{self, Tally, TallyOf};
use trinhky_store::{DatabaseTransaction, Store};

use crate::{AppError, Result};

/// Delay after `failures` failures: none up to `free`, then `base` doubling per failure, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub free: u64,
    pub base_secs: i64,
    pub max_secs: i64,
}

impl Schedule {
    /// The delay that `failures` failures require before the next attempt.
    pub fn delay(&self, failures: u64) -> Duration {
        if failures < self.free {
            return Duration::zero();
        }
        let doublings = u32::try_from(failures - self.free)
            .unwrap_or(u32::MAX)
            .min(30);
        let secs = self
            .base_secs
            .saturating_mul(1_i64 << doublings)
            .min(self.max_secs);
        Duration::seconds(secs)
    }
}

/// The three schedules of one kind of secret (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// (subject, source), since the pair's last success.
    pub pair: Schedule,
    /// One source against every subject; `None` when sources are people (PINs).
    pub source: Option<Schedule>,
    /// One subject from every source; applied only to sources that failed on it.
    pub subject: Schedule,
}

const STEP: Schedule = Schedule {
    free: 5,
    base_secs: 15,
    max_secs: 300,
};

impl Policy {
    /// Logins: per (account, address), per address, per account.
    pub const LOGIN: Policy = Policy {
        window: Duration::hours(1),
        pair: STEP,
        source: Some(Schedule { free: 30, ..STEP }),
        subject: Schedule { free: 50, ..STEP },
    };
    /// Signing-key PINs: per (key, person typing) and per key.
    pub const PIN: Policy = Policy {
        window: Duration::hours(1),
        pair: STEP,
        source: None,
        subject: Schedule { free: 20, ..STEP },
    };
}

/// A tally that a failure of this attempt would push into its delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Pair,
    Source,
    Subject,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Pair => "pair",
            Scope::Source => "source",
            Scope::Subject => "subject",
        }
    }
}

/// An admitted attempt: the secret may be checked now.
#[derive(Debug, Clone)]
pub struct Ticket {
    attempt: i32,
    /// Failures the pair already has (this attempt not included).
    pub pair_failures: u64,
    /// Free failures the pair has left, this attempt included.
    pub pair_left: u64,
    /// The wait a failure of this attempt would impose on this source.
    pub wait_if_failed: Duration,
    /// The tallies whose delay a failure of this attempt would start.
    pub starts: Vec<Scope>,
    /// This pair's turn: the next attempt of the pair is admitted once the ticket is dropped.
    _turn: Arc<OwnedMutexGuard<()>>,
}

/// Turns of the pairs with an attempt in progress in this process (see the module
/// documentation). Owned by whoever admits attempts of one kind (the [`crate::App`] for logins,
/// [`crate::signing::Signing`] for PINs); clones share the turns.
#[derive(Clone, Debug, Default)]
pub struct Turns {
    pairs: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Turns {
    /// Waits for the turn of one (subject, source) pair.
    /// (Subjects of PINs start with `pin:` and usernames have no colon, so kinds never share a
    /// turn even in one `Turns`.)
    async fn pair_turn(&self, subject: &str, source: &str) -> OwnedMutexGuard<()> {
        let key = format!("{subject}\u{1f}{source}");
        let lock = {
            let mut turns = self
                .pairs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Pairs nobody waits on are dropped, so the map holds the pairs in progress only.
            if turns.len() > 256 {
                turns.retain(|_, l| Arc::strong_count(l) > 1);
            }
            turns.entry(key).or_default().clone()
        };
        lock.lock_owned().await
    }
}

impl Ticket {
    /// Records that the secret was right (in the caller's transaction).
    pub async fn succeeded(&self, txn: &DatabaseTransaction) -> Result<()> {
        accounts::attempt_succeeded(txn, self.attempt).await?;
        Ok(())
    }

    /// Whether a failure of this attempt starts a delay (and so is audited).
    pub fn failure_locks(&self) -> bool {
        !self.starts.is_empty()
    }

    /// The audit details of the lockout a failure of this attempt starts.
    pub fn lockout_details(&self, subject: &str, source: &str) -> serde_json::Value {
        serde_json::json!({
            "subject": subject,
            "source": source,
            "scopes": self.starts.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "retry_after_seconds": self.wait_if_failed.num_seconds(),
        })
    }
}

/// Whether an attempt may check its secret.
#[derive(Debug)]
pub enum Gate {
    /// Admitted: the attempt is recorded (as a failure until [`Ticket::succeeded`]).
    Go(Ticket),
    /// Refused without checking; try again after this long (whole seconds, at least one).
    Wait(Duration),
}

fn remaining(t: &Tally, delay: Duration, now: DateTime<Utc>) -> Duration {
    match t.last {
        Some(last) if !delay.is_zero() => (last + delay - now).max(Duration::zero()),
        _ => Duration::zero(),
    }
}

fn whole_seconds(d: Duration) -> Duration {
    let ms = d.num_milliseconds();
    Duration::seconds((ms + 999) / 1000).max(Duration::seconds(1))
}

/// Records an attempt of `source` on `subject` and decides, in one write transaction, whether
/// its secret may be checked (see the module documentation).
pub async fn admit(
    store: &Store,
    turns: &Turns,
    policy: &Policy,
    subject: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Gate> {
    let turn = turns.pair_turn(subject, source).await;
    let txn = store.begin_write().await?;
    accounts::lock_attempt_keys(
        &txn,
        &[format!("subject:{subject}"), format!("source:{source}")],
    )
    .await?;
    let attempt = accounts::begin_attempt(&txn, subject, source, now).await?;
    let since = now - policy.window;
    let pair =
        accounts::failure_tally(&txn, TallyOf::Pair { subject, source }, since, attempt).await?;
    let whole = accounts::failure_tally(&txn, TallyOf::Subject(subject), since, attempt).await?;
    let from_source = match policy.source {
        Some(_) => accounts::failure_tally(&txn, TallyOf::Source(source), since, attempt).await?,
        None => Tally::default(),
    };
    let mut wait = remaining(&pair, policy.pair.delay(pair.failures), now);
    if let Some(s) = &policy.source {
        wait = wait.max(remaining(&from_source, s.delay(from_source.failures), now));
    }
    if pair.failures > 0 {
        // The subject's ceiling, counted from this source's own last failure.
        let own = Tally {
            failures: whole.failures,
            last: pair.last,
        };
        wait = wait.max(remaining(&own, policy.subject.delay(whole.failures), now));
    }
    if wait > Duration::zero() {
        // Not recorded: a refused attempt neither counts nor grows the table.
        txn.rollback()
            .await
            .map_err(|e| AppError::Store(e.into()))?;
        return Ok(Gate::Wait(whole_seconds(wait)));
    }
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    let mut starts = Vec::new();
    let mut wait_if_failed = policy.pair.delay(pair.failures + 1);
    if pair.failures + 1 == policy.pair.free {
        starts.push(Scope::Pair);
    }
    if let Some(s) = &policy.source {
        wait_if_failed = wait_if_failed.max(s.delay(from_source.failures + 1));
        if from_source.failures + 1 == s.free {
            starts.push(Scope::Source);
        }
    }
    wait_if_failed = wait_if_failed.max(policy.subject.delay(whole.failures + 1));
    if whole.failures + 1 == policy.subject.free {
        starts.push(Scope::Subject);
    }
    Ok(Gate::Go(Ticket {
        attempt,
        pair_failures: pair.failures,
        pair_left: policy.pair.free.saturating_sub(pair.failures),
        wait_if_failed,
        starts,
        _turn: Arc::new(turn),
    }))
}

/// A wait in Vietnamese: "45 giây", "2 phút", "4 phút 30 giây".
pub fn wait_vi(d: Duration) -> String {
    let secs = whole_seconds(d).num_seconds();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} giây"),
        (m, 0) => format!("{m} phút"),
        (m, s) => format!("{m} phút {s} giây"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_cap() {
        let s = Policy::LOGIN.pair;
        assert_eq!(s.delay(0), Duration::zero());
        assert_eq!(s.delay(4), Duration::zero());
        assert_eq!(s.delay(5), Duration::seconds(15));
        assert_eq!(s.delay(6), Duration::seconds(30));
        assert_eq!(s.delay(9), Duration::seconds(240));
        assert_eq!(s.delay(10), Duration::seconds(300));
        assert_eq!(s.delay(10_000), Duration::seconds(300));
        assert_eq!(Policy::LOGIN.subject.delay(49), Duration::zero());
    }

    #[test]
    fn waits_read_in_vietnamese() {
        assert_eq!(wait_vi(Duration::milliseconds(14_200)), "15 giây");
        assert_eq!(wait_vi(Duration::seconds(120)), "2 phút");
        assert_eq!(wait_vi(Duration::seconds(270)), "4 phút 30 giây");
        assert_eq!(wait_vi(Duration::zero()), "1 giây");
    }
}
