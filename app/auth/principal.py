"""The authenticated caller, as handlers see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    username: str
    roles: frozenset[str]
    expires_at: float | None = None  # epoch seconds: when the token it came from expires
