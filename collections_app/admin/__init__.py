"""Django admin of collection work, one module per part of the domain (imported here to register them)."""

from collections_app.admin import book, cases, complaints, extensions, integrations, messages, promises  # noqa: F401
