//! The types of a validated workflow definition and the vocabulary of its TOML files.
//!
//! File format (`workflows/*.toml`):
//!
//! ```toml
//! id = "bao-cao"
//! version = 1
//! title = "Báo cáo, kế hoạch"
//! doc_types = ["BC", "KH"]
//! initial = "drafting"
//!
//! [states]
//! drafting  = { label = "Dự thảo", role = "drafter" }
//! approval  = { label = "Chờ ký duyệt", role = "signer", sla_working_days = 2 }
//! archived  = { label = "Lưu trữ", terminal = true }
//!
//! [[transitions]]
//! action = "submit"          # stable identifier used by the UI and the API
//! label = "Trình ký"         # Vietnamese button text
//! from = "drafting"
//! to = "approval"
//! by = ["drafter"]           # or a single string
//! requires = []              # comment, signing_pin, attachment, consultations_closed
//! effects = ["render"]       # render, sign_personal, assign_number, sign_organization,
//!                            # dispatch, notify, open_consultations
//! when = "optional_enabled"  # optional guard, see the module docs
//! ```
//!
//! States are listed in file order. Roles are relative to the document: `agency_head` is the head
//! *of the document's agency*, `recipient_clerk` a clerk of one of its recipients.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated workflow definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub doc_types: Vec<String>,
    pub initial: String,
    pub states: Vec<StateDef>,
    pub transitions: Vec<TransitionDef>,
    /// The file it was loaded from, as given to [`crate::workflow::load`].
    pub file: String,
}

impl Definition {
    pub fn state(&self, name: &str) -> Option<&StateDef> {
        self.states.iter().find(|s| s.name == name)
    }

    /// Every transition leaving `state`, in file order (both guard variants included).
    pub fn actions_from(&self, state: &str) -> Vec<&TransitionDef> {
        self.transitions
            .iter()
            .filter(|t| t.from == state)
            .collect()
    }

    pub fn is_terminal(&self, state: &str) -> bool {
        self.state(state).is_some_and(|s| s.terminal)
    }

    /// Whether this definition applies to a document type code such as `"BC"`.
    pub fn handles_doc_type(&self, doc_type: &str) -> bool {
        self.doc_types.iter().any(|d| d == doc_type)
    }
}

/// One state (bước) of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDef {
    pub name: String,
    /// Vietnamese label, e.g. "Dự thảo".
    pub label: String,
    /// Who is responsible while a document waits here (notified on entry).
    pub role: Option<ActorRole>,
    pub sla_working_days: Option<u32>,
    pub terminal: bool,
    /// May be skipped by agencies that disabled it (see `when` guards on transitions).
    pub optional: bool,
    pub line: usize,
}

/// Who may act, always relative to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    /// The document's own drafter.
    Drafter,
    /// `unit_head` of the document's agency.
    UnitHead,
    /// `agency_head` of the document's agency.
    AgencyHead,
    /// The agency head, or a deputy holding a valid delegation.
    Signer,
    /// A clerk of the document's (issuing) agency.
    Clerk,
    /// A clerk of one of the document's recipient agencies.
    RecipientClerk,
    /// The head or a deputy of an agency being consulted that has not answered yet.
    Consulted,
    /// The system itself (timers); never a person.
    System,
}

impl ActorRole {
    pub const ALL: [ActorRole; 8] = [
        ActorRole::Drafter,
        ActorRole::UnitHead,
        ActorRole::AgencyHead,
        ActorRole::Signer,
        ActorRole::Clerk,
        ActorRole::RecipientClerk,
        ActorRole::Consulted,
        ActorRole::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActorRole::Drafter => "drafter",
            ActorRole::UnitHead => "unit_head",
            ActorRole::AgencyHead => "agency_head",
            ActorRole::Signer => "signer",
            ActorRole::Clerk => "clerk",
            ActorRole::RecipientClerk => "recipient_clerk",
            ActorRole::Consulted => "consulted",
            ActorRole::System => "system",
        }
    }

    /// The Vietnamese name shown in the UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            ActorRole::Drafter => "Chuyên viên soạn thảo",
            ActorRole::UnitHead => "Trưởng phòng",
            ActorRole::AgencyHead => "Thủ trưởng cơ quan",
            ActorRole::Signer => "Người ký",
            ActorRole::Clerk => "Văn thư",
            ActorRole::RecipientClerk => "Văn thư nơi nhận",
            ActorRole::Consulted => "Cơ quan được lấy ý kiến",
            ActorRole::System => "Hệ thống",
        }
    }

    pub fn parse(s: &str) -> Option<ActorRole> {
        ActorRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for ActorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the actor must supply for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A non-blank comment (ý kiến), e.g. the reason for returning a draft.
    Comment,
    /// The signer's PIN for the signing key.
    SigningPin,
    /// At least one attached file.
    Attachment,
    /// Every consultation answered or past its due date.
    ConsultationsClosed,
}

impl Requirement {
    pub const ALL: [Requirement; 4] = [
        Requirement::Comment,
        Requirement::SigningPin,
        Requirement::Attachment,
        Requirement::ConsultationsClosed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Comment => "comment",
            Requirement::SigningPin => "signing_pin",
            Requirement::Attachment => "attachment",
            Requirement::ConsultationsClosed => "consultations_closed",
        }
    }

    pub fn parse(s: &str) -> Option<Requirement> {
        Requirement::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A side effect a transition declares; the engine turns it into an [`crate::workflow::Effect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    Render,
    SignPersonal,
    AssignNumber,
    SignOrganization,
    Dispatch,
    Notify,
    OpenConsultations,
}

impl EffectKind {
    pub const ALL: [EffectKind; 7] = [
        EffectKind::Render,
        EffectKind::SignPersonal,
        EffectKind::AssignNumber,
        EffectKind::SignOrganization,
        EffectKind::Dispatch,
        EffectKind::Notify,
        EffectKind::OpenConsultations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::Render => "render",
            EffectKind::SignPersonal => "sign_personal",
            EffectKind::AssignNumber => "assign_number",
            EffectKind::SignOrganization => "sign_organization",
            EffectKind::Dispatch => "dispatch",
            EffectKind::Notify => "notify",
            EffectKind::OpenConsultations => "open_consultations",
        }
    }

    pub fn parse(s: &str) -> Option<EffectKind> {
        EffectKind::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for EffectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A guard on a transition: taken only when the agency has enabled (or disabled) optional states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    OptionalEnabled,
    OptionalDisabled,
}

impl Guard {
    pub fn as_str(self) -> &'static str {
        match self {
            Guard::OptionalEnabled => "optional_enabled",
            Guard::OptionalDisabled => "optional_disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Guard> {
        [Guard::OptionalEnabled, Guard::OptionalDisabled]
            .into_iter()
            .find(|g| g.as_str() == s)
    }

    /// Whether a transition with this guard applies to an instance with `skip_optional`.
    pub fn admits(guard: Option<Guard>, skip_optional: bool) -> bool {
        match guard {
            None => true,
            Some(Guard::OptionalEnabled) => !skip_optional,
            Some(Guard::OptionalDisabled) => skip_optional,
        }
    }
}

/// One transition (thao tác) of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionDef {
    pub action: String,
    /// Vietnamese button text, e.g. "Trình ký".
    pub label: String,
    pub from: String,
    pub to: String,
    pub by: Vec<ActorRole>,
    pub requires: Vec<Requirement>,
    /// In the order the caller must perform them.
    pub effects: Vec<EffectKind>,
    /// `None`: always applies. See the module docs.
    pub when: Option<Guard>,
    pub line: usize,
}

impl TransitionDef {
    pub fn has_effect(&self, e: EffectKind) -> bool {
        self.effects.contains(&e)
    }
}
