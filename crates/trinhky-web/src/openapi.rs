//! The OpenAPI 3.1 description of `/api/v1`, published at `/api/v1/openapi.json`.
//!
//! Every operation is one entry of [`operations`]: add a route to the API router and its entry
//! here, in the same commit. Path parameters are derived from the `{name}` segments, the
//! standard error responses (RFC 9457 problem details, [`crate::error::Problem`]) and the paging
//! headers are added by the builder; the parity test (`tests/it/parity.rs`) checks that every
//! entry answers and that every page action has one.

use axum::Json;
use serde_json::{Value, json};

use crate::api;

/// One operation of the API.
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    summary: &'static str,
    /// The success status and what it returns.
    ok: (&'static str, Content),
    query: Vec<Value>,
    body: Option<Body>,
    /// A list answered one page at a time (`page`, `per_page`, `X-Total-Count`, `Link`).
    paged: bool,
}

enum Content {
    Json(Value),
    Pdf,
    Png,
    /// The register as JSON, or a CSV/XLSX/PDF file with `format`.
    Register,
    /// A stored file of any accepted type (attachments).
    File,
}

enum Body {
    Json(Value),
    Multipart,
    /// A plain-text body (a TOML file to check).
    Text,
}

fn op(method: &'static str, path: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        summary,
        ok: ("200", Content::Json(obj())),
        query: Vec::new(),
        body: None,
        paged: false,
    }
}

impl Op {
    fn ok(mut self, status: &'static str, schema: Value) -> Op {
        self.ok = (status, Content::Json(schema));
        self
    }
    fn returns(mut self, schema: Value) -> Op {
        self.ok.1 = Content::Json(schema);
        self
    }
    fn content(mut self, c: Content) -> Op {
        self.ok.1 = c;
        self
    }
    fn body(mut self, schema: Value) -> Op {
        self.body = Some(Body::Json(schema));
        self
    }
    fn text_body(mut self) -> Op {
        self.body = Some(Body::Text);
        self
    }
    fn multipart(mut self) -> Op {
        self.body = Some(Body::Multipart);
        self
    }
    fn query(mut self, name: &str, schema: Value, description: &str) -> Op {
        self.query.push(json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description}));
        self
    }
    fn paged(mut self) -> Op {
        self.paged = true;
        self
    }
}

fn s() -> Value {
    json!({"type": "string"})
}
fn int() -> Value {
    json!({"type": "integer"})
}
fn date() -> Value {
    json!({"type": "string", "description": "dd/mm/yyyy or yyyy-mm-dd"})
}
fn binary() -> Value {
    json!({"type": "string", "format": "binary"})
}
fn obj() -> Value {
    json!({"type": "object"})
}
fn list() -> Value {
    json!({"type": "array", "items": {"type": "object"}})
}
fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn array(name: &str) -> Value {
    json!({"type": "array", "items": schema(name)})
}
fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn role() -> Value {
    json!({"enum": ["drafter", "unit_head", "agency_head", "deputy_head", "clerk", "admin"]})
}
fn admin_agency() -> Value {
    object(
        &["name", "kind", "email"],
        json!({
        "code": s(), "name": s(), "short_name": s(), "parent": s(), "email": s(), "head_title": s(), "deputy_title": s(),
        "kind": {"enum": ["committee", "office", "department", "district", "press", "party", "council", "mass_org", "central", "unit", "leadership", "other"]},
        "aliases": {"type": "array", "items": s()}, "uses_trinhky": {"type": "boolean"}}),
    )
}
fn admin_group() -> Value {
    object(
        &["name", "members"],
        json!({"code": s(), "name": s(), "aliases": {"type": "array", "items": s()}, "members": {"type": "array", "items": s()}}),
    )
}

/// Every operation of `/api/v1`. Add new ones here.
pub fn operations() -> Vec<Op> {
    let agency = || s();
    vec![
        // ---- who am I, the directory ----
        op("get", "/api/v1/me", "The caller and their roles").returns(schema("Me")),
        op("get", "/api/v1/agencies", "The directory of agencies").returns(array("AgencyOut")),
        op("get", "/api/v1/groups", "Recipient groups (nhóm nơi nhận) with their member agencies").returns(array("GroupOut")),
        op("get", "/api/v1/agencies/{code}/members", "Members of one's own agency (403 for other agencies)").returns(array("MemberOut")).paged(),
        op("post", "/api/v1/agencies/{code}/members", "Add a member (the agency's admin)").ok("201", schema("MemberOut"))
            .body(schema("NewMember")),
        // ---- my work ----
        op("get", "/api/v1/assignments", "Open assignments (nhiệm vụ) led by the caller's agencies, soonest deadline first").returns(array("AssignmentRow")).paged(),
        op("get", "/api/v1/documents", "My work: documents waiting for an action of mine, by due date").returns(array("WorkItem")).paged(),
        op("get", "/api/v1/my-tasks", "My tasks: every assignment of my agencies with its report's current step; `?tab=done` the finished ones (report issued), otherwise the open ones").returns(array("MyTask")).query("tab", s(), "`done` for the finished tasks, otherwise the open ones").paged(),
        op("get", "/api/v1/my-documents", "Văn bản của tôi: the documents I draft with their current step, most recently changed first").returns(array("DocStep")).paged(),
        // ---- directive intake (Văn phòng UBND) ----
        op("get", "/api/v1/directives", "Directives received by the province office, newest first (its clerks and drafters)").returns(array("DirectiveOut")).paged(),
        op("post", "/api/v1/directives", "Upload a directive (.txt, .md, .docx, .pdf) for review; answers the parser's proposal").ok("201", schema("Proposal")).multipart(),
        op("get", "/api/v1/directives/{id}", "A directive with the parser's extraction, the proposed decisions and, once confirmed, its assignments").returns(schema("Proposal")),
        op("post", "/api/v1/directives/{id}/confirm", "Confirm a directive: create its assignments (409 when already confirmed); without tasks the proposal is confirmed as parsed").returns(schema("Proposal"))
            .body(schema("ConfirmIn")),
        op("get", "/api/v1/directives/{id}/follow-up", "Theo dõi, đôn đốc: every assignment of a directive per lead agency with counts (on_time, late, open, overdue); province office only").returns(schema("FollowUp")),
        op("post", "/api/v1/directives/{id}/follow-up/{assignment_id}/remind", "Queue a reminder (nhắc việc) to the lead agency; 201 when queued, 200 with result already_today when one was queued today").ok("201", schema("RemindOut")),
        // ---- documents ----
        op("post", "/api/v1/assignments/{id}/documents", "Create a report from an assignment of one's agency").ok("201", schema("Document"))
            .body(json!({"type": "object", "properties": {"doc_type": s()}})),
        op("get", "/api/v1/documents/{id}", "A document with its state, available actions and history; a recipient agency's clerk gets, once it is issued and until it is recalled, only its card (no text, no history)").returns(schema("Document")),
        op("put", "/api/v1/documents/{id}", "Save an edit as a new version").returns(schema("Document"))
            .body(object(&["expected_version", "title"], json!({"expected_version": int(), "title": s(), "body": s(), "addressees": s(), "recipients": s(), "note": s()}))),
        op("post", "/api/v1/documents/{id}/actions/{action}", "Perform a workflow action (submit, return, approve, issue …)").returns(schema("Document"))
            .body(object(&["expected_version"], json!({"expected_version": int(), "comment": s(), "pin": s()}))),
        op("post", "/api/v1/documents/{id}/classification", "Set the độ mật (classified documents: own register, never e-mailed)").returns(schema("Document"))
            .body(json!({"type": "object", "properties": {"classification": {"enum": ["mat", "toi-mat", "tuyet-mat", null]}}})),
        op("post", "/api/v1/documents/{id}/reassign", "Give the document to another drafter of its agency (agency head or unit head)")
            .returns(schema("ReassignOut")).body(schema("ReassignIn")),
        op("get", "/api/v1/documents/{id}/pdf", "The newest rendered or signed PDF of the document; for a recipient the issued (sealed) PDF").content(Content::Pdf),
        op("get", "/api/v1/documents/{id}/preview/{page}", "Page N of the document as PNG (`1.png` …); drafts carry the DỰ THẢO watermark").content(Content::Png),
        op("get", "/api/v1/documents/{id}/receipts", "Who received an issued document, and when (the issuing agency)").returns(array("Receipt")),
        op("post", "/api/v1/documents/{id}/recall", "Recall (thu hồi) an issued document; every recipient is notified").returns(schema("RecallOut"))
            .body(object(&["reason"], json!({"reason": s()}))),
        // ---- attachments, comparison, nhật ký, live preview (drafting.rs) ----
        op("get", "/api/v1/documents/{id}/attachments", "Attachments of a document (name, kind, size, uploader, time, signed)").returns(array("AttachmentView")).paged(),
        op("post", "/api/v1/documents/{id}/attachments", "Attach a file (PDF, DOCX or XLSX, recognised by content; size limit TRINHKY_ATTACHMENT_MAX_MB, 413 above it) while the caller may edit the document").ok("201", schema("AttachmentView")).multipart(),
        op("get", "/api/v1/documents/{id}/attachments/{aid}", "Download an attachment (the organisation-signed copy of a PDF once issued); whoever may read the document").content(Content::File),
        op("delete", "/api/v1/documents/{id}/attachments/{aid}", "Remove an attachment while the caller may edit the document").ok("204", obj()),
        op("get", "/api/v1/documents/{id}/diff", "Word-level difference of two versions (trích yếu, Kính gửi, body, Nơi nhận) as chunks {change: same|added|removed, text}")
            .query("from", int(), "Older version (default: the one before `to`)")
            .query("to", int(), "Newer version (default: the newest)").returns(schema("Comparison")),
        op("get", "/api/v1/documents/{id}/audit", "Nhật ký: every audit event concerning the document, oldest first, with actor, Vietnamese action label, details and chain_ok").returns(schema("Trail")).paged(),
        op("post", "/api/v1/documents/{id}/preview", "Render unsaved text as page images (data: URLs); nothing is stored; the drafter only; rate-limited per user (429)").returns(schema("PreviewOut"))
            .body(json!({"type": "object", "properties": {"title": s(), "body": s(), "addressees": s(), "recipients": s()}})),
        op("post", "/api/v1/documents/{id}/recipients/check", "Resolve an unsaved Nơi nhận line by line as issuing will (agency, email, internal, archive, unresolved); submitting is refused while any line is unresolved").returns(schema("RecipientCheck"))
            .body(json!({"type": "object", "properties": {"recipients": s(), "addressees": s()}})),
        op("get", "/api/v1/incoming/{id}/attachments", "Attachments of an incoming document (văn bản đến)").returns(array("AttachmentView")).paged(),
        op("get", "/api/v1/incoming/{id}/attachments/{aid}", "Download an attachment of an incoming document").content(Content::File),
        // ---- issuing (văn thư): number preview, e-mail status, resend (delivery.rs) ----
        op("get", "/api/v1/documents/{id}/issue-preview", "The number (số, ký hiệu) and the resolved recipients issuing would use now; 404 when the caller cannot issue the document at its current step")
            .returns(object(&["number", "recipients", "lines", "unresolved"], json!({"number": s(), "problem": {"type": ["string", "null"]},
                "lines": {"type": "array", "items": schema("RecipientLine")}, "unresolved": {"type": "array", "items": s()},
                "recipients": {"type": "array", "items": object(&["name", "email", "internal"], json!({"name": s(), "email": s(), "internal": {"type": "boolean"}}))}}))),
        op("get", "/api/v1/documents/{id}/deliveries", "The e-mails of an issued document per recipient: status (pending, sending, sent, failed), attempts, the server's last reply").returns(array("Delivery")),
        op("post", "/api/v1/documents/{id}/deliveries/{message}/resend", "Put a failed e-mail back in the queue (gửi lại; the issuing agency's clerk; 409 unless it failed)").ok("204", obj()),
        // ---- administration (system administrators: admin at the province office; admin.rs) ----
        op("get", "/api/v1/admin/agencies", "Agencies (search by code or name)").returns(array("Agency")).query("q", s(), "Code or name").paged(),
        op("post", "/api/v1/admin/agencies", "Create an agency (checked like a directory file: unique code and e-mail, names that point at one agency)").ok("201", schema("Agency")).body(admin_agency()),
        op("get", "/api/v1/admin/agencies/{code}", "One agency").returns(schema("Agency")),
        op("put", "/api/v1/admin/agencies/{code}", "Edit an agency (its code stays)").returns(schema("Agency")).body(admin_agency()),
        op("get", "/api/v1/admin/groups", "Recipient groups (nhóm nơi nhận) with their member agency codes").returns(array("RecipientGroup")).paged(),
        op("post", "/api/v1/admin/groups", "Create a recipient group").ok("201", schema("RecipientGroup")).body(admin_group()),
        op("get", "/api/v1/admin/groups/{code}", "One recipient group").returns(schema("RecipientGroup")),
        op("put", "/api/v1/admin/groups/{code}", "Replace a group's name, aliases and members").returns(schema("RecipientGroup")).body(admin_group()),
        op("delete", "/api/v1/admin/groups/{code}", "Delete a recipient group").ok("204", obj()),
        op("get", "/api/v1/admin/users", "Accounts with their roles (search by username, name or e-mail, accent-insensitive)").returns(array("UserView")).query("q", s(), "Username, name or e-mail").paged(),
        op("post", "/api/v1/admin/users", "Create an account with one role (argon2id password)").ok("201", schema("UserView"))
            .body(object(&["username", "full_name", "email", "password", "agency", "role"], json!({"username": s(), "full_name": s(), "email": s(), "password": s(), "agency": s(), "role": role(), "title": s()}))),
        op("get", "/api/v1/admin/users/{username}", "One account with its roles").returns(schema("UserView")),
        op("post", "/api/v1/admin/users/{username}/roles", "Grant a role in an agency").ok("201", schema("UserView"))
            .body(object(&["agency", "role"], json!({"agency": s(), "role": role(), "title": s()}))),
        op("delete", "/api/v1/admin/users/{username}/roles/{agency}/{role}", "Revoke a role (refused for one's own last admin role and the province office's last admin)").returns(schema("UserView")),
        op("put", "/api/v1/admin/users/{username}/active", "Enable or disable an account (disabling ends its sessions; its API tokens stop working)").returns(schema("UserView"))
            .body(object(&["active"], json!({"active": {"type": "boolean"}}))),
        op("post", "/api/v1/admin/users/{username}/password", "Set a new password, or let the server generate one (returned once); ends the account's sessions").returns(schema("PasswordOut"))
            .body(json!({"type": "object", "properties": {"password": s()}})),
        op("get", "/api/v1/admin/certificates", "Key holders (organisations with a clerk, heads, deputies) with their current certificate: subject, serial, issuer, validity, status").returns(array("HolderView")).paged(),
        op("post", "/api/v1/admin/certificates/issue", "Issue development certificates to holders without a key (or to one holder); the CA passphrase and PIN are never stored").ok("201", array("IssuedOut"))
            .body(object(&["ca_passphrase", "pin"], json!({"ca_passphrase": s(), "pin": s(), "algorithm": {"enum": ["rsa", "p256"]},
                "holder": json!({"type": "object", "properties": {"kind": {"enum": ["user", "agency"]}, "handle": s()}})}))),
        op("post", "/api/v1/admin/certificates/{kind}/{handle}/import", "Import a PKCS#12 (multipart: file, pin) as the holder's signing key; the PIN is checked, never stored").ok("201", schema("Imported")).multipart(),
        op("post", "/api/v1/admin/certificates/{kind}/{handle}/revoke", "Revoke the holder's current key (a development-CA certificate goes into a new CRL: give the CA passphrase)").returns(schema("RevokedOut"))
            .body(json!({"type": "object", "properties": {"ca_passphrase": s()}})),
        op("get", "/api/v1/admin/workflows", "Registered workflow definitions with the number of documents following each version").returns(array("WorkflowSummary")).paged(),
        op("get", "/api/v1/admin/workflows/{workflow}/{version}", "One definition: states (labels, roles, SLA), transitions, documents per state").returns(schema("WorkflowOut")),
        op("post", "/api/v1/admin/workflows/check", "Check a workflow definition (the body is the TOML text); read only, installs nothing; diagnostics carry codes WF001…WF014 and line numbers")
            .query("file", s(), "File name shown in the diagnostics").text_body().returns(schema("CheckReport")),
        op("get", "/api/v1/admin/calendar", "Holidays and make-up working days touching a year").returns(array("EntryView")).query("year", int(), "Year (default: this year)").paged(),
        op("post", "/api/v1/admin/calendar", "Add a holiday (range) or a make-up working day; dates dd/mm/yyyy or yyyy-mm-dd; deadlines use it at once").ok("201", schema("EntryView"))
            .body(object(&["kind", "from", "name"], json!({"kind": {"enum": ["holiday", "working_day"]}, "from": date(), "to": date(), "name": s()}))),
        op("delete", "/api/v1/admin/calendar/{id}", "Remove a calendar entry").ok("204", obj()),
        // ---- API tokens (tokens.rs) ----
        op("get", "/api/v1/tokens", "API tokens (khóa API) of the caller, or with `user` of an account the caller administers; never the secret").returns(json!({"type": "array", "items": schema("ApiToken")}))
            .query("user", s(), "Username (default: the caller)").paged(),
        op("post", "/api/v1/tokens", "Issue an API token (shown once in `token`) for the caller or an account the caller administers; needs a browser session, not a bearer token").ok("201", schema("ApiToken"))
            .body(object(&["name"], json!({"name": s(), "expires_days": {"type": "integer", "minimum": 1, "maximum": trinhky_app::tokens::MAX_DAYS, "default": trinhky_app::tokens::DEFAULT_DAYS}, "user": s()}))),
        op("post", "/api/v1/tokens/{id}/revoke", "Revoke an API token (one's own, or of an account one administers; 409 when already revoked); it answers 401 from then on").returns(schema("ApiToken")),
        // ---- delegations ----
        op("get", "/api/v1/delegations", "Delegations (giao quyền ký thay) of the agencies the caller heads, newest first").returns(json!({"type": "array", "items": schema("Delegation")})).paged(),
        op("post", "/api/v1/delegations", "Grant a deputy the KT. signing authority for a period (agency head)").ok("201", schema("Delegation"))
            .body(object(&["agency", "deputy", "valid_from"], json!({"agency": agency(), "deputy": s(), "valid_from": date(), "valid_to": date()}))),
        op("post", "/api/v1/delegations/{id}/revoke", "Revoke a delegation (agency head; 409 when already revoked)").returns(schema("Delegation")),
        // ---- receiving, registers, archive ----
        op("get", "/api/v1/incoming", "Văn bản đến of one agency, newest first (20 per page)")
            .query("agency", s(), "Agency code; default the caller's first register agency").returns(schema("ListPage")).paged(),
        op("get", "/api/v1/incoming/{id}", "An incoming document with the caller's rights and its verified signatures").returns(schema("DetailOut")),
        op("get", "/api/v1/incoming/{id}/pdf", "The delivered (signed) file of an incoming document").content(Content::Pdf),
        op("post", "/api/v1/incoming/{id}/{action}", "register (vào sổ), forward (chuyển xử lý), acknowledge (ký nhận) or archive (lưu trữ)").returns(schema("IncomingView"))
            .body(json!({"type": "object", "properties": {"to": s(), "deadline": {"type": "string", "format": "date"}, "note": s()}})),
        op("get", "/api/v1/registers/{kind}", "Sổ văn bản đi (outgoing) or đến (incoming) with the decree's ten columns; one page as JSON, or the whole filtered period as a file with format=csv|xlsx|pdf")
            .content(Content::Register)
            .query("agency", s(), "Agency code")
            .query("from", date(), "First day")
            .query("to", date(), "Last day")
            .query("q", s(), "Text to find (accent-insensitive)")
            .query("format", json!({"enum": ["json", "csv", "xlsx", "pdf"]}), "json (default): one page; csv, xlsx, pdf: the whole filtered period")
            .paged(),
        op("get", "/api/v1/archive", "Archive search (accent-insensitive), newest archived first").returns(array("IncomingView"))
            .query("agency", s(), "Agency code")
            .query("q", s(), "Subject or content")
            .query("number", s(), "Số, ký hiệu")
            .query("from_agency", s(), "Issuing agency")
            .query("from", date(), "Document date from")
            .query("to", date(), "Document date to")
            .paged(),
        op("get", "/api/v1/openapi.json", "This document").returns(json!({"type": "object", "description": "An OpenAPI 3.1 document", "required": ["openapi", "info", "paths"], "properties": {"openapi": s(), "info": obj(), "servers": list(), "paths": obj(), "components": obj()}})),
    ]
}

fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let schema = if name == "id" || name == "version" || name.ends_with("_id") {
                int()
            } else {
                s()
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect()
}

fn build(o: &Op) -> Value {
    let err = json!({"$ref": "#/components/responses/Problem"});
    let paging_headers = json!({
        "X-Total-Count": {"description": "Rows in all pages", "schema": int()},
        "Link": {"description": "rel=\"next\" / rel=\"prev\" page addresses", "schema": s()}
    });
    let ok_body = match &o.ok.1 {
        Content::Json(schema) => json!({"application/json": {"schema": schema}}),
        Content::Pdf => {
            json!({"application/pdf": {"schema": {"type": "string", "format": "binary", "contentMediaType": "application/pdf"}}})
        }
        Content::Png => {
            json!({"image/png": {"schema": {"type": "string", "format": "binary", "contentMediaType": "image/png"}}})
        }
        Content::File => {
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}}})
        }
        Content::Register => json!({
            "application/json": {"schema": schema("Register")},
            "text/csv": {"schema": binary()},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": binary()},
            "application/pdf": {"schema": binary()}
        }),
    };
    let mut ok = if o.ok.0 == "204" {
        json!({"description": "Done; no body"})
    } else {
        json!({"description": "OK", "content": ok_body})
    };
    if o.paged {
        ok["headers"] = paging_headers;
    }
    let mut responses = json!({
        "400": err.clone(), "401": err.clone(), "403": err.clone(), "404": err.clone(), "500": err.clone()
    });
    responses[o.ok.0] = ok;
    if o.method != "get" {
        responses["409"] = err.clone();
        responses["413"] = err.clone();
        responses["415"] = err.clone();
    }
    let mut params = path_params(o.path);
    params.extend(o.query.iter().cloned());
    if o.paged {
        params.push(json!({"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "default": 1}}));
        params.push(json!({"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": crate::paging::MAX_PER_PAGE, "default": crate::paging::PER_PAGE}}));
    }
    let op_id = format!(
        "{}{}",
        o.method,
        o.path
            .trim_start_matches("/api/v1")
            .replace(['/', '{', '}', '.', '-'], "_")
    );
    let mut v = json!({
        "operationId": op_id,
        "summary": o.summary,
        "responses": responses,
    });
    if o.path == "/api/v1/openapi.json" {
        v["security"] = json!([]);
    } else {
        v["security"] = json!([{"bearer": []}, {"session": []}]);
    }
    if !params.is_empty() {
        v["parameters"] = Value::Array(params);
    }
    match &o.body {
        Some(Body::Json(schema)) => {
            v["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        Some(Body::Multipart) => {
            v["requestBody"] = json!({"required": true, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}}}}}});
        }
        Some(Body::Text) => {
            v["requestBody"] =
                json!({"required": true, "content": {"text/plain": {"schema": s()}}});
        }
        None => {}
    }
    v
}

/// The whole document.
pub fn spec() -> Value {
    let mut paths = serde_json::Map::new();
    for o in operations() {
        let entry = paths.entry(o.path).or_insert_with(|| json!({}));
        entry[o.method] = build(&o);
    }
    let mut v = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "trinhky API",
            "version": "1",
            "description": "Văn bản, nhiệm vụ và quy trình trình ký. Mutating calls with a browser session need the X-CSRF-Token header; bearer tokens do not. Every error answers RFC 9457 problem details (application/problem+json): type, title and detail (Vietnamese), status, a stable code (WFD001…WFD011 for workflow denials, WF001…WF014 for workflow definitions, TK-… for the rest) and request_id."
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Token from `trinhky user token` or POST /api/v1/tokens; it expires (default 90 days) and can be revoked"},
                "session": {"type": "apiKey", "in": "cookie", "name": "trinhky_session"}
            },
            "responses": {"Problem": {"description": "Error (RFC 9457 problem details)", "content": {"application/problem+json": {"schema": schema("Problem")}}}},
            "schemas": {
                "Problem": component::<crate::error::Problem>(),
                "Me": component::<api::Me>(),
                "MeRole": component::<api::MeRole>(),
                "AgencyOut": component::<api::AgencyOut>(),
                "GroupOut": component::<api::GroupOut>(),
                "MemberOut": component::<api::MemberOut>(),
                "NewMember": component::<api::NewMember>(),
                "DirectiveOut": component::<api::DirectiveOut>(),
                "ConfirmIn": component::<api::ConfirmIn>(),
                "TaskIn": component::<api::TaskIn>(),
                "ReassignIn": component::<api::ReassignIn>(),
                "ReassignOut": component::<api::ReassignOut>(),
                "Document": object(&["id", "state", "version"], json!({
                    "id": int(), "doc_type": s(), "agency": s(), "title": s(), "body": s(), "addressees": s(), "recipients": s(),
                    "document_version": int(), "workflow": s(), "workflow_version": int(), "state": s(), "version": int(),
                    "due_date": {"type": ["string", "null"], "format": "date"}, "number": {"type": ["string", "null"]},
                    "actions": {"type": "array", "items": s()}, "history": list()})),
                "Proposal": object(&["id", "status"], json!({
                    "id": int(), "status": {"enum": ["review", "confirmed"]}, "title": s(), "number": {"type": ["string", "null"]},
                    "parsed": obj(), "proposed": list(), "unresolved_recipients": {"type": "array", "items": s()}, "assignments": list()})),
                "Delegation": object(&["id", "agency", "to", "valid_from", "active"], json!({
                    "id": int(), "agency": s(), "from": s(), "to": s(), "authority": s(), "head_title": s(), "deputy_title": s(),
                    "valid_from": {"type": "string", "format": "date"}, "valid_to": {"type": ["string", "null"], "format": "date"},
                    "revoked_at": {"type": ["string", "null"], "format": "date-time"}, "active": {"type": "boolean"}})),
                "ApiToken": object(&["id", "username", "name", "created_at", "status"], json!({
                    "id": int(), "username": s(), "name": s(), "token": {"type": "string", "description": "Only in the answer to its creation"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "expires_at": {"type": ["string", "null"], "format": "date-time"},
                    "last_used_at": {"type": ["string", "null"], "format": "date-time"},
                    "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                    "status": {"enum": ["active", "expired", "revoked"]}})),
                "Register": object(&["kind", "columns", "rows", "total"], json!({
                    "kind": {"enum": ["outgoing", "incoming"]}, "title": s(), "agency_code": s(), "agency_name": s(),
                    "columns": {"type": "array", "items": s()},
                    "rows": {"type": "array", "items": {"type": "array", "items": s()}}, "total": int()}))
            }
        }
    });
    if let Some(schemas) = v["components"]["schemas"].as_object_mut() {
        for (name, schema) in typed_schemas() {
            schemas.entry(name).or_insert(schema);
        }
    }
    v
}

/// Schemas of the response types (with the types they refer to), under their `ToSchema` names.
fn typed_schemas() -> serde_json::Map<String, Value> {
    use trinhky_app as app;
    let mut all: Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )> = Vec::new();
    fn add<T: utoipa::ToSchema>(
        all: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        all.push((T::name().into_owned(), T::schema()));
        T::schemas(all);
    }
    add::<mirror::AssignmentRow>(&mut all);
    add::<mirror::Agency>(&mut all);
    add::<mirror::RecipientGroup>(&mut all);
    add::<app::documents::inbox::WorkItem>(&mut all);
    add::<app::my_work::MyTask>(&mut all);
    add::<app::my_work::DocStep>(&mut all);
    add::<app::follow_up::FollowUp>(&mut all);
    add::<crate::follow_up::RemindOut>(&mut all);
    add::<app::incoming::Receipt>(&mut all);
    add::<app::attachments::AttachmentView>(&mut all);
    add::<app::compare::Comparison>(&mut all);
    add::<app::audit_trail::Trail>(&mut all);
    add::<crate::drafting::PreviewOut>(&mut all);
    add::<crate::recipients::CheckOut>(&mut all);
    add::<app::delivery::Delivery>(&mut all);
    add::<app::admin::users::UserView>(&mut all);
    add::<crate::admin::users::PasswordOut>(&mut all);
    add::<app::admin::certificates::HolderView>(&mut all);
    add::<app::admin::certificates::Imported>(&mut all);
    add::<crate::admin::certificates::IssuedOut>(&mut all);
    add::<crate::admin::certificates::RevokedOut>(&mut all);
    add::<app::admin::workflows::WorkflowSummary>(&mut all);
    add::<app::admin::workflows::CheckReport>(&mut all);
    add::<crate::admin::workflows::WorkflowOut>(&mut all);
    add::<app::admin::calendar::EntryView>(&mut all);
    add::<crate::incoming::RecallOut>(&mut all);
    add::<crate::incoming::DetailOut>(&mut all);
    add::<app::incoming::ListPage>(&mut all);
    add::<app::incoming::IncomingView>(&mut all);
    all.into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_else(|_| obj())))
        .collect()
}

/// The JSON shapes of store and domain types that carry no `ToSchema` themselves.
mod mirror {
    #![allow(dead_code)]
    use chrono::NaiveDate;

    /// An assignment with its lead agency and directive (`trinhky_app::queries::AssignmentRow`).
    #[derive(utoipa::ToSchema)]
    pub struct AssignmentRow {
        id: i32,
        directive_id: i32,
        directive_title: String,
        task_ref: String,
        lead_code: String,
        lead_name: String,
        /// Codes of the co-agencies (cơ quan phối hợp).
        co_agencies: Vec<String>,
        deliverable: String,
        report_to: String,
        deadline_kind: String,
        last_day: Option<NaiveDate>,
        deadline_time: Option<String>,
        deadline_text: String,
        condition: Option<String>,
        status: String,
        source_text: String,
    }

    /// An agency of the directory (`trinhky_domain::directory::Agency`).
    #[derive(utoipa::ToSchema)]
    pub struct Agency {
        code: String,
        name: String,
        short_name: String,
        parent: String,
        #[schema(inline)]
        kind: AgencyKind,
        email: String,
        head_title: String,
        deputy_title: String,
        aliases: Vec<String>,
        uses_trinhky: bool,
    }

    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum AgencyKind {
        Committee,
        Office,
        Department,
        District,
        Press,
        Party,
        Council,
        MassOrg,
        Central,
        Unit,
        Leadership,
        Other,
    }

    /// A recipient group with its member agency codes (`trinhky_domain::directory::RecipientGroup`).
    #[derive(utoipa::ToSchema)]
    pub struct RecipientGroup {
        code: String,
        name: String,
        aliases: Vec<String>,
        members: Vec<String>,
    }
}

/// The JSON Schema of a type that derives `utoipa::ToSchema`.
fn component<T: utoipa::PartialSchema>() -> Value {
    serde_json::to_value(T::schema()).unwrap_or_else(|_| obj())
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
