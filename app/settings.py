"""Settings from the environment (or a `.env` file), validated once at start-up.

Every setting has an embedded default, so `make run` serves with nothing else running: a SQLite file under
`var/`. Production points `DATABASE_URL` at PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{VAR / 'specbound.db'}"

_DRIVERS = {
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "sqlite": "sqlite+aiosqlite",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db (postgresql:// is accepted).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    dev_auth_token: SecretStr | None = Field(
        default=None,
        description="Development only: a bearer token that authenticates as a developer holding DEV_AUTH_ROLES. "
        "Off unless set.",
    )
    dev_auth_roles: str = Field(default="", description="Comma-separated roles of the development token; * for all.")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, url: str) -> str:
        scheme, separator, rest = url.partition("://")
        if not separator or scheme not in _DRIVERS:
            known = "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host:5432/name"
            raise ValueError(f"DATABASE_URL must look like {known}, not {url!r}")
        return f"{_DRIVERS[scheme]}://{rest}"

    @field_validator("dev_auth_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("DEV_AUTH_TOKEN must be at least 16 characters")
        return token

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
