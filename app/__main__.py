"""`python -m app serve|handlers|migrate|create-user|token`: run the service, show how every operation and
pkg_id is bound, migrate the database, add a user who logs in with a password, or print an access token
(development only: for fuzzing and trying the API without a login)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from pydantic import ValidationError

from app.handlers import handler_classes
from app.settings import Settings
from generated.permissions import Role
from generated.registry import UnboundHandlersError, inspect_bindings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    commands.add_parser("handlers", help="a table of every operation and pkg_id: roles, handler, state")
    commands.add_parser("migrate", help="apply the database migrations (DATABASE_URL)")
    create = commands.add_parser("create-user", help="add a user who logs in with a password")
    create.add_argument("--username", required=True)
    create.add_argument("--password", help="at least 8 characters (asked for when omitted)")
    create.add_argument(
        "--role",
        dest="roles",
        action="append",
        default=[],
        metavar="ROLE",
        help=f"repeatable; one of {', '.join(Role)}",
    )
    token = commands.add_parser(
        "token",
        help="print an access token signed with this service's key (refused when ENVIRONMENT=production)",
    )
    token_roles = token.add_mutually_exclusive_group(required=True)
    token_roles.add_argument(
        "--role", dest="roles", action="append", metavar="ROLE", help=f"repeatable; one of {', '.join(Role)}"
    )
    token_roles.add_argument("--all-roles", action="store_true", help="every role of the catalogue")
    token.add_argument(
        "--ttl", type=int, default=3600, help=f"seconds the token lives (1 to {MAX_TOKEN_TTL}; default 3600)"
    )
    token.add_argument("--subject", default="developer", help="the token's `sub` and username (default developer)")
    args = parser.parse_args(argv)
    if args.command == "handlers":
        print(handlers_table())
        return 0
    if args.command == "migrate":
        return _migrate()
    if args.command == "create-user":
        password = args.password if args.password is not None else _ask_password()
        return asyncio.run(_create_user(args.username, password, args.roles))
    if args.command == "token":
        roles = list(Role) if args.all_roles else args.roles
        return _print_token(roles, ttl=args.ttl, subject=args.subject)
    return _serve(args.host, args.port)


MAX_TOKEN_TTL = 86_400


def _print_token(roles: list[str], *, ttl: int, subject: str) -> int:
    from app.services import signing_key, token_issuer

    unknown = sorted(set(roles) - set(Role))
    if unknown:
        print(f"unknown role {', '.join(unknown)}: the catalogue is {', '.join(Role)}", file=sys.stderr)
        return 2
    if not 1 <= ttl <= MAX_TOKEN_TTL:
        print(f"--ttl must be between 1 and {MAX_TOKEN_TTL} seconds", file=sys.stderr)
        return 2
    try:
        settings = Settings()
        if settings.environment == "production":
            print(
                "refused: ENVIRONMENT=production; tokens there come from the login or your identity provider",
                file=sys.stderr,
            )
            return 2
        issuer = token_issuer(settings, signing_key(settings), access_ttl=ttl)
    except ValidationError as exc:
        _print_invalid_settings(exc)
        return 2
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(issuer.access_token(subject=subject, username=subject, roles=sorted(set(roles))).token)
    return 0


def _ask_password() -> str:
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise SystemExit("the two passwords differ")
    return password


async def _create_user(username: str, password: str, roles: list[str]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from app.auth.accounts import register
    from app.auth.passwords import Passwords
    from app.db.database import Database
    from app.errors import Conflict

    database = Database(Settings().database_url)
    try:
        async with database.session() as session:
            user = await register(session, Passwords(), username=username, password=password, roles=roles)
    except (ValueError, Conflict) as exc:
        print(f"cannot create the user: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"the database is not ready ({type(exc).__name__}); run `make migrate` first", file=sys.stderr)
        return 2
    finally:
        await database.dispose()
    print(f"created user {user.username!r} (subject {user.id}) with roles: {', '.join(user.roles) or 'none'}")
    return 0


def _migrate() -> int:
    from alembic import command
    from alembic.config import Config

    from app.settings import ROOT, DatabaseSettings

    try:
        url = DatabaseSettings().database_url
    except ValidationError as exc:
        _print_invalid_settings(exc)
        return 2
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")
    return 0


def _print_invalid_settings(exc: ValidationError) -> None:
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]).upper()
        print(
            f"invalid setting {name}: {error['msg']}" if name else f"invalid settings: {error['msg']}", file=sys.stderr
        )


def _serve(host: str, port: int) -> int:
    from app.logs import configure_logging
    from app.main import create_app
    from app.server import serve

    try:
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
        app = create_app(settings)
    except ValidationError as exc:
        _print_invalid_settings(exc)
        return 2
    except (UnboundHandlersError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    serve(app, host=host, port=port)
    return 0


def handlers_table() -> str:
    rows = [("KIND", "SERVES", "ROLES", "HANDLER", "STATE")]
    for binding in inspect_bindings(handler_classes()):
        implementation = binding.implementation
        for method in binding.interface.methods:
            handler = (
                f"{implementation.__module__}.{implementation.__qualname__}.{method.name}" if implementation else "-"
            )
            state = "implemented"
            if method in binding.missing:
                state = "scaffolded" if binding.is_stub(method) else "missing"
            rows.append((binding.interface.kind, method.serves, method.roles, handler, state))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    missing = sum(1 for row in rows[1:] if row[4] != "implemented")
    lines.append(f"\n{len(rows) - 1} operations and pkg_ids, {missing} not implemented")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
