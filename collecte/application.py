"""The Flask application class: Flask, with its per-call sync check remembered."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from flask import Flask

_MEMO_SIZE = 4096  # distinct functions; the app has a few hundred views, hooks and handlers


class Collecte(Flask):
    """Flask asks `ensure_sync()` of every hook, view and error handler on every request, and
    each answer inspects the function anew (about a twentieth of a scan's Python work). Whether
    a function is a coroutine function never changes: remember it. Flask documents this method
    as the one to override."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._is_async: dict[Callable, bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            is_async = self._is_async.get(func)
            if is_async is None:
                function = _underlying(func)
                is_async = self._is_async.get(function)
                if is_async is None:
                    is_async = self._remember(function, inspect.iscoroutinefunction(function))
                self._remember(func, is_async)  # the hooks' bound methods are kept objects
        except TypeError:  # unhashable: ask Flask every time
            return super().ensure_sync(func)
        return super().ensure_sync(func) if is_async else func

    def _remember(self, func: Callable, is_async: bool) -> bool:
        """Also keyed by the function under a bound method or partial: a MethodView makes a
        new bound method on every request, its function stays the same."""
        if len(self._is_async) >= _MEMO_SIZE:
            self._is_async.clear()  # per-request bound methods would otherwise pile up
        self._is_async[func] = is_async
        return is_async


def _underlying(func: Callable) -> Callable:
    while True:
        if isinstance(func, functools.partial):
            func = func.func
        elif inspect.ismethod(func):
            func = func.__func__
        else:
            return func
