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

fn page_param() -> Value {
    json!({"name": "page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}})
}

fn per_page_param() -> Value {
    json!({"name": "per_page", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}})
}

fn code_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
}

fn role_schema() -> Value {
    json!({"enum": ["drafter", "unit_head", "agency_head", "deputy_head", "clerk", "admin"]})
}

fn agency_schema() -> Value {
    let s = json!({"type": "string"});
    json!({"type": "object", "required": ["name", "kind", "email"], "properties": {
        "code": s, "name": s, "short_name": s, "parent": s, "email": s, "head_title": s, "deputy_title": s,
        "kind": {"enum": ["committee", "office", "department", "district", "press", "party", "council", "mass_org", "central", "unit", "leadership", "other"]},
        "aliases": {"type": "array", "items": s}, "uses_trinhky": {"type": "boolean"}}})
}

fn group_schema() -> Value {
    let s = json!({"type": "string"});
    json!({"type": "object", "required": ["name", "members"], "properties": {
        "code": s, "name": s, "aliases": {"type": "array", "items": s}, "members": {"type": "array", "items": s}}})
}

/// The administration operations (system administrators: admin role at the province office),
/// merged into `paths` (several `json!` calls: one would exceed the macro recursion limit).
fn admin_paths() -> Vec<Value> {
    let str_ = json!({"type": "string"});
    vec![
        json!({
            "/api/v1/admin/agencies": {
                "parameters": [{"name": "q", "in": "query", "required": false, "schema": str_}, page_param(), per_page_param()],
                "get": op("Agencies (search by code or name), one page with X-Total-Count and Link headers", "200", None),
                "post": op("Create an agency (checked like a directory file: unique code and e-mail, names that point at one agency)", "201", Some(agency_schema()))
            },
            "/api/v1/admin/agencies/{code}": {
                "parameters": [code_param("code")],
                "get": op("One agency", "200", None),
                "put": op("Edit an agency (its code stays)", "200", Some(agency_schema()))
            },
            "/api/v1/admin/groups": {
                "parameters": [page_param(), per_page_param()],
                "get": op("Recipient groups (nhóm nơi nhận) with their member agency codes", "200", None),
                "post": op("Create a recipient group", "201", Some(group_schema()))
            },
            "/api/v1/admin/groups/{code}": {
                "parameters": [code_param("code")],
                "get": op("One recipient group", "200", None),
                "put": op("Replace a group's name, aliases and members", "200", Some(group_schema())),
                "delete": op("Delete a recipient group", "204", None)
            }
        }),
        json!({
            "/api/v1/admin/users": {
                "parameters": [{"name": "q", "in": "query", "required": false, "schema": str_}, page_param(), per_page_param()],
                "get": op("Accounts with their roles (search by username, name or e-mail), one page", "200", None),
                "post": op("Create an account with one role (argon2id password)", "201", Some(json!({"type": "object", "required": ["username", "full_name", "email", "password", "agency", "role"],
                    "properties": {"username": str_, "full_name": str_, "email": str_, "password": str_, "agency": str_, "role": role_schema(), "title": str_}})))
            },
            "/api/v1/admin/users/{username}": {
                "parameters": [code_param("username")],
                "get": op("One account with its roles", "200", None)
            },
            "/api/v1/admin/users/{username}/roles": {
                "parameters": [code_param("username")],
                "post": op("Grant a role in an agency", "201", Some(json!({"type": "object", "required": ["agency", "role"], "properties": {"agency": str_, "role": role_schema(), "title": str_}})))
            },
            "/api/v1/admin/users/{username}/roles/{agency}/{role}": {
                "parameters": [code_param("username"), code_param("agency"), code_param("role")],
                "delete": op("Revoke a role (refused for one's own last admin role and the province office's last admin)", "200", None)
            }
        }),
        json!({
            "/api/v1/admin/users/{username}/active": {
                "parameters": [code_param("username")],
                "put": op("Enable or disable an account (disabling ends its sessions; its API tokens stop working)", "200", Some(json!({"type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"}}})))
            },
            "/api/v1/admin/users/{username}/password": {
                "parameters": [code_param("username")],
                "post": op("Set a new password, or let the server generate one (returned once); ends the account's sessions", "200", Some(json!({"type": "object", "properties": {"password": str_}})))
            },
            "/api/v1/admin/certificates": {
                "parameters": [page_param(), per_page_param()],
                "get": op("Key holders (organisations with a clerk, heads, deputies) with their current certificate: subject, serial, issuer, validity, status", "200", None)
            },
            "/api/v1/admin/certificates/issue": {
                "post": op("Issue development certificates to holders without a key (or to one holder); the CA passphrase and PIN are never stored", "201", Some(json!({"type": "object", "required": ["ca_passphrase", "pin"],
                    "properties": {"ca_passphrase": str_, "pin": str_, "algorithm": {"enum": ["rsa", "p256"]}, "holder": {"type": "object", "properties": {"kind": {"enum": ["user", "agency"]}, "handle": str_}}}})))
            }
        }),
        json!({
            "/api/v1/admin/certificates/{kind}/{handle}/import": {
                "parameters": [code_param("kind"), code_param("handle")],
                "post": {"summary": "Import a PKCS#12 (multipart: file, pin) as the holder's signing key; the PIN is checked, never stored",
                    "security": [{"bearer": []}, {"session": []}],
                    "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file", "pin"], "properties": {"file": {"type": "string", "format": "binary"}, "pin": str_}}}}},
                    "responses": {"201": {"description": "Imported", "content": {"application/json": {}}}, "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
            },
            "/api/v1/admin/certificates/{kind}/{handle}/revoke": {
                "parameters": [code_param("kind"), code_param("handle")],
                "post": op("Revoke the holder's current key (a development-CA certificate goes into a new CRL: give the CA passphrase)", "200", Some(json!({"type": "object", "properties": {"ca_passphrase": str_}})))
            },
            "/api/v1/admin/workflows": {
                "parameters": [page_param(), per_page_param()],
                "get": op("Registered workflow definitions with the number of documents following each version", "200", None)
            },
            "/api/v1/admin/workflows/{id}/{version}": {
                "parameters": [code_param("id"), id_param("version")],
                "get": op("One definition: states (labels, roles, SLA), transitions, documents per state", "200", None)
            }
        }),
        json!({
            "/api/v1/admin/workflows/check": {
                "parameters": [{"name": "file", "in": "query", "required": false, "schema": str_}],
                "post": {"summary": "Check a workflow definition (the body is the TOML text); read only, installs nothing. Diagnostics carry codes WF001…WF013 and line numbers",
                    "security": [{"bearer": []}, {"session": []}],
                    "requestBody": {"required": true, "content": {"text/plain": {"schema": str_}}},
                    "responses": {"200": {"description": "Report", "content": {"application/json": {}}}, "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
            },
            "/api/v1/admin/calendar": {
                "parameters": [{"name": "year", "in": "query", "required": false, "schema": {"type": "integer"}}, page_param(), per_page_param()],
                "get": op("Holidays and make-up working days touching a year", "200", None),
                "post": op("Add a holiday (range) or a make-up working day; dates dd/mm/yyyy or yyyy-mm-dd; deadlines use it at once", "201", Some(json!({"type": "object", "required": ["kind", "from", "name"],
                    "properties": {"kind": {"enum": ["holiday", "working_day"]}, "from": str_, "to": str_, "name": str_}})))
            },
            "/api/v1/admin/calendar/{id}": {
                "parameters": [id_param("id")],
                "delete": op("Remove a calendar entry", "204", None)
            }
        }),
    ]
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
    if let Some(paths) = doc["paths"].as_object_mut() {
        for part in admin_paths() {
            if let Value::Object(m) = part {
                paths.extend(m);
            }
        }
    }
    Json(doc)
}
