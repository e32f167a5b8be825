//! The incoming register's state machine (sổ văn bản đến): the statuses a received document
//! passes through, the events a clerk or an assignee applies, and which event is allowed from
//! which status — one table, no I/O. The store persists the result of [`step`] with a guarded
//! update; the application decides who may apply an event.

use std::fmt;

/// Where a received document stands in the recipient's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Delivered, waiting for the clerk to register it (chờ vào sổ).
    Received,
    /// Registered with a số đến (đã vào sổ).
    Registered,
    /// Forwarded to a person of the agency (đã chuyển xử lý).
    Forwarded,
    /// Receipt acknowledged (đã ký nhận).
    Acknowledged,
    /// Archived with its signed file (đã lưu trữ).
    Archived,
    /// Recalled by the issuer (đã thu hồi); terminal.
    Recalled,
}

/// Something that happens to a received document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Register,
    Forward,
    Acknowledge,
    Archive,
    Recall,
}

/// The transition table: for each event, the statuses it may start from and where it leads.
/// A status absent from every `from` list of an event refuses that event; [`Status::Recalled`]
/// appears in none, so it swallows every further event.
const TABLE: &[(Event, &[Status], Status)] = {
    use Status::*;
    &[
        (Event::Register, &[Received], Registered),
        (Event::Forward, &[Registered, Forwarded], Forwarded),
        (Event::Acknowledge, &[Registered, Forwarded], Acknowledged),
        (
            Event::Archive,
            &[Registered, Forwarded, Acknowledged],
            Archived,
        ),
        (
            Event::Recall,
            &[Received, Registered, Forwarded, Acknowledged, Archived],
            Recalled,
        ),
    ]
};

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Received,
        Status::Registered,
        Status::Forwarded,
        Status::Acknowledged,
        Status::Archived,
        Status::Recalled,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Registered => "registered",
            Status::Forwarded => "forwarded",
            Status::Acknowledged => "acknowledged",
            Status::Archived => "archived",
            Status::Recalled => "recalled",
        }
    }

    /// Parses a stored value.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The Vietnamese label shown in the register.
    pub fn label(self) -> &'static str {
        match self {
            Status::Received => "Chờ vào sổ",
            Status::Registered => "Đã vào sổ",
            Status::Forwarded => "Đã chuyển xử lý",
            Status::Acknowledged => "Đã ký nhận",
            Status::Archived => "Đã lưu trữ",
            Status::Recalled => "Đã thu hồi",
        }
    }

    /// Whether no event leads out of this status.
    pub fn is_terminal(self) -> bool {
        !TABLE.iter().any(|(_, from, _)| from.contains(&self))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Vietnamese label of a stored status ("Không rõ" for a value this version does not know).
pub fn status_label(stored: &str) -> &'static str {
    Status::parse(stored).map_or("Không rõ", Status::label)
}

impl Event {
    /// The audit action recorded for the event.
    pub fn action(self) -> &'static str {
        match self {
            Event::Register => "incoming.register",
            Event::Forward => "incoming.forward",
            Event::Acknowledge => "incoming.acknowledge",
            Event::Archive => "incoming.archive",
            Event::Recall => "incoming.recall",
        }
    }
}

/// An allowed transition, to be persisted with a guard on `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub event: Event,
    pub from: Status,
    pub to: Status,
}

/// An event the current status does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: Status,
    pub event: Event,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.status.label();
        match self.event {
            Event::Register => write!(
                f,
                "Văn bản đến đã ở trạng thái \"{label}\": không vào sổ lại được."
            ),
            _ => write!(
                f,
                "Văn bản đến đang ở trạng thái \"{label}\": không thực hiện được thao tác này."
            ),
        }
    }
}

impl std::error::Error for Refused {}

/// Where `event` leads from `status`, or why it is refused.
pub fn step(status: Status, event: Event) -> Result<Step, Refused> {
    TABLE
        .iter()
        .find(|(e, from, _)| *e == event && from.contains(&status))
        .map(|&(_, _, to)| Step {
            event,
            from: status,
            to,
        })
        .ok_or(Refused { status, event })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EVENTS: [Event; 5] = [
        Event::Register,
        Event::Forward,
        Event::Acknowledge,
        Event::Archive,
        Event::Recall,
    ];

    #[test]
    fn the_clerk_path_runs_from_received_to_archived() {
        let mut s = Status::Received;
        for e in [
            Event::Register,
            Event::Forward,
            Event::Forward,
            Event::Acknowledge,
            Event::Archive,
        ] {
            s = step(s, e).unwrap().to;
        }
        assert_eq!(s, Status::Archived);
    }

    #[test]
    fn terminal_states_swallow_further_events() {
        assert!(Status::Recalled.is_terminal());
        for e in EVENTS {
            let r = step(Status::Recalled, e).unwrap_err();
            assert_eq!(
                r,
                Refused {
                    status: Status::Recalled,
                    event: e
                }
            );
        }
        let terminal: Vec<Status> = Status::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal, [Status::Recalled]);
    }

    #[test]
    fn every_live_status_may_be_recalled() {
        for s in Status::ALL.into_iter().filter(|s| !s.is_terminal()) {
            assert_eq!(step(s, Event::Recall).unwrap().to, Status::Recalled);
        }
    }

    #[test]
    fn registering_twice_is_refused_with_the_status_named() {
        let r = step(Status::Registered, Event::Register).unwrap_err();
        assert_eq!(
            r.to_string(),
            "Văn bản đến đã ở trạng thái \"Đã vào sổ\": không vào sổ lại được."
        );
        let r = step(Status::Received, Event::Archive).unwrap_err();
        assert_eq!(
            r.to_string(),
            "Văn bản đến đang ở trạng thái \"Chờ vào sổ\": không thực hiện được thao tác này."
        );
    }

    #[test]
    fn an_archived_document_is_not_forwarded_or_acknowledged() {
        for e in [
            Event::Register,
            Event::Forward,
            Event::Acknowledge,
            Event::Archive,
        ] {
            assert!(step(Status::Archived, e).is_err(), "{e:?}");
        }
    }

    #[test]
    fn stored_values_round_trip_and_unknown_ones_are_labelled() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(status_label("registered"), "Đã vào sổ");
        assert_eq!(status_label("lost"), "Không rõ");
    }
}
