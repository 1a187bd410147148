"""The mechanism of personal data at rest (config/pii.py): AES-256-GCM under a key ring from the
settings, each ciphertext naming its key, and the blind indexes of exact lookups."""

from __future__ import annotations

import base64
import os

import pytest
from django.test import override_settings

from config import pii


def ring_spec(*ids: str) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}" for key_id in ids)


def test_a_value_comes_back_as_written_and_its_ciphertext_names_the_current_key() -> None:
    keys = ring_spec("k2", "k1")
    with override_settings(PII_ENCRYPTION_KEYS=keys):
        token = pii.encrypt("Ann Lée, 12 Bowery 王小明")

        assert token.startswith("pii1:k2:")
        assert "Ann" not in token and "Bowery" not in token
        assert pii.key_id_of(token) == "k2"
        assert pii.decrypt(token) == "Ann Lée, 12 Bowery 王小明"


def test_the_same_value_twice_gives_two_ciphertexts() -> None:
    assert pii.encrypt("Ann Lee") != pii.encrypt("Ann Lee")


def test_an_older_key_of_the_ring_still_reads_what_it_wrote() -> None:
    old, new = ring_spec("k1"), ring_spec("k2")
    with override_settings(PII_ENCRYPTION_KEYS=old):
        token = pii.encrypt("Ann Lee")
    with override_settings(PII_ENCRYPTION_KEYS=f"{new},{old}"):
        assert pii.decrypt(token) == "Ann Lee"
        assert pii.key_id_of(pii.encrypt("Ann Lee")) == "k2"


def test_a_wrong_key_under_the_same_id_fails_clearly() -> None:
    with override_settings(PII_ENCRYPTION_KEYS=ring_spec("k1")):
        token = pii.encrypt("Ann Lee")
    with override_settings(PII_ENCRYPTION_KEYS=ring_spec("k1")), pytest.raises(pii.PiiKeyError) as refused:
        pii.decrypt(token)

    assert "under key 'k1' does not decrypt" in str(refused.value)
    assert "Ann" not in str(refused.value)


def test_a_key_missing_from_the_ring_is_named() -> None:
    with override_settings(PII_ENCRYPTION_KEYS=ring_spec("k1")):
        token = pii.encrypt("Ann Lee")
    with override_settings(PII_ENCRYPTION_KEYS=ring_spec("k2")), pytest.raises(pii.PiiKeyError) as refused:
        pii.decrypt(token)

    assert "encrypted under key 'k1', which PII_ENCRYPTION_KEYS does not hold" in str(refused.value)


def test_an_altered_ciphertext_does_not_decrypt() -> None:
    token = pii.encrypt("Ann Lee")
    raw = bytearray(base64.b64decode(token.split(":", 2)[2]))
    raw[-1] ^= 1
    altered = token.rsplit(":", 1)[0] + ":" + base64.b64encode(bytes(raw)).decode()

    with pytest.raises(pii.PiiKeyError, match="does not decrypt"):
        pii.decrypt(altered)


def test_a_clear_value_where_a_ciphertext_belongs_is_refused() -> None:
    with pytest.raises(pii.PiiKeyError, match="not a ciphertext"):
        pii.decrypt("Ann Lee")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "holds no key"),
        ("k1", "each key is id:base64"),
        ("k 1:AAAA", "each key is id:base64"),
        ("k1:not base64!", "key 'k1' is not base64"),
        ("k1:" + base64.b64encode(b"x" * 16).decode(), "key 'k1' is 16 bytes, AES-256 needs 32"),
        # Random keys: an id of their own, so that every xdist worker collects the same test.
        pytest.param(ring_spec("k1") + "," + ring_spec("k1"), "key id 'k1' appears twice", id="k1 twice"),
    ],
)
def test_a_malformed_key_ring_is_refused(spec: str, message: str) -> None:
    with pytest.raises(pii.PiiKeyError, match=message):
        pii.parse_keys(spec)


def test_blank_stays_blank() -> None:
    assert pii.encrypt("") == ""
    assert pii.decrypt("") == ""


def test_an_email_index_ignores_case_and_spaces_and_depends_on_the_index_key() -> None:
    index = pii.email_index("Ann.Lee@Example.com ")

    assert index == pii.email_index("ann.lee@example.com")
    assert index != pii.email_index("ann.le@example.com")
    assert len(index) == 64 and "ann" not in index
    with override_settings(PII_INDEX_KEY="another index key"):
        assert pii.email_index("ann.lee@example.com") != index


def test_a_name_is_indexed_by_its_words_case_and_accents_ignored() -> None:
    assert pii.name_words("Ann-Marie  LÉE") == ["ann", "marie", "lee"]
    assert pii.name_words("王小明") == ["王小", "小明"]
    assert pii.name_words("王") == ["王"]
    index = pii.name_index("Ann Lee").split()

    assert set(pii.name_query_tokens("lee")) <= set(index)
    assert set(pii.name_query_tokens("LEE ann")) <= set(index)
    assert not set(pii.name_query_tokens("le")) <= set(index)
    assert set(pii.name_query_tokens("小明")) <= set(pii.name_index("王小明").split())
