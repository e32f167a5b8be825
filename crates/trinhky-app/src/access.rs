//! The access policy of documents (issue 13): who may see or touch what of one document. It is
//! written once, here, and asked by every use case that loads a document — and so by every page
//! and API operation that shows or changes one.
//!
//! - **Members** of the owning agency read the working document whatever its state; what each of
//!   them may change is decided by their role (the workflow engine, `may_edit` …).
//! - **Consulted agencies** read the working document and answer while their consultation is
//!   open, and no longer.
//! - **Recipients** (the clerks of the agencies named in Nơi nhận or delivered to, the province
//!   office's receiving clerk among them) see nothing before the document is issued, and nothing
//!   once it is recalled; in between only the issued copy — the organisation-signed PDF and its
//!   attachments — and the workflow's recipient steps (receive, archive). Never the text being
//!   drafted, its previews, versions, comparisons, the history with the head's comments or the
//!   nhật ký.
//!
//! Everyone else is refused with the same 403 whatever the document's state. An id that no
//! document has is 404 (issue 16: a mistyped link should not tell the user to ask for a role);
//! ids are sequential, so existence was never a secret.

use trinhky_domain::Role;

use crate::{AppError, Principal, Result};

/// What a caller asks of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The working document: its text, drafts and their previews, versions and their comparison,
    /// the history with comments, the nhật ký, the issuing and delivery status.
    Working,
    /// The issued copy: the organisation-signed PDF, its attachments and the document's card
    /// (number, trích yếu, state) — what the recipients received.
    IssuedCopy,
    /// A workflow action; the engine then decides which one the caller may take.
    Step,
    /// A change outside the workflow: edit, attachments, độ mật, reassignment, resend, recall,
    /// the live preview of unsaved text. The use case then checks the role.
    Change,
}

/// Why access was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Holds a role in the owning agency.
    Member,
    /// Belongs to an agency whose consultation on the document is open.
    Consulted,
    /// A recipient of the issued document: the issued copy and recipient steps only.
    Recipient,
}

impl Standing {
    /// Whether the caller sees the working document (everything but a recipient).
    pub fn working(self) -> bool {
        !matches!(self, Standing::Recipient)
    }
}

/// What the policy needs to know about the caller and the document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The caller holds a role in the owning agency.
    pub member: bool,
    /// The caller belongs to an agency consulted on the document, with the consultation open.
    pub consulted: bool,
    /// The caller reads for a recipient agency (its clerk; on an incoming row, whoever may see
    /// that row).
    pub recipient: bool,
    /// The document has been issued (it has a number in the outgoing register).
    pub issued: bool,
    /// The issued document has been recalled (thu hồi).
    pub recalled: bool,
}

impl Facts {
    /// The facts of a document for `p`: its agency, the agencies with an open consultation,
    /// the recipient agencies, and its register entry (issued, recalled).
    pub fn of(
        p: &Principal,
        agency: &str,
        open_consultations: &[String],
        recipients: &[String],
        issued: bool,
        recalled: bool,
    ) -> Facts {
        Facts {
            member: p.belongs_to(agency),
            consulted: open_consultations.iter().any(|a| p.belongs_to(a)),
            recipient: recipients.iter().any(|a| p.has_role(a, Role::Clerk)),
            issued,
            recalled,
        }
    }
}

/// The refusal: the existing "Bạn không có quyền…" answer, with nothing about the document.
pub fn refused() -> AppError {
    AppError::Forbidden(String::new())
}

/// The decision. Pure: every caller that loads a document ends here.
pub fn decide(f: &Facts, want: Want) -> Result<Standing> {
    if f.member {
        return Ok(Standing::Member);
    }
    if f.consulted && matches!(want, Want::Working | Want::IssuedCopy | Want::Step) {
        return Ok(Standing::Consulted);
    }
    if f.recipient && f.issued && !f.recalled && matches!(want, Want::IssuedCopy | Want::Step) {
        return Ok(Standing::Recipient);
    }
    Err(refused())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Want; 4] = [Want::Working, Want::IssuedCopy, Want::Step, Want::Change];

    fn allowed(f: Facts) -> Vec<Want> {
        ALL.into_iter().filter(|w| decide(&f, *w).is_ok()).collect()
    }

    #[test]
    fn members_may_ask_everything_in_every_state() {
        for (issued, recalled) in [(false, false), (true, false), (true, true)] {
            let f = Facts {
                member: true,
                issued,
                recalled,
                ..Facts::default()
            };
            assert_eq!(allowed(f), ALL.to_vec());
        }
    }

    #[test]
    fn consulted_agencies_read_and_answer_but_never_change() {
        let f = Facts {
            consulted: true,
            ..Facts::default()
        };
        assert_eq!(
            allowed(f),
            vec![Want::Working, Want::IssuedCopy, Want::Step]
        );
    }

    #[test]
    fn recipients_get_only_the_issued_copy_and_only_while_it_stands() {
        let draft = Facts {
            recipient: true,
            ..Facts::default()
        };
        assert!(allowed(draft).is_empty(), "nothing before issuing");
        let issued = Facts {
            issued: true,
            ..draft
        };
        assert_eq!(allowed(issued), vec![Want::IssuedCopy, Want::Step]);
        assert_eq!(
            decide(&issued, Want::IssuedCopy).ok(),
            Some(Standing::Recipient)
        );
        let recalled = Facts {
            recalled: true,
            ..issued
        };
        assert!(allowed(recalled).is_empty(), "nothing once recalled");
    }

    #[test]
    fn anyone_else_is_refused_with_the_same_empty_403() {
        for f in [
            Facts::default(),
            Facts {
                issued: true,
                ..Facts::default()
            },
        ] {
            for w in ALL {
                match decide(&f, w) {
                    Err(AppError::Forbidden(m)) => assert!(m.is_empty()),
                    other => panic!("{w:?}: {other:?}"),
                }
            }
        }
    }
}
