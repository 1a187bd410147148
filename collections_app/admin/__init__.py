"""Django admin of collection work, one module per part of the domain (imported here to register them)."""

from collections_app.admin import (  # noqa: F401
    book,
    cases,
    complaints,
    extensions,
    integrations,
    messages,
    promises,
    quality,
    strategies,
)
