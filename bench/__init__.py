"""Benchmarks of DESIGN.md section 13 on PostgreSQL, against a 1,000,000-account book made by ``seed_demo``.

``make bench`` runs ``python -m bench.run``: it prepares the book (``bench.book``: made once into a
template database, cloned for every run), measures COB against hand-written SQL
(``bench.baseline``), assignment, aggregation, the dialer API under gunicorn against a bare view
(``bench.server``, ``bench.bare``), the screens, then checks every attempt the run allowed against
the rules (``bench.compliance``), and prints one JSON object (also ``bench/last-run.json``).
``python -m bench.summary`` prints its targets as a Markdown table. README.md ("Performance") says
how to read the figures.
"""
