"""Benchmarks of DESIGN.md section 13, on PostgreSQL, against a book made by ``seed_demo``.

``make bench`` runs ``python -m bench.run`` (to come), which prints one JSON object of figures.
The book comes from the project's own seeder; to make it and time the nightly close by hand::

    createdb -h 127.0.0.1 -U postgres cw_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench
    .venv/bin/python manage.py migrate
    /usr/bin/time -v .venv/bin/python manage.py seed_demo --accounts 1000000 --no-cob
    /usr/bin/time -v .venv/bin/python manage.py run_cob

``seed_demo --accounts 1000000`` is deterministic for a seed and an as-of date (``--today``):
about 7.6% of the accounts are past due on the last day (M1 to M6+), 31% are paid off. On
PostgreSQL it loads with COPY from two worker processes, with the seeded tables' foreign keys
and plain indexes made again after the load. The first COB after seeding opens the cases of
every delinquent account.
"""
