"""Entry point (filled in by the executor work)."""

from __future__ import annotations


def main() -> None:
    raise SystemExit("longplay: not implemented yet")
