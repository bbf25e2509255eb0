"""The Ed25519 keys that sign exchange files.

A unit's private key is kept in the database sealed (Fernet, AES-128-CBC with HMAC-SHA256)
under a key derived (HKDF-SHA256) from the platform's data key, LIANFANG_DATA_KEY, which the
database does not hold. A key is named by its fingerprint: the SHA-256 of its raw 32 bytes,
in hex.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_RAW = {"encoding": serialization.Encoding.Raw, "format": serialization.PublicFormat.Raw}


@lru_cache(maxsize=4)
def _fernet(data_key: str) -> Fernet:
    material = data_key.encode()
    try:
        material = base64.urlsafe_b64decode(material)
    except ValueError:
        pass  # not base64: the text itself is the input key material
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lianfang.exchange.v1"
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def _box() -> Fernet:
    # LIANFANG_DATA_KEY in production; settings.DATA_KEY adds the development key with DEBUG
    key = getattr(settings, "LIANFANG_DATA_KEY", "") or getattr(settings, "DATA_KEY", "")
    if not key:
        raise ImproperlyConfigured("LIANFANG_DATA_KEY is not set: exchange files cannot be signed.")
    return _fernet(key)


def fingerprint(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()


def generate() -> tuple[str, str, str]:
    """A new key: (public key hex, fingerprint, sealed private key)."""
    private = Ed25519PrivateKey.generate()
    public_hex = private.public_key().public_bytes(**_RAW).hex()
    raw = private.private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return public_hex, fingerprint(public_hex), _box().encrypt(raw).decode()


def sign(sealed_private_key: str, data: bytes) -> bytes:
    raw = _box().decrypt(sealed_private_key.encode())
    return Ed25519PrivateKey.from_private_bytes(raw).sign(data)


def verifies(public_hex: str, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def short(fingerprint_hex: str) -> str:
    """A fingerprint as people compare it: its first 16 hex digits in groups of four."""
    head = fingerprint_hex[:16].upper()
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))
