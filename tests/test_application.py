"""collecte.application.Collecte: Flask, with ensure_sync's answer remembered."""

import functools

import pytest

from collecte.application import _MEMO_SIZE, Collecte


def test_sync_functions_are_returned_as_they_are_and_remembered():
    app = Collecte(__name__)

    def view():
        return "ok"

    bound = functools.partial(view)
    assert app.ensure_sync(view) is view
    assert app.ensure_sync(bound) is bound
    assert app._is_async[view] is False


def test_an_async_function_still_goes_through_flask():
    app = Collecte(__name__)

    async def view():
        return "ok"

    class Views:
        async def get(self):
            return "ok"

    for func in (view, functools.partial(view), Views().get):
        try:
            wrapped = app.ensure_sync(func)
        except RuntimeError as error:  # Flask without its async extra says so
            assert "async" in str(error)
        else:
            assert wrapped is not func


def test_new_bound_methods_on_every_request_do_not_grow_the_memo_without_bound():
    app = Collecte(__name__)

    class View:
        def dispatch(self):
            return "ok"

    for _ in range(_MEMO_SIZE * 2 + 10):
        method = View().dispatch
        assert app.ensure_sync(method) is method
    assert len(app._is_async) <= _MEMO_SIZE


@pytest.mark.parametrize("path", ["/login", "/healthz"])
def test_the_app_is_a_collecte_app_and_serves(client, app, path):
    assert isinstance(app, Collecte)
    assert client.get(path).status_code in (200, 503)
