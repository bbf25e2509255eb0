"""Encryption at rest of what a complaint says and who said it (AES-256-GCM, an AEAD).

The key is derived (HKDF-SHA256) from the platform's data key, LIANFANG_DATA_KEY, which the
database does not hold: a copy of the database (a backup, a replica, a stolen disk) reads as
ciphertext. Each value is bound to the field it belongs to (the associated data), so a
ciphertext moved into another column, or a file's bytes into another file's row, does not
decrypt. A value is stored as "g1:" + base64(nonce ‖ ciphertext ‖ tag).
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "g1:"
NONCE_BYTES = 12


def _data_key() -> str:
    key = getattr(settings, "LIANFANG_DATA_KEY", "") or getattr(settings, "DATA_KEY", "")
    if not key:
        raise ImproperlyConfigured("LIANFANG_DATA_KEY is not set: complaints cannot be kept.")
    return key


@lru_cache(maxsize=4)
def _aead(data_key: str) -> AESGCM:
    material = data_key.encode()
    try:
        material = base64.urlsafe_b64decode(material)
    except ValueError:
        pass  # not base64: the text itself is the input key material
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lianfang.complaints.v1"
    ).derive(material)
    return AESGCM(key)


def seal(data: bytes, context: str) -> bytes:
    """`data` encrypted and authenticated for `context` (nonce ‖ ciphertext ‖ tag)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(_data_key()).encrypt(nonce, data, context.encode())


def unseal(blob: bytes, context: str) -> bytes:
    """What `seal` sealed for the same `context`; ImproperlyConfigured when the key (or the
    context) does not open it."""
    try:
        return _aead(_data_key()).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError) as exc:
        raise ImproperlyConfigured(f"the data key does not open this value ({context})") from exc


def seal_text(text: str, context: str) -> str:
    return PREFIX + base64.b64encode(seal(text.encode("utf-8"), context)).decode("ascii")


def unseal_text(stored: str, context: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ImproperlyConfigured(f"an unencrypted value where a sealed one belongs ({context})")
    return unseal(base64.b64decode(stored[len(PREFIX) :]), context).decode("utf-8")


class SealedTextField(models.TextField):
    """A text column kept encrypted: Python sees the text, the database only ciphertext.

    The empty text is stored empty (its absence is no secret). It cannot be searched or
    ordered in SQL, on purpose."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return unseal_text(value, self.context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return seal_text(str(value), self.context)
