"""pytest configuration for the doctests in minigrad/: the names docstring examples take for granted, and the
doctests of the core modules setup.py compiles."""

import importlib
import importlib.machinery
import pathlib

import numpy as np
import pytest
from _pytest.doctest import DoctestModule

# their examples need two MPI ranks: tests/test_distributed.py runs them under mpiexec (distributed_worker.doctests)
collect_ignore = ["minigrad/distributed/collectives.py", "minigrad/distributed/ddp.py"]

ROOT = pathlib.Path(__file__).resolve().parent


class _BuiltModuleDoctests(DoctestModule):
    """The doctests of a ``.py`` that imports from its compiled build (setup.py compiles the core's
    ``autograd/{engine,function,tensor}.py``): pytest would import the file by its path and refuse the module the
    package imported, whose ``__file__`` is the ``.so``; this takes that module, so the examples run on the code
    the package runs (the docstrings are the same text)."""

    def _getobj(self):
        return importlib.import_module(_module_name(self.path))


def _module_name(path):
    return ".".join(path.resolve().relative_to(ROOT).with_suffix("").parts)


def _imports_a_build(path):
    """Whether the package imports ``path`` (a module of minigrad/) from a compiled build beside it."""
    return path.parent.is_relative_to(ROOT / "minigrad") and any(
        path.with_suffix(suffix).exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collectors = yield
    if file_path.suffix != ".py" or not _imports_a_build(file_path):
        return collectors
    return [
        _BuiltModuleDoctests.from_parent(parent, path=file_path) if isinstance(c, DoctestModule) else c
        for c in collectors or ()
    ]


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import minigrad
    import minigrad.nn as nn
    import minigrad.nn.functional as F

    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    doctest_namespace.update(
        np=np,
        minigrad=minigrad,
        nn=nn,
        F=F,
        Linear=nn.Linear,
        model=model,
        optimizer=optimizer,
        SGD=minigrad.optim.SGD,
        Adam=minigrad.optim.Adam,
        train_one_epoch=lambda: optimizer.step(),
        loss_fn=F.cross_entropy,
        x=minigrad.randn(3, 4),
        y=minigrad.tensor([0, 1, 1]),
    )
