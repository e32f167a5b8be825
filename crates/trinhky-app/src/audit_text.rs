//! The audit log in Vietnamese, for people: every action kind the system records as a label
//! ("Tiếp nhận") and as a sentence ("Trần Văn Thư đã tiếp nhận văn bản 01/KH-SNV"), the actor
//! by full name ("Hệ thống" for the system's own workers), the object by its human name (số, ký
//! hiệu or trích yếu, agency, person), the time in Vietnam. Never a raw action key, table name,
//! row id or server path: an action this module does not know still reads as Vietnamese.
//!
//! Presentation only: the recorded events and their hash chain are read, never changed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use trinhky_store::entities::audit_event;
use trinhky_store::{Store, accounts, directory, incoming, intake, numbering, outbox};

use crate::Result;
use crate::registry::Registry;

/// The label of an action, for a "Thao tác" column: "Tạo dự thảo", "Đã gửi thư điện tử".
/// `workflow_label` is the workflow definition's own label of a `workflow.*` action, if known.
pub fn action_label(action: &str, workflow_label: Option<&str>) -> String {
    if action.starts_with("workflow.")
        && action != "workflow.register"
        && let Some(l) = workflow_label.filter(|l| !l.trim().is_empty())
    {
        return l.to_owned();
    }
    let (label, _) = phrase(action);
    label.to_owned()
}

/// The sentence of an event: "{actor} đã {verb} {object}". `object` is a noun phrase naming what
/// the action was done to ("văn bản 01/KH-SNV"); empty when there is none.
pub fn sentence(actor: &str, action: &str, workflow_label: Option<&str>, object: &str) -> String {
    let verb = match workflow_label.filter(|l| !l.trim().is_empty()) {
        Some(l) if action.starts_with("workflow.") && action != "workflow.register" => {
            format!("{} {{o}}", lower_first(l))
        }
        _ => phrase(action).1.to_owned(),
    };
    let object = if object.trim().is_empty() {
        default_object(action)
    } else {
        object.trim()
    };
    let text = verb.replace("{o}", object);
    format!("{actor} đã {}", text.trim())
}

/// Who did it: a person by full name, the system's workers as "Hệ thống", the command line as
/// "Quản trị viên (dòng lệnh)". `full_name` is the user's name when the actor is `user:…`.
pub fn actor_label(actor: &str, full_name: Option<&str>) -> String {
    if actor.starts_with("user:") {
        return full_name
            .filter(|n| !n.trim().is_empty())
            .map_or_else(|| "Một người dùng đã bị xóa".to_owned(), str::to_owned);
    }
    if actor.starts_with("cli:") {
        return "Quản trị viên (dòng lệnh)".to_owned();
    }
    "Hệ thống".to_owned()
}

/// What the mail server said, for people: a transport that writes `.eml` files answers with the
/// file's path on the server, which is nobody's business.
pub fn mail_reply(reply: &str) -> String {
    let r = reply.trim();
    if looks_like_path(r) {
        "Đã lưu bản thư (.eml)".to_owned()
    } else {
        format!("Máy chủ thư trả lời: {r}")
    }
}

/// An error text with server paths replaced ("cannot write /var/lib/…/x.eml" → "… (tệp trên máy
/// chủ)").
pub fn without_paths(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            if looks_like_path(w) {
                "(tệp trên máy chủ)"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn looks_like_path(s: &str) -> bool {
    let s = s.trim_matches(|c: char| "\"'(),;:".contains(c));
    (s.len() > 4 && s.ends_with(".eml"))
        || (s.starts_with('/') && s.len() > 1 && s[1..].contains('/'))
        || s.get(1..3) == Some(":\\")
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.clone().next()) {
        // "UBND …" stays; "Tiếp nhận" → "tiếp nhận".
        (Some(c), Some(d)) if !d.is_uppercase() => c.to_lowercase().chain(chars).collect(),
        _ => s.to_owned(),
    }
}

fn default_object(action: &str) -> &'static str {
    match action.split('.').next().unwrap_or_default() {
        "document" | "workflow" | "number" | "dispatch" | "incoming" | "attachment" => {
            "một văn bản"
        }
        "directive" => "một văn bản chỉ đạo",
        "assignment" => "một nhiệm vụ",
        "agency" => "một cơ quan",
        "group" => "một nhóm nơi nhận",
        "user" | "role" | "session" => "một tài khoản",
        _ => "",
    }
}

/// (label, sentence verb with `{o}` for the object) of every action kind recorded.
fn phrase(action: &str) -> (&'static str, &'static str) {
    match action {
        "document.create" => ("Tạo dự thảo", "tạo dự thảo {o}"),
        "document.edit" => ("Chỉnh sửa dự thảo", "chỉnh sửa {o}"),
        "document.reassign" => (
            "Giao lại cho chuyên viên khác",
            "giao {o} cho chuyên viên khác",
        ),
        "document.classify" => ("Xác định độ mật", "xác định độ mật của {o}"),
        "document.recall" => ("Thu hồi văn bản", "thu hồi {o}"),
        "document.pdf" => ("Tạo bản PDF", "tạo bản PDF của {o}"),
        "number.assign" => (
            "Cấp số, ký hiệu (vào sổ văn bản đi)",
            "cấp số, ký hiệu cho {o}",
        ),
        "dispatch.enqueue" => (
            "Lập danh sách gửi thư điện tử",
            "lập danh sách gửi thư điện tử {o}",
        ),
        "dispatch.sent" => ("Đã gửi thư điện tử", "gửi thư điện tử {o}"),
        "dispatch.failed" => (
            "Gửi thư điện tử không thành công",
            "gửi không thành công thư điện tử {o}",
        ),
        "dispatch.resend" => ("Gửi lại thư điện tử", "gửi lại thư điện tử {o}"),
        "incoming.deliver" => ("Chuyển đến cơ quan nhận", "chuyển {o}"),
        "incoming.register" => ("Cơ quan nhận vào sổ văn bản đến", "vào sổ văn bản đến {o}"),
        "incoming.forward" => ("Cơ quan nhận chuyển xử lý", "chuyển xử lý {o}"),
        "incoming.acknowledge" => ("Cơ quan nhận ký nhận", "ký nhận {o}"),
        "incoming.archive" => ("Cơ quan nhận lưu trữ", "lưu trữ {o}"),
        "incoming.recall" => ("Thu hồi tại cơ quan nhận", "thu hồi {o} tại cơ quan nhận"),
        "attachment.add" => ("Đính kèm tệp", "đính kèm tệp vào {o}"),
        "attachment.delete" => ("Xóa tệp đính kèm", "xóa tệp đính kèm của {o}"),
        "attachment.sign" => ("Ký số của cơ quan lên phụ lục", "ký số phụ lục của {o}"),
        "workflow.register" => ("Đăng ký quy trình", "đăng ký {o}"),
        "directive.upload" => ("Tiếp nhận văn bản chỉ đạo", "tiếp nhận {o}"),
        "directive.confirm" => (
            "Giao nhiệm vụ theo văn bản chỉ đạo",
            "giao nhiệm vụ theo {o}",
        ),
        "assignment.create" => ("Giao nhiệm vụ", "giao {o}"),
        "assignment.remind" => ("Đôn đốc nhiệm vụ", "đôn đốc {o}"),
        "agency.create" => ("Thêm cơ quan", "thêm {o} vào danh bạ"),
        "agency.update" => ("Sửa thông tin cơ quan", "sửa thông tin của {o}"),
        "group.create" => ("Thêm nhóm nơi nhận", "thêm {o}"),
        "group.update" => ("Sửa nhóm nơi nhận", "sửa {o}"),
        "group.delete" => ("Xóa nhóm nơi nhận", "xóa {o}"),
        "directory.settings" => ("Sửa thiết lập danh bạ", "sửa thiết lập danh bạ"),
        "user.create" | "user.add" => ("Tạo tài khoản", "tạo tài khoản cho {o}"),
        "user.enable" => ("Mở lại tài khoản", "mở lại tài khoản của {o}"),
        "user.disable" => ("Khóa tài khoản", "khóa tài khoản của {o}"),
        "user.password_reset" => ("Đặt lại mật khẩu", "đặt lại mật khẩu cho {o}"),
        "role.grant" => ("Giao vai trò", "giao vai trò cho {o}"),
        "role.revoke" => ("Thu hồi vai trò", "thu hồi vai trò của {o}"),
        "session.login" => ("Đăng nhập", "đăng nhập"),
        "session.logout" => ("Đăng xuất", "đăng xuất"),
        "session.lockout" => (
            "Tạm khóa đăng nhập",
            "tạm khóa đăng nhập của {o} do nhập sai mật khẩu nhiều lần",
        ),
        "signing.pin_lockout" => (
            "Tạm khóa ký số",
            "tạm khóa ký số do nhập sai mã PIN nhiều lần",
        ),
        "key.store" => ("Lưu khóa ký số", "lưu khóa ký số {o}"),
        "key.wrap" => (
            "Bọc lại khóa ký số",
            "bọc lại khóa ký số {o} bằng khóa chủ mới",
        ),
        "key.revoke" => ("Thu hồi chứng thư số", "thu hồi chứng thư số {o}"),
        "api_token.create" => ("Tạo mã truy cập API", "tạo {o}"),
        "api_token.revoke" => ("Thu hồi mã truy cập API", "thu hồi {o}"),
        "calendar.seed" => ("Nạp lịch nghỉ lễ", "nạp lịch nghỉ lễ, làm bù"),
        "calendar.add" => ("Thêm ngày nghỉ", "thêm {o} vào lịch"),
        "calendar.remove" => ("Xóa ngày nghỉ", "xóa {o} khỏi lịch"),
        "delegation.create" => ("Giao quyền ký thay", "giao quyền ký thay cho {o}"),
        "delegation.revoke" => ("Thu hồi quyền ký thay", "thu hồi quyền ký thay {o}"),
        a if a.starts_with("workflow.") => ("Chuyển bước xử lý", "chuyển bước xử lý {o}"),
        a if a.starts_with("document.") || a.starts_with("attachment.") => {
            ("Thao tác trên văn bản", "thao tác trên {o}")
        }
        a if a.starts_with("dispatch.") => ("Gửi thư điện tử", "xử lý thư điện tử {o}"),
        a if a.starts_with("incoming.") => ("Xử lý văn bản đến", "xử lý {o}"),
        a if a.starts_with("user.") || a.starts_with("role.") => {
            ("Quản lý tài khoản", "thay đổi tài khoản của {o}")
        }
        _ => (
            "Thao tác quản trị hệ thống",
            "thực hiện một thao tác quản trị hệ thống",
        ),
    }
}

/// One audit event as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditLine {
    /// The event's place in the audit chain.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// dd/mm/yyyy HH:MM, Vietnam time.
    pub at_vn: String,
    /// The actor's full name, or "Hệ thống".
    pub actor_name: String,
    /// What was done, e.g. "Tiếp nhận".
    pub action_label: String,
    /// The whole event as a Vietnamese sentence.
    pub sentence: String,
}

/// Looks up the names an event refers to, remembering them for the next event.
pub struct Describer<'a> {
    store: &'a Store,
    registry: &'a Registry,
    users: HashMap<String, Option<String>>,
    agencies: HashMap<i32, String>,
    agency_codes: HashMap<String, String>,
}

fn s<'v>(d: &'v Value, k: &str) -> Option<&'v str> {
    d.get(k)
        .and_then(Value::as_str)
        .filter(|x| !x.trim().is_empty())
}

fn quoted(title: &str) -> String {
    const MAX: usize = 80;
    let t = title.trim();
    if t.chars().count() > MAX {
        let cut: String = t.chars().take(MAX).collect();
        format!("“{}…”", cut.trim_end())
    } else {
        format!("“{t}”")
    }
}

impl<'a> Describer<'a> {
    pub async fn new(store: &'a Store, registry: &'a Registry) -> Result<Self> {
        let list = directory::agencies(store.db()).await?;
        Ok(Self {
            store,
            registry,
            users: HashMap::new(),
            agencies: list.iter().map(|a| (a.id, a.name.clone())).collect(),
            agency_codes: list.into_iter().map(|a| (a.code, a.name)).collect(),
        })
    }

    /// A user's full name by username.
    pub async fn user_name(&mut self, username: &str) -> Result<Option<String>> {
        if let Some(n) = self.users.get(username) {
            return Ok(n.clone());
        }
        let n = accounts::user_by_username(self.store.db(), username)
            .await?
            .map(|u| u.full_name);
        self.users.insert(username.to_owned(), n.clone());
        Ok(n)
    }

    /// The actor of an event by name.
    pub async fn actor(&mut self, actor: &str) -> Result<String> {
        let name = match actor.strip_prefix("user:") {
            Some(u) => self.user_name(u).await?,
            None => None,
        };
        Ok(actor_label(actor, name.as_deref()))
    }

    /// "văn bản 01/KH-SNV" once numbered, else "văn bản “trích yếu”"; and the definition's label
    /// of a workflow action taken from state `from`.
    async fn document(
        &self,
        id: i32,
        action: &str,
        from: Option<&str>,
    ) -> Result<(String, Option<String>)> {
        let db = self.store.db();
        let Some(doc) = trinhky_store::documents::document_by_id(db, id).await? else {
            return Ok(("một văn bản đã bị xóa".to_owned(), None));
        };
        let name = match numbering::number_of(db, id).await? {
            Some(r) => format!("văn bản {}", r.number),
            None => format!("văn bản {}", quoted(&doc.title)),
        };
        let label = action.strip_prefix("workflow.").and_then(|a| {
            let def = self.registry.for_doc_type(&doc.doc_type)?;
            let t = def
                .actions_from(from.unwrap_or_default())
                .into_iter()
                .find(|t| t.action == a)
                .or_else(|| def.transitions.iter().find(|t| t.action == a))?;
            Some(t.label.clone())
        });
        Ok((name, label))
    }

    /// One event as a label and a sentence.
    pub async fn describe(&mut self, e: &audit_event::Model) -> Result<AuditLine> {
        let d: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
        let actor_name = self.actor(&e.actor).await?;
        let (object, wf_label) = self.object(e, &d).await?;
        Ok(AuditLine {
            seq: e.seq,
            occurred_at: e.occurred_at,
            at_vn: trinhky_domain::time::dmy_hm(e.occurred_at),
            action_label: action_label(&e.action, wf_label.as_deref()),
            sentence: sentence(&actor_name, &e.action, wf_label.as_deref(), &object),
            actor_name,
        })
    }

    /// What an event was done to, as a noun phrase, and the workflow label of its action.
    async fn object(
        &mut self,
        e: &audit_event::Model,
        d: &Value,
    ) -> Result<(String, Option<String>)> {
        let db = self.store.db();
        let id = e.entity_id.parse::<i32>().ok();
        let codes = self.agency_codes.clone();
        let agency = |code: Option<&str>| code.and_then(|c| codes.get(c)).cloned();
        let text = match (e.entity_type.as_str(), id) {
            ("document", Some(doc)) => {
                return self.document(doc, &e.action, s(d, "from")).await;
            }
            ("outgoing_register", _) => format!("văn bản {}", e.entity_id),
            ("incoming_document", Some(i)) => match incoming::by_id(db, i).await? {
                Some(row) => {
                    let to = self
                        .agencies
                        .get(&row.agency_id)
                        .cloned()
                        .unwrap_or_default();
                    if e.action == "incoming.deliver" && !to.is_empty() {
                        format!("văn bản {} đến {to}", row.number)
                    } else {
                        format!("văn bản {}", row.number)
                    }
                }
                None => String::new(),
            },
            ("outbox_message", Some(i)) => {
                let row = outbox::message_by_id(db, i).await?;
                let doc = match row.as_ref().and_then(|r| r.document_id) {
                    Some(doc) => self.document(doc, "", None).await?.0,
                    None => "đôn đốc nhiệm vụ".to_owned(),
                };
                let to = row
                    .map(|r| r.recipient_text)
                    .or_else(|| s(d, "recipient").map(str::to_owned))
                    .unwrap_or_default();
                if to.trim().is_empty() {
                    doc
                } else {
                    format!("{doc} đến {}", to.trim())
                }
            }
            ("document_batch" | "documents", _) => "các văn bản".to_owned(),
            ("directive", Some(i)) => match intake::directive_by_id(db, i).await? {
                Some(x) => match x.number {
                    Some(n) => format!("văn bản chỉ đạo {n}"),
                    None => format!("văn bản chỉ đạo {}", quoted(&x.title)),
                },
                None => String::new(),
            },
            ("assignment", Some(i)) => match intake::assignment_by_id(db, i).await? {
                Some(a) => format!(
                    "nhiệm vụ {} cho {}",
                    a.task_ref,
                    self.agencies
                        .get(&a.lead_agency_id)
                        .cloned()
                        .unwrap_or_default()
                ),
                None => String::new(),
            },
            ("agency", _) => agency(Some(&e.entity_id)).unwrap_or_default(),
            ("recipient_group", _) => match directory::group_by_code(db, &e.entity_id).await? {
                Some(g) => format!("nhóm nơi nhận “{}”", g.name),
                None => "một nhóm nơi nhận".to_owned(),
            },
            ("user" | "login", _) => {
                // Keys are filed under the holder's numeric id, accounts under the username.
                let by_id = match e.entity_id.parse::<i32>() {
                    Ok(id) => accounts::user_by_id(db, id).await?.map(|u| u.full_name),
                    Err(_) => None,
                };
                let who = match self.user_name(&e.entity_id).await? {
                    Some(n) => n,
                    None => by_id.unwrap_or_else(|| "một tài khoản đã xóa".to_owned()),
                };
                match (e.action.as_str(), agency(s(d, "agency"))) {
                    ("role.grant" | "role.revoke", Some(a)) => format!("{who} tại {a}"),
                    (k, _) if k.starts_with("key.") => format!("của {who}"),
                    _ => who,
                }
            }
            ("holiday", _) => match s(d, "name") {
                Some(n) => format!("ngày nghỉ “{n}”"),
                None => "một ngày nghỉ".to_owned(),
            },
            ("api_token", _) => match s(d, "name") {
                Some(n) => format!("mã truy cập API “{n}”"),
                None => "một mã truy cập API".to_owned(),
            },
            ("delegation", _) => {
                let to = match d
                    .get("to")
                    .and_then(Value::as_i64)
                    .and_then(|x| i32::try_from(x).ok())
                {
                    Some(uid) => accounts::user_by_id(db, uid).await?.map(|u| u.full_name),
                    None => None,
                };
                to.unwrap_or_else(|| "một phó thủ trưởng".to_owned())
            }
            ("workflow_definition", _) => {
                let wid = e.entity_id.split('@').next().unwrap_or_default();
                match self.registry.latest(wid) {
                    Some(def) => format!("quy trình “{}”", def.title),
                    None => "một quy trình".to_owned(),
                }
            }
            _ if e.action.starts_with("key.") => match s(d, "subject") {
                Some(x) => format!("của {x}"),
                None => String::new(),
            },
            _ => String::new(),
        };
        // Events filed under a document (attachments, dispatch) fall back to naming it.
        if text.is_empty()
            && let Some(doc) = e.document_id
        {
            return self.document(doc, &e.action, s(d, "from")).await;
        }
        Ok((text, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_vietnamese() {
        assert_eq!(
            sentence(
                "Trần Văn Thư",
                "workflow.receive",
                Some("Tiếp nhận"),
                "văn bản 01/KH-SNV"
            ),
            "Trần Văn Thư đã tiếp nhận văn bản 01/KH-SNV"
        );
        assert_eq!(
            sentence(
                "Hệ thống",
                "dispatch.sent",
                None,
                "văn bản 01/KH-SNV đến Sở Tài chính"
            ),
            "Hệ thống đã gửi thư điện tử văn bản 01/KH-SNV đến Sở Tài chính"
        );
        assert_eq!(
            sentence("Hệ thống", "workflow.receive", None, ""),
            "Hệ thống đã chuyển bước xử lý một văn bản"
        );
        let odd = sentence("Hệ thống", "mystery.thing", None, "");
        assert_eq!(odd, "Hệ thống đã thực hiện một thao tác quản trị hệ thống");
        assert_eq!(
            action_label("mystery.thing", None),
            "Thao tác quản trị hệ thống"
        );
        assert_eq!(
            action_label("workflow.receive", Some("Tiếp nhận")),
            "Tiếp nhận"
        );
    }

    #[test]
    fn actors_by_name() {
        assert_eq!(
            actor_label("user:snv.chuyenvien", Some("Nguyễn Văn A")),
            "Nguyễn Văn A"
        );
        assert_eq!(actor_label("system:trinhky-32551", None), "Hệ thống");
        assert_eq!(actor_label("system", None), "Hệ thống");
        assert_eq!(
            actor_label("cli:pki-init", None),
            "Quản trị viên (dòng lệnh)"
        );
        assert_eq!(actor_label("user:x", None), "Một người dùng đã bị xóa");
    }

    #[test]
    fn server_paths_are_not_shown() {
        assert_eq!(
            mail_reply("/tmp/tmp.x/mail/abc.eml"),
            "Đã lưu bản thư (.eml)"
        );
        assert_eq!(
            mail_reply("250 2.0.0 OK queued"),
            "Máy chủ thư trả lời: 250 2.0.0 OK queued"
        );
        assert_eq!(
            without_paths("cannot write the .eml file: /var/lib/trinhky/mail/x.eml"),
            "cannot write the .eml file: (tệp trên máy chủ)"
        );
    }
}
