from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from config.warm import settled  # noqa: E402 (the config package names its settings module if none is)

application = settled(get_wsgi_application())
