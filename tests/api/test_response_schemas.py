"""The OpenAPI document tells an integrator the shape of every JSON answer: no route answers
200 or 201 with "any object". The quality and holds routes were the ones that did."""

from typing import Any

from fastapi.testclient import TestClient

QUALITY = ("/api/v1/quality/", "/api/v1/holds")
Schemas = dict[str, Any]


def _shapeless(schema: Schemas | None, schemas: Schemas) -> bool:
    """Whether a schema says nothing about the fields of what it describes: missing, any
    object, or a list of such (a typed map, a scalar or a named model is a shape)."""
    if not schema:
        return True
    if "$ref" in schema:
        return _shapeless(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    if "anyOf" in schema:
        return all(_shapeless(branch, schemas) for branch in schema["anyOf"])
    if schema.get("type") == "array":
        return _shapeless(schema.get("items"), schemas)
    if schema.get("type") == "object" or "properties" in schema:
        values = schema.get("additionalProperties")
        return not schema.get("properties") and values in (None, True, {})
    return False


def answers_without_shape(document: Schemas, prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """`METHOD path status` of every 200/201 JSON answer under these prefixes whose schema
    is shapeless. A download that declares its own media type (a workbook) is no JSON."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for path, operations in document["paths"].items():
        if not path.startswith(prefixes):
            continue
        for method, operation in operations.items():
            for status in ("200", "201"):
                answer = operation.get("responses", {}).get(status)
                if answer is None:
                    continue
                content = answer.get("content", {})
                if content and "application/json" not in content:
                    continue
                if _shapeless(content.get("application/json", {}).get("schema"), schemas):
                    found.append(f"{method.upper()} {path} {status}")
    return found


def test_every_quality_and_holds_answer_has_its_shape_in_the_openapi_document(
    app_client: TestClient,
) -> None:
    document = app_client.get("/api/v1/openapi.json").json()
    routes = [p for p in document["paths"] if p.startswith(QUALITY)]
    assert len(routes) >= 10  # the prefixes still name the quality routes

    assert answers_without_shape(document, QUALITY) == []


def test_no_json_answer_of_the_whole_api_is_shapeless(app_client: TestClient) -> None:
    assert answers_without_shape(app_client.get("/api/v1/openapi.json").json()) == []


def test_the_check_lists_the_routes_that_answer_any_object() -> None:
    """What the quality routes looked like before: an object of anything, a list of them."""
    anything = {"type": "object", "additionalProperties": True}
    document = {
        "paths": {
            "/api/v1/quality/report": {"get": {"responses": {"200": _json(anything)}}},
            "/api/v1/quality/lots": {
                "get": {"responses": {"200": _json({"type": "array", "items": anything})}},
                "post": {"responses": {"201": _json({"$ref": "#/components/schemas/Lot"})}},
            },
            "/api/v1/holds": {"post": {"responses": {"201": {"description": "no content"}}}},
            "/api/v1/items": {"get": {"responses": {"200": _json(anything)}}},
            "/api/v1/quality/rates": {
                "get": {
                    "responses": {
                        "200": _json({"type": "object", "additionalProperties": {"type": "string"}})
                    }
                }
            },
        },
        "components": {"schemas": {"Lot": {"type": "object", "properties": {"number": {}}}}},
    }

    assert answers_without_shape(document, QUALITY) == [
        "GET /api/v1/quality/report 200",
        "GET /api/v1/quality/lots 200",
        "POST /api/v1/holds 201",
    ]
    assert "GET /api/v1/items 200" in answers_without_shape(document)


def _json(schema: Schemas) -> Schemas:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}
