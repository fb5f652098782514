"""Every runtime dependency declared in pyproject.toml is imported by the bot's code: a
dependency nobody imports is weight, attack surface and a promise nobody keeps."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Declared for a package we use, not imported by our code, each with the reason.
INDIRECT = {
    "sniffio": "httpcore imports it on every request when present and retries the import when not",
    "tzdata": "zoneinfo reads it when the OS has no time zone database (a slim image without "
    "Debian's tzdata): freeze windows name IANA zones, which must resolve on every image",
}
# Distribution name -> the module it installs, where the two differ beyond '-' and '_'.
MODULES = {"slack-bolt": "slack_bolt", "slack-sdk": "slack_sdk"}


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0] for dep in project["dependencies"]]


def _imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_every_declared_dependency_is_imported() -> None:
    imported = _imported_top_level_modules()
    unused = [
        dist
        for dist in _declared()
        if dist not in INDIRECT and MODULES.get(dist, dist.replace("-", "_")) not in imported
    ]
    assert unused == [], f"declared in pyproject.toml but imported nowhere in src: {unused}"


def test_the_indirect_ones_are_still_declared() -> None:
    assert set(INDIRECT) <= set(_declared()), "drop the reason when the dependency goes"
