"""Demo data about collection work (calls, promises) over the demo book's history: ``seed_activity``."""
