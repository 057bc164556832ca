"""Credentials at rest: database connections and delivery destinations, encrypted.

The key is a Fernet key (``cryptography``) from the ``RFMKIT_SECRET_KEY``
environment variable or from a key file (``secret_key_file``); it never goes
into the store. Without a key, defining a connection or destination is
refused with a fix that says how to make one::

    python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

Plain values are only ever decrypted to be used (a read, a delivery); pages
and the API list names and kinds, never a secret.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from rfmkit.errors import ConfigError

KEY_VARIABLE = "RFMKIT_SECRET_KEY"


class Vault:
    """Encrypt and decrypt JSON-ready values with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "The secret key is not a Fernet key.",
                fix="Make one with cryptography's Fernet.generate_key() (44 characters).",
            ) from exc

    def seal(self, value: Mapping[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(dict(value)).encode("utf-8")).decode("ascii")

    def open(self, ciphertext: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(ciphertext.encode("ascii")))
        except InvalidToken as exc:
            raise ConfigError(
                "A stored secret cannot be decrypted with this key.",
                fix=f"Start the server with the key it was stored with ({KEY_VARIABLE}).",
            ) from exc
        return data


def load_vault(key_file: Path | None, environ: Mapping[str, str] | None = None) -> Vault | None:
    """The vault of ``RFMKIT_SECRET_KEY`` or ``key_file``; None when neither is given."""
    env = os.environ if environ is None else environ
    text = env.get(KEY_VARIABLE, "").strip()
    if not text and key_file is not None:
        try:
            text = key_file.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the secret key file {key_file}: {exc.strerror}.",
                file=str(key_file),
                fix="Check the path and its permissions (readable by the server only).",
            ) from exc
    return Vault(text.encode("ascii")) if text else None


def require(vault: Vault | None) -> Vault:
    if vault is None:
        raise ConfigError(
            "No secret key: credentials cannot be stored encrypted.",
            fix=f"Set {KEY_VARIABLE} or secret_key_file to a Fernet key, then restart the server.",
        )
    return vault
