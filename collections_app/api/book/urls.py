from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from collections_app.api.book.views import BookImportView, PaymentPostView

urlpatterns: list[URLPattern | URLResolver] = [
    path("book/import/", BookImportView.as_view(), name="api-book-import"),
    path("payments/", PaymentPostView.as_view(), name="api-payments"),
]
