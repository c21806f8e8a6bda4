"""pybabel's Python extractor, plus the messages nested in another marked call's arguments."""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator

from babel.messages.extract import extract_python

# Keywords whose first argument is not simply the msgid (plural, context, domain).
_NOT_SIMPLE = {"ngettext", "pgettext", "npgettext", "dgettext", "dngettext"}


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel's extractor skips a keyword call inside another one's arguments, e.g. the N_()
    field messages of `Invalid("...", errors={"file": [N_("Vide.")]})`: a second pass over the
    syntax tree finds those, so that every message a domain error carries is translated."""
    source = fileobj.read()
    found: set[str] = set()
    for lineno, funcname, messages, comments in extract_python(
            io.BytesIO(source), keywords, comment_tags, options):
        found.update([messages] if isinstance(messages, str) else
                     [m for m in messages or () if isinstance(m, str)])
        yield lineno, funcname, messages, comments
    tree = ast.parse(source.decode(options.get("encoding") or "utf-8"))
    for node in ast.walk(tree):
        name = _called_name(node)
        if name is None or name not in keywords or name in _NOT_SIMPLE or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                and first.value not in found:
            found.add(first.value)
            yield first.lineno, name, first.value, []


def _called_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None
