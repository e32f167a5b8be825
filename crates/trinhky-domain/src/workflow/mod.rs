//! Workflows (quy trình): definitions as data, a pure engine, and the working-day calendar.
//!
//! - [`definition`]: the TOML format of `workflows/*.toml` and its types.
//! - [`check`]: [`load`] parses and validates one file and reports *every* problem with a stable
//!   code (`WF001`…`WF014`), the file, the line and a hint.
//! - [`engine`]: [`apply`] decides one transition and returns the effects as data
//!   ([`Effect::Render`], [`Effect::SignPersonal`], …); the caller performs them in the same
//!   transaction or as outbox rows. [`available_actions`] is what the UI offers an actor.
//! - [`calendar`]: Vietnamese working days (holidays and make-up Saturdays are data: the entries
//!   of `deploy/calendar/vn.toml` are the initial content, the administrator edits them, and the
//!   database keeps them — this module only computes with them), SLA due dates and reminders.
//!
//! Nothing here does I/O or reads the clock: `now` is always a parameter. Dates that matter to
//! people (due dates, delegation validity, consultation deadlines) are taken in Vietnam's time
//! zone, UTC+7 ([`local_date`]).
//!
//! Optional states (e.g. review by the head of unit, which some agencies skip): a transition may
//! carry a guard `when = "optional_enabled"` or `when = "optional_disabled"`. [`apply`] picks,
//! among the transitions with the requested action from the current state, the one whose guard
//! matches [`Instance::skip_optional`] (no guard matches both). So `submit` from `drafting` goes to
//! `unit_review` when the agency uses unit review and straight to `approval` when it does not.

pub mod calendar;
pub mod check;
pub mod definition;
pub mod engine;

pub use calendar::{
    Calendar, Entry as CalendarEntry, EntryError as CalendarEntryError,
    EntryKind as CalendarEntryKind, ReminderKind, local_date, parse_calendar,
    parse_calendar_entries, reminders_due, sla_due,
};
pub use check::{CheckError, load};
pub use definition::{
    ActorRole, Definition, EffectKind, Guard, Requirement, StateDef, TransitionDef,
};
pub use engine::{
    ActionInput, Actor, Authority, Consultation, Delegation, Denied, Effect, Instance, Outcome,
    SigningBlock, apply, available_actions,
};
