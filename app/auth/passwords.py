"""Password hashing with Argon2id (argon2-cffi), off the event loop, in constant-looking time.

Checking a password for a user who does not exist still costs one Argon2 verification (against a hash made
at start-up), so the time a login takes does not tell whether the username exists.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8

# Each Argon2 operation takes 64 MiB and a core for tens of milliseconds. A pool of their own, one thread a
# core, bounds that whatever the number of concurrent logins, and keeps them from starving the default
# executor (which also resolves host names for database and JWKS connections).
_HASHING = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="argon2")


class Passwords:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        self._decoy = _decoy_hash()

    async def hash(self, password: str) -> str:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
        return await asyncio.get_running_loop().run_in_executor(_HASHING, self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no hash (no such user) it checks a decoy and says no."""
        return await asyncio.get_running_loop().run_in_executor(_HASHING, self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's (rehash it at the next login)."""
        return self._hasher.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False


@cache
def _decoy_hash() -> str:
    """Made once per process (with today's parameters), whatever the number of applications built."""
    return PasswordHasher().hash("a password nobody has")
