"""Celery tasks. Each takes ids, calls services, and is safe to run twice."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every task module so that its tasks register with the current Celery app."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
