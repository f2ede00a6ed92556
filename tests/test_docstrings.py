"""Every public name has a docstring: the functions, classes and objects the public modules export, and every
public attribute of ``Tensor`` (methods bound from ``minigrad/ops/methods.py`` share their function's docstring).

Every public name's docstring has an example, and the examples run as doctests: ``pytest`` collects ``minigrad/``
with ``--doctest-modules`` (pyproject's ``addopts``; the names the examples take for granted are in ``conftest.py``),
``test_examples_the_module_walk_misses_run`` runs those doctest's walk does not reach (docstrings built at import
time, ``Tensor``'s slots), and ``tests/test_distributed.py`` those of ``minigrad.distributed`` on two MPI ranks.

Every differentiable public op and layer states how its gradient flows (CONTRIBUTING.md: "Docstrings"): a sentence
or clause that begins with *Gradient* (``Gradient: ``g · [x > 0]``.``, or inline ``...; gradient ``formula```` as
in the older docstrings), or ``Not differentiable`` and why.
"""

import doctest
import importlib
import inspect
import pkgutil
import re

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
    "minigrad.special",
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


GRADIENT_STATEMENT = re.compile(
    r"[Gg]radients?:|(?:^|[;.(,:]\s*)(?:[Tt]he |[Ii]ts |[Nn]o )?[Gg]radients?\b|[Nn]ot\s+differentiable", re.M
)
# where the differentiable public ops and layers are defined (their helpers and containers are not ops)
OP_MODULES = ("minigrad.ops.", "minigrad.nn.functional.", "minigrad.nn.modules.", "minigrad.linalg.")
NOT_OPS = ("minigrad.nn.modules.container", "minigrad.nn.modules.module", "minigrad.linalg._checks")
TWO_RANK_MODULES = ("minigrad.distributed.collectives", "minigrad.distributed.ddp")  # run by test_distributed.py


def _distinct():
    """``{name: object}`` with one name per distinct object (aliases such as ``F.relu``/``minigrad.relu`` once)."""
    found = {}
    for name, value in _public_objects().items():
        found.setdefault(id(value), (name, value))
    return dict(found.values())


def _defined_in(value):
    """The module that defines a public object (a property's getter's, a wrapped function's own)."""
    target = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
    target = inspect.unwrap(target) if callable(target) else target
    return getattr(target, "__module__", None) or ""


def _is_op(value):
    """A public function or ``nn.Module`` class defined among the ops, the functional API, the layers or linalg."""
    module = _defined_in(value)
    if not module.startswith(OP_MODULES) or module.startswith(NOT_OPS):
        return False
    return not isinstance(value, type) or issubclass(value, minigrad.nn.Module)


def test_every_public_name_has_an_example():
    objects = _distinct()
    missing = sorted(name for name, value in objects.items() if ">>>" not in (_doc(value) or ""))
    assert len(objects) > 650  # the walk found the API
    assert missing == [], f"{len(missing)} of {len(objects)} distinct public objects have no example: {missing}"


def test_every_differentiable_op_and_layer_states_its_gradient():
    ops = {name: value for name, value in _distinct().items() if _is_op(value)}
    missing = sorted(name for name, value in ops.items() if not GRADIENT_STATEMENT.search(_doc(value) or ""))
    assert len(ops) > 450  # the ops, functional API, layers and linalg were found
    assert missing == [], f"{len(missing)} of {len(ops)} ops and layers do not state their gradient: {missing}"


def _collected_docstrings():
    """The docstrings whose examples ``--doctest-modules`` runs: what doctest's finder reaches from each module."""
    finder = doctest.DocTestFinder()
    found = set()
    for info in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        if info.name.endswith("__main__") or info.name in TWO_RANK_MODULES:
            continue
        found.update(test.docstring for test in finder.find(importlib.import_module(info.name)) if test.examples)
    return found


def test_examples_the_module_walk_misses_run(doctest_namespace):
    collected = _collected_docstrings()
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(verbose=False)
    reports, ran = [], 0
    for name, value in sorted(_distinct().items()):
        docstring = _doc(value) or ""
        if ">>>" not in docstring or docstring in collected or _defined_in(value).startswith(TWO_RANK_MODULES):
            continue
        minigrad.manual_seed(0)
        runner.run(parser.get_doctest(docstring, dict(doctest_namespace), name, None, 0), out=reports.append)
        ran += 1
    assert ran > 50  # the generated docstrings were reached
    assert runner.failures == 0, "".join(reports)
