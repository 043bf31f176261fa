"""Encryption at rest for bank details, keyed from the portal's secret key."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet


def _fernet(secret_key: str) -> Fernet:
    # Fernet needs 32 url-safe base64 bytes; derive them from the secret with a fixed label.
    digest = hashlib.sha256(b"nomos-portal/iban/" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str, *, secret_key: str) -> str:
    """Encrypt a string into a Fernet token."""
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt(token: str, *, secret_key: str) -> str:
    """Decrypt a Fernet token made by `encrypt` with the same secret key."""
    return _fernet(secret_key).decrypt(token.encode()).decode()


def mask_iban(iban: str) -> str:
    """Show only the country, check digits and last four characters, e.g. "DE89 **** **** **** **30 00"."""
    compact = "".join(iban.split()).upper()
    masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))
