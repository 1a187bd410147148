from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from scheduling.api.views import ComplianceCheckView

urlpatterns: list[URLPattern | URLResolver] = [
    path("compliance/check/", ComplianceCheckView.as_view(), name="compliance-check"),
]
