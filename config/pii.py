"""Personal data at rest (DESIGN.md 18): AES-256-GCM ciphertexts naming their key, and blind indexes.

A ciphertext is the text ``pii1:<key id>:<base64 of nonce (12 bytes) | ciphertext | tag>``. The key
ring comes from ``settings.PII_ENCRYPTION_KEYS``: ``id:base64-key,id:base64-key``, the first one
current (new values are written under it), the others kept to read older values until
``manage.py pii_rotate`` has re-encrypted them. An empty string stays empty: blankness is not
personal data, and blank columns cost nothing.

Exact lookups go through blind indexes: HMAC-SHA256 under ``settings.PII_INDEX_KEY`` (a separate
key) of the normalised value. A name is searched by its words: each word (each pair of characters in
Chinese) has a short keyed hash in ``name_index``; the words themselves are nowhere in clear.

The fields (``EncryptedTextField``, ``EncryptedJSONField``, ``EncryptedDateField``) encrypt in ``get_prep_value``, so
``save``, ``bulk_create``, ``bulk_update`` and ``accounts.services.bulk`` (COPY) all write
ciphertext, and decrypt in ``from_db_value`` (querysets, ``values()``). They refuse every lookup but
``isnull``: a filter on a ciphertext can only be wrong, so it fails loudly instead.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

PREFIX = "pii1:"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
NONCE_BYTES = 12
# The demo's and the tests' key ring (refused in production: settings requires PII_ENCRYPTION_KEYS
# when DEBUG is off). Anyone can read data written under it.
DEVELOPMENT_KEYS: str = "dev:" + base64.b64encode(hashlib.sha256(b"collections-workbench development key").digest()).decode()


class PiiKeyError(Exception):
    """A key ring that cannot be used, or a ciphertext whose key is not in the ring or does not open it."""


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """``id:base64,id:base64`` -> [(id, 32-byte key)], the current key first; refuses anything else."""
    keys: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise PiiKeyError("PII_ENCRYPTION_KEYS: each key is id:base64 (id of letters, digits, _ or -, 16 at most)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise PiiKeyError(f"PII_ENCRYPTION_KEYS: key {key_id!r} is not base64") from error
        if len(key) != 32:
            raise PiiKeyError(f"PII_ENCRYPTION_KEYS: key {key_id!r} is {len(key)} bytes, AES-256 needs 32")
        if any(key_id == known for known, _ in keys):
            raise PiiKeyError(f"PII_ENCRYPTION_KEYS: key id {key_id!r} appears twice")
        keys.append((key_id, key))
    if not keys:
        raise PiiKeyError("PII_ENCRYPTION_KEYS holds no key")
    return keys


def new_key_spec(key_id: str) -> str:
    """A fresh ``id:base64`` entry (``manage.py pii_rotate --new-key ID`` prints one)."""
    if not KEY_ID.match(key_id):
        raise PiiKeyError("a key id is letters, digits, _ or -, 16 at most")
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


@dataclass(frozen=True)
class KeyRing:
    current: str
    ciphers: dict[str, AESGCM]

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.ciphers[self.current].encrypt(nonce, plain.encode(), None)
        return f"{PREFIX}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str) -> str:
        key_id, payload = _split(token)
        cipher = self.ciphers.get(key_id)
        if cipher is None:
            raise PiiKeyError(f"a value is encrypted under key {key_id!r}, which PII_ENCRYPTION_KEYS does not hold")
        try:
            raw = base64.b64decode(payload, validate=True)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        except (binascii.Error, InvalidTag, ValueError) as error:
            raise PiiKeyError(
                f"a value under key {key_id!r} does not decrypt: the key is not the one it was written with, "
                "or the value was altered"
            ) from error


def _split(token: str) -> tuple[str, str]:
    if not token.startswith(PREFIX):
        raise PiiKeyError("a personal field holds a value that is not a ciphertext (not yet encrypted?)")
    key_id, sep, payload = token[len(PREFIX) :].partition(":")
    if not sep:
        raise PiiKeyError("a personal field holds a malformed ciphertext")
    return key_id, payload


def key_id_of(token: str) -> str:
    """The id of the key a ciphertext was written under."""
    return _split(token)[0]


def is_ciphertext(value: str) -> bool:
    return value.startswith(PREFIX)


@lru_cache(maxsize=8)
def ring_of(spec: str) -> KeyRing:
    """The key ring of a ``PII_ENCRYPTION_KEYS`` value (for processes without Django settings)."""
    keys = parse_keys(spec)
    return KeyRing(current=keys[0][0], ciphers={key_id: AESGCM(key) for key_id, key in keys})


def ring() -> KeyRing:
    """The key ring of the settings in force (cached per value, so ``override_settings`` works)."""
    return ring_of(settings.PII_ENCRYPTION_KEYS)


def encrypt(plain: str) -> str:
    """The ciphertext of ``plain`` under the current key ('' stays '')."""
    return ring().encrypt(plain) if plain else ""


def decrypt(token: str) -> str:
    return ring().decrypt(token) if token else ""


# Blind indexes ---------------------------------------------------------------------------------

NAME_TOKEN_HEX = 16  # 64 bits a word: collisions are negligible beside the words' own frequencies


@lru_cache(maxsize=8)
def _key_bytes(key: str) -> bytes:
    return key.encode()


def _index_key() -> bytes:
    return _key_bytes(settings.PII_INDEX_KEY)


def _hmac(kind: str, value: str) -> str:
    # hmac.digest: the one-shot C path (a phone's ends are 8 to 12 of these per number)
    return hmac.digest(_index_key(), f"{kind}:{value}".encode(), "sha256").hex()


def email_normalise(address: str) -> str:
    return address.strip().lower()


def email_index(address: str) -> str:
    """The blind index of an e-mail address (case and surrounding spaces ignored), '' for ''."""
    normalised = email_normalise(address)
    return _hmac("email", normalised) if normalised else ""


def phone_index(number: str) -> str:
    """The blind index of an E.164 number (the caller normalises: ``accounts.services.phones``)."""
    return _hmac("phone", number.strip()) if number.strip() else ""


PHONE_TAIL_MIN = 4  # the fewest last digits a search looks for (``selectors.search.MIN_DIGITS``)


def phone_tail_token(digits: str) -> str:
    """The keyed hash of a number's last ``len(digits)`` digits (a search for a number's end)."""
    return _hmac("phone-tail", digits)[:NAME_TOKEN_HEX]


def phone_tails(number: str) -> str:
    """The text stored beside an encrypted number for the search by its last digits: the keyed hashes
    of its last 4, 5, ... up to all of its digits, space separated (no digit of it in clear)."""
    digits = re.sub(r"\D", "", number)
    return " ".join(phone_tail_token(digits[-size:]) for size in range(PHONE_TAIL_MIN, len(digits) + 1))


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def name_words(text: str) -> list[str]:
    """The searchable words of a name: case, accents and punctuation ignored; a run of Chinese
    characters gives each pair of neighbours (a single character stands alone)."""
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    ).casefold()
    words: list[str] = []
    for run in re.findall(r"\w+", folded):
        latin = ""
        cjk = ""
        for char in run + " ":
            if _is_cjk(char):
                if latin:
                    words.append(latin)
                    latin = ""
                cjk += char
                continue
            if cjk:
                words.extend([cjk] if len(cjk) == 1 else [cjk[i : i + 2] for i in range(len(cjk) - 1)])
                cjk = ""
            if char != " ":
                latin += char
        if latin:
            words.append(latin)
    return words


def name_token(word: str) -> str:
    return _hmac("name", word)[:NAME_TOKEN_HEX]


def name_index(name: str) -> str:
    """The text stored beside an encrypted name: the keyed hashes of its words, space separated."""
    return " ".join(sorted({name_token(word) for word in name_words(name)}))


def name_query_tokens(query: str) -> list[str]:
    """What a name search looks for: every word of the query must be a word of the name."""
    return sorted({name_token(word) for word in name_words(query)})


# Fields ----------------------------------------------------------------------------------------


class EncryptedTextField(models.TextField):
    """Text stored as a ciphertext under the current key; read back in clear. No lookups but isnull."""

    description = "Text encrypted at rest (AES-256-GCM)"

    def from_db_value(self, value: str | None, expression: object, connection: BaseDatabaseWrapper) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name: str) -> Any:
        return None


class EncryptedJSONField(EncryptedTextField):
    """A JSON value stored as the ciphertext of its JSON text (a text column); read back as the value.
    ``None`` is stored as NULL. For answers kept whole that may carry personal values."""

    description = "JSON encrypted at rest (AES-256-GCM)"

    def from_db_value(self, value: str | None, expression: object, connection: BaseDatabaseWrapper) -> Any:
        return None if value is None else json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        return None if value is None else encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


class EncryptedDateField(models.DateField):
    """A date stored as the ciphertext of its ISO text (a text column); read back as a date."""

    description = "Date encrypted at rest (AES-256-GCM)"

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return models.TextField().db_type(connection)

    def from_db_value(
        self, value: str | None, expression: object, connection: BaseDatabaseWrapper
    ) -> dt.date | None:
        return dt.date.fromisoformat(decrypt(value)) if value else None

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value.isoformat())

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        return value if prepared else self.get_prep_value(value)

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name: str) -> Any:
        return None


ENCRYPTED_FIELDS = (EncryptedTextField, EncryptedDateField)

INDEXERS: dict[str, Callable[[str], str]] = {
    "email": email_index, "name": name_index, "phone": phone_index, "phone_tails": phone_tails,
}


class BlindIndexField(models.CharField):
    """The blind index of another field of the row (``source``), computed whenever the row is written
    by ``save`` or ``bulk_create`` (``pre_save``); ``accounts.services.bulk.objects_update`` adds it to
    the columns it writes when its source is among them. Never edited by hand."""

    def __init__(self, *args: Any, source: str = "", kind: str = "", **kwargs: Any) -> None:
        if kind not in INDEXERS:
            raise ValueError(f"a blind index is one of {sorted(INDEXERS)}")
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, {**kwargs, "source": self.source, "kind": self.kind}

    def index_of(self, instance: models.Model) -> str:
        return INDEXERS[self.kind](getattr(instance, self.source) or "")

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def blind_indexes_of(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    """The blind index fields of ``model`` whose source is among ``fields`` (names or attnames)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, BlindIndexField) and f.source in fields and f.name not in fields
    ]
