"""Typing: minigrad ships its annotations (PEP 561's ``py.typed`` marker, next to the installed package), and the
torch-style user code that ``mypy`` checks against them (tests/typing/user_code.py, run by tools/lint.sh) runs."""

import importlib.util
import runpy
from pathlib import Path

import minigrad


def test_the_package_is_marked_typed():
    assert (Path(minigrad.__file__).parent / "py.typed").is_file()


def test_the_type_checked_user_code_runs():
    path = Path(__file__).resolve().parent / "typing" / "user_code.py"
    module = runpy.run_path(str(path))  # not as __main__: nothing runs at import
    losses = module["train"](epochs=1)
    assert losses and all(loss == loss for loss in losses)
    assert module["tensor_basics"]()["shape"] == (2, 3)


def test_mypy_is_configured_for_the_package():
    if importlib.util.find_spec("tomllib") is None:  # Python < 3.11: the configuration is read by mypy only
        return
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["tool"]["mypy"]
    assert "minigrad" in config["files"] and "tests/typing" in config["files"]
