"""Settings from the environment (or a `.env` file), validated once at start-up.

Every setting has an embedded default, so `make run` serves with nothing else running: a SQLite file and a
generated signing key under `var/`. Production points `DATABASE_URL` at PostgreSQL and gives the signing key.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{VAR / 'specbound.db'}"
DEVELOPMENT_KEY = VAR / "jwt-signing-key.pem"

_DRIVERS = {
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "sqlite": "sqlite+aiosqlite",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


class DatabaseSettings(BaseSettings):
    """What migrations need, and nothing else: a migration is not blocked by an unrelated setting."""

    # An empty variable (SIGNING_KEY=) means unset, as a shell user expects.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db (postgresql:// is accepted).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, url: str) -> str:
        scheme, separator, rest = url.partition("://")
        if not separator or scheme not in _DRIVERS:
            known = "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host:5432/name"
            raise ValueError(f"DATABASE_URL must look like {known}, not {url!r}")
        return f"{_DRIVERS[scheme]}://{rest}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class Settings(DatabaseSettings):
    environment: Literal["development", "production"] = Field(
        default="development",
        description="In production the signing key must be given; in development one is generated under var/.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json` writes one JSON object per log line (for log collectors)."
    )

    # Tokens this service issues.
    token_issuer: str = Field(default="specbound", min_length=1, description="`iss` of the tokens issued here.")
    token_audience: str = Field(default="specbound", min_length=1, description="`aud` of the tokens issued here.")
    access_token_ttl: int = Field(default=300, ge=30, le=3600, description="Seconds an access token lives.")
    refresh_token_ttl: int = Field(default=14 * 24 * 3600, ge=300, description="Seconds a refresh token lives.")
    signing_key: SecretStr | None = Field(default=None, description="PEM private key (RSA-2048+ or Ed25519).")
    signing_key_file: Path | None = Field(default=None, description="File holding the PEM private key.")

    # An external OpenID Connect provider whose access tokens are accepted too (all three, or none).
    auth_jwks_url: str | None = Field(default=None, description="The provider's JWKS URL.")
    auth_issuer: str | None = Field(default=None, description="`iss` of the provider's tokens.")
    auth_audience: str | None = Field(default=None, description="`aud` the provider's tokens must carry.")
    auth_client_id: str | None = Field(
        default=None, description="Whose resource_access.<client>.roles count (default: AUTH_AUDIENCE)."
    )
    auth_jwks_ttl: float = Field(default=300, gt=0, description="Seconds the provider's keys are cached.")
    auth_jwks_refetch_interval: float = Field(
        default=30, ge=0.5, description="At most one refetch per this many seconds for tokens with an unknown kid."
    )

    # The WebSocket channel (see spec/asyncapi.yaml).
    ws_max_message_size: int = Field(default=65536, ge=1024, description="Bytes a frame may hold; larger closes 1009.")
    ws_max_concurrent_requests: int = Field(default=8, ge=1, description="Requests answered at once per connection.")
    ws_send_queue_size: int = Field(default=64, ge=1, description="Frames waiting for a client before it is TOO_SLOW.")
    ws_ping_interval: float = Field(default=20, gt=0, description="Seconds between pings to each client.")
    ws_ping_timeout: float = Field(default=20, gt=0, description="Seconds a client has to answer a ping.")
    ws_shutdown_grace: float = Field(default=10, ge=0, description="Seconds in-flight requests get at shutdown.")
    ws_close_timeout: float = Field(default=5, gt=0, description="Seconds a client has to read the close frame.")

    # Several instances behind a load balancer share Redis: rate limits, connection limits and events.
    redis_url: str | None = Field(default=None, description="redis://host:6379/0; unset: everything in-process.")
    redis_prefix: str = Field(default="specbound:", description="Prefix of every Redis key and channel.")
    redis_timeout: float = Field(default=0.25, gt=0, le=5, description="Seconds a Redis command may take.")

    # Rate limits: the policies are in the spec (x-rate-limits); these say how they apply.
    rate_limit_enabled: bool = Field(default=True, description="false: nothing is rate limited (load tests).")
    rate_limit_scale: float = Field(default=1.0, gt=0, description="Multiplies the limit of every policy.")
    rate_limit_fail: Literal["open", "closed"] = Field(
        default="open",
        description="When Redis does not answer: `open` lets requests through uncounted, `closed` refuses them.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or CIDR ranges of proxies whose X-Forwarded-For is believed.",
    )
    ws_connection_lease: float = Field(
        default=30, ge=1, description="Seconds a connection slot outlives an instance that stopped renewing it."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {proxy!r} is not an IP address or CIDR range") from None
        return proxies

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must look like redis://host:6379/0 (rediss:// for TLS)")
        return url

    @field_validator("auth_jwks_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError("AUTH_JWKS_URL must be an http(s) URL")
        return url

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        external = {
            "AUTH_JWKS_URL": self.auth_jwks_url,
            "AUTH_ISSUER": self.auth_issuer,
            "AUTH_AUDIENCE": self.auth_audience,
        }
        missing = [name for name, value in external.items() if not value]
        if 0 < len(missing) < len(external):
            raise ValueError(f"an external identity provider needs {', '.join(external)}; missing {', '.join(missing)}")
        if self.signing_key is not None and self.signing_key_file is not None:
            raise ValueError("give SIGNING_KEY or SIGNING_KEY_FILE, not both")
        if self.environment == "production" and self.auth_jwks_url and not self.auth_jwks_url.startswith("https://"):
            raise ValueError("in production AUTH_JWKS_URL must be https (keys fetched in the clear can be replaced)")
        if self.environment == "production" and self.signing_key is None and self.signing_key_file is None:
            raise ValueError(
                "in production SIGNING_KEY or SIGNING_KEY_FILE is required (a generated key is for development)"
            )
        return self

    @property
    def external_provider(self) -> bool:
        return bool(self.auth_jwks_url)
