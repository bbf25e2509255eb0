"""Layers point down only: core ← org ← accounts ← risks ← dashboard, demo.

The contract lives in pyproject.toml ([tool.importlinter]); `make test` runs `lint-imports`
too. On failure the report names the importing module, the imported one and the line.
"""

from pathlib import Path

from django.conf import settings
from importlinter.api import read_configuration
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def layered_apps() -> set[str]:
    (contract,) = read_configuration(str(PYPROJECT))["contracts_options"]
    return {f"lianfang.{name.strip()}" for layer in contract["layers"] for name in layer.split("|")}


def test_every_app_imports_only_the_apps_below_it():
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_every_installed_app_of_ours_has_a_layer():
    ours = {app for app in settings.INSTALLED_APPS if app.startswith("lianfang.")}
    assert ours == layered_apps()
