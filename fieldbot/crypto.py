"""Encryption at rest for personal data (DESIGN.md §6).

One master key (``FIELDBOT_ENCRYPTION_KEY``, 32 bytes) gives two independent keys through HKDF:
an AEAD key that encrypts names, phones and addresses, and a blind-index key that turns an
E.164 phone into a keyed hash, so a number can be looked up without being stored in clear.

Ciphertext layout: one format byte, a random 96-bit nonce, then AES-256-GCM output (with its
tag). The associated data binds a ciphertext to its table, column and row key, so a value
copied into another row or column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
_NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"
_AEAD_INFO = b"fieldbot/aead/v1"
_BLIND_INDEX_INFO = b"fieldbot/blind-index/v1"
_TAG_BYTES = 16
# The length of the ciphertext of an empty text: a longer one holds at least one byte (the
# KPI "customer files complete" counts filled-in fields without decrypting them).
EMPTY_CIPHERTEXT_BYTES = len(_FORMAT_V1) + _NONCE_BYTES + _TAG_BYTES


class CryptoError(Exception):
    """A key is malformed or a ciphertext does not decrypt (wrong key, tampered, moved)."""


def new_master_key() -> str:
    """A fresh master key as ``fieldbot keygen`` prints it: URL-safe base64 of 32 bytes."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def decode_master_key(text: str) -> bytes:
    """The 32 key bytes of a URL-safe base64 master key (padding optional)."""
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("the encryption key is not URL-safe base64") from exc
    if len(raw) != KEY_BYTES:
        raise CryptoError(f"the encryption key must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def aad_for(table: str, column: str, row_key: str) -> bytes:
    """Associated data binding a ciphertext to ``table.column`` of the row ``row_key``."""
    return f"{table}.{column}\x00{row_key}".encode()


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


class Cipher:
    """AEAD encryption and blind index, with keys derived from one master key."""

    __slots__ = ("_aead", "_index_key")

    def __init__(self, aead_key: bytes, index_key: bytes) -> None:
        if len(aead_key) != KEY_BYTES or len(index_key) != KEY_BYTES:
            raise CryptoError(f"keys must be {KEY_BYTES} bytes")
        if hmac.compare_digest(aead_key, index_key):
            raise CryptoError("the AEAD key and the blind-index key must differ")
        self._aead = AESGCM(aead_key)
        self._index_key = index_key

    @classmethod
    def from_master_key(cls, key32: bytes) -> Cipher:
        if len(key32) != KEY_BYTES:
            raise CryptoError(f"the master key must be {KEY_BYTES} bytes, not {len(key32)}")
        return cls(_derive(key32, _AEAD_INFO), _derive(key32, _BLIND_INDEX_INFO))

    @classmethod
    def from_setting(cls, text: str) -> Cipher:
        """From ``FIELDBOT_ENCRYPTION_KEY`` (URL-safe base64)."""
        return cls.from_master_key(decode_master_key(text))

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, ciphertext: bytes, aad: bytes) -> bytes:
        if len(ciphertext) < EMPTY_CIPHERTEXT_BYTES or ciphertext[:1] != _FORMAT_V1:
            raise CryptoError("not a fieldbot ciphertext")
        nonce = ciphertext[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, ciphertext[1 + _NONCE_BYTES :], aad)
        except InvalidTag as exc:
            raise CryptoError("the ciphertext does not decrypt with this key here") from exc

    def encrypt_text(self, text: str, aad: bytes) -> bytes:
        return self.encrypt(text.encode("utf-8"), aad)

    def decrypt_text(self, ciphertext: bytes, aad: bytes) -> str:
        return self.decrypt(ciphertext, aad).decode("utf-8")

    def blind_index(self, e164: str) -> str:
        """Keyed hash of an already normalised phone number (HMAC-SHA256, hex)."""
        return hmac.new(self._index_key, e164.encode("utf-8"), hashlib.sha256).hexdigest()
