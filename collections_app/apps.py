from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from config import roundtrips


class CollectionsAppConfig(AppConfig):
    name = "collections_app"
    verbose_name = _("Collection work")

    def ready(self) -> None:
        # The hot paths' prepared statements keep their generic plans (config.roundtrips).
        connection_created.connect(roundtrips.generic_plans_set, dispatch_uid="roundtrips.generic_plans_set")
