"""The layers in pyproject.toml (checked by import-linter in `make lint`) cover every module of candidly.

import-linter checks only the modules a layer names: a new module left out of the contract would be free to
import anything. This test makes leaving one out fail.
"""

from __future__ import annotations

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


def test_every_module_is_in_exactly_one_layer():
    layers = _layers()
    # The package itself and each app's package (__init__) hold no code of their own.
    containers = {"candidly", *(f"candidly.{app}" for app in ("accounts", "people", "hiring", "followups"))}
    containers |= {"candidly.messaging", "candidly.timeline", "candidly.reports", "candidly.webhooks"}

    unplaced = [m for m in _modules() if m not in containers and len(_owners(m, layers)) != 1]

    assert unplaced == []


def test_the_contract_has_the_layers_the_architecture_names():
    layers = _layers()

    assert len(layers) >= 5
    assert layers[-1] == ["candidly.lib"]
    assert "candidly.urls" in layers[0]
