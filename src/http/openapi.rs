//! The OpenAPI 3.1 description of the API, built at start from the payload schemas (nothing
//! fetched at build time).

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::model::{Document, KINDS};

pub(super) async fn document() -> Response {
    static DOC: OnceLock<Value> = OnceLock::new();
    axum::Json(DOC.get_or_init(build)).into_response()
}

/// Moves each kind schema's `$defs` into `components/schemas` and points its `$ref`s there.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/$defs/")
            {
                *r = format!("#/components/schemas/{name}");
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn build() -> Value {
    let mut schemas = Map::new();
    let mut payloads = Vec::new();
    for kind in KINDS {
        let Some(mut schema) = Document::schema(kind) else {
            continue;
        };
        if let Some(obj) = schema.as_object_mut() {
            if let Some(Value::Object(defs)) = obj.remove("$defs") {
                for (name, mut def) in defs {
                    rewrite_refs(&mut def);
                    schemas.insert(name, def);
                }
            }
            obj.remove("$schema");
        }
        rewrite_refs(&mut schema);
        let name = format!("payload_{kind}");
        schemas.insert(name.clone(), schema);
        payloads.push(json!({ "$ref": format!("#/components/schemas/{name}") }));
    }
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"}, "title": {"type": "string"},
                "status": {"type": "integer"}, "detail": {"type": "string"},
                "field": {"type": "string", "description": "JSON path or header at fault"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": "string"}, "detail": {"type": "string"}}}}
            }
        }),
    );
    schemas.insert("Payload".into(), json!({ "oneOf": payloads }));
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        })
    };
    let id_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let object = json!({"application/json": {"schema": {"type": "object"}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "qujat",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Issues, registers and verifies the signed result documents of Kazakhstan's education state services."
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        },
        "paths": {
            "/v1/documents": {"post": {
                "summary": "Render, sign and register a document",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["kk", "ru", "kk+ru"]}},
                    {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 128}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Payload"}}}},
                "responses": {
                    "201": {"description": "Issued", "content": object},
                    "200": {"description": "The earlier document of this idempotency key", "content": object},
                    "400": problem("Malformed JSON"),
                    "401": problem("No or unknown token"),
                    "403": problem("The token's organisation is not the issuer"),
                    "409": problem("The document id is taken"),
                    "413": problem("Body too large"),
                    "422": problem("Invalid payload; `field` names the JSON path")
                }
            }},
            "/v1/documents/{id}": {"get": {
                "summary": "A registered document's record",
                "security": [{"bearer": []}],
                "parameters": [id_param],
                "responses": {"200": {"description": "The record", "content": object},
                    "401": problem("No or unknown token"), "404": problem("Unknown document")}
            }},
            "/v1/documents/{id}/pdf": {"get": {
                "summary": "The signed PDF",
                "security": [{"bearer": []}],
                "parameters": [id_param],
                "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}},
                    "401": problem("No or unknown token"), "404": problem("Unknown document")}
            }},
            "/v1/documents/{id}/annul": {"post": {
                "summary": "Annul a document",
                "security": [{"bearer": []}],
                "parameters": [id_param],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "additionalProperties": false,
                    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}}}}},
                "responses": {"200": {"description": "Annulled", "content": object},
                    "401": problem("No or unknown token"), "404": problem("Unknown document"),
                    "409": problem("Already annulled"), "422": problem("Invalid body")}
            }},
            "/v1/verify": {"post": {
                "summary": "Verify a signed PDF or CMS",
                "parameters": [{"name": "at", "in": "query", "schema": {"type": "string", "format": "date-time"}}],
                "requestBody": {"required": true, "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"200": {"description": "Verification report (ETSI indication)", "content": object},
                    "400": problem("Not a signed document"), "413": problem("Too large"),
                    "422": problem("Invalid parameter")}
            }},
            "/v1/kinds": {"get": {"summary": "Document kinds", "responses": {"200": {"description": "Kinds", "content": object}}}},
            "/v1/kinds/{kind}/schema": {"get": {
                "summary": "JSON Schema of a kind's payload",
                "parameters": [{"name": "kind", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Schema", "content": object}, "404": problem("Unknown kind")}
            }},
            "/healthz": {"get": {"summary": "Liveness and journal reachability",
                "responses": {"200": {"description": "OK", "content": object}, "503": problem("Journal unavailable")}}}
        }
    })
}
