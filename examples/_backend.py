"""The library an example runs on: minigrad, or PyTorch when the command line says ``--torch``.

The examples are written once against the torch API. They call ``load()`` before anything else, so the flag decides
which library is imported:

    torch, nn, F = _backend.load()

``torch`` is ``minigrad`` or ``torch``, ``nn`` its ``nn`` package and ``F`` its ``nn.functional``. The flag is read
from ``sys.argv`` here (each example's argparse also lists it, for ``--help``), so the choice is made before the
library's import runs.
"""

import importlib
import sys

__all__ = ["load", "use_torch", "name"]


def use_torch(argv=None):
    """True when the command line asks for PyTorch (``--torch``)."""
    return "--torch" in (sys.argv[1:] if argv is None else argv)


def name(argv=None):
    """``"torch"`` or ``"minigrad"``: the library the command line picks, for output file names and messages."""
    return "torch" if use_torch(argv) else "minigrad"


def load(argv=None):
    """Import the chosen library; returns ``(torch, nn, F)``: the library, its ``nn`` and its ``nn.functional``."""
    library = name(argv)
    try:
        torch = importlib.import_module(library)
    except ImportError:
        if library != "torch":
            raise
        raise SystemExit("--torch: PyTorch is not installed (pip install torch); run without --torch") from None
    importlib.import_module(f"{library}.utils.data")  # the examples use torch.utils.data.DataLoader & co.
    return torch, importlib.import_module(f"{library}.nn"), importlib.import_module(f"{library}.nn.functional")
