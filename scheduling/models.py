"""Contact policies, the compliance engine's counters, callbacks (arriving with their issues)."""

from __future__ import annotations
