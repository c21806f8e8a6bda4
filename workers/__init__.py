"""Celery workers: the app (entry point), the beat schedule and the tasks. Imports collecte."""
