"""The text of a message: placeholders, rendering, SMS segments and the checks a template must pass.

Pure functions (no database): the template model's ``clean`` and the sending service use them.

- Placeholders are a fixed set, written ``{first_name}``; values are escaped (braces, control
  characters and, for e-mail, HTML) so a borrower's data can never add a placeholder or markup.
- Segments (DESIGN.md 15): a text in the GSM-7 alphabet takes 160 characters in one segment and 153
  per segment when split (the extension characters ``^{}\\[~]|€`` take two); anything else is UCS-2,
  70 UTF-16 code units in one segment, 67 per segment when split.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

PLACEHOLDERS = (
    "first_name",
    "amount_due",
    "due_date",
    "payment_reference",
    "agent_first_name",
    "opt_out_text",
    "signature",
)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SIGNATURE = re.compile(r"【[^】]+】")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Replies that opt the medium out (DESIGN.md 15), compared after trimming and upper-casing.
STOP_WORDS = frozenset(
    {"STOP", "QUIT", "END", "REVOKE", "OPT OUT", "OPTOUT", "CANCEL", "UNSUBSCRIBE", "退订", "TD", "N"}
)

# The opt-out instruction each message carries, per channel and language.
OPT_OUT_TEXT = {
    ("sms", "en"): gettext_noop("Reply STOP to opt out."),
    ("sms", "zh-hans"): "回复TD退订",
    ("email", "en"): gettext_noop("To stop these e-mails, reply UNSUBSCRIBE."),
    ("email", "zh-hans"): "如不想再收到此类邮件，请回复“退订”。",
}

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def sms_segments(text: str) -> Segments:
    """How many SMS segments ``text`` takes, and in which encoding."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 0 if units == 0 else 1 if units <= single else math.ceil(units / multi)
    return Segments(encoding, units, count)


def placeholders_used(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def opt_out_text(channel: str, language: str) -> str:
    """The opt-out instruction in the template's ``language`` (English where none is written), never in the
    language of whoever is sending or previewing: the borrower reads the template's language."""
    return OPT_OUT_TEXT.get((channel, language.lower())) or OPT_OUT_TEXT.get((channel, "en"), "")


def _clean_value(value: object, *, html: bool) -> str:
    text = _CONTROL.sub("", str(value)).replace("{", "(").replace("}", ")")
    return escape(text) if html else text


def render(text: str, values: Mapping[str, object], *, html: bool = False) -> str:
    """The text with each known placeholder replaced by its escaped value (unknown ones stay)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PLACEHOLDERS and name in values:
            return _clean_value(values[name], html=html)
        return match.group(0)

    return _PLACEHOLDER.sub(replace, text)


def template_problems(
    *,
    body: str,
    subject: str = "",
    needs_opt_out: bool,
    signature_required: bool = False,
    signature: str = "",
    banned_words: Iterable[str] = (),
) -> dict[str, list[str]]:
    """What keeps a template from being saved, by field (empty: none)."""
    problems: dict[str, list[str]] = {}
    unknown = sorted({name for name in placeholders_used(body + subject) if name not in PLACEHOLDERS})
    if unknown:
        problems.setdefault("body", []).append(
            _("Unknown placeholders: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)}
        )
    upper = body.upper()
    if needs_opt_out and "{opt_out_text}" not in body and not any(
        word in upper for word in STOP_WORDS if len(word) > 2
    ):
        problems.setdefault("body", []).append(
            _("A collection message must tell how to opt out: add {opt_out_text} (12 CFR 1006.6(e)).")
        )
    if signature_required:
        signed = _SIGNATURE.search(body) or ("{signature}" in body and _SIGNATURE.fullmatch(signature.strip()))
        if not signed:
            problems.setdefault("body", []).append(
                _("Under this policy a message carries the sender's signature in 【】 (or {signature}).")
            )
    text = (subject + "\n" + body).casefold()
    found = sorted({word for word in banned_words if word.strip() and word.strip().casefold() in text})
    if found:
        problems.setdefault("body", []).append(
            _("Words this policy bans: %(words)s.") % {"words": ", ".join(found)}
        )
    return problems


def is_stop_reply(text: str) -> bool:
    """Is an inbound reply an opt-out of its medium? (STOP, 退订, ... alone, any case, any punctuation.)"""
    word = re.sub(r"[\s.!。！,，]+", " ", text).strip().upper()
    return word in STOP_WORDS
