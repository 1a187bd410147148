"""``manage.py runserver`` that, with no broker, runs the beat schedule in-process (``scheduling.embedded``).

It is staticfiles' ``runserver`` (static files served as before) plus the embedded scheduler,
started in the process that serves (under the autoreloader: the child, once per reload).
``--noscheduler`` (or ``EMBEDDED_SCHEDULER=0``) leaves it off.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.management.base import CommandParser

from config.celery import app
from scheduling.embedded import embedded_scheduler_start, embedded_wanted


class Command(StaticRunserver):
    help = StaticRunserver.help + " Without CELERY_BROKER_URL it runs the periodic jobs in-process too."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--noscheduler",
            action="store_false",
            dest="use_scheduler",
            help="Do not run the periodic jobs in this process (they run in-process only without a broker).",
        )

    def inner_run(self, *args: Any, **options: Any) -> None:
        if options.get("use_scheduler", True) and embedded_wanted():
            embedded_scheduler_start(app)
            self.stdout.write("Periodic jobs run in this process (no CELERY_BROKER_URL): the embedded scheduler.")
        super().inner_run(*args, **options)
