"""How long ``import minigrad`` takes in a fresh interpreter (and ``import torch``, for scale): best of 5."""

import subprocess
import sys

CODE = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def import_seconds(module, repeats=5):
    """The best of ``repeats`` fresh-process timings of ``import module``."""
    return min(
        float(
            subprocess.run(
                [sys.executable, "-c", CODE.format(module)], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats)
    )


def main():
    ours = import_seconds("minigrad, minigrad.nn, minigrad.optim")
    print(f"import minigrad (+ nn, optim): {ours * 1000:.0f} ms")
    try:
        theirs = import_seconds("torch")
    except subprocess.CalledProcessError:
        print("import torch: not installed")
    else:
        print(f"import torch: {theirs * 1000:.0f} ms  (ratio {ours / theirs:.2f})")


if __name__ == "__main__":
    main()
