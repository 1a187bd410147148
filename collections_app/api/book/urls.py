from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from collections_app.api.book.views import BookImportJobView, BookImportView, PaymentPostView

urlpatterns: list[URLPattern | URLResolver] = [
    path("book/import/", BookImportView.as_view(), name="api-book-import"),
    path("book/import/jobs/<int:job_id>/", BookImportJobView.as_view(), name="api-book-import-job"),
    path("payments/", PaymentPostView.as_view(), name="api-payments"),
]
