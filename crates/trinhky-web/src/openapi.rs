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
    Json(json!({
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
    }))
}
