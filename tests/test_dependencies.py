"""Every dependency in pyproject.toml has had its licence reviewed (docs/DEPENDENCIES.md)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_dependency_is_listed_with_its_licence():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    names |= {_name(r) for group in project["optional-dependencies"].values() for r in group}
    listed = {m.lower().replace("_", "-") for m in re.findall(
        r"^\| ([A-Za-z0-9_.-]+)", (ROOT / "docs" / "DEPENDENCIES.md").read_text(), re.M)}
    assert names <= listed, f"add to docs/DEPENDENCIES.md with its licence: {names - listed}"


def test_the_licence_file_is_the_agpl():
    assert "GNU AFFERO GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text()
