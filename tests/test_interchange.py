"""Arrays in and out without copies (DLPack with torch and NumPy, from_numpy), and `python -m minigrad`'s report."""

import subprocess
import sys

import numpy as np
import pytest

import minigrad


def test_dlpack_with_numpy_is_zero_copy():
    x = minigrad.arange(6.0).reshape(2, 3)
    array = np.from_dlpack(x)
    assert array.ctypes.data == x.numpy().ctypes.data
    y = minigrad.from_dlpack(array)
    y.numpy()[0, 1] = 9.0
    assert x.numpy()[0, 1] == 9.0


def test_dlpack_with_torch_is_zero_copy_both_ways():
    torch = pytest.importorskip("torch")
    x = minigrad.arange(6.0).reshape(2, 3)
    theirs = torch.from_dlpack(x)
    assert theirs.data_ptr() == x.numpy().ctypes.data
    ours = minigrad.from_dlpack(torch.arange(4.0))
    assert ours.tolist() == [0.0, 1.0, 2.0, 3.0] and ours.dtype == minigrad.float32


def test_exporting_a_tensor_that_requires_grad_is_refused_like_torch():
    with pytest.raises(RuntimeError, match="require gradient"):
        np.from_dlpack(minigrad.ones(2, requires_grad=True))


def test_from_numpy_shares_memory():
    array = np.zeros(3, dtype=np.float32)
    minigrad.from_numpy(array).add_(1)
    assert array.tolist() == [1.0, 1.0, 1.0]


def test_environment_report():
    report = subprocess.run([sys.executable, "-m", "minigrad"], capture_output=True, text=True, check=True).stdout
    assert f"minigrad {minigrad.__version__}" in report and "NumPy" in report and "compiled kernels (" in report
    assert "softmax" in report and "optional packages:" in report
