"""docs/torch_api.md is what tools/torch_api.py makes from the installed torch and this checkout's minigrad.

It goes stale whenever an op is added to minigrad (or KNOWN_DIFFERENCES changes): regenerate it with
``python tools/torch_api.py``. The page records the torch version it was made from; under another torch the
op_db differs, so the check skips.
"""

import importlib.util
import pathlib
import re

import pytest

import minigrad

torch = pytest.importorskip("torch")

_spec = importlib.util.spec_from_file_location(
    "torch_api", pathlib.Path(__file__).resolve().parent.parent / "tools" / "torch_api.py"
)
torch_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(torch_api)


def test_torch_api_page_is_current():
    committed = torch_api.PAGE.read_text()
    made_from = re.search(r"from torch (\S+)'s OpInfo database", committed)
    if made_from is None or made_from.group(1) != torch.__version__:
        pytest.skip(
            f"the page was made from another torch ({made_from and made_from.group(1)}), this is {torch.__version__}"
        )
    try:
        op_db = torch_api.load_op_db()
    except ImportError as exc:
        pytest.skip(f"torch's OpInfo database does not import ({exc}); pip install expecttest")
    assert torch_api.render(torch, minigrad, op_db) == committed, (
        "docs/torch_api.md is stale: run python tools/torch_api.py"
    )
