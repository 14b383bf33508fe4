"""What the measured services need: a PostgreSQL database with 10,000 authors, a signing key, tokens."""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.auth.keys import load_signing_key
from app.auth.tokens import TokenIssuer

ROOT = Path(__file__).resolve().parent.parent
AUTHORS = 10_000
ALL_READ_ROLES = ["get-authors", "get-books"]


def database(server_dsn: str, name: str) -> str:
    """A fresh database `name` on the server, migrated as `make migrate` does, holding AUTHORS authors."""

    async def create() -> None:
        connection = await asyncpg.connect(server_dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    dsn = f"{server_dsn.rsplit('/', 1)[0]}/{name}"
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")

    async def seed() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.copy_records_to_table(
                "authors", records=[(n, f"Author {n:05d}") for n in range(1, AUTHORS + 1)], columns=["id", "name"]
            )
            await connection.execute("SELECT setval('authors_id_seq', $1)", AUTHORS)
            await connection.execute("ANALYZE")
        finally:
            await connection.close()

    asyncio.run(seed())
    return dsn


def signing_key(directory: Path) -> tuple[Path, Path]:
    """A new RSA key pair: (private PEM file, public PEM file)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = directory / "signing-key.pem"
    public = directory / "public-key.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def token(private_key: Path, *, subject: str = "1", ttl: int = 3600, roles: list[str] = ALL_READ_ROLES) -> str:
    """An access token of the product's own issuer (RS256), with the read roles unless `roles` says others."""
    issuer = TokenIssuer(
        load_signing_key(private_key.read_bytes()),
        issuer="specbound",
        audience="specbound",
        access_ttl=ttl,
        refresh_ttl=ttl,
    )
    return issuer.access_token(subject=subject, username="bench", roles=roles).token


def tokens(private_key: Path, count: int, *, roles: list[str] = ALL_READ_ROLES) -> list[str]:
    """`count` distinct access tokens, each of its own user (subjects 1001...), signed on every core."""
    subjects = [str(1000 + n) for n in range(1, count + 1)]
    chunks = [subjects[start : start + 500] for start in range(0, count, 500)]
    with ProcessPoolExecutor() as pool:
        signed = pool.map(_sign, [private_key] * len(chunks), chunks, [roles] * len(chunks))
        return [token for chunk in signed for token in chunk]


def _sign(private_key: Path, subjects: list[str], roles: list[str]) -> list[str]:
    issuer = TokenIssuer(
        load_signing_key(private_key.read_bytes()),
        issuer="specbound",
        audience="specbound",
        access_ttl=3600,
        refresh_ttl=3600,
    )
    return [issuer.access_token(subject=subject, username="bench", roles=roles).token for subject in subjects]
