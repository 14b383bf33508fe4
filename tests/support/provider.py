"""An OpenID Connect provider as the service sees one: a JWKS document served over real HTTP, with keys the
tests generate and rotate, and tokens shaped like Keycloak's. Nothing is mocked but the provider itself."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

CLIENT = "specbound-api"


class Provider:
    def __init__(self) -> None:
        self._keys: dict[str, tuple[Any, str]] = {}  # kid -> (private key, algorithm)
        self.extra_jwks: list[dict[str, Any]] = []  # published as they are: keys a verifier must not trust
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.kid = self.add_key()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/test"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    def add_key(self, kind: str = "RSA") -> str:
        kid = uuid.uuid4().hex
        key: Any = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "RSA"
            else ec.generate_private_key(ec.SECP256R1())
        )
        self._keys[kid] = (key, "RS256" if kind == "RSA" else "ES256")
        return kid

    def rotate(self) -> str:
        """A new signing key replaces every old one (tokens signed with an old one can no longer be verified)."""
        new = uuid.uuid4().hex
        self._keys = {new: (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")}
        self.kid = new
        return new

    def token(self, *, kid: str | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """An access token as Keycloak issues one (claims override the defaults; None removes a claim)."""
        kid = kid or self.kid
        key, algorithm = self._keys[kid]
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [CLIENT, "account"],
            "sub": str(uuid.uuid4()),
            "typ": "Bearer",
            "azp": CLIENT,
            "iat": now,
            "exp": now + 300,
            "preferred_username": "kc-user",
            "realm_access": {"roles": ["offline_access"]},
            "resource_access": {CLIENT: {"roles": []}},
        }
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid, **(headers or {})})

    def public_key(self, kid: str | None = None) -> Any:
        return self._keys[kid or self.kid][0].public_key()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _jwks(self) -> dict[str, Any]:
        keys = []
        for kid, (key, algorithm) in self._keys.items():
            encoder = RSAAlgorithm if algorithm == "RS256" else ECAlgorithm
            jwk = encoder.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": algorithm, "use": "sig"})
        # Keycloak also lists an encryption key; it must be ignored for verification.
        keys.append(
            {
                "kid": "enc-key",
                "kty": "RSA",
                "use": "enc",
                "alg": "RSA-OAEP",
                "n": keys[0].get("n", "AQAB"),
                "e": "AQAB",
            }
        )
        return {"keys": keys}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with provider._lock:
                    provider.requests += 1
                if self.path != provider.jwks_url.removeprefix(provider.base_url):
                    self.send_error(404)
                    return
                body = json.dumps(provider._jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
