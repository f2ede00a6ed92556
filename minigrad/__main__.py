"""``python -m minigrad``: the environment report a bug report needs.

It prints minigrad's and NumPy's versions, NumPy's BLAS, where the compiled kernels are and whether each links an
OpenMP runtime, how many threads the kernels use, and which optional extras are installed (found, not imported).
"""

import importlib.util
import platform
import sys
from pathlib import Path

import numpy as np

import minigrad

EXTRAS = (
    "torch",
    "safetensors",
    "onnx",
    "onnxruntime",
    "mpi4py",
    "tqdm",
    "matplotlib",
    "sklearn",
    "hypothesis",
    "pytest",
)


def _blas():
    """NumPy's BLAS as its build configuration names it."""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy: no dict mode
        return "unknown (numpy.show_config() prints it)"


def _kernels():
    """(name, path, links an OpenMP runtime) for each compiled kernel."""
    directory = Path(minigrad.__file__).parent / "_kernels"
    found = []
    for library in sorted(directory.glob("*.so")) + sorted(directory.glob("*.pyd")):
        if library.name.startswith("_"):  # Cython's shared utility module, not a kernel
            continue
        binary = library.read_bytes()  # the OpenMP runtimes' entry points: GNU, LLVM/Intel, MSVC
        found.append(
            (library.name.split(".")[0], library, any(mark in binary for mark in (b"GOMP_", b"__kmpc", b"vcomp")))
        )
    return found


def report():
    """The report as a list of lines."""
    lines = [
        f"minigrad {minigrad.__version__} ({Path(minigrad.__file__).parent})",
        f"Python {platform.python_version()} on {platform.platform()}",
        f"NumPy {np.__version__}, BLAS: {_blas()}",
        f"kernel threads: {minigrad.get_num_threads()} (minigrad.set_num_threads / OMP_NUM_THREADS)",
    ]
    kernels = _kernels()
    lines.append(f"compiled kernels ({len(kernels)}):" if kernels else "compiled kernels: none found (not built?)")
    lines += [f"  {name:<20} {'OpenMP' if openmp else 'serial'}  {path}" for name, path, openmp in kernels]
    lines.append(
        "optional packages: "
        + ", ".join(f"{name} {'yes' if importlib.util.find_spec(name) else 'no'}" for name in EXTRAS)
    )
    return lines


if __name__ == "__main__":
    print("\n".join(report()))
    sys.exit(0)
