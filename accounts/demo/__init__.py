"""The demo book generator: realistic borrowers, phones, loans and payments, and their COB history.

Not a service of the book: only ``manage.py seed_demo``, the benchmark's book and tests use it. It
sits in the services layer of the import contract (it writes the book through the COB service).
Its entry points are in ``accounts.demo.book``.
"""
