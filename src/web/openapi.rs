//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, written by hand.
//!
//! It is not generated from the route table on purpose: a test compares its paths and methods
//! with [`super::api::routes`] both ways, so a route added without documentation (or
//! documentation left behind by a removed route) fails the build. Security per operation is
//! derived from the table's declared access, which the tests also check against the server.

use super::api::{Access, Route};
use serde_json::{Value, json};

/// The document, with each operation's `security` taken from the route table.
pub(crate) fn document(routes: &[Route]) -> Value {
    let mut doc = base();
    for route in routes {
        let method = route.method.as_str().to_ascii_lowercase();
        let Some(operation) = doc["paths"][route.path][&method].as_object_mut() else {
            continue;
        };
        let security = match route.access {
            Access::Public => json!([]),
            Access::Role(_) => json!([{ "bearer": [] }, { "session": [] }]),
        };
        operation.insert("security".into(), security);
        if let Access::Role(role) = route.access {
            operation.insert("x-required-role".into(), json!(role));
        }
    }
    doc
}

fn base() -> Value {
    let errors = json!({
        "400": { "$ref": "#/components/responses/Error" },
        "401": { "$ref": "#/components/responses/Error" },
        "403": { "$ref": "#/components/responses/Error" },
    });
    let ok = |schema: Value| json!({ "description": "OK", "content": { "application/json": { "schema": schema } } });
    let with_errors = |mut responses: Value| {
        if let (Some(map), Some(errs)) = (responses.as_object_mut(), errors.as_object()) {
            for (code, response) in errs {
                map.entry(code.clone()).or_insert(response.clone());
            }
        }
        responses
    };
    let string_param = |name: &str, place: &str, description: &str| {
        json!({ "name": name, "in": place, "required": place == "path",
                "description": description, "schema": { "type": "string" } })
    };
    let kinds = json!(crate::extract::Kind::ALL.map(|kind| kind.as_str()));
    let statuses = json!(crate::store::Status::ALL.map(|status| status.as_str()));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "otcwatch API",
            "version": "1",
            "description": "Payment accounts advertised for OTC crypto trades, with evidence. \
                Every route except /healthz and POST /api/v1/session needs a Bearer token or a \
                session cookie; writes with a session cookie need the X-CSRF-Token header."
        },
        "paths": {
            "/healthz": { "get": {
                "summary": "Liveness; no authentication.",
                "responses": { "200": ok(json!({ "type": "object" })) }
            }},
            "/metrics": { "get": {
                "summary": "Prometheus text exposition format.",
                "responses": with_errors(json!({ "200": { "description": "OK",
                    "content": { "text/plain": { "schema": { "type": "string" } } } } }))
            }},
            "/api/v1/openapi.json": { "get": {
                "summary": "This document.",
                "responses": with_errors(json!({ "200": ok(json!({ "type": "object" })) }))
            }},
            "/api/v1/session": {
                "post": {
                    "summary": "Log in: sets the session cookie, returns the CSRF token. Rate limited.",
                    "requestBody": { "required": true, "content": { "application/json": {
                        "schema": { "type": "object", "required": ["user", "password"],
                            "properties": { "user": { "type": "string" },
                                            "password": { "type": "string" } } } } } },
                    "responses": with_errors(json!({
                        "200": ok(json!({ "$ref": "#/components/schemas/Whoami" })),
                        "429": { "$ref": "#/components/responses/Error" }
                    }))
                },
                "get": {
                    "summary": "Who is asking.",
                    "responses": with_errors(json!({
                        "200": ok(json!({ "$ref": "#/components/schemas/Whoami" })) }))
                },
                "delete": {
                    "summary": "Log out: ends the session and clears the cookie.",
                    "responses": with_errors(json!({ "204": { "description": "Logged out" } }))
                }
            },
            "/api/v1/accounts": { "get": {
                "summary": "List, filter, sort and page accounts.",
                "parameters": [
                    { "name": "kind", "in": "query", "schema": { "type": "string", "enum": kinds } },
                    { "name": "status", "in": "query", "schema": { "type": "string",
                        "enum": statuses } },
                    string_param("site", "query", "Seen on this site."),
                    { "name": "min_score", "in": "query",
                      "schema": { "type": "number", "minimum": 0, "maximum": 1 } },
                    string_param("q", "query", "Case-insensitive substring of the value."),
                    { "name": "otc", "in": "query", "schema": { "type": "boolean" } },
                    { "name": "first_seen_after", "in": "query", "schema": { "type": "string", "format": "date-time" } },
                    { "name": "first_seen_before", "in": "query", "schema": { "type": "string", "format": "date-time" } },
                    { "name": "last_seen_after", "in": "query", "schema": { "type": "string", "format": "date-time" } },
                    { "name": "last_seen_before", "in": "query", "schema": { "type": "string", "format": "date-time" } },
                    { "name": "sort", "in": "query", "description": "A field, `-` in front for descending.",
                      "schema": { "type": "string", "enum": ["value", "-value", "score", "-score",
                        "first_seen", "-first_seen", "last_seen", "-last_seen", "sightings", "-sightings"] } },
                    { "name": "limit", "in": "query",
                      "schema": { "type": "integer", "minimum": 1, "maximum": super::api::MAX_LIMIT, "default": 100 } },
                    { "name": "offset", "in": "query", "schema": { "type": "integer", "minimum": 0, "default": 0 } }
                ],
                "responses": with_errors(json!({ "200": ok(json!({ "type": "object",
                    "required": ["accounts", "total", "offset", "limit"],
                    "properties": {
                        "accounts": { "type": "array", "items": { "$ref": "#/components/schemas/Account" } },
                        "total": { "type": "integer" }, "offset": { "type": "integer" },
                        "limit": { "type": "integer" },
                        "next_offset": { "type": ["integer", "null"] } } })) }))
            }},
            "/api/v1/accounts/{kind}/{value}": { "get": {
                "summary": "One account with its sightings.",
                "parameters": [
                    { "name": "kind", "in": "path", "required": true, "schema": { "type": "string", "enum": kinds } },
                    string_param("value", "path", "The normalised identifier.")
                ],
                "responses": with_errors(json!({
                    "200": ok(json!({ "type": "object", "properties": {
                        "account": { "$ref": "#/components/schemas/Account" },
                        "sightings": { "type": "array", "items": { "$ref": "#/components/schemas/Sighting" } },
                        "links": { "type": "array", "items": { "type": "object", "properties": {
                            "kind": { "type": "string" }, "value": { "type": "string" },
                            "places": { "type": "integer" }, "example_place": { "type": "string" } } } },
                        "audit": { "type": "array", "items": { "$ref": "#/components/schemas/Change" } } } })),
                    "404": { "$ref": "#/components/responses/Error" } }))
            }},
            "/api/v1/accounts/{kind}/{value}/review": { "post": {
                "summary": "Review one account (reviewer): set its status, note and tags.",
                "parameters": [
                    { "name": "kind", "in": "path", "required": true, "schema": { "type": "string", "enum": kinds } },
                    string_param("value", "path", "The normalised identifier.")
                ],
                "requestBody": { "required": true, "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Review" } } } },
                "responses": with_errors(json!({
                    "200": ok(json!({ "type": "object", "properties": {
                        "change": { "$ref": "#/components/schemas/Change" },
                        "account": { "$ref": "#/components/schemas/Account" } } })),
                    "404": { "$ref": "#/components/responses/Error" },
                    "413": { "$ref": "#/components/responses/Error" } }))
            }},
            "/api/v1/reviews": { "post": {
                "summary": "One decision for many accounts (reviewer): all or nothing.",
                "requestBody": { "required": true, "content": { "application/json": {
                    "schema": { "allOf": [ { "$ref": "#/components/schemas/Review" },
                        { "type": "object", "required": ["accounts"], "properties": {
                            "accounts": { "type": "array", "maxItems": super::api::MAX_BULK,
                                "items": { "type": "object", "required": ["kind", "value"],
                                    "properties": { "kind": { "type": "string", "enum": kinds },
                                                    "value": { "type": "string" } } } } } } ] } } } },
                "responses": with_errors(json!({
                    "200": ok(json!({ "type": "object", "properties": {
                        "changes": { "type": "array", "items": { "$ref": "#/components/schemas/Change" } } } })),
                    "404": { "$ref": "#/components/responses/Error" },
                    "413": { "$ref": "#/components/responses/Error" } }))
            }},
            "/api/v1/watchlist": { "get": {
                "summary": "Every review change after a cursor, oldest first, and the next cursor. \
                    Poll with the `next` of the previous answer: no change is missed or repeated.",
                "parameters": [
                    { "name": "since", "in": "query", "description": "A cursor: the digits of a previous `next`; 0 to start.",
                      "schema": { "type": "string", "pattern": "^[0-9]{1,20}$", "default": "0" } },
                    { "name": "limit", "in": "query",
                      "schema": { "type": "integer", "minimum": 1, "maximum": super::api::MAX_LIMIT, "default": 100 } }
                ],
                "responses": with_errors(json!({ "200": ok(json!({ "type": "object",
                    "required": ["changes", "next"], "properties": {
                        "changes": { "type": "array", "items": { "$ref": "#/components/schemas/Change" } },
                        "next": { "type": "string" } } })) }))
            }},
            "/api/v1/sites": { "get": {
                "summary": "Every site's crawl state.",
                "responses": with_errors(json!({ "200": ok(json!({ "type": "object",
                    "properties": { "sites": { "type": "array", "items": { "type": "object" } } } })) }))
            }},
            "/api/v1/tokens": {
                "get": {
                    "summary": "API tokens (admin).",
                    "responses": with_errors(json!({ "200": ok(json!({ "type": "object", "properties": {
                        "tokens": { "type": "array", "items": { "$ref": "#/components/schemas/Token" } } } })) }))
                },
                "post": {
                    "summary": "Create a token (admin); the secret is in this response only.",
                    "requestBody": { "required": true, "content": { "application/json": {
                        "schema": { "type": "object", "required": ["role"], "properties": {
                            "name": { "type": "string" },
                            "role": { "$ref": "#/components/schemas/Role" } } } } } },
                    "responses": with_errors(json!({ "201": ok(json!({ "type": "object", "properties": {
                        "token": { "$ref": "#/components/schemas/Token" }, "secret": { "type": "string" } } })) }))
                }
            },
            "/api/v1/tokens/{id}": { "delete": {
                "summary": "Revoke a token (admin).",
                "parameters": [ string_param("id", "path", "The token's id.") ],
                "responses": with_errors(json!({
                    "200": ok(json!({ "type": "object", "properties": {
                        "token": { "$ref": "#/components/schemas/Token" } } })),
                    "404": { "$ref": "#/components/responses/Error" } }))
            }},
            "/api/v1/users": { "get": {
                "summary": "Users (admin).",
                "responses": with_errors(json!({ "200": ok(json!({ "type": "object",
                    "properties": { "users": { "type": "array", "items": { "type": "object" } } } })) }))
            }}
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer",
                    "description": "A token from `otcwatch token create`." },
                "session": { "type": "apiKey", "in": "cookie", "name": super::auth::SESSION_COOKIE }
            },
            "responses": {
                "Error": { "description": "What is wrong and how to fix it.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error", "hint"], "properties": {
                    "error": { "type": "string" }, "hint": { "type": "string" } } },
                "Role": { "type": "string", "enum": ["viewer", "reviewer", "admin"] },
                "Whoami": { "type": "object", "properties": {
                    "user": { "type": "string" }, "role": { "$ref": "#/components/schemas/Role" },
                    "csrf": { "type": ["string", "null"] } } },
                "Account": { "type": "object", "required": ["kind", "value", "status"], "properties": {
                    "kind": { "type": "string", "enum": kinds }, "value": { "type": "string" },
                    "status": { "type": "string", "enum": statuses },
                    "status_reason": { "type": ["string", "null"] },
                    "reviewer": { "type": ["string", "null"] },
                    "reviewed": { "type": ["string", "null"], "format": "date-time" },
                    "note": { "type": ["string", "null"] },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "otc": { "type": "boolean" },
                    "score": { "type": "number" },
                    "first_seen": { "type": "string", "format": "date-time" },
                    "last_seen": { "type": "string", "format": "date-time" },
                    "sightings": { "type": "integer" },
                    "sites": { "type": "array", "items": { "type": "string" } } } },
                "Sighting": { "type": "object", "properties": {
                    "site": { "type": "string" }, "url": { "type": "string" },
                    "first_seen": { "type": "string", "format": "date-time" },
                    "last_seen": { "type": "string", "format": "date-time" },
                    "raw": { "type": "string" }, "context": { "type": "string" },
                    "span": { "type": "array", "items": { "type": "integer" } },
                    "otc": { "type": "boolean" }, "score": { "type": "number" },
                    "page": { "type": ["string", "null"] } } },
                "Review": { "type": "object", "required": ["status"], "properties": {
                    "status": { "type": "string", "enum": statuses },
                    "note": { "type": "string" },
                    "tags": { "type": "array", "items": { "type": "string" } } } },
                "Change": { "type": "object", "properties": {
                    "cursor": { "type": "string" }, "kind": { "type": "string" },
                    "value": { "type": "string" },
                    "before": { "type": "string", "enum": statuses },
                    "after": { "type": "string", "enum": statuses },
                    "reviewer": { "type": "string" }, "note": { "type": ["string", "null"] },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "reason": { "type": ["string", "null"] },
                    "at": { "type": "string", "format": "date-time" } } },
                "Token": { "type": "object", "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" },
                    "role": { "$ref": "#/components/schemas/Role" },
                    "created": { "type": "string", "format": "date-time" },
                    "last_used": { "type": ["string", "null"], "format": "date-time" },
                    "revoked": { "type": "boolean" } } }
            }
        }
    })
}
