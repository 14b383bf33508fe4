"""Located errors: each kind of mistake in a spec is reported as `file:line:col: message`, and nothing is written.

Every test edits a copy of this repository's specs, then computes where the error must point from the edited
text (the line holding a marker, the column of a token in it), so no expected position is a bare number.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.codegen.support import SpecCopy, copy_repo, run_codegen, snapshot


@pytest.fixture
def specs(tmp_path: Path) -> SpecCopy:
    return SpecCopy.of_repository(tmp_path)


# --- Reading the files ------------------------------------------------------------------------------------------


def test_yaml_syntax_error_points_at_the_offending_character(specs: SpecCopy) -> None:
    specs.edit("openapi", "summary: Liveness\n", "summary: Liveness: alive\n")

    where = specs.where("openapi", "summary: Liveness: alive", ": alive")
    assert specs.problems() == [f"{where}: YAML syntax: mapping values are not allowed in this context"]


def test_unquoted_date_is_rejected_where_yaml_would_silently_make_it_a_date(specs: SpecCopy) -> None:
    specs.edit("openapi", '  version: "0.1.0"', "  version: 2026-01-31")

    where = specs.where("openapi", "version: 2026-01-31", "version")
    assert specs.problems() == [f"{where}: 2026-01-31 is read by YAML as a date, not a string; quote it"]


def test_a_duplicate_key_is_located_where_yaml_would_silently_keep_the_last(specs: SpecCopy) -> None:
    specs.edit("openapi", "      summary: Liveness\n", "      summary: Liveness\n      summary: Alive  # again\n")

    again = specs.where("openapi", "summary: Alive  # again", "summary")
    first = specs.where("openapi", "summary: Liveness", "summary")
    assert specs.problems() == [f"{again}: duplicate key 'summary' (first at {first})"]


def test_a_bare_yes_is_rejected_where_yaml_would_silently_make_it_a_boolean(specs: SpecCopy) -> None:
    specs.edit("openapi", "summary: Liveness\n", "summary: yes\n")

    where = specs.where("openapi", "summary: yes", "summary")
    assert specs.problems() == [f"{where}: yes is read by YAML as a boolean, not a string; quote it"]


def test_unresolved_ref_is_located_and_suggests_the_closest_name(specs: SpecCopy) -> None:
    specs.edit("openapi", '"#/components/schemas/Readiness"', '"#/components/schemas/Readyness"')

    where = specs.where("openapi", "Readyness", "$ref")
    assert specs.problems() == [
        f"{where}: unresolved $ref '#/components/schemas/Readyness': nothing named 'Readyness' there"
        " (did you mean 'Readiness'?)"
    ]


# --- Names: operationIds, pkg_ids, tags -------------------------------------------------------------------------


def test_duplicate_operation_id_names_where_it_was_first_used(specs: SpecCopy) -> None:
    specs.edit("openapi", "operationId: getReadiness", "operationId: getHealth  # the duplicate")

    duplicate = specs.where("openapi", "# the duplicate", "operationId")
    first = specs.where("openapi", "operationId: getHealth", "operationId")
    assert specs.problems() == [f"{duplicate}: duplicate operationId 'getHealth' (first at {first})"]


def test_duplicate_pkg_id_names_where_it_was_first_used(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "pkg_id: {const: 2}", "pkg_id: {const: 1}  # the duplicate")

    duplicate = specs.where("asyncapi", "# the duplicate", "const")
    first = specs.where("asyncapi", "pkg_id: {const: 1}", "const")  # GetAuthorsRequest, the first payload
    assert specs.problems() == [f"{duplicate}: duplicate pkg_id 1 (first at {first})"]


def test_operation_without_operation_id_is_rejected(specs: SpecCopy) -> None:
    specs.edit("openapi", "      operationId: getReadiness\n", "")

    where = specs.where("openapi", "get:", after="  /ready:")
    assert specs.problems() == [f"{where}: operation has no operationId; codegen names its handler method after it"]


def test_operation_without_tag_is_rejected(specs: SpecCopy) -> None:
    specs.edit("openapi", "      tags: [system]\n      summary: Readiness\n", "      summary: Readiness\n")

    where = specs.where("openapi", "get:", after="  /ready:")
    assert specs.problems() == [f"{where}: operation has no tag; the tag names the handler class that implements it"]


def test_operation_with_two_tags_is_rejected(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        "tags: [system]\n      summary: Readiness",
        "tags: [system, books]\n      summary: Readiness",
    )

    where = specs.where("openapi", "tags: [system, books]", "tags")
    assert specs.problems() == [
        f"{where}: operation has 2 tags; give it exactly one, the handler class that implements it"
    ]


# --- Roles ------------------------------------------------------------------------------------------------------


def test_unknown_role_in_openapi_security_is_rejected_with_the_catalogue(specs: SpecCopy) -> None:
    specs.edit("openapi", "bearerAuth: [get-books]", "bearerAuth: [get-bokks]")

    where = specs.where("openapi", "get-bokks")
    assert specs.problems() == [f"{where}: unknown role 'get-bokks': the catalogue (x-roles) has {specs.roles()}"]


def test_unknown_role_in_asyncapi_x_roles_is_rejected_with_the_catalogue(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "x-roles: [delete-author]", "x-roles: [delete-authors]")

    where = specs.where("asyncapi", "delete-authors")
    assert specs.problems() == [
        f"{where}: unknown role 'delete-authors': the catalogue (x-roles in the OpenAPI document) has {specs.roles()}"
    ]


def test_asyncapi_operation_without_x_roles_is_rejected(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "    x-roles: [update-author]\n", "")

    where = specs.where("asyncapi", "updateAuthor:", after="operations:")
    assert specs.problems() == [
        f"{where}: operation has no `x-roles`: list the roles it needs (`[]` for any authenticated caller)"
    ]


def test_a_role_catalogue_that_is_not_a_mapping_is_rejected(specs: SpecCopy) -> None:
    # Without `x-roles` the catalogue is what the document names (tests/codegen/test_security_schemes.py).
    text = specs.text("openapi")
    specs.path("openapi").write_text(
        re.sub(r"^x-roles:\n(?:  .*\n)+", "x-roles: [get-authors]\n", text, flags=re.MULTILINE), "utf-8"
    )

    where = specs.where("openapi", "x-roles: [get-authors]", "x-roles")
    assert specs.problems()[0] == f"{where}: `x-roles` must map each role name to its description"


# --- Rate limits --------------------------------------------------------------------------------------------------


def test_unknown_rate_limit_policy_on_an_operation_is_rejected_with_the_catalogue(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        "      operationId: createAuthor\n      x-rate-limit: write",
        "      operationId: createAuthor\n      x-rate-limit: writes",
    )

    where = specs.where("openapi", "x-rate-limit: writes")
    assert specs.problems() == [
        f"{where}: unknown rate-limit policy 'writes': x-rate-limits has standard, write, login, unlimited"
    ]


def test_unknown_rate_limit_policy_on_a_message_is_rejected(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "x-rate-limit: write", "x-rate-limit: burst")

    where = specs.where("asyncapi", "x-rate-limit: burst")
    assert specs.problems() == [
        f"{where}: unknown rate-limit policy 'burst': x-rate-limits has standard, write, login, unlimited"
    ]


def test_an_event_with_a_rate_limit_is_rejected(specs: SpecCopy) -> None:
    specs.edit(
        "asyncapi",
        "  authorCreated:\n    action: send\n",
        "  authorCreated:\n    action: send\n    x-rate-limit: write\n",
    )

    where = specs.where("asyncapi", "x-rate-limit: write", after="    action: send")
    assert specs.problems() == [f"{where}: an event is sent by the server: it has no rate limit"]


def test_a_default_policy_that_is_not_in_the_catalogue_is_rejected(specs: SpecCopy) -> None:
    specs.edit("openapi", "  default: standard\n", "  default: normal\n")

    where = specs.where("openapi", "default: normal")
    assert specs.problems() == [
        f"{where}: the default rate-limit policy 'normal' is not among the policies (standard, write, login)"
    ]


@pytest.mark.parametrize(
    ("policy", "located_at", "message"),
    [
        ("{limit: 0, window: 60}", "login", "policy 'login' needs `limit`: a whole number of requests, at least 1"),
        ("{limit: 10, window: -1}", "login", "policy 'login' needs `window`: a number of seconds greater than 0"),
        ("{limit: 10, window: 60, per: 60}", "per", "`per` in a rate-limit policy is not supported (limit, window)"),
    ],
)
def test_a_policy_without_a_sensible_limit_and_window_is_rejected(
    specs: SpecCopy, policy: str, located_at: str, message: str
) -> None:
    specs.edit("openapi", "    login: {limit: 10, window: 60, ", "    login: " + policy[:-1] + ", ")

    where = specs.where("openapi", "    login: {", located_at)
    assert specs.problems() == [f"{where}: {message}"]


def test_a_rate_limited_operation_must_declare_429(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        '        "429": {$ref: "#/components/responses/TooManyRequests"}\n        "500"',
        '        "500"',
    )

    where = specs.where("openapi", "responses:", after="operationId: createToken")
    assert specs.problems() == [
        f"{where}: operation is rate limited (policy 'login'): it must declare a 429 response (over its budget)"
    ]


def test_a_rate_limited_operation_must_declare_the_budget_headers(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        '            RateLimit-Remaining: {$ref: "#/components/headers/RateLimitRemaining"}\n',
        "",
    )

    where = specs.where("openapi", "responses:", after="operationId: createToken")
    assert specs.problems() == [
        f"{where}: operation is rate limited (policy 'login'): its success response must declare the headers "
        "RateLimit-Remaining"
    ]


def test_a_connection_limit_that_is_not_a_positive_number_is_rejected(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "x-max-connections-per-user: 5", "x-max-connections-per-user: 0")

    where = specs.where("asyncapi", "x-max-connections-per-user: 0")
    assert specs.problems() == [f"{where}: `x-max-connections-per-user` must be a whole number, at least 1"]


# --- Constructs codegen does not render -------------------------------------------------------------------------


def test_header_parameter_is_unsupported(specs: SpecCopy) -> None:
    specs.edit("openapi", "        - name: name\n          in: query\n", "        - name: name\n          in: header\n")

    where = specs.where("openapi", "in: header", "in")
    assert specs.problems() == [f"{where}: parameters `in: header` are not supported by codegen"]


def test_callbacks_are_unsupported(specs: SpecCopy) -> None:
    specs.edit("openapi", "operationId: getReadiness\n", "operationId: getReadiness\n      callbacks: {}\n")

    where = specs.where("openapi", "callbacks: {}", "callbacks")
    assert specs.problems() == [f"{where}: `callbacks` in an operation is not supported by codegen"]


def test_default_response_is_unsupported(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        '"503": {$ref: "#/components/responses/NotReady"}',
        'default: {$ref: "#/components/responses/NotReady"}',
    )

    where = specs.where("openapi", "default: {$ref", "default")
    assert specs.problems() == [
        f"{where}: response 'default': declare each status code explicitly (no ranges, no default)"
    ]


def test_request_body_that_is_not_json_is_unsupported(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        '          application/json:\n            schema: {$ref: "#/components/schemas/AuthorCreate"}',
        '          application/x-www-form-urlencoded:\n            schema: {$ref: "#/components/schemas/AuthorCreate"}',
    )

    where = specs.where("openapi", "content:", after="operationId: createAuthor")
    assert specs.problems() == [
        f"{where}: request body must have exactly one media type, application/json"
        " (found application/x-www-form-urlencoded)"
    ]


# --- House rules: every response a client can get is in the spec ------------------------------------------------


def test_secured_operation_without_401_is_rejected(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        'RateLimitReset"}\n        "401": {$ref: "#/components/responses/Unauthorized"}\n'
        '        "403": {$ref: "#/components/responses/Forbidden"}\n        "404": {$ref: "#/components/responses/NotFound"}\n'
        '        "422"',
        'RateLimitReset"}\n        "403": {$ref: "#/components/responses/Forbidden"}\n'
        '        "404": {$ref: "#/components/responses/NotFound"}\n        "422"',
    )

    where = specs.where("openapi", "responses:", after="summary: Delete a book")
    assert specs.problems() == [f"{where}: operation must declare a 401 response: it is secured"]


def test_error_response_that_is_not_problem_json_is_rejected(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        '        "503": {$ref: "#/components/responses/NotReady"}\n',
        '        "503":\n'
        "          description: Not ready.\n"
        "          content:\n"
        "            text/plain:\n"
        "              schema: {type: string}\n",
    )

    where = specs.where("openapi", "content:", after="description: Not ready.")
    assert specs.problems() == [
        f"{where}: error response 503 must have exactly one media type, application/problem+json (found text/plain)"
    ]


def test_location_header_without_a_link_to_derive_it_from_is_rejected(specs: SpecCopy) -> None:
    specs.edit("openapi", '{book_id: "$response.body#/id"}', '{book_id: "$response.body#/identifier"}', count=-1)

    where = specs.where("openapi", "Location:", after="operationId: createBook")
    assert specs.problems() == [
        f"{where}: a Location header needs a link to the GET operation of the created resource, with every path"
        " parameter taken from a required field of the body (`author_id: $response.body#/id`)"
    ]


def test_location_header_is_not_blamed_when_the_linked_operation_has_its_own_problem(specs: SpecCopy) -> None:
    # getBook, the target of createBook's Location link, is rejected for its unknown role: one problem, not two.
    specs.edit(
        "openapi",
        "      operationId: getBook\n      tags: [books]\n      summary: Get a book\n      security:\n"
        "        - bearerAuth: [get-books]",
        "      operationId: getBook\n      tags: [books]\n      summary: Get a book\n      security:\n"
        "        - bearerAuth: [get-bokks]",
    )

    where = specs.where("openapi", "get-bokks")
    assert specs.problems() == [f"{where}: unknown role 'get-bokks': the catalogue (x-roles) has {specs.roles()}"]


# --- AsyncAPI structure -----------------------------------------------------------------------------------------


def test_asyncapi_structural_error_is_located(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "action: send", "action: recv")

    where = specs.where("asyncapi", "action: recv", "action")
    assert specs.problems() == [f"{where}: 'recv' is not one of ['send', 'receive']"]


# --- All at once ------------------------------------------------------------------------------------------------


def test_mistakes_in_both_files_are_all_reported_in_one_run_in_file_order(specs: SpecCopy) -> None:
    specs.edit("openapi", "bearerAuth: [get-books]", "bearerAuth: [get-bokks]")
    specs.edit("asyncapi", "pkg_id: {const: 2}", "pkg_id: {const: 1}  # the duplicate")
    specs.edit("asyncapi", "    x-roles: [update-author]\n", "")

    assert specs.problems() == [
        f"{specs.where('asyncapi', 'updateAuthor:', after='operations:')}: operation has no `x-roles`: list the"
        " roles it needs (`[]` for any authenticated caller)",
        f"{specs.where('asyncapi', '# the duplicate', 'const')}: duplicate pkg_id 1"
        f" (first at {specs.where('asyncapi', 'pkg_id: {const: 1}', 'const')})",
        f"{specs.where('openapi', 'get-bokks')}: unknown role 'get-bokks': the catalogue (x-roles) has {specs.roles()}",
    ]


def test_syntax_errors_in_both_files_are_reported_together(specs: SpecCopy) -> None:
    specs.edit("openapi", "summary: Liveness\n", "summary: Liveness: alive\n")
    specs.edit("asyncapi", "title: The package channel\n", "title: The package: channel\n")

    assert specs.problems() == [
        f"{specs.where('asyncapi', 'package: channel', ': channel')}: YAML syntax: mapping values are not allowed in this context",
        f"{specs.where('openapi', 'Liveness: alive', ': alive')}: YAML syntax: mapping values are not allowed in this context",
    ]


def test_generate_command_on_broken_specs_prints_located_errors_and_leaves_generated_untouched(
    tmp_path: Path,
) -> None:
    specs = SpecCopy(copy_repo(tmp_path, "spec", "generated"))
    specs.edit("openapi", "bearerAuth: [get-books]", "bearerAuth: [get-bokks]")
    specs.edit("asyncapi", "action: send", "action: recv")
    before = snapshot(specs.config.output)

    result = run_codegen(specs.config.root, "generate")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{specs.where('asyncapi', 'action: recv', 'action')}: 'recv' is not one of ['send', 'receive']",
        f"{specs.where('openapi', 'get-bokks')}: unknown role 'get-bokks': the catalogue (x-roles) has {specs.roles()}",
        "codegen: 2 problems in the specs; nothing was written",
    ]
    assert "Traceback" not in result.stderr
    assert snapshot(specs.config.output) == before
    assert not (specs.config.root / ".generated.staging").exists()


def test_a_ref_into_a_file_that_does_not_parse_is_located_at_the_ref(specs: SpecCopy) -> None:
    """A broken third file reached through an external $ref is one located problem, not an escape."""
    (specs.config.root / "spec" / "broken.yaml").write_text("schemas: {Thing: [unclosed\n")
    specs.edit(
        "asyncapi", 'data: {$ref: "#/components/schemas/AuthorFilters"}', 'data: {$ref: "./broken.yaml#/schemas/Thing"}'
    )

    where = specs.where("asyncapi", "broken.yaml#", "$ref")
    [problem] = specs.problems()
    assert problem.startswith(f"{where}: $ref './broken.yaml#/schemas/Thing': spec/broken.yaml does not parse (")


# --- Names that would collide or break once they are Python -----------------------------------------------------


def test_operation_ids_that_become_the_same_python_name_are_rejected(specs: SpecCopy) -> None:
    specs.edit("openapi", "operationId: getReadiness", "operationId: getHEALTH")

    first = specs.where("openapi", "operationId: getHealth", "operationId")
    second = specs.where("openapi", "operationId: getHEALTH", "operationId")
    assert specs.problems() == [
        f"{second}: operationId 'getHEALTH' and 'getHealth' (at {first}) both become 'get_health' in Python; rename one"
    ]


def test_asyncapi_operations_that_become_the_same_python_name_are_rejected(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "  getAuthor:\n    action: receive", "  getAUTHORS:\n    action: receive")

    first = specs.where("asyncapi", "  getAuthors:", "getAuthors")
    second = specs.where("asyncapi", "  getAUTHORS:", "getAUTHORS")
    assert specs.problems() == [
        f"{second}: operation 'getAUTHORS' and 'getAuthors' (at {first}) both become 'get_authors' in Python; rename one"
    ]


@pytest.mark.parametrize("tag", ["models", "operations", "protocol", "class"])
def test_a_tag_that_would_shadow_a_generated_module_or_a_keyword_is_rejected(specs: SpecCopy, tag: str) -> None:
    specs.edit(
        "openapi", "      tags: [system]\n      summary: Liveness", f"      tags: [{tag}]\n      summary: Liveness"
    )
    specs.edit("openapi", "  - name: system\n", f"  - name: {tag}\n  - name: system\n")

    where = specs.where("openapi", f"tags: [{tag}]", tag)
    assert f"{where}: tag {tag!r} cannot name a module" in " | ".join(specs.problems())


def test_a_parameter_type_given_as_a_list_is_located_not_a_crash(specs: SpecCopy) -> None:
    specs.edit(
        "openapi",
        "schema: {type: integer, minimum: 1, maximum: 100, default: 20}",
        'schema: {type: [integer, "null"], minimum: 1, maximum: 100, default: 20}',
    )

    where = specs.where("openapi", '[integer, "null"]', "type")
    assert specs.problems() == [
        f"{where}: parameter 'per_page': type ['integer', 'null'] is not supported (use integer, number, string or boolean)"
    ]


def test_a_role_that_is_not_a_name_is_located_not_a_crash(specs: SpecCopy) -> None:
    specs.edit("asyncapi", "x-roles: [delete-author]", "x-roles: [{delete-author: x}]")

    where = specs.where("asyncapi", "{delete-author: x}", "{")
    assert specs.problems() == [f"{where}: a role is a name (a string), not {{'delete-author': 'x'}}"]


# --- Schema keywords the generated models would not enforce -------------------------------------------------------


@pytest.mark.parametrize("keyword", ["uniqueItems: true", "minProperties: 1", "not: {const: 0}", "readOnly: true"])
def test_a_schema_keyword_the_models_would_ignore_is_rejected(specs: SpecCopy, keyword: str) -> None:
    specs.edit(
        "openapi",
        "    AuthorUpdate:\n      type: object\n",
        f"    AuthorUpdate:\n      type: object\n      {keyword}\n",
    )

    name = keyword.split(":")[0]
    where = specs.where("openapi", f"      {keyword}", name, after="    AuthorUpdate:")
    assert specs.problems() == [
        f"{where}: `{name}` is not enforced by the generated models, so the service would not keep to it; "
        "express the rule with supported keywords, or in a separate named schema"
    ]


def test_a_constraint_beside_a_wrapping_allof_is_rejected(specs: SpecCopy) -> None:
    specs.edit(
        "asyncapi",
        "          type: integer\n          description: A StatusCode other than 0 (OK).\n",
        '          allOf: [{$ref: "#/components/schemas/StatusCode"}]\n          description: A StatusCode other than 0 (OK).\n',
    )

    problems = specs.problems()
    assert len(problems) == 2
    assert all("beside a one-schema allOf is dropped by the model generator" in problem for problem in problems)


def test_an_unquoted_status_code_is_rejected_as_openapi_requires(specs: SpecCopy) -> None:
    """OpenAPI: status codes MUST be quoted ("200"), for JSON and YAML agree only on string keys."""
    specs.edit(
        "openapi",
        '        "200":\n          description: The process is alive.',
        "        200:\n          description: The process is alive.",
    )

    where = specs.where("openapi", "        200:", "200")
    assert specs.problems() == [f"{where}: mapping key 200 must be a string; quote it"]
