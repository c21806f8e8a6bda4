"""gunicorn settings (`--config python:collecte.gunicorn_conf`): worker start-up hooks."""

import gc


def post_worker_init(worker) -> None:
    """Once the worker has built the app, hide its start-up objects (SQLAlchemy metadata,
    schemas, templates, translations: they live as long as the worker) from the garbage
    collector: a full collection walked them all and paused a request ~100 ms, the p95 of the
    dashboard's national view (docs/BENCHMARKS.md)."""
    gc.freeze()
