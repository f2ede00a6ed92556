"""The source distribution holds every file the kernel build needs.

A header left out of the sdist only shows when someone builds from it (``pip install minigrad`` on a platform
without a wheel), so this checks the archive itself:

* every kernel that the imported minigrad has compiled comes with its ``.pyx``;
* every header, ``.pxd`` or ``include`` that a kernel source names, directly or through another header, is there;
* run from the source tree, every ``.pyx``, ``.pxd`` and ``.h`` the repository tracks is there, and so are the
  files the build reads (``setup.py``, ``pyproject.toml``, ``README.md``).

The sdist is ``$MINIGRAD_SDIST`` (CI points it at the one ``tools/build_wheel.sh`` made); without it the test
builds one with ``python -m build --sdist`` when the source tree and the ``build`` package are there, and skips
otherwise.
"""

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import minigrad._kernels

SOURCE_TREE = Path(__file__).resolve().parents[1]
KERNELS = "minigrad/_kernels"
CORE = "minigrad/autograd"  # its .pxd files: the C types setup.py compiles the core's .py with
BUILD_INPUTS = ("setup.py", "pyproject.toml", "README.md")
SOURCE_SUFFIXES = (".pyx", ".pxd", ".h")
GENERATED_MODULES = {"_cyutility"}  # Cython writes this shared module itself: it has no source of ours
# what a kernel source names: `cdef extern from "x.h"`, `include "x.pxi"`, `#include "x.h"`, a kernel-dir cimport
REFERENCES = re.compile(r'(?:extern from|^\s*include|#include)\s+"([^"]+)"|minigrad\._kernels\.(\w+) cimport', re.M)


def _in_source_tree():
    return (SOURCE_TREE / "setup.py").is_file() and (SOURCE_TREE / KERNELS).is_dir()


def _installed(distribution):
    """True if ``distribution`` is installed (by its metadata: a build/ folder in the tree is not the package)."""
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    """``{path inside the package root: bytes}`` of every file in the sdist."""
    path = os.environ.get("MINIGRAD_SDIST")
    if not path:
        if not _in_source_tree() or not _installed("build"):
            pytest.skip("no sdist: set MINIGRAD_SDIST, or run from the source tree with `build` installed")
        out = tmp_path_factory.mktemp("sdist")
        subprocess.run(
            [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(SOURCE_TREE)],
            check=True,
            capture_output=True,
        )
        (path,) = out.glob("*.tar.gz")
    with tarfile.open(path) as archive:
        # members are "minigrad-<version>/<path>": drop the top folder
        return {
            member.name.split("/", 1)[1]: archive.extractfile(member).read()
            for member in archive.getmembers()
            if member.isfile()
        }


def test_every_compiled_kernel_has_its_source(sdist):
    compiled = {
        Path(name).name.split(".")[0]
        for folder in minigrad._kernels.__path__
        for name in os.listdir(folder)
        if name.endswith((".so", ".pyd"))
    }
    assert compiled, "the imported minigrad has no compiled kernels"
    missing = sorted(
        f"{KERNELS}/{name}.pyx" for name in compiled - GENERATED_MODULES if f"{KERNELS}/{name}.pyx" not in sdist
    )
    assert not missing, f"compiled kernels whose source the sdist lacks: {missing}"


def test_everything_a_kernel_source_names_is_there(sdist):
    missing = set()
    for name, content in sdist.items():
        if not (name.startswith(KERNELS + "/") and name.endswith(SOURCE_SUFFIXES)):
            continue
        for header, module in REFERENCES.findall(content.decode("utf-8")):
            needed = f"{KERNELS}/{header}" if header else f"{KERNELS}/{module}.pxd"
            if needed not in sdist:
                missing.add(f"{needed} (named in {name})")
    assert not missing, f"the sdist lacks files the kernel sources name: {sorted(missing)}"


@pytest.mark.skipif(not _in_source_tree(), reason="needs the source tree")
def test_every_tracked_build_source_is_there(sdist):
    tracked = subprocess.run(
        ["git", "ls-files", KERNELS, CORE, *BUILD_INPUTS], cwd=SOURCE_TREE, capture_output=True, text=True
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    needed = [name for name in tracked if name.endswith(SOURCE_SUFFIXES) or name in BUILD_INPUTS]
    missing = sorted(name for name in needed if name not in sdist)
    assert not missing, f"tracked build sources missing from the sdist (see MANIFEST.in): {missing}"


def test_the_typing_marker_is_shipped(sdist):
    """PEP 561: without ``py.typed`` in the package, type checkers ignore minigrad's annotations."""
    assert "minigrad/py.typed" in sdist
    assert "minigrad/_kernels/__init__.pyi" in sdist
