"""Disposition codes as a dialer sends them: the integration's own codes mapped to ours, or ours."""

from __future__ import annotations

from django.utils.translation import gettext as _

from collections_app.models import DispositionCode, DispositionMapping, Integration
from config.errors import DomainError


class DispositionResolver:
    """The integration's codes mapped to ours, then our own codes; loaded once per request (batches)."""

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self._mapped: dict[str, DispositionCode] | None = None
        self._ours: dict[str, DispositionCode] | None = None

    def resolve(self, code: str) -> DispositionCode:
        if self._mapped is None:
            self._mapped = {
                m.external_code: m.disposition
                for m in DispositionMapping.objects.filter(integration=self.integration).select_related("disposition")
            }
            self._ours = {d.code: d for d in DispositionCode.objects.all()}
        found = self._mapped.get(code) or (self._ours or {}).get(code)
        if found is None:
            raise DomainError(
                _("Unknown disposition %(code)r: map it for this integration, or send one of our codes.")
                % {"code": code},
                errors={"disposition": [_("Unknown code (see GET /api/v1/dispositions/).")]},
            )
        return found
