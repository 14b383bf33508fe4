"""The service's own signing key: loaded from settings, or in development generated once under var/.

Its public half is published at /.well-known/jwks.json under a `kid` that is the key's RFC 7638 thumbprint,
so other services can verify our tokens, and a rotated key gets a new kid by construction.
"""

from __future__ import annotations

import hashlib
import json
import os
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# RFC 7638: the members that make up a key's thumbprint, per key type.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}


@dataclass(frozen=True)
class SigningKey:
    private_key: PrivateKey
    algorithm: str  # RS256 for RSA keys, EdDSA for Ed25519 keys
    kid: str

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        return {**_jwk(self.public_key), "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def load_signing_key(pem: bytes) -> SigningKey:
    """A signing key from a PEM private key (RSA of at least 2048 bits, or Ed25519)."""
    key = serialization.load_pem_private_key(pem, password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise ValueError(f"the signing key is RSA-{key.key_size}; use at least 2048 bits")
        return SigningKey(key, "RS256", thumbprint(_jwk(key.public_key())))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return SigningKey(key, "EdDSA", thumbprint(_jwk(key.public_key())))
    raise ValueError("the signing key must be an RSA or an Ed25519 private key")


def development_key(path: Path) -> SigningKey:
    """The key kept at `path`, generated (RSA-2048, readable by its owner only) the first time."""
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        os.replace(temporary, path)  # never a half-written key, even if two processes start at once
    return load_signing_key(path.read_bytes())


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def _jwk(public_key: PublicKey) -> dict[str, Any]:
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return {name: value for name, value in jwk.items() if name != "key_ops"}
