"""LU, LDLᵀ, matrix_exp and cdist forwards (float64) in minigrad and in torch, same process.

    python benchmarks/bench_factorizations.py [--repeats 20] [--json out.json]

minigrad's LU is NumPy (one vectorised elimination step per column over the whole batch), its LDLᵀ a Cython kernel
(Bunch-Kaufman, one matrix per thread), its matrix_exp a Padé approximant over NumPy's batched matmul; torch calls
LAPACK's blocked routines. Untargeted: these show where the NumPy loop stops paying (large single matrices).
"""

import numpy as np

import minigrad
from _timing import compare, run_benchmark

# (name, the minigrad call, the torch call, input shape)
WORKLOADS = [
    ("lu_factor 256x8x8", "linalg.lu_factor", (256, 8, 8)),
    ("lu_factor 16x64x64", "linalg.lu_factor", (16, 64, 64)),
    ("lu_factor 1x512x512", "linalg.lu_factor", (1, 512, 512)),
    ("ldl_factor 256x8x8", "linalg.ldl_factor", (256, 8, 8)),
    ("ldl_factor 16x64x64", "linalg.ldl_factor", (16, 64, 64)),
    ("ldl_factor 1x512x512", "linalg.ldl_factor", (1, 512, 512)),
    ("matrix_exp 64x16x16", "matrix_exp", (64, 16, 16)),
    ("cdist 4x256x32 (mm path)", "cdist", (4, 256, 32)),
]


def _resolve(library, path):
    for part in path.split("."):
        library = getattr(library, part)
    return library


def step(library, path, x):
    fn = _resolve(library, path)
    data = library.tensor(x)
    if path == "cdist":
        return lambda: fn(data, data)
    return lambda: fn(data)


def measure(torch, repeats):
    rows = []
    for name, path, shape in WORKLOADS:
        x = np.random.default_rng(0).standard_normal(shape)
        if "ldl" in path:
            x = x + np.swapaxes(x, -1, -2)
        if path == "matrix_exp":
            x = x / 4
        ours, theirs = compare(step(minigrad, path, x), step(torch, path, x) if torch else None, repeats)
        rows.append((f"{name} fwd f64", ours, theirs, None))
    return rows, None


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0], repeats=20)
