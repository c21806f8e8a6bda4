"""Domain error messages stay translatable: a literal msgid with params, never an f-string."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "collecte"

# A detail built like this cannot be extracted by pybabel nor translated at display time.
UNTRANSLATABLE = {ast.JoinedStr: "an f-string", ast.BinOp: "a concatenation or % formatting",
                  ast.IfExp: "a conditional (raise each message separately)"}


def _modules() -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py"))}


def _error_classes(modules) -> set[str]:
    """DomainError and every class derived from it anywhere in the package."""
    names = {"DomainError"}
    classes = [node for tree in modules.values() for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef)]
    while True:
        more = {c.name for c in classes
                if any(isinstance(b, ast.Name) and b.id in names for b in c.bases)} - names
        if not more:
            return names
        names |= more


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def _detail(node: ast.Call) -> ast.expr | None:
    if node.args:
        return node.args[0]
    return next((k.value for k in node.keywords if k.arg == "detail"), None)


def _untranslatable(path: str, tree: ast.Module, marked: set[str]) -> list[str]:
    wrong = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _called(node) in marked):
            continue
        detail = _detail(node)
        if detail is None:
            continue
        if type(detail) in UNTRANSLATABLE:
            why = UNTRANSLATABLE[type(detail)]
        elif any(isinstance(n, ast.JoinedStr) for n in ast.walk(detail)):
            why = "built with an f-string"
        else:
            continue
        wrong.append(f"{path}:{node.lineno}: {_called(node)}(...) message is {why}")
    return wrong


def test_no_domain_error_message_is_built_with_an_f_string():
    modules = _modules()
    marked = _error_classes(modules) | {"Message"}
    wrong = [line for path, tree in modules.items()
             for line in _untranslatable(path, tree, marked)]
    assert not wrong, ("use a literal msgid with %(name)s placeholders and params={...}:\n"
                       + "\n".join(wrong))


def test_every_domain_error_class_is_an_extraction_keyword():
    """pybabel extracts `Invalid("...")` like `_("...")` only if babel.cfg names the class."""
    config = configparser.ConfigParser()
    config.read(ROOT / "babel.cfg")
    section = next(s for s in config.sections() if s.endswith("**.py"))
    keywords = set(config[section]["keywords"].split())
    missing = _error_classes(_modules()) - keywords
    assert not missing, f"add {sorted(missing)} to the keywords of babel.cfg"


def test_the_scan_catches_every_untranslatable_form_of_message():
    """Not vacuous: it knows the package's error classes and flags each way of building a
    message that pybabel cannot extract."""
    modules = _modules()
    classes = _error_classes(modules)
    assert {"Invalid", "NotFound", "Conflict", "TooLarge"} <= classes
    sample = ast.parse(
        'raise Invalid(f"Au plus {n} lignes.")\n'
        'raise NotFound("Codes : " + ", ".join(codes))\n'
        'raise Conflict("a" if x else "b")\n'
        'raise TooLarge(str(f"{mb} Mo"))\n'
        'raise Invalid("Au plus %(n)s lignes.", params={"n": n})\n'
        'raise Invalid(str(exc), errors={"file": [Message("%(mb)s Mo au plus.", mb=mb)]})\n')
    flagged = _untranslatable("sample.py", sample, classes | {"Message"})
    assert [line.split(":")[1] for line in flagged] == ["1", "2", "3", "4"]
