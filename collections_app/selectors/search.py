"""Finding a case: by a loan's or a borrower's external id, the borrower's name, or the last digits of
a phone number, only among the cases the user may see (``cases_visible_to``). Where a borrower who
calls in is found, so inbound calls start here.

Names are encrypted at rest (DESIGN.md 18): a name is found by its whole words, in any order, case
and accents ignored ("lee ann" finds "Ann Lee"; "Le" does not), through the blind index of its words
(``Borrower.name_index``, keyed hashes; in Chinese each pair of neighbouring characters is a word,
so "小明" finds "王小明"). A fragment of a word finds nothing: no part of a name is kept in clear.
Phone numbers are encrypted too: a number is found by its last 4 digits or more (up to all of them),
through the keyed hashes of each of its ends (``Phone.number_tails``); digits in its middle find
nothing.

On PostgreSQL each kind of lookup reads its own index (migrations ``accounts.0004_search_indexes``,
``0005`` and ``0006``): ids by prefix, name words and a phone's ends (trigrams of the hashes); then
the visible cases of the accounts found, by the cases' account index. A name needs 3 characters (2
in Chinese), phone digits 4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When

from accounts.models import Borrower, LoanAccount, Phone
from collections_app.models import Case
from collections_app.selectors.cases import cases_visible_to
from config.pii import PHONE_TAIL_MIN, name_query_tokens, phone_tail_token

MIN_TEXT = 3
MIN_CJK = 2  # a Chinese name is often two characters
MIN_DIGITS = PHONE_TAIL_MIN
LIMIT = 50
CANDIDATES = 5000  # accounts a query may match before it is too wide to list


@dataclass(frozen=True)
class Search:
    query: str
    cases: list[Case]
    too_short: bool
    by_phone: bool
    more: bool  # more matches than shown: narrow the search


def phone_digits(query: str) -> str:
    """The digits of a query that is a phone number or its end (``555-0142``, ``+1 212``): else ''."""
    stripped = re.sub(r"[\s().+-]", "", query)
    return stripped if stripped.isdigit() else ""


def text_minimum(query: str) -> int:
    return MIN_CJK if any("\u2e80" <= char <= "\u9fff" for char in query) else MIN_TEXT


def cases_search(user: AbstractBaseUser | AnonymousUser, query: str) -> Search:
    """The visible cases whose loan or borrower matches ``query``, open ones first, then by days past
    due. Six queries at most whatever the book's size."""
    query = query.strip()[:100]
    digits = phone_digits(query)
    too_short = len(digits) < MIN_DIGITS if digits else len(query) < text_minimum(query)
    if too_short:
        return Search(query, [], True, bool(digits), False)
    accounts: set[int] = set()
    people: set[int] = set()
    if digits:  # numbers are encrypted: found by the blind index of their last digits
        people |= _ids(Phone.objects.filter(number_tails__contains=phone_tail_token(digits)), "borrower_id")
    if not digits or len(digits) >= MIN_TEXT:  # an id may be all digits
        accounts |= _ids(LoanAccount.objects.filter(external_id__istartswith=query), "pk")
        people |= _ids(Borrower.objects.filter(external_id__istartswith=query), "pk")
    if not digits and (words := name_query_tokens(query)):
        named = Borrower.objects.all()
        for word in words:  # every word of the query is a word of the name
            named = named.filter(name_index__contains=word)
        people |= _ids(named, "pk")
    if people:
        accounts |= _ids(LoanAccount.objects.filter(borrower_id__in=people), "pk")
    capped = len(accounts) > CANDIDATES
    found = list(_ordered(cases_visible_to(user).filter(account_id__in=sorted(accounts)[:CANDIDATES]))[: LIMIT + 1])
    return Search(query, found[:LIMIT], False, bool(digits), capped or len(found) > LIMIT)


def _ids(rows: QuerySet[Any], field: str) -> set[int]:
    """Each lookup on its own index, at most ``CANDIDATES`` rows (more: the query is too wide)."""
    return set(rows.values_list(field, flat=True)[: CANDIDATES + 1])


def _ordered(cases: QuerySet[Case]) -> QuerySet[Case]:
    open_first = When_(When(status=Case.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        cases.select_related("account__borrower", "agent__user", "team")
        .annotate(closed=open_first)
        .order_by("closed", "-dpd", "-pk")
    )
