//! The engine: one pure decision per action. Effects are returned as data, never performed here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::local_date;
use super::definition::{ActorRole, Definition, EffectKind, Guard, Requirement, TransitionDef};
use crate::Role;

/// The workflow state of one document, as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub definition_id: String,
    /// The definition version the document started with.
    pub definition_version: u32,
    pub state: String,
    /// Optimistic-concurrency version; every successful action increments it by one.
    pub version: i64,
    /// The document's agency code.
    pub agency: String,
    /// The drafter's username.
    pub drafter: String,
    pub personal_signed: bool,
    pub organization_signed: bool,
    /// Recipient agency codes.
    pub recipients: Vec<String>,
    pub consultations: Vec<Consultation>,
    /// The agency disabled optional states (see `when` guards).
    pub skip_optional: bool,
    /// The title of the head of the document's agency ("Giám đốc"), for the signature block when
    /// the head signs. Empty: "Thủ trưởng cơ quan".
    #[serde(default)]
    pub head_title: String,
}

/// A request for comments (lấy ý kiến) sent to another agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    pub agency: String,
    pub answered: bool,
    pub due: NaiveDate,
}

/// The person acting, with every role they hold and the delegations granted to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub username: String,
    /// (agency code, role).
    pub roles: Vec<(String, Role)>,
    /// Delegations *to* this user (the engine ignores others).
    pub delegations: Vec<Delegation>,
    /// The system itself (timers, workers): the only holder of [`ActorRole::System`].
    #[serde(default)]
    pub system: bool,
}

impl Actor {
    pub fn has(&self, agency: &str, role: Role) -> bool {
        self.roles.iter().any(|(a, r)| a == agency && *r == role)
    }

    /// An actor for transitions `by = ["system"]`.
    pub fn system() -> Actor {
        Actor {
            username: "system".into(),
            system: true,
            ..Actor::default()
        }
    }
}

/// Signing authority granted by a head to another person for a period (ủy quyền / phân công ký).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub agency: String,
    pub from_username: String,
    pub to_username: String,
    pub authority: Authority,
    /// "Giám đốc".
    pub head_title: String,
    /// The delegate's own title, "Phó Giám đốc".
    pub deputy_title: String,
    pub valid_from: NaiveDate,
    /// `None`: until revoked.
    pub valid_to: Option<NaiveDate>,
    /// `None`: every workflow; else a definition id.
    pub workflow: Option<String>,
}

impl Delegation {
    /// Valid for this agency and workflow on `day` (Vietnam date).
    pub fn covers(&self, agency: &str, workflow: &str, day: NaiveDate) -> bool {
        self.agency == agency
            && self.valid_from <= day
            && self.valid_to.is_none_or(|to| day <= to)
            && self.workflow.as_deref().is_none_or(|w| w == workflow)
    }
}

/// How a delegate signs (Decree 30/2020, Appendix I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// "KT." ký thay: a deputy signs for the head.
    Kt,
    /// "TL." thừa lệnh: e.g. the chief of office signs by order of the head.
    Tl,
    /// "TUQ." thừa ủy quyền: signs under a written authorisation.
    Tuq,
}

impl Authority {
    pub fn prefix(self) -> &'static str {
        match self {
            Authority::Kt => "KT.",
            Authority::Tl => "TL.",
            Authority::Tuq => "TUQ.",
        }
    }
}

/// What the actor supplies with an action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInput {
    pub comment: Option<String>,
    /// The signing PIN was supplied (and will be checked by the signer when performing the effect).
    pub pin_provided: bool,
    pub attachments: usize,
    /// The instance version the actor was looking at.
    pub expected_version: i64,
}

/// A successful action: the caller stores `to`/`new_version` and performs `effects` in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub from: String,
    pub to: String,
    pub action: String,
    pub effects: Vec<Effect>,
    pub new_version: i64,
    /// Set when the transition signs personally.
    pub signing: Option<SigningBlock>,
    /// The role under which the actor was allowed (first matching role of `by`).
    pub acted_as: ActorRole,
    /// The agency in which the actor acted: the document's agency, or for `recipient_clerk` /
    /// `consulted` the recipient / consulted agency (mark that consultation answered).
    pub acting_agency: String,
    /// The actor's comment, trimmed; `None` when blank.
    pub comment: Option<String>,
}

/// The signature block (phần ký) printed on the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningBlock {
    /// "KT. GIÁM ĐỐC" when a delegate signs; `None` when the head signs.
    pub authority: Option<String>,
    /// "PHÓ GIÁM ĐỐC" or "GIÁM ĐỐC" (upper-case).
    pub position: String,
    /// Username of the signer.
    pub signer: String,
}

/// A side effect for the caller to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    Render,
    SignPersonal {
        signer: String,
    },
    AssignNumber,
    SignOrganization,
    Dispatch,
    /// Tell whoever holds `role` (relative to the document) that it waits in `state`.
    Notify {
        role: ActorRole,
        state: String,
    },
    OpenConsultations,
}

/// Why an action was refused. `Display` is Vietnamese, for users; [`Denied::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denied {
    #[error("Thao tác \"{action}\" không có trong quy trình này.")]
    UnknownAction { action: String },
    #[error(
        "Không thể thực hiện thao tác \"{action}\" khi văn bản đang ở bước \"{state}\"; tải lại trang để xem trạng thái mới nhất."
    )]
    WrongState { state: String, action: String },
    #[error(
        "Văn bản đã kết thúc quy trình (bước \"{state}\"); không thể thực hiện thêm thao tác nào."
    )]
    Terminal { state: String },
    #[error("Bạn không có quyền thực hiện thao tác \"{action}\"; thao tác này dành cho: {}.", role_labels(.allowed))]
    WrongRole {
        action: String,
        allowed: Vec<ActorRole>,
    },
    #[error("Văn bản thuộc cơ quan {agency}; bạn không có vai trò phù hợp trong cơ quan này.")]
    WrongAgency { agency: String },
    #[error("{}", requirement_message(*.0))]
    MissingRequirement(Requirement),
    #[error(
        "Văn bản đã được cập nhật bởi người khác (phiên bản {actual}, bạn đang xem {expected}); tải lại trang."
    )]
    StaleVersion { expected: i64, actual: i64 },
    #[error("Văn bản đã được ký; không thể ký lại.")]
    AlreadySigned,
    #[error("Chưa thể kết thúc lấy ý kiến: các cơ quan sau chưa góp ý và chưa hết hạn: {}.", .pending.join(", "))]
    ConsultationsOpen { pending: Vec<String> },
    #[error(
        "Bạn chưa được ủy quyền ký văn bản của cơ quan {agency} vào ngày hôm nay; đề nghị thủ trưởng cơ quan giao quyền ký."
    )]
    NoDelegation { agency: String },
    #[error("Văn bản chưa có chữ ký của người có thẩm quyền; không thể ký số của cơ quan.")]
    PersonalSignatureMissing,
}

impl Denied {
    /// Stable code for logs, the API and tests.
    pub fn code(&self) -> &'static str {
        match self {
            Denied::UnknownAction { .. } => "WFD001",
            Denied::WrongState { .. } => "WFD002",
            Denied::Terminal { .. } => "WFD003",
            Denied::WrongRole { .. } => "WFD004",
            Denied::WrongAgency { .. } => "WFD005",
            Denied::MissingRequirement(_) => "WFD006",
            Denied::StaleVersion { .. } => "WFD007",
            Denied::AlreadySigned => "WFD008",
            Denied::ConsultationsOpen { .. } => "WFD009",
            Denied::NoDelegation { .. } => "WFD010",
            Denied::PersonalSignatureMissing => "WFD011",
        }
    }
}

fn role_labels(roles: &[ActorRole]) -> String {
    roles
        .iter()
        .map(|r| r.label_vi())
        .collect::<Vec<_>>()
        .join(", ")
}

fn requirement_message(r: Requirement) -> &'static str {
    match r {
        Requirement::Comment => "Cần nhập ý kiến (lý do) cho thao tác này.",
        Requirement::SigningPin => "Cần nhập mã PIN ký số.",
        Requirement::Attachment => "Cần đính kèm ít nhất một tệp.",
        Requirement::ConsultationsClosed => "Chưa kết thúc thời hạn lấy ý kiến.",
    }
}

/// How an actor holds a role for a document, if at all.
enum Holds {
    Yes {
        agency: String,
        delegation: Option<Delegation>,
    },
    /// A deputy of the right agency without a valid delegation.
    NeedsDelegation,
    No,
}

fn holds(
    def: &Definition,
    inst: &Instance,
    actor: &Actor,
    role: ActorRole,
    today: NaiveDate,
) -> Holds {
    let here = |ok: bool| {
        if ok {
            Holds::Yes {
                agency: inst.agency.clone(),
                delegation: None,
            }
        } else {
            Holds::No
        }
    };
    if actor.system {
        return here(role == ActorRole::System);
    }
    match role {
        ActorRole::System => Holds::No,
        ActorRole::Drafter => here(!inst.drafter.is_empty() && actor.username == inst.drafter),
        ActorRole::UnitHead => here(actor.has(&inst.agency, Role::UnitHead)),
        ActorRole::AgencyHead => here(actor.has(&inst.agency, Role::AgencyHead)),
        ActorRole::Clerk => here(actor.has(&inst.agency, Role::Clerk)),
        ActorRole::Signer => {
            if actor.has(&inst.agency, Role::AgencyHead) {
                return here(true);
            }
            let valid = actor.delegations.iter().find(|d| {
                d.to_username == actor.username
                    && d.covers(&inst.agency, &def.id, today)
                    // "KT." is for deputies; "TL."/"TUQ." for any member of the agency.
                    && match d.authority {
                        Authority::Kt => actor.has(&inst.agency, Role::DeputyHead),
                        Authority::Tl | Authority::Tuq => actor.roles.iter().any(|(a, _)| *a == inst.agency),
                    }
            });
            match valid {
                Some(d) => Holds::Yes {
                    agency: inst.agency.clone(),
                    delegation: Some(d.clone()),
                },
                None if actor.has(&inst.agency, Role::DeputyHead) => Holds::NeedsDelegation,
                None => Holds::No,
            }
        }
        ActorRole::RecipientClerk => inst
            .recipients
            .iter()
            .find(|a| actor.has(a, Role::Clerk))
            .map_or(Holds::No, |a| Holds::Yes {
                agency: a.clone(),
                delegation: None,
            }),
        ActorRole::Consulted => inst
            .consultations
            .iter()
            .filter(|c| !c.answered)
            .find(|c| {
                actor.has(&c.agency, Role::AgencyHead) || actor.has(&c.agency, Role::DeputyHead)
            })
            .map_or(Holds::No, |c| Holds::Yes {
                agency: c.agency.clone(),
                delegation: None,
            }),
    }
}

/// Whether the actor could hold `role` in *some* agency: used to tell "wrong agency" from "wrong role".
fn holds_elsewhere(actor: &Actor, role: ActorRole) -> bool {
    let any = |r: Role| actor.roles.iter().any(|(_, x)| *x == r);
    match role {
        ActorRole::UnitHead => any(Role::UnitHead),
        ActorRole::AgencyHead => any(Role::AgencyHead),
        ActorRole::Signer => any(Role::AgencyHead),
        ActorRole::Clerk => any(Role::Clerk),
        ActorRole::Drafter
        | ActorRole::RecipientClerk
        | ActorRole::Consulted
        | ActorRole::System => false,
    }
}

/// Decide one action. Checks, in order: the action exists in the definition (`UnknownAction`),
/// `expected_version` (`StaleVersion`), terminal state (`Terminal`), the action from this state
/// under the instance's guard mode (`WrongState`), the actor's role (`WrongRole`, `WrongAgency`,
/// `NoDelegation`), requirements (`MissingRequirement`, `ConsultationsOpen`), signatures
/// (`AlreadySigned`, `PersonalSignatureMissing`).
pub fn apply(
    def: &Definition,
    inst: &Instance,
    actor: &Actor,
    action: &str,
    input: &ActionInput,
    now: DateTime<Utc>,
) -> Result<Outcome, Denied> {
    if !def.transitions.iter().any(|t| t.action == action) {
        return Err(Denied::UnknownAction {
            action: action.to_owned(),
        });
    }
    if input.expected_version != inst.version {
        return Err(Denied::StaleVersion {
            expected: input.expected_version,
            actual: inst.version,
        });
    }
    if def.is_terminal(&inst.state) {
        return Err(Denied::Terminal {
            state: inst.state.clone(),
        });
    }
    let Some(t) = def.transitions.iter().find(|t| {
        t.from == inst.state && t.action == action && Guard::admits(t.when, inst.skip_optional)
    }) else {
        return Err(Denied::WrongState {
            state: inst.state.clone(),
            action: action.to_owned(),
        });
    };
    let today = local_date(now);

    let (acted_as, acting_agency, delegation) = acting_role(def, inst, actor, t, today)?;
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    check_requirements(t, inst, input, comment.is_some(), today)?;
    let (effects, signing) = plan_effects(def, t, inst, actor, delegation.as_ref())?;

    Ok(Outcome {
        from: t.from.clone(),
        to: t.to.clone(),
        action: t.action.clone(),
        effects,
        new_version: inst.version + 1,
        signing,
        acted_as,
        acting_agency,
        comment,
    })
}

/// The first role of the transition's `by` the actor holds: (role, acting agency, delegation).
fn acting_role(
    def: &Definition,
    inst: &Instance,
    actor: &Actor,
    t: &TransitionDef,
    today: NaiveDate,
) -> Result<(ActorRole, String, Option<Delegation>), Denied> {
    let mut needs_delegation = false;
    for &role in &t.by {
        match holds(def, inst, actor, role, today) {
            Holds::Yes { agency, delegation } => return Ok((role, agency, delegation)),
            Holds::NeedsDelegation => needs_delegation = true,
            Holds::No => {}
        }
    }
    if needs_delegation {
        return Err(Denied::NoDelegation {
            agency: inst.agency.clone(),
        });
    }
    if t.by.iter().any(|r| holds_elsewhere(actor, *r)) {
        return Err(Denied::WrongAgency {
            agency: inst.agency.clone(),
        });
    }
    Err(Denied::WrongRole {
        action: t.action.clone(),
        allowed: t.by.clone(),
    })
}

/// The transition's requirements, in declared order.
fn check_requirements(
    t: &TransitionDef,
    inst: &Instance,
    input: &ActionInput,
    has_comment: bool,
    today: NaiveDate,
) -> Result<(), Denied> {
    for r in &t.requires {
        match r {
            Requirement::Comment if !has_comment => {
                return Err(Denied::MissingRequirement(*r));
            }
            Requirement::SigningPin if !input.pin_provided => {
                return Err(Denied::MissingRequirement(*r));
            }
            Requirement::Attachment if input.attachments == 0 => {
                return Err(Denied::MissingRequirement(*r));
            }
            Requirement::ConsultationsClosed => {
                let pending: Vec<String> = inst
                    .consultations
                    .iter()
                    .filter(|c| !c.answered && c.due >= today)
                    .map(|c| c.agency.clone())
                    .collect();
                if !pending.is_empty() {
                    return Err(Denied::ConsultationsOpen { pending });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The effects as data, in the declared order (signatures checked), then the notice to the
/// role responsible for the state entered.
fn plan_effects(
    def: &Definition,
    t: &TransitionDef,
    inst: &Instance,
    actor: &Actor,
    delegation: Option<&Delegation>,
) -> Result<(Vec<Effect>, Option<SigningBlock>), Denied> {
    let mut personal = inst.personal_signed;
    let mut organization = inst.organization_signed;
    let mut effects = Vec::with_capacity(t.effects.len() + 1);
    let mut signing = None;
    for e in &t.effects {
        effects.push(match e {
            EffectKind::Render => Effect::Render,
            EffectKind::SignPersonal => {
                if personal {
                    return Err(Denied::AlreadySigned);
                }
                personal = true;
                signing = Some(signing_block(inst, actor, delegation));
                Effect::SignPersonal {
                    signer: actor.username.clone(),
                }
            }
            EffectKind::AssignNumber => Effect::AssignNumber,
            EffectKind::SignOrganization => {
                if !personal {
                    return Err(Denied::PersonalSignatureMissing);
                }
                if organization {
                    return Err(Denied::AlreadySigned);
                }
                organization = true;
                Effect::SignOrganization
            }
            EffectKind::Dispatch => Effect::Dispatch,
            // An explicit `notify` tells the drafter (e.g. "an agency answered"); entering a
            // state notifies its responsible role on its own, below.
            EffectKind::Notify => Effect::Notify {
                role: ActorRole::Drafter,
                state: t.to.clone(),
            },
            EffectKind::OpenConsultations => Effect::OpenConsultations,
        });
    }
    // Entering a state tells its responsible role (not on self-loops, nor twice).
    if let Some(role) = def
        .state(&t.to)
        .and_then(|s| s.role)
        .filter(|_| t.to != t.from)
    {
        let n = Effect::Notify {
            role,
            state: t.to.clone(),
        };
        if !effects.contains(&n) {
            effects.push(n);
        }
    }
    Ok((effects, signing))
}

fn signing_block(inst: &Instance, actor: &Actor, delegation: Option<&Delegation>) -> SigningBlock {
    match delegation {
        Some(d) => SigningBlock {
            authority: Some(format!(
                "{} {}",
                d.authority.prefix(),
                d.head_title.trim().to_uppercase()
            )),
            position: d.deputy_title.trim().to_uppercase(),
            signer: actor.username.clone(),
        },
        None => {
            let title = if inst.head_title.trim().is_empty() {
                "Thủ trưởng cơ quan"
            } else {
                inst.head_title.trim()
            };
            SigningBlock {
                authority: None,
                position: title.to_uppercase(),
                signer: actor.username.clone(),
            }
        }
    }
}

/// The transitions this actor may take now (state, guard, role and signatures permitting);
/// requirements such as a comment or PIN are asked for by the UI, so they do not hide an action.
pub fn available_actions<'d>(
    def: &'d Definition,
    inst: &Instance,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Vec<&'d TransitionDef> {
    let input = ActionInput {
        comment: Some("-".into()),
        pin_provided: true,
        attachments: 1,
        expected_version: inst.version,
    };
    let mut out: Vec<&TransitionDef> = Vec::new();
    for t in def
        .transitions
        .iter()
        .filter(|t| t.from == inst.state && Guard::admits(t.when, inst.skip_optional))
    {
        if out.iter().any(|o| o.action == t.action) {
            continue;
        }
        match apply(def, inst, actor, &t.action, &input, now) {
            Ok(_) | Err(Denied::ConsultationsOpen { .. }) => out.push(t),
            Err(_) => {}
        }
    }
    out
}
