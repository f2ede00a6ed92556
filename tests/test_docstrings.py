"""Every public name has a docstring: the functions, classes and objects the public modules export, and every
public attribute of ``Tensor`` (methods bound from ``minigrad/ops/methods.py`` share their function's docstring).

The examples in those docstrings run as doctests: ``pytest`` collects ``minigrad/`` with ``--doctest-modules``
(pyproject's ``addopts``; the names the examples take for granted are in ``conftest.py``).
"""

import importlib
import inspect

import minigrad

PUBLIC_MODULES = [
    "minigrad",
    "minigrad.nn",
    "minigrad.nn.functional",
    "minigrad.nn.init",
    "minigrad.optim",
    "minigrad.optim.lr_scheduler",
    "minigrad.utils.data",
    "minigrad.autograd",
    "minigrad.distributions",
    "minigrad.distributed",
    "minigrad.onnx",
    "minigrad.linalg",
]


def _public_objects():
    """``{qualified name: object}`` for every public name (modules themselves excepted, data constants too)."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        for name in names:
            value = getattr(module, name)
            if inspect.ismodule(value) or not (callable(value) or isinstance(value, type)):
                continue
            found[f"{module_name}.{name}"] = value
    for name in dir(minigrad.Tensor):
        if not name.startswith("_"):
            found[f"Tensor.{name}"] = inspect.getattr_static(minigrad.Tensor, name)
    return found


def _doc(value):
    """The object's own docstring (a class's is never inherited; a slot's is its ``__slots__`` entry)."""
    if isinstance(value, property):
        value = value.fget
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if inspect.ismemberdescriptor(value):
        return inspect.getdoc(value)
    return value.__doc__


def test_every_public_name_has_a_docstring():
    objects = _public_objects()
    missing = sorted(name for name, value in objects.items() if not (_doc(value) or "").strip())
    assert len(objects) > 600  # the walk found the API (guards against an empty walk passing)
    assert missing == [], f"{len(missing)} of {len(objects)} public names have no docstring: {missing}"
