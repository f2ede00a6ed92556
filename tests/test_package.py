"""Package-level promises: a light import, no torch at run time, the compiled kernels in use."""

import importlib
import importlib.metadata
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_pulls_in_no_heavy_package():
    """What keeps ``import minigrad`` fast (its time is measured by benchmarks/bench_import.py, never asserted:
    a wall-clock limit fails at random on a busy machine): numpy is the only third-party package it loads."""
    heavy = ("torch", "scipy", "sklearn", "matplotlib", "tqdm", "pandas", "onnx", "safetensors", "mpi4py")
    code = (
        "import sys; import minigrad, minigrad.nn, minigrad.optim, minigrad.utils.data; "
        f"print(' '.join(name for name in {heavy!r} if name in sys.modules))"
    )
    assert _run(code).strip() == ""


def test_kernels_are_compiled_extensions():
    from minigrad._kernels import softmax

    assert softmax.__file__.endswith((".so", ".pyd"))


def test_num_threads_setting():
    previous = minigrad.get_num_threads()
    try:
        minigrad.set_num_threads(1)
        assert minigrad.get_num_threads() == 1
    finally:
        minigrad.set_num_threads(previous)
    for bad in (0, -1, 1.5, True):
        try:
            minigrad.set_num_threads(bad)
        except ValueError:
            continue
        raise AssertionError(f"set_num_threads({bad!r}) did not raise")


def test_installed_version_is_minigrad_version():
    """The build reads the version from ``minigrad.__version__`` (pyproject's dynamic version): one source."""
    try:
        installed = importlib.metadata.version("minigrad")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("minigrad is not installed (imported from a source tree)")
    assert installed == minigrad.__version__


def test_a_compiled_core_module_is_not_older_than_its_source():
    """setup.py compiles the per-op path (autograd's engine, function and tensor modules, and some ops modules) as
    it is written (Cython's pure-Python mode); the compiled module shadows its .py, so an edit to the .py (or to the
    .pxd that types it) does nothing until the next build. (Not for an installed wheel: its files' times are those
    of the install, in whatever order it wrote them.)"""
    if "site-packages" in Path(minigrad.__file__).parts:
        pytest.skip("an installed package: nothing here is edited")
    package = Path(minigrad.__file__).parent
    for built in [*package.glob("autograd/*.so"), *package.glob("ops/*.so"), *package.glob("*/*.pyd")]:
        name = built.name.split(".")[0]
        for source in (built.with_name(f"{name}.py"), built.with_name(f"{name}.pxd")):
            if source.exists():
                assert built.stat().st_mtime >= source.stat().st_mtime, (
                    f"{built.name} is older than {source.name}: rebuild it (python setup.py build_ext --inplace)"
                )


def test_the_core_fields_are_their_slots():
    """The core's field classes are extension types where setup.py compiled them, their fields declared in
    ``minigrad/autograd/*.pxd``; each ``__slots__`` name is a field there, and the public ones keep the slot's
    docstring (a .pxd repeats it: this keeps the two in step). Run as .py, the slots themselves pass."""
    from minigrad.autograd import function, node, tensor

    for cls in (tensor._TensorBase, node._Node, tensor.AccumulateGrad, function._FunctionBase, function.Output):
        slots = cls.__slots__ if isinstance(cls.__slots__, dict) else dict.fromkeys(cls.__slots__)
        for name, doc in slots.items():
            if name.startswith("__"):
                continue
            assert name in vars(cls), f"{cls.__name__}.{name}: a slot that is no field"
            documented = inspect.getdoc(vars(cls)[name])  # (a slot's: its __slots__ entry; a field's: its own)
            assert documented == (doc and inspect.cleandoc(doc)), f"{cls.__name__}.{name}: the .pxd's docstring differs"
