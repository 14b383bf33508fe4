"""Each kind of spec edit, classified by rule id and severity and located exactly in both versions.

One row per edit: the edit made on the new side, every change expected under it (rule, subject, where it
stands in the old and the new file), the severity of those rules. Besides those, an edit may fire only the
rules named in `extra` and safe (info) ones: anything else it reports is a false alarm and fails the row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.compat.rules import RULES
from tests.compat.support import BASE, At, Case, Edit, Expect, position, run

A = "asyncapi.yaml"
AUTHOR_CREATE = "    AuthorCreate:\n      type: object\n"
AUTHOR = "    Author:\n      type: object\n"
PATH_PARAM = (
    "      - name: author_id\n        in: path\n        required: true\n        schema: {type: integer, minimum: 1}"
)
RESPONSE_SUBJECTS = ["GET /authors", "POST /authors", "GET /authors/{author_id}"]
WS_RESPONSE_SUBJECTS = ["WS GET_AUTHOR (pkg_id 1)", "WS CREATE_AUTHOR (pkg_id 2)", "WS event AUTHOR_CREATED (pkg_id 3)"]


def in_author(token: str, after: str = "") -> At:
    """A spot inside the Author schema (the response shape shared by every operation and message)."""
    return At(AUTHOR + "      required: [id, name]\n      properties:\n" + after, token)


def everywhere(rule: str, old: At | None, new: At | None, subjects: list[str]) -> list[Expect]:
    return [Expect(rule, subject, old, new) for subject in subjects]


CASES = [
    # --- operations and paths
    Case(
        "operation removed",
        [
            Edit(
                "    delete:\n      operationId: deleteAuthor\n      x-rate-limit: write\n      security:\n"
                '        - bearerAuth: [write]\n      responses:\n        "204":\n          description: Deleted.\n',
                "",
            )
        ],
        [
            Expect(
                "api-removed-without-deprecation",
                "DELETE /authors/{author_id}",
                At("    delete:\n      operationId", "delete"),
                None,
            )
        ],
        "error",
    ),
    Case(
        "path removed",
        [
            Edit(
                "  /health:\n    get:\n      operationId: getHealth\n",
                "  /status:\n    get:\n      operationId: getHealth\n",
            )
        ],
        [Expect("api-path-removed-without-deprecation", "GET /health", At("  /health:\n    get:", "get"), None)],
        "error",
    ),
    Case(
        "deprecated operation removed",
        [
            Edit(
                "    delete:\n      operationId: deleteAuthor\n      deprecated: true\n      x-rate-limit: write\n      security:\n"
                '        - bearerAuth: [write]\n      responses:\n        "204":\n          description: Deleted.\n',
                "",
            )
        ],
        [
            Expect(
                "api-removed-with-deprecation",
                "DELETE /authors/{author_id}",
                At("    delete:\n      operationId", "delete"),
                None,
            )
        ],
        "info",
        base_edits=[
            Edit("      operationId: deleteAuthor\n", "      operationId: deleteAuthor\n      deprecated: true\n")
        ],
    ),
    Case(
        "operation added",
        [
            Edit(
                "  /health:\n",
                "  /authors/{id}/books:\n    get:\n      operationId: listBooks\n      responses:\n"
                '        "200": {description: Books.}\n  /health:\n',
            )
        ],
        [Expect("endpoint-added", "GET /authors/{id}/books", None, At("  /authors/{id}/books:\n    get:", "get"))],
        "info",
    ),
    Case(
        "path parameter renamed is the same operation",
        [
            Edit(
                "  /authors/{author_id}:\n    parameters:\n      - name: author_id",
                "  /authors/{id}:\n    parameters:\n      - name: id",
            )
        ],
        [],
        "info",
    ),
    Case(
        "webhook removed",
        [Edit("webhooks:\n  authorCreated:\n", "webhooks:\n  authorUpdated:\n")],
        [Expect("webhook-removed", "webhook authorCreated", At("webhooks:\n  authorCreated:", "authorCreated"), None)],
        "error",
    ),
    # --- parameters
    Case(
        "required query parameter added",
        [
            Edit(
                '        - $ref: "#/components/parameters/Limit"\n',
                '        - $ref: "#/components/parameters/Limit"\n        - {name: sort, in: query, required: true, schema: {type: string}}\n',
            )
        ],
        [Expect("new-required-request-parameter", "GET /authors", None, At("- {name: sort", "{name: sort"))],
        "error",
    ),
    Case(
        "optional query parameter added",
        [
            Edit(
                '        - $ref: "#/components/parameters/Limit"\n',
                '        - $ref: "#/components/parameters/Limit"\n        - {name: sort, in: query, schema: {type: string}}\n',
            )
        ],
        [Expect("new-optional-request-parameter", "GET /authors", None, At("- {name: sort", "{name: sort"))],
        "info",
    ),
    Case(
        "parameter made required through its $ref",
        [Edit("      name: limit\n      in: query\n", "      name: limit\n      in: query\n      required: true\n")],
        [
            Expect(
                "request-parameter-became-required",
                "GET /authors",
                At("    Limit:\n", "Limit"),
                At("      required: true\n      schema: {type: integer, minimum: 1, maximum: 100}", "required"),
            )
        ],
        "error",
    ),
    Case(
        "query parameter removed",
        [Edit("        - name: name\n          in: query\n          schema: {type: string, maxLength: 100}\n", "")],
        [Expect("request-parameter-removed", "GET /authors", At("        - name: name\n", "name: name"), None)],
        "warning",
    ),
    Case(
        "parameter maxLength decreased",
        [Edit("schema: {type: string, maxLength: 100}", "schema: {type: string, maxLength: 50}")],
        [
            Expect(
                "request-parameter-max-length-decreased",
                "GET /authors",
                At("schema: {type: string, maxLength: 100}", "maxLength"),
                At("schema: {type: string, maxLength: 50}", "maxLength"),
            )
        ],
        "error",
    ),
    Case(
        "parameter maximum decreased through its $ref",
        [Edit("schema: {type: integer, minimum: 1, maximum: 100}", "schema: {type: integer, minimum: 1, maximum: 50}")],
        [
            Expect(
                "request-parameter-max-decreased",
                "GET /authors",
                At("minimum: 1, maximum: 100}", "maximum"),
                At("minimum: 1, maximum: 50}", "maximum"),
            )
        ],
        "error",
    ),
    Case(
        "path-item parameter narrowed for every operation of the path",
        [Edit(PATH_PARAM, PATH_PARAM.replace("minimum: 1", "minimum: 10"))],
        everywhere(
            "request-parameter-min-increased",
            At(PATH_PARAM, "minimum"),
            At(PATH_PARAM.replace("minimum: 1", "minimum: 10"), "minimum"),
            ["GET /authors/{author_id}", "DELETE /authors/{author_id}"],
        ),
        "error",
    ),
    Case(
        "path parameter type changed",
        [Edit(PATH_PARAM, PATH_PARAM.replace("{type: integer, minimum: 1}", "{type: string, format: uuid}"))],
        everywhere(
            "request-parameter-type-changed",
            At(PATH_PARAM, "type"),
            At(
                "      - name: author_id\n        in: path\n        required: true\n        schema: {type: string",
                "type",
            ),
            ["GET /authors/{author_id}", "DELETE /authors/{author_id}"],
        ),
        "error",
        extra=["request-parameter-format-changed"],
    ),
    # --- request bodies
    Case(
        "request body media type removed",
        [
            Edit(
                '        content:\n          application/json:\n            schema: {$ref: "#/components/schemas/AuthorCreate"}',
                '        content:\n          application/x-www-form-urlencoded:\n            schema: {$ref: "#/components/schemas/AuthorCreate"}',
            )
        ],
        [
            Expect(
                "request-body-media-type-removed",
                "POST /authors",
                At(
                    '          application/json:\n            schema: {$ref: "#/components/schemas/AuthorCreate"}',
                    "application/json",
                ),
                None,
            )
        ],
        "error",
    ),
    Case(
        "required request property added, in the REST body and the WS message sharing the schema",
        [
            Edit(
                AUTHOR_CREATE + "      required: [name]\n      properties:\n",
                AUTHOR_CREATE + "      required: [name, country]\n      properties:\n        country: {type: string}\n",
            )
        ],
        everywhere(
            "new-required-request-property",
            None,
            At("        country: {type: string}", "country"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "optional request property added",
        [
            Edit(
                AUTHOR_CREATE + "      required: [name]\n      properties:\n",
                AUTHOR_CREATE + "      required: [name]\n      properties:\n        country: {type: string}\n",
            )
        ],
        everywhere(
            "new-optional-request-property",
            None,
            At("        country: {type: string}", "country"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "info",
    ),
    Case(
        "request property made required",
        [Edit(AUTHOR_CREATE + "      required: [name]\n", AUTHOR_CREATE + "      required: [name, born]\n")],
        everywhere(
            "request-property-became-required",
            At(
                AUTHOR_CREATE
                + "      required: [name]\n      properties:\n        name: {type: string, minLength: 1, maxLength: 200}\n        born",
                "born",
            ),
            At(
                AUTHOR_CREATE
                + "      required: [name, born]\n      properties:\n        name: {type: string, minLength: 1, maxLength: 200}\n        born",
                "born",
            ),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property type changed",
        [Edit("        name: {type: string, minLength: 1, maxLength: 200}", "        name: {type: integer}")],
        everywhere(
            "request-property-type-changed",
            At("        name: {type: string, minLength: 1", "type"),
            At("        name: {type: integer}", "type"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property no longer nullable",
        [Edit('nickname: {type: [string, "null"]}', "nickname: {type: string}")],
        everywhere(
            "request-property-became-not-nullable",
            At("nickname: {type: [string", "type"),
            At("nickname: {type: string}", "type"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property format changed",
        [
            Edit(
                AUTHOR_CREATE
                + "      required: [name]\n      properties:\n        name: {type: string, minLength: 1, maxLength: 200}\n"
                "        born: {type: string, format: date}",
                AUTHOR_CREATE
                + "      required: [name]\n      properties:\n        name: {type: string, minLength: 1, maxLength: 200}\n"
                "        born: {type: string, format: date-time}",
            )
        ],
        everywhere(
            "request-property-format-changed",
            At("maxLength: 200}\n        born: {type: string, format: date}", "format"),
            At("born: {type: string, format: date-time}", "format"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property became an enum",
        [Edit('nickname: {type: [string, "null"]}', 'nickname: {type: [string, "null"], enum: [ann, bob, null]}')],
        everywhere(
            "request-property-became-enum",
            At("nickname: {type: [string", "nickname"),
            At('nickname: {type: [string, "null"], enum', "enum"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property maxLength decreased",
        [
            Edit(
                "name: {type: string, minLength: 1, maxLength: 200}",
                "name: {type: string, minLength: 1, maxLength: 100}",
            )
        ],
        everywhere(
            "request-property-max-length-decreased",
            At("minLength: 1, maxLength: 200}", "maxLength"),
            At("minLength: 1, maxLength: 100}", "maxLength"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property minLength increased",
        [
            Edit(
                "name: {type: string, minLength: 1, maxLength: 200}",
                "name: {type: string, minLength: 3, maxLength: 200}",
            )
        ],
        everywhere(
            "request-property-min-length-increased",
            At("minLength: 1, maxLength: 200}", "minLength"),
            At("minLength: 3, maxLength: 200}", "minLength"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property maxLength set where there was none",
        [
            Edit(
                "maxLength: 200}\n        born: {type: string, format: date}",
                "maxLength: 200}\n        born: {type: string, format: date, maxLength: 10}",
            )
        ],
        everywhere(
            "request-property-max-length-set",
            At("maxLength: 200}\n        born: {type: string, format: date}", "born"),
            At("born: {type: string, format: date, maxLength: 10}", "maxLength"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "warning",
    ),
    Case(
        "request property pattern added",
        [
            Edit(
                "name: {type: string, minLength: 1, maxLength: 200}",
                'name: {type: string, minLength: 1, maxLength: 200, pattern: "^[A-Z]"}',
            )
        ],
        everywhere(
            "request-property-pattern-added",
            At("        name: {type: string, minLength: 1, maxLength: 200}", "name"),
            At('pattern: "^[A-Z]"', "pattern"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request property pattern changed inside a oneOf alternative",
        [Edit('pattern: "^[0-9+ ]+$"', 'pattern: "^[0-9]+$"')],
        everywhere(
            "request-property-pattern-changed",
            At('pattern: "^[0-9+ ]+$"', "pattern"),
            At('pattern: "^[0-9]+$"', "pattern"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "warning",
    ),
    Case(
        "request property fixed to one value",
        [Edit('nickname: {type: [string, "null"]}', 'nickname: {type: [string, "null"], const: ann}')],
        everywhere(
            "request-property-const-added",
            At("nickname: {type: [string", "nickname"),
            At('nickname: {type: [string, "null"], const', "const"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "request oneOf alternative removed",
        [Edit('            - $ref: "#/components/schemas/Phone"\n', "")],
        everywhere(
            "request-property-one-of-removed",
            At("        contact:\n          oneOf:", "oneOf"),
            At("        contact:\n          oneOf:", "oneOf"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        ),
        "error",
    ),
    Case(
        "shared enum value removed: narrows requests, warns for responses",
        [Edit("enum: [novel, poetry, essay]", "enum: [novel, poetry]")],
        everywhere(
            "request-property-enum-value-removed",
            At("enum: [novel, poetry, essay]", "enum"),
            At("enum: [novel, poetry]", "enum"),
            ["POST /authors", "WS CREATE_AUTHOR (pkg_id 2)"],
        )
        + everywhere(
            "response-property-enum-value-removed",
            At("enum: [novel, poetry, essay]", "enum"),
            At("enum: [novel, poetry]", "enum"),
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "error",
    ),
    Case(
        "shared enum value added: safe for requests, a warning for responses",
        [Edit("enum: [novel, poetry, essay]", "enum: [novel, poetry, essay, drama]")],
        everywhere(
            "response-property-enum-value-added",
            At("enum: [novel, poetry, essay]", "enum"),
            At("enum: [novel, poetry, essay, drama]", "enum"),
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "warning",
    ),
    # --- responses
    Case(
        "required response property removed, under every operation and message using the schema",
        [
            Edit(
                AUTHOR
                + "      required: [id, name]\n      properties:\n        id: {type: integer}\n        name: {type: string}\n",
                AUTHOR + "      required: [id]\n      properties:\n        id: {type: integer}\n",
            )
        ],
        everywhere(
            "response-required-property-removed",
            in_author("name", "        id: {type: integer}\n        name"),
            None,
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "error",
    ),
    Case(
        "optional response property removed",
        [
            Edit(
                '        born: {type: string, format: date}\n        genre: {$ref: "#/components/schemas/Genre"}\n        tags:',
                '        genre: {$ref: "#/components/schemas/Genre"}\n        tags:',
            )
        ],
        everywhere(
            "response-optional-property-removed",
            At("        name: {type: string}\n        born: {type: string, format: date}", "born"),
            None,
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "warning",
    ),
    Case(
        "response property became optional",
        [Edit(AUTHOR + "      required: [id, name]\n", AUTHOR + "      required: [id]\n")],
        everywhere(
            "response-property-became-optional",
            in_author("name", "        id: {type: integer}\n        name"),
            At(AUTHOR + "      required: [id]\n      properties:\n        id: {type: integer}\n        name", "name"),
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "error",
    ),
    Case(
        "response property type changed",
        [
            Edit(
                "      properties:\n        id: {type: integer}\n        name: {type: string}\n",
                "      properties:\n        id: {type: string}\n        name: {type: string}\n",
            )
        ],
        everywhere(
            "response-property-type-changed",
            in_author("type", "        id: {type"),
            At("        id: {type: string}", "type"),
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "error",
    ),
    Case(
        "response property became nullable",
        [
            Edit(
                "        id: {type: integer}\n        name: {type: string}\n",
                '        id: {type: integer}\n        name: {type: [string, "null"]}\n',
            )
        ],
        everywhere(
            "response-property-became-nullable",
            in_author("type", "        id: {type: integer}\n        name: {type"),
            At('        name: {type: [string, "null"]}', "type"),
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "error",
    ),
    Case(
        "response array items changed",
        [
            Edit(
                "        tags:\n          type: array\n          items: {type: string}",
                "        tags:\n          type: array\n          items: {type: integer}",
            )
        ],
        everywhere(
            "response-property-type-changed",
            At("          items: {type: string}", "type"),
            At("          items: {type: integer}", "type"),
            RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
        ),
        "error",
    ),
    Case(
        "response enum value added",
        [Edit("status: {type: string, enum: [ok, degraded]}", "status: {type: string, enum: [ok, degraded, down]}")],
        [
            Expect(
                "response-property-enum-value-added",
                "GET /health",
                At("enum: [ok, degraded]}", "enum"),
                At("enum: [ok, degraded, down]}", "enum"),
            )
        ],
        "warning",
    ),
    Case(
        "response body became nullable",
        [
            Edit(
                "              schema:\n                type: object\n                required: [status]",
                '              schema:\n                type: [object, "null"]\n                required: [status]',
            )
        ],
        [
            Expect(
                "response-body-became-nullable",
                "GET /health",
                At("                type: object\n                required: [status]", "type"),
                At('                type: [object, "null"]', "type"),
            )
        ],
        "error",
    ),
    Case(
        "success status changed",
        [Edit('        "201":\n          description: Created.', '        "200":\n          description: Created.')],
        [
            Expect(
                "response-success-status-removed",
                "POST /authors",
                At('        "201":\n          description: Created.', '"201"'),
                None,
            ),
            Expect(
                "response-success-status-added",
                "POST /authors",
                None,
                At('        "200":\n          description: Created.', '"200"'),
            ),
        ],
        "error",
    ),
    Case(
        "error status removed",
        [
            Edit(
                '                items: {$ref: "#/components/schemas/Author"}\n        "422": {$ref: "#/components/responses/Invalid"}\n',
                '                items: {$ref: "#/components/schemas/Author"}\n',
            )
        ],
        [
            Expect(
                "response-non-success-status-removed",
                "GET /authors",
                At('                items: {$ref: "#/components/schemas/Author"}\n        "422"', '"422"'),
                None,
            )
        ],
        "info",
    ),
    Case(
        "required response header removed",
        [Edit("            Location: {required: true, schema: {type: string}}\n", "")],
        [
            Expect(
                "required-response-header-removed",
                "POST /authors",
                At("            Location: {required", "Location"),
                None,
            )
        ],
        "error",
    ),
    Case(
        "response header no longer always sent",
        [Edit("Location: {required: true, schema: {type: string}}", "Location: {schema: {type: string}}")],
        [
            Expect(
                "response-header-became-optional",
                "POST /authors",
                At("Location: {required: true", "required"),
                At("            Location: {schema", "Location"),
            )
        ],
        "error",
    ),
    Case(
        "optional response header removed",
        [Edit("            RateLimit-Remaining: {schema: {type: integer}}\n", "")],
        [
            Expect(
                "optional-response-header-removed",
                "POST /authors",
                At("            RateLimit-Remaining:", "RateLimit"),
                None,
            )
        ],
        "warning",
    ),
    Case(
        "response media type removed",
        [Edit('            application/xml:\n              schema: {$ref: "#/components/schemas/Author"}\n', "")],
        [
            Expect(
                "response-media-type-removed",
                "GET /authors/{author_id}",
                At("            application/xml:", "application/xml"),
                None,
            )
        ],
        "error",
    ),
    Case(
        "shared error schema changed under a $ref'd response",
        [
            Edit(
                "        title: {type: string}\n        status: {type: integer}",
                "        title: {type: string}\n        status: {type: string}",
            )
        ],
        everywhere(
            "response-property-type-changed",
            At("        status: {type: integer}", "type"),
            At("        status: {type: string}", "type"),
            ["GET /authors", "POST /authors"],
        ),
        "error",
    ),
    # --- security, roles and rate limits
    Case(
        "security added to a public operation",
        [
            Edit(
                "      operationId: getHealth\n      security: []",
                "      operationId: getHealth\n      security:\n        - bearerAuth: []",
            )
        ],
        [
            Expect(
                "api-security-added",
                "GET /health",
                At("      operationId: getHealth\n      security: []", "security"),
                At("      operationId: getHealth\n      security:", "security"),
            )
        ],
        "error",
    ),
    Case(
        "role added to an operation",
        [
            Edit(
                "      operationId: listAuthors\n      security:\n        - bearerAuth: [read]",
                "      operationId: listAuthors\n      security:\n        - bearerAuth: [read, admin]",
            )
        ],
        [
            Expect(
                "api-security-scope-added",
                "GET /authors",
                At("      operationId: listAuthors\n      security:", "security"),
                At("      operationId: listAuthors\n      security:", "security"),
            )
        ],
        "error",
    ),
    Case(
        "security scheme replaced",
        [
            Edit(
                "      operationId: listAuthors\n      security:\n        - bearerAuth: [read]",
                "      operationId: listAuthors\n      security:\n        - apiKey: []",
            ),
            Edit(
                "    bearerAuth: {type: http, scheme: bearer}",
                "    bearerAuth: {type: http, scheme: bearer}\n    apiKey: {type: apiKey, in: header, name: X-Key}",
            ),
        ],
        [
            Expect(
                "api-security-tightened",
                "GET /authors",
                At("      operationId: listAuthors\n      security:", "security"),
                At("      operationId: listAuthors\n      security:", "security"),
            )
        ],
        "error",
    ),
    Case(
        "role dropped from an operation",
        [
            Edit(
                "      operationId: listAuthors\n      security:\n        - bearerAuth: [read]",
                "      operationId: listAuthors\n      security:\n        - bearerAuth: []",
            )
        ],
        [
            Expect(
                "api-security-scope-removed",
                "GET /authors",
                At("      operationId: listAuthors\n      security:", "security"),
                At("      operationId: listAuthors\n      security:", "security"),
            )
        ],
        "info",
    ),
    Case(
        "rate-limit policy tightened for REST operations and WS messages naming it",
        [Edit("write: {limit: 120, window: 60}", "write: {limit: 60, window: 60}")],
        [
            Expect(
                "api-rate-limit-tightened",
                "POST /authors",
                At("      operationId: createAuthor\n      x-rate-limit", "x-rate-limit"),
                At("      operationId: createAuthor\n      x-rate-limit", "x-rate-limit"),
            ),
            Expect(
                "api-rate-limit-tightened",
                "DELETE /authors/{author_id}",
                At("      operationId: deleteAuthor\n      x-rate-limit", "x-rate-limit"),
                At("      operationId: deleteAuthor\n      x-rate-limit", "x-rate-limit"),
            ),
            Expect(
                "ws-rate-limit-tightened",
                "WS CREATE_AUTHOR (pkg_id 2)",
                At("    x-rate-limit: write", "x-rate-limit", A),
                At("    x-rate-limit: write", "x-rate-limit", A),
            ),
        ],
        "warning",
    ),
    Case(
        "default rate-limit policy tightened",
        [Edit("standard: {limit: 600, window: 60}", "standard: {limit: 600, window: 120}")],
        [
            *everywhere(
                "api-rate-limit-tightened",
                At("    standard: {limit", "standard"),
                At("    standard: {limit", "standard"),
                ["GET /authors", "GET /authors/{author_id}", "GET /health"],
            ),
            Expect(
                "ws-rate-limit-tightened",
                "WS GET_AUTHOR (pkg_id 1)",
                At("  getAuthor:\n    action", "getAuthor", A),
                At("  getAuthor:\n    action", "getAuthor", A),
            ),
        ],
        "warning",
    ),
    # --- OpenAPI 3.0
    Case(
        "3.0: request body became required",
        [Edit("      requestBody:\n        content:", "      requestBody:\n        required: true\n        content:")],
        [
            Expect(
                "request-body-became-required",
                "POST /pets",
                At("      requestBody:\n", "requestBody"),
                At("        required: true\n        content", "required"),
            )
        ],
        "error",
        version="3.0",
    ),
    Case(
        "3.0: nullable dropped from a request property",
        [
            Edit(
                "    NewPet:\n      type: object\n      required: [name]\n      properties:\n        name: {type: string}\n        owner: {type: string, nullable: true}",
                "    NewPet:\n      type: object\n      required: [name]\n      properties:\n        name: {type: string}\n        owner: {type: string}",
            )
        ],
        [
            Expect(
                "request-property-became-not-nullable",
                "POST /pets",
                At(
                    "    NewPet:\n      type: object\n      required: [name]\n      properties:\n"
                    "        name: {type: string}\n        owner: {type",
                    "type",
                ),
                At("        owner: {type: string}", "type"),
            )
        ],
        "error",
        version="3.0",
    ),
    Case(
        "3.0: response property became nullable",
        [
            Edit(
                "        id: {type: integer, format: int64}\n        name: {type: string}",
                "        id: {type: integer, format: int64}\n        name: {type: string, nullable: true}",
            )
        ],
        everywhere(
            "response-property-became-nullable",
            At("format: int64}\n        name: {type: string}", "type"),
            At("name: {type: string, nullable: true}", "type"),
            ["GET /pets", "POST /pets"],
        ),
        "error",
        version="3.0",
    ),
    Case(
        "3.0: response property format changed",
        [Edit("id: {type: integer, format: int64}", "id: {type: integer, format: int32}")],
        everywhere(
            "response-property-format-changed",
            At("format: int64}", "format"),
            At("format: int32}", "format"),
            ["GET /pets", "POST /pets"],
        ),
        "error",
        version="3.0",
    ),
    Case(
        "3.0: parameter maximum decreased",
        [
            Edit(
                "{type: integer, maximum: 50, exclusiveMaximum: true}",
                "{type: integer, maximum: 20, exclusiveMaximum: true}",
            )
        ],
        [
            Expect(
                "request-parameter-max-decreased",
                "GET /pets",
                At("maximum: 50", "maximum"),
                At("maximum: 20", "maximum"),
            )
        ],
        "error",
        version="3.0",
    ),
    Case(
        "3.0: global security tightened for every operation",
        [
            Edit("security:\n  - apiKey: []\n", "security:\n  - apiKey: []\n    basic: []\n"),
            Edit(
                "    apiKey: {type: apiKey, in: header, name: X-API-Key}",
                "    apiKey: {type: apiKey, in: header, name: X-API-Key}\n    basic: {type: http, scheme: basic}",
            ),
        ],
        everywhere(
            "api-security-tightened",
            At("security:\n  - apiKey", "security"),
            At("security:\n  - apiKey", "security"),
            ["GET /pets", "POST /pets"],
        ),
        "error",
        version="3.0",
    ),
    Case(
        "3.0: optional response property removed",
        [
            Edit(
                "        name: {type: string}\n        owner: {type: string, nullable: true}\n    NewPet:",
                "        name: {type: string}\n    NewPet:",
            )
        ],
        everywhere(
            "response-optional-property-removed",
            At("        owner: {type: string, nullable: true}\n    NewPet:", "owner"),
            None,
            ["GET /pets", "POST /pets"],
        ),
        "warning",
        version="3.0",
    ),
    # --- WebSocket
    Case(
        "pkg_id renumbered",
        [
            Edit(
                "    GetAuthorRequest:\n      type: object\n      required: [pkg_id, req_id, data]\n      properties:\n        pkg_id: {const: 1}",
                "    GetAuthorRequest:\n      type: object\n      required: [pkg_id, req_id, data]\n      properties:\n        pkg_id: {const: 9}",
                A,
            ),
            Edit(
                "    GetAuthorReply:\n      type: object\n      properties:\n        pkg_id: {const: 1}",
                "    GetAuthorReply:\n      type: object\n      properties:\n        pkg_id: {const: 9}",
                A,
            ),
        ],
        [
            Expect(
                "ws-pkg-id-changed",
                "WS GET_AUTHOR (pkg_id 9)",
                At("data]\n      properties:\n        pkg_id: {const: 1}", "const", A),
                At("data]\n      properties:\n        pkg_id: {const: 9}", "const", A),
            )
        ],
        "error",
    ),
    Case(
        "message removed",
        [
            Edit(
                '  getAuthor:\n    action: receive\n    channel: {$ref: "#/channels/web"}\n    x-roles: [read]\n'
                '    messages: [{$ref: "#/channels/web/messages/getAuthorRequest"}]\n    reply:\n      channel: {$ref: "#/channels/web"}\n'
                '      messages:\n        - $ref: "#/channels/web/messages/getAuthorReply"\n        - $ref: "#/channels/web/messages/errorReply"\n',
                "",
                A,
            )
        ],
        [
            Expect(
                "ws-message-removed", "WS GET_AUTHOR (pkg_id 1)", At("  getAuthor:\n    action", "getAuthor", A), None
            )
        ],
        "error",
    ),
    Case(
        "event removed",
        [
            Edit(
                '  authorCreated:\n    action: send\n    channel: {$ref: "#/channels/web"}\n    x-roles: [read]\n'
                '    messages: [{$ref: "#/channels/web/messages/authorCreated"}]\n',
                "",
                A,
            )
        ],
        [
            Expect(
                "ws-event-removed",
                "WS event AUTHOR_CREATED (pkg_id 3)",
                At("  authorCreated:\n    action", "authorCreated", A),
                None,
            )
        ],
        "error",
    ),
    Case(
        "operation renamed with its pkg_id kept is the same message",
        [Edit("  getAuthor:\n    action: receive", "  fetchAuthor:\n    action: receive", A)],
        [],
        "info",
    ),
    Case(
        "message added",
        [
            Edit(
                "  authorCreated:\n    action: send",
                '  deleteAuthor:\n    action: receive\n    channel: {$ref: "#/channels/web"}\n'
                '    x-roles: [write]\n    messages: [{$ref: "#/channels/web/messages/getAuthorRequest"}]\n  authorCreated:\n    action: send',
                A,
            )
        ],
        [],
        "info",
        extra=["ws-pkg-id-changed"],
    ),
    Case(
        "role added to a message",
        [
            Edit(
                "    x-rate-limit: write\n    x-roles: [write]",
                "    x-rate-limit: write\n    x-roles: [write, admin]",
                A,
            )
        ],
        [
            Expect(
                "ws-message-role-added",
                "WS CREATE_AUTHOR (pkg_id 2)",
                At("    x-roles: [write]", "x-roles", A),
                At("    x-roles: [write, admin]", "x-roles", A),
            )
        ],
        "error",
    ),
    Case(
        "role added to an event",
        [
            Edit(
                '    action: send\n    channel: {$ref: "#/channels/web"}\n    x-roles: [read]',
                '    action: send\n    channel: {$ref: "#/channels/web"}\n    x-roles: [read, admin]',
                A,
            )
        ],
        [
            Expect(
                "ws-event-role-added",
                "WS event AUTHOR_CREATED (pkg_id 3)",
                At('    action: send\n    channel: {$ref: "#/channels/web"}\n    x-roles', "x-roles", A),
                At('    action: send\n    channel: {$ref: "#/channels/web"}\n    x-roles', "x-roles", A),
            )
        ],
        "error",
    ),
    Case(
        "status code removed",
        [
            Edit(
                "      enum: [0, 1, 2, 3]\n      x-enum-varnames: [OK, ERROR, INVALID_DATA, PERMISSION_DENIED]",
                "      enum: [0, 1, 2]\n      x-enum-varnames: [OK, ERROR, INVALID_DATA]",
                A,
            )
        ],
        [Expect("ws-status-code-removed", "WS status codes", At("enum: [0, 1, 2, 3]", "3", A), None)],
        "error",
    ),
    Case(
        "status code given another meaning",
        [
            Edit(
                "x-enum-varnames: [OK, ERROR, INVALID_DATA, PERMISSION_DENIED]",
                "x-enum-varnames: [OK, ERROR, INVALID_DATA, FORBIDDEN]",
                A,
            )
        ],
        [
            Expect(
                "ws-status-code-meaning-changed",
                "WS status codes",
                At("enum: [0, 1, 2, 3]", "3", A),
                At("enum: [0, 1, 2, 3]", "3", A),
            )
        ],
        "error",
    ),
    Case(
        "close code removed",
        [Edit('      "4001": {name: TOKEN_EXPIRED, description: The token expired.}\n', "", A)],
        [Expect("ws-close-code-removed", "WS close codes", At('"4001": {name', '"4001"', A), None)],
        "error",
    ),
    Case(
        "close code given another meaning",
        [Edit('"1008": {name: POLICY_VIOLATION', '"1008": {name: UNAUTHORIZED', A)],
        [
            Expect(
                "ws-close-code-meaning-changed",
                "WS close codes",
                At('"1008": {name', '"1008"', A),
                At('"1008": {name', '"1008"', A),
            )
        ],
        "error",
    ),
    Case(
        "connection limit lowered",
        [Edit("x-max-connections-per-user: 5", "x-max-connections-per-user: 3", A)],
        [
            Expect(
                "ws-max-connections-lowered",
                "WS channel web",
                At("x-max-connections-per-user: 5", "x-max", A),
                At("x-max-connections-per-user: 3", "x-max", A),
            )
        ],
        "warning",
    ),
    Case(
        "required field added to a message's data",
        [
            Edit(
                "    AuthorRef:\n      type: object\n      required: [id]\n      properties:\n        id: {type: integer, minimum: 1}",
                "    AuthorRef:\n      type: object\n      required: [id, shelf]\n      properties:\n        id: {type: integer, minimum: 1}\n        shelf: {type: string}",
                A,
            )
        ],
        [
            Expect(
                "new-required-request-property",
                "WS GET_AUTHOR (pkg_id 1)",
                None,
                At("        shelf: {type: string}", "shelf", A),
            )
        ],
        "error",
    ),
    Case(
        "message data narrowed",
        [Edit("id: {type: integer, minimum: 1}", "id: {type: integer, minimum: 5}", A)],
        [
            Expect(
                "request-property-min-increased",
                "WS GET_AUTHOR (pkg_id 1)",
                At("id: {type: integer, minimum: 1}", "minimum", A),
                At("id: {type: integer, minimum: 5}", "minimum", A),
            )
        ],
        "error",
    ),
    Case(
        "safe additions only",
        [
            Edit(
                AUTHOR + "      required: [id, name]\n      properties:\n",
                AUTHOR + "      required: [id, name]\n      properties:\n        country: {type: string}\n",
            ),
            Edit(
                "  /health:\n",
                '  /books:\n    get:\n      operationId: listBooks\n      security: []\n      responses:\n        "200": {description: Books.}\n  /health:\n',
            ),
            Edit(
                "enum: [0, 1, 2, 3]\n      x-enum-varnames: [OK, ERROR, INVALID_DATA, PERMISSION_DENIED]",
                "enum: [0, 1, 2, 3, 4]\n      x-enum-varnames: [OK, ERROR, INVALID_DATA, PERMISSION_DENIED, NOT_FOUND]",
                A,
            ),
        ],
        [
            *everywhere(
                "response-optional-property-added",
                None,
                At("        country: {type: string}", "country"),
                RESPONSE_SUBJECTS + WS_RESPONSE_SUBJECTS,
            ),
            Expect("endpoint-added", "GET /books", None, At("  /books:\n    get:", "get")),
            Expect("ws-status-code-added", "WS status codes", None, At("enum: [0, 1, 2, 3, 4]", "4", A)),
        ],
        "info",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_edit_is_classified_and_located(tmp_path: Path, case: Case) -> None:
    changes = run(tmp_path, case.version, case.edits, case.base_edits)
    for expect in case.expect:
        found = [c for c in changes if c.rule_id == expect.rule and c.subject == expect.subject]
        assert found, f"no {expect.rule} for {expect.subject}; got {[(c.rule_id, c.subject) for c in changes]}"
        for change in found:
            old = None if expect.old is None else f"{BASE}:{position(tmp_path / 'old', expect.old)}"
            new = None if expect.new is None else position(tmp_path / "new", expect.new)
            assert (str(change.old) if change.old else None, str(change.new) if change.new else None) == (old, new), (
                change
            )
    expected_rules = {expect.rule for expect in case.expect}
    severities = [RULES[rule].severity.value for rule in expected_rules]
    assert case.severity == min(severities, key=["error", "warning", "info"].index, default="info")
    alarms = {
        (change.rule_id, change.subject)
        for change in changes
        if change.severity.value != "info" and change.rule_id not in expected_rules | set(case.extra)
    }
    assert not alarms, f"unexpected: {sorted(alarms)}"
    unexpected_subjects = {
        (c.rule_id, c.subject) for c in changes if c.rule_id in expected_rules and c.severity.value != "info"
    } - {(e.rule, e.subject) for e in case.expect}
    assert not unexpected_subjects, f"reported under operations the edit does not touch: {sorted(unexpected_subjects)}"


def test_identical_specs_have_no_change(tmp_path: Path) -> None:
    assert run(tmp_path, "3.1", []) == []


def test_identical_openapi_30_specs_have_no_change(tmp_path: Path) -> None:
    assert run(tmp_path, "3.0", []) == []


def test_there_are_enough_rows() -> None:
    assert len(CASES) >= 40
