"""Package-level promises: a fast import, no torch at run time, the compiled kernels in use."""
import subprocess
import sys

import minigrad


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_is_fast_and_does_not_import_torch():
    code = ("import time, sys; t = time.perf_counter(); import minigrad, minigrad.nn, minigrad.optim; "
            "print(time.perf_counter() - t); print('torch' in sys.modules)")
    times, torch_loaded = [], []
    for _ in range(3):  # best of three: the machine is shared
        seconds, loaded = _run(code).split()
        times.append(float(seconds))
        torch_loaded.append(loaded == "True")
    assert min(times) < 0.25, f"import minigrad took {min(times):.3f} s"
    assert not any(torch_loaded)


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
