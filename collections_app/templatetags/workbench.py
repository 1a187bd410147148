"""Template helpers of the web shell: the navigation by role and signed number formatting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from collections_app import roles
from collections_app.selectors.extensions import approval_queue

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: tuple[str, ...]  # empty: every signed-in user
    staff_only: bool = False
    count: Callable[[Any], int] | None = None  # a figure shown beside the label (what waits there)
    more: bool = False  # under "More" at the end of the bar, not on the bar itself


def approvals_waiting(user: Any) -> int:
    return approval_queue(user).count()


# Each screen a role may open from the bar, with the roles its view lets in (the bar never offers a page
# that answers 403). The daily ones on the bar; the others under "More", so the bar keeps one line at
# 1024 px in both languages. A link shows only once its URL exists, so screens still to come need no
# placeholder routes.
NAVIGATION = (
    NavItem("today", _("Today"), (roles.TEAM_LEAD, roles.SUPERVISOR)),
    NavItem("queue", _("My queue"), (roles.AGENT,)),
    NavItem("promises", _("My promises"), (roles.AGENT,)),
    NavItem("search", _("Search"), (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR, roles.ANALYST)),
    NavItem("teams", _("Teams"), (roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR)),
    NavItem("extension-queue", _("Approvals"), (roles.TEAM_LEAD, roles.SUPERVISOR), count=approvals_waiting),
    NavItem("complaint-queue", _("Complaints"), (roles.TEAM_LEAD, roles.SUPERVISOR)),
    NavItem("my-complaints", _("My complaints"), (roles.AGENT,)),
    # Reviewers (team leads, supervisors) score calls there; agents read their own scores.
    NavItem("qa-reviews", _("Call reviews"), (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR)),
    NavItem("portfolio", _("Portfolio"), roles.PORTFOLIO_ROLES),
    NavItem("report-portfolio", _("Reports"), roles.PORTFOLIO_ROLES),
    NavItem("promise-board", _("Promises by agent"), (roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.ANALYST),
            more=True),
    NavItem("promise-pipeline", _("Promises by date"),
            (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.ANALYST), more=True),
    NavItem("cases-unworked", _("Unworked cases"), (roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.ANALYST),
            more=True),
    NavItem("message-log", _("Messages"),
            (roles.AGENT, roles.TEAM_LEAD, roles.SUPERVISOR, roles.ADMINISTRATOR, roles.ANALYST), more=True),
    NavItem("strategies", _("Strategies"), (roles.SUPERVISOR,), more=True),
    NavItem("admin:index", _("Admin"), (), staff_only=True, more=True),
)  # fmt: skip


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    active: bool
    count: int | None = None


@dataclass(frozen=True)
class NavMenu:
    main: list[NavLink]
    more: list[NavLink]

    @property
    def more_active(self) -> bool:
        return any(link.active for link in self.more)

    def __bool__(self) -> bool:
        return bool(self.main or self.more)


@register.simple_tag(takes_context=True)
def nav_menu(context: dict[str, Any]) -> NavMenu:
    """The signed-in user's links on the bar and under "More"; the active one is the page's own (the
    longest link its address starts with: the pipeline at /promises/pipeline/, not My promises)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return NavMenu([], [])
    found: list[tuple[NavItem, str]] = []
    for item in NAVIGATION:
        if item.staff_only and not user.is_staff:
            continue
        if item.roles and not roles.user_has_role(user, *item.roles):
            continue
        try:
            found.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    here = max((url for _item, url in found if request.path.startswith(url)), key=len, default=None)
    links = [
        (item.more, NavLink(url, item.label, url == here, item.count(user) if item.count else None))
        for item, url in found
    ]
    return NavMenu([link for more, link in links if not more], [link for more, link in links if more])


@register.simple_tag
def role_names(user: Any) -> str:
    return ", ".join(str(roles.ROLE_LABELS[role]) for role in roles.ROLES if role in roles.user_roles(user))


@register.filter
def money(value: Decimal | int | None) -> str:
    """``1,234,567.50``: two decimals and comma thousands separators, the same in every language."""
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def count(value: int | Decimal | None) -> str:
    """``12,345``: a whole number with comma thousands separators."""
    if value is None:
        return ""
    return f"{int(value):,}"


@register.filter
def signed(value: Decimal | int | None, decimals: int = 0) -> str:
    """``+1,234.50`` / ``\u22123`` / ``0``: a change with its sign and thousands separators."""
    if value is None:
        return ""
    text = f"{abs(Decimal(value)):,.{decimals}f}"
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"
    return text


@register.filter
def trend(change: Any, row: Any) -> str:
    """CSS class for a change: ``worse`` / ``better`` where a rise is bad news, else nothing."""
    delta = getattr(change, "delta", None)
    if not getattr(row, "higher_is_worse", False) or not delta:
        return ""
    return "worse" if delta > 0 else "better"


@register.filter
def signed_percent(value: Decimal | None) -> str:
    """``+12.5%``, or a muted dash when there is nothing to compare with."""
    if value is None:
        return mark_safe('<span class="muted">\u2014</span>')
    return f"{signed(value, 1)}%"


@register.filter
def amounts(value: Any) -> SafeString:
    """An ``Amounts`` (sums per currency) as lines ``1,234.50 USD``; a muted dash when there is none."""
    items = list(value or [])
    if not items:
        return mark_safe('<span class="muted">\u2014</span>')
    return format_html_join(
        "", '<span class="amount"><span class="num">{}</span> <span class="currency">{}</span></span>',
        ((money(amount), currency) for currency, amount in items),
    )


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``mapping|get_item:key``: a dictionary's value by a key held in a variable (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def percent(value: float | None) -> str:
    """``12.3%``: a fraction of 1 as a percentage with one decimal."""
    return "" if value is None else f"{value * 100:.1f}%"


@register.filter
def percent_signed(value: float | None) -> str:
    """``+4.5`` / ``\u22122.0``: a difference of two rates in percentage points, with its sign."""
    if value is None:
        return ""
    points = value * 100
    sign = "+" if points > 0 else "\u2212" if points < 0 else ""
    return f"{sign}{abs(points):.1f}"
