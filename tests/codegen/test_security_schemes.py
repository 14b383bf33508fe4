"""Security schemes in codegen: the catalogue of roles without `x-roles`, scope names that are not Python
names, and the schemes codegen cannot serve reported where they are declared."""

from __future__ import annotations

from pathlib import Path

from codegen.pipeline import generate
from tests.codegen.support import SpecCopy, minimal_root

OAUTH2 = """  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes:
            "notes:export": Export notes.
            "https://example.com/scopes/audit": Read the audit log.
    bearerAuth:
"""


def _minimal(tmp_path: Path) -> SpecCopy:
    return SpecCopy(minimal_root(tmp_path))


def test_without_x_roles_the_catalogue_is_every_scope_and_role_the_document_names(tmp_path: Path) -> None:
    specs = _minimal(tmp_path)
    text = specs.text("openapi")
    catalogue = text[text.index("x-roles:") : text.index("\n\n", text.index("x-roles:")) + 1]
    specs.edit("openapi", catalogue, "")
    specs.edit("openapi", "  securitySchemes:\n    bearerAuth:\n", OAUTH2)

    generate(specs.config)

    permissions = (specs.config.output / "permissions.py").read_text()
    members = [line.strip() for line in permissions.splitlines() if line.startswith("    ") and ' = "' in line]
    assert members == [
        'NOTES_EXPORT = "notes:export"',
        'HTTPS_EXAMPLE_COM_SCOPES_AUDIT = "https://example.com/scopes/audit"',
        'READ_NOTES = "read-notes"',
        'ADMIN = "admin"',
        'WRITE_NOTES = "write-notes"',
    ]
    assert '"""Export notes."""' in permissions


def test_a_scheme_codegen_cannot_serve_is_located_where_it_is_declared(tmp_path: Path) -> None:
    specs = _minimal(tmp_path)
    specs.edit(
        "openapi",
        "    bearerAuth:\n      type: http\n      scheme: bearer\n",
        "    bearerAuth:\n      type: http\n      scheme: digest\n",
    )

    where = specs.where("openapi", "    bearerAuth:", "bearerAuth", after="securitySchemes:")
    assert specs.problems() == [
        f"{where}: security scheme 'bearerAuth': codegen serves `http` (bearer or basic), `apiKey`, `oauth2` and "
        "`openIdConnect` schemes"
    ]


def test_an_empty_catalogue_is_an_error(tmp_path: Path) -> None:
    specs = _minimal(tmp_path)
    text = specs.text("openapi")
    catalogue = text[text.index("x-roles:") : text.index("\n\n", text.index("x-roles:")) + 1]
    specs.edit("openapi", catalogue, "x-roles: {}\n")

    where = specs.where("openapi", "x-roles: {}", "x-roles")
    assert f"{where}: `x-roles` must map each role name to its description" in specs.problems()
