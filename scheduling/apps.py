from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Contact scheduling and compliance")

    def ready(self) -> None:
        # Contract exception "AppConfig.ready": the app's models can only be imported once the app
        # registry is ready, which is why Django calls ready() (after every models module is loaded).
        from django.db.models.signals import post_delete, post_save

        from scheduling.engine.policies import policies_changed
        from scheduling.models import ChannelRule, ContactPolicy, PolicyAssignment

        for model in (ContactPolicy, ChannelRule, PolicyAssignment):
            post_save.connect(policies_changed, sender=model, dispatch_uid=f"policies-changed-save-{model.__name__}")
            post_delete.connect(policies_changed, sender=model, dispatch_uid=f"policies-changed-delete-{model.__name__}")
