//! Helpers and sample documents for the converters' tests.

use serde_json::{json, Value};

use super::{to_openapi30, Converted, SourceVersion};

pub(super) fn convert(doc: Value) -> Converted {
    match to_openapi30(doc) {
        Ok(converted) => converted,
        Err(e) => panic!("conversion failed: {e}"),
    }
}

pub(super) fn error_of(doc: Value) -> String {
    match to_openapi30(doc) {
        Ok(converted) => panic!("expected an error, got {:#}", converted.doc),
        Err(e) => e.to_string(),
    }
}

/// The output must be a document progenitor's parser accepts.
pub(super) fn assert_parses_as_openapi30(doc: &Value) -> openapiv3::OpenAPI {
    match serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()) {
        Ok(api) => api,
        Err(e) => panic!("not OpenAPI 3.0 for openapiv3: {e}\n{doc:#}"),
    }
}

pub(super) fn assert_idempotent(converted: &Converted) {
    let again = convert(converted.doc.clone());
    assert_eq!(again.source, SourceVersion::OpenApi30);
    assert_eq!(again.doc, converted.doc);
    assert!(again.notes.is_empty(), "{:?}", again.notes);
}

pub(super) fn get<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {doc:#}"))
}

pub(super) fn swaggo() -> Value {
    json!({
        "swagger": "2.0",
        "info": {
            "description": "Orb Cloud API",
            "title": "Orb Cloud API",
            "contact": {},
            "version": "2.0"
        },
        "host": "api.example.test",
        "basePath": "/api/v2",
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/organizations/{id}": {
                "get": {
                    "security": [{ "ApiKeyAuth": [] }],
                    "description": "Get one organization",
                    "produces": ["application/json"],
                    "tags": ["organizations"],
                    "summary": "Get organization",
                    "operationId": "getOrganization",
                    "parameters": [{
                        "type": "string",
                        "description": "Organization ID",
                        "name": "id",
                        "in": "path",
                        "required": true
                    }, {
                        "type": "array",
                        "items": { "type": "string" },
                        "collectionFormat": "multi",
                        "name": "fields",
                        "in": "query"
                    }, {
                        "type": "integer",
                        "default": 20,
                        "maximum": 100,
                        "name": "limit",
                        "in": "query",
                        "x-example": 10
                    }],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "schema": { "$ref": "#/definitions/server.OrganizationsResponse" },
                            "headers": {
                                "X-Request-Id": { "type": "string", "description": "request id" }
                            }
                        },
                        "404": {
                            "description": "Not Found",
                            "schema": { "$ref": "#/definitions/server.ErrorResponse" }
                        }
                    }
                },
                "put": {
                    "security": [{ "ApiKeyAuth": [] }],
                    "consumes": ["application/json"],
                    "tags": ["organizations"],
                    "operationId": "updateOrganization",
                    "parameters": [{
                        "type": "string",
                        "description": "Organization ID",
                        "name": "id",
                        "in": "path",
                        "required": true
                    }, {
                        "description": "The new name",
                        "name": "request",
                        "in": "body",
                        "required": true,
                        "schema": { "$ref": "#/definitions/server.UpdateOrganizationRequest" }
                    }],
                    "responses": {
                        "204": { "description": "No Content" },
                        "400": {
                            "description": "Bad Request",
                            "schema": { "$ref": "#/definitions/server.ErrorResponse" }
                        }
                    }
                }
            }
        },
        "definitions": {
            "server.ErrorResponse": {
                "type": "object",
                "properties": { "error": { "type": "string" } }
            },
            "server.Organization": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": { "type": "string" },
                    "name": { "type": "string", "x-nullable": true },
                    "status": { "$ref": "#/definitions/server.Status" },
                    "parent": { "$ref": "#/definitions/server.Organization", "x-nullable": true }
                }
            },
            "server.OrganizationsResponse": {
                "type": "object",
                "properties": {
                    "organizations": {
                        "type": "array",
                        "items": { "$ref": "#/definitions/server.Organization" }
                    }
                }
            },
            "server.Status": {
                "type": "string",
                "enum": ["active", "suspended"],
                "x-enum-varnames": ["StatusActive", "StatusSuspended"]
            },
            "server.UpdateOrganizationRequest": {
                "type": "object",
                "properties": { "name": { "type": "string" } }
            }
        },
        "securityDefinitions": {
            "ApiKeyAuth": {
                "description": "Bearer token",
                "type": "apiKey",
                "name": "Authorization",
                "in": "header"
            }
        }
    })
}

pub(super) fn openapi31() -> Value {
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Things",
            "summary": "all the things",
            "version": "1",
            "license": { "name": "MIT", "identifier": "MIT" }
        },
        "webhooks": {
            "thingCreated": { "post": { "responses": { "200": { "description": "ok" } } } }
        },
        "paths": {
            "/things/{id}": {
                "parameters": [{
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": { "type": "string", "examples": ["abc", "def"] }
                }],
                "get": {
                    "operationId": "getThing",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } }
                            }
                        }
                    }
                },
                "put": {
                    "operationId": "putThing",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": { "$ref": "#/components/schemas/Thing", "description": "the new thing" }
                            }
                        }
                    },
                    "responses": {
                        "204": {
                            "description": "done",
                            "headers": { "X-Rate": { "schema": { "type": ["integer", "null"] } } }
                        },
                        "default": { "$ref": "#/components/responses/Error", "description": "failure" }
                    },
                    "callbacks": {
                        "done": { "{$request.body#/url}": { "post": { "responses": { "200": { "description": "" } } } } }
                    }
                }
            }
        },
        "components": {
            "responses": {
                "Error": {
                    "description": "failure",
                    "content": { "application/json": { "schema": { "type": "object", "properties": { "message": { "type": "string" } } } } }
                }
            },
            "schemas": {
                "Owner": {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$id": "https://example.test/owner",
                    "type": "object",
                    "properties": { "email": { "type": "string", "format": "email" } }
                },
                "Thing": {
                    "type": "object",
                    "$comment": "the central type",
                    "required": ["id", "kind"],
                    "properties": {
                        "id": { "type": "string" },
                        "kind": { "type": "string", "const": "thing" },
                        "name": { "type": ["string", "null"], "maxLength": 10 },
                        "parent": { "anyOf": [{ "$ref": "#/components/schemas/Thing" }, { "type": "null" }] },
                        "holder": {
                            "oneOf": [
                                { "$ref": "#/components/schemas/Owner" },
                                { "$ref": "#/components/schemas/Thing" },
                                { "type": "null" }
                            ]
                        },
                        "seen": {
                            "description": "when",
                            "anyOf": [{ "type": "string", "format": "date-time" }, { "type": "null" }]
                        },
                        "size": { "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100, "maximum": 50 },
                        "count": { "type": "integer", "minimum": 5, "exclusiveMinimum": 1 },
                        "labels": { "type": "array", "items": { "type": "string" }, "examples": [["a", "b"]] },
                        "owner": { "$ref": "#/components/schemas/Owner", "description": "who owns it" },
                        "data": { "type": "string", "contentEncoding": "base64" },
                        "blob": { "type": "string", "contentMediaType": "application/octet-stream" },
                        "doc": { "type": "string", "contentMediaType": "application/json" },
                        "mixed": { "type": ["string", "integer", "null"], "minLength": 1, "minimum": 0 },
                        "nothing": { "type": "null" },
                        "strict": {
                            "type": "object",
                            "properties": { "a": { "type": "boolean" } },
                            "unevaluatedProperties": false
                        },
                        "anything": true
                    }
                }
            }
        }
    })
}

/// A 3.1 document with `schema` at `/components/schemas/Bad/properties/p`.
pub(super) fn with_bad_schema(schema: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": { "title": "t", "version": "1" },
        "paths": {},
        "components": { "schemas": { "Bad": { "type": "object", "properties": { "p": schema } } } }
    })
}
