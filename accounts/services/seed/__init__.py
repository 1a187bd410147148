"""The demo book: realistic borrowers, phones, loans and payments, and their COB history.

The services live in ``accounts.services.seed.book``.
"""
