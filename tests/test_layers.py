"""The layers in pyproject.toml (checked by import-linter in `make lint`) cover every module of candidly.

import-linter checks only the modules a layer names: a new module left out of the contract would be free to
import anything. This test makes leaving one out fail.
"""

from __future__ import annotations

import ast
import pkgutil
import tomllib
from pathlib import Path

import candidly

ROOT = Path(__file__).resolve().parent.parent


def _layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    return [[name.strip() for name in layer.replace("|", ":").split(":")] for layer in contract["layers"]]


def _modules() -> list[str]:
    found = ["candidly"]
    for info in pkgutil.walk_packages(candidly.__path__, "candidly."):
        if ".migrations" not in info.name:
            found.append(info.name)
    return found


def _owners(module: str, layers: list[list[str]]) -> list[int]:
    return [
        index
        for index, layer in enumerate(layers)
        for name in layer
        if module == name or module.startswith(name + ".")
    ]


def _holds_no_code(module: str) -> bool:
    path = ROOT / module.replace(".", "/") / "__init__.py"
    if not path.exists():
        return False
    body = ast.parse(path.read_text()).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def test_every_module_is_in_exactly_one_layer():
    layers = _layers()
    # A package whose __init__ holds no code (a docstring at most) is a container, not a module to place.
    containers = {m for m in _modules() if _holds_no_code(m)}

    unplaced = [m for m in _modules() if m not in containers and len(_owners(m, layers)) != 1]

    assert unplaced == []


def test_the_contract_has_the_layers_the_architecture_names():
    layers = _layers()

    assert len(layers) >= 5
    assert layers[-1] == ["candidly.lib"]
    assert "candidly.urls" in layers[0]
