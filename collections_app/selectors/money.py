"""Money in several currencies: amounts are kept and added per currency, never across them.

The book holds USD and CNY loans side by side; a total of both is no amount at all. Every total
a screen shows (an agent's open promises, a team's overdue balance, a day's collections) is an
``Amounts``: one sum per currency, shown one under the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

ZERO = Decimal("0.00")


class Amounts:
    """Sums per currency code. Adding two adds currency by currency; zero sums are kept out."""

    __slots__ = ("_sums",)

    def __init__(self, pairs: Iterable[tuple[str, Decimal | int | None]] = ()) -> None:
        self._sums: dict[str, Decimal] = {}
        for currency, amount in pairs:
            self.add(currency, amount)

    def add(self, currency: str, amount: Decimal | int | None) -> None:
        if amount:
            self._sums[currency] = self._sums.get(currency, ZERO) + Decimal(amount)

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts([*self.items(), *other.items()])

    def __radd__(self, other: object) -> Amounts:  # sum() starts from 0
        if other == 0:
            return self
        return NotImplemented

    def items(self) -> list[tuple[str, Decimal]]:
        """(currency, amount) in currency order, zero sums left out."""
        return sorted((currency, amount) for currency, amount in self._sums.items() if amount)

    def __iter__(self) -> Iterator[tuple[str, Decimal]]:
        return iter(self.items())

    def __bool__(self) -> bool:
        return bool(self.items())

    def __getitem__(self, currency: str) -> Decimal:
        return self._sums.get(currency, ZERO)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Amounts) and self.items() == other.items()

    def __repr__(self) -> str:
        return f"Amounts({self.items()!r})"

    @property
    def currencies(self) -> list[str]:
        return [currency for currency, _amount in self.items()]


def amounts_by_key(rows: Iterable[tuple[object, str, Decimal | None]]) -> dict[object, Amounts]:
    """{key: Amounts} from (key, currency, amount) rows, as a GROUP BY key, currency gives them."""
    result: dict[object, Amounts] = {}
    for key, currency, amount in rows:
        result.setdefault(key, Amounts()).add(currency, amount)
    return result
