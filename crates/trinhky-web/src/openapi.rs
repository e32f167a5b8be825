//! The OpenAPI 3.1 description of `/api/v1`, published at `/api/v1/openapi.json`.

use axum::Json;
use serde_json::{Value, json};

fn op(summary: &str, ok: &str, body: Option<Value>) -> Value {
    let mut o = json!({
        "summary": summary,
        "security": [{"bearer": []}, {"session": []}],
        "responses": {
            ok: {"description": "OK", "content": {"application/json": {}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "409": {"$ref": "#/components/responses/Error"}
        }
    });
    if let Some(b) = body {
        o["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": b}}});
    }
    o
}

fn id_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}})
}

pub async fn document() -> Json<Value> {
    let str_ = json!({"type": "string"});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "trinhky API", "version": "1", "description": "Văn bản, nhiệm vụ và quy trình trình ký. Mutating calls with a browser session need the X-CSRF-Token header; bearer tokens do not."},
        "paths": {
            "/api/v1/me": {"get": op("The caller and their roles", "200", None)},
            "/api/v1/agencies": {"get": op("The directory of agencies", "200", None)},
            "/api/v1/agencies/{code}/members": {
                "parameters": [{"name": "code", "in": "path", "required": true, "schema": str_}],
                "get": op("Members of one's own agency", "200", None),
                "post": op("Add a member (agency admin)", "201", Some(json!({"type": "object", "required": ["username", "full_name", "email", "password", "role"],
                    "properties": {"username": str_, "full_name": str_, "email": str_, "password": str_, "role": {"enum": ["drafter", "unit_head", "agency_head", "deputy_head", "clerk", "admin"]}, "title": str_}})))
            },
            "/api/v1/documents": {
                "parameters": [
                    {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
                ],
                "get": op("My work: documents waiting for an action of mine, by due date; one page, with X-Total-Count and Link (rel=next/prev) headers", "200", None)
            },
            "/api/v1/documents/{id}": {
                "parameters": [id_param("id")],
                "get": op("A document with its state, available actions and history", "200", None),
                "put": op("Save an edit as a new version", "200", Some(json!({"type": "object", "required": ["expected_version", "title"],
                    "properties": {"expected_version": {"type": "integer"}, "title": str_, "body": str_, "addressees": str_, "recipients": str_, "note": str_}})))
            },
            "/api/v1/documents/{id}/actions/{action}": {
                "parameters": [id_param("id"), {"name": "action", "in": "path", "required": true, "schema": str_}],
                "post": op("Perform a workflow action (submit, return, approve, issue …)", "200", Some(json!({"type": "object", "required": ["expected_version"],
                    "properties": {"expected_version": {"type": "integer"}, "comment": str_, "pin": str_}})))
            },
            "/api/v1/documents/{id}/classification": {
                "parameters": [id_param("id")],
                "post": op("Set the độ mật (classified documents: own register, never e-mailed)", "200", Some(json!({"type": "object",
                    "properties": {"classification": {"enum": ["mat", "toi-mat", "tuyet-mat", null]}}})))
            },
            "/api/v1/assignments/{id}/documents": {
                "parameters": [id_param("id")],
                "post": op("Create a report from an assignment of one's agency", "201", Some(json!({"type": "object", "properties": {"doc_type": str_}})))
            },
            "/api/v1/directives/{id}/follow-up": {
                "parameters": [id_param("id")],
                "get": op("Theo dõi, đôn đốc: every assignment of a directive per lead agency with counts (on_time, late, open, overdue) as of today; province office only", "200", None)
            },
            "/api/v1/directives/{id}/follow-up/{assignment_id}/remind": {
                "parameters": [id_param("id"), id_param("assignment_id")],
                "post": op("Queue a reminder (nhắc việc) to the lead agency's e-mail; 201 when queued, 200 with result already_today when one was queued today; province office only", "201", None)
            },
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}}
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Token from `trinhky user token`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "trinhky_session"}
            },
            "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": str_, "message": str_, "request_id": str_}}}}}}}}
        }
    });
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), drafting_paths()) {
        paths.extend(more);
    }
    Json(doc)
}

/// Attachments, version comparison, the nhật ký and the live preview (`drafting.rs`).
fn drafting_paths() -> Value {
    let str_ = json!({"type": "string"});
    let paging = json!([
        {"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
    ]);
    let with_paging = |extra: Vec<Value>| {
        let mut v = extra;
        v.extend(paging.as_array().cloned().unwrap_or_default());
        Value::Array(v)
    };
    let mut upload = op(
        "Attach a file (PDF, DOCX or XLSX, recognised by content; size limit TRINHKY_ATTACHMENT_MAX_MB, 413 above it) while the caller may edit the document; 201 with the attachment",
        "201",
        None,
    );
    upload["requestBody"] = json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}});
    upload["responses"]["413"] = json!({"$ref": "#/components/responses/Error"});
    let mut file = op(
        "Download an attachment (the organisation-signed copy of a PDF once issued); whoever may read the document",
        "200",
        None,
    );
    file["responses"]["200"] =
        json!({"description": "The file", "content": {"application/octet-stream": {}}});
    let mut delete = op(
        "Remove an attachment while the caller may edit the document",
        "204",
        None,
    );
    delete["responses"]["204"] = json!({"description": "Removed"});
    json!({
        "/api/v1/documents/{id}/attachments": {
            "parameters": with_paging(vec![id_param("id")]),
            "get": op("Attachments of a document (name, kind, size, uploader, time, signed); one page, with X-Total-Count and Link headers", "200", None),
            "post": upload
        },
        "/api/v1/documents/{id}/attachments/{aid}": {
            "parameters": [id_param("id"), id_param("aid")],
            "get": file.clone(),
            "delete": delete
        },
        "/api/v1/documents/{id}/diff": {
            "parameters": [id_param("id"),
                {"name": "from", "in": "query", "required": false, "schema": {"type": "integer"}, "description": "Older version (default: the one before `to`)"},
                {"name": "to", "in": "query", "required": false, "schema": {"type": "integer"}, "description": "Newer version (default: the newest)"}],
            "get": op("Word-level difference of two versions (trích yếu, Kính gửi, body, Nơi nhận) as chunks {change: same|added|removed, text}", "200", None)
        },
        "/api/v1/documents/{id}/audit": {
            "parameters": with_paging(vec![id_param("id")]),
            "get": op("Nhật ký: every audit event concerning the document, oldest first, with actor, Vietnamese action label, details and chain_ok (hash and link checked); with X-Total-Count and Link headers", "200", None)
        },
        "/api/v1/documents/{id}/preview": {
            "parameters": [id_param("id")],
            "post": op("Render unsaved text as page images (data: URLs); nothing is stored; the drafter only; rate-limited per user (429)", "200", Some(json!({"type": "object",
                "properties": {"title": str_, "body": str_, "addressees": str_, "recipients": str_}})))
        },
        "/api/v1/incoming/{id}/attachments": {
            "parameters": with_paging(vec![id_param("id")]),
            "get": op("Attachments of an incoming document (văn bản đến)", "200", None)
        },
        "/api/v1/incoming/{id}/attachments/{aid}": {
            "parameters": [id_param("id"), id_param("aid")],
            "get": file
        }
    })
}
