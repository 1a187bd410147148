"""The reports of collection work, in one package and in the project's layers (DESIGN.md sections 9, 12).

- ``definitions``, ``sql``, ``tables``: what the jobs and the reads share (bucket scale, month-ends,
  states, the raw SQL, the table shapes). They import models only.
- ``jobs``: the aggregation jobs, the only writes (one module per family).
- ``selectors``: the reads of the pages and the API, on the aggregate tables; never a job.
- ``filters``: the filter form every page and the API read the query with.
- ``views``, ``api``, ``tasks``: the entry points (pages, the JSON API, the Celery tasks).

The aggregate tables are ``collections_app.models.reports``; the pages' templates are under
``templates/collections_app/reports``; their template tags are ``collections_app.templatetags.report_tags``.
"""
