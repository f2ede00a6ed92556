"""The model examples (cnn_mnist, char_lm) run end to end with tiny settings, on minigrad and with --torch.

Their accuracy targets take minutes: those tests are marked ``slow`` and run only with ``MINIGRAD_SLOW=1`` (the
MNIST one also needs ``MINIGRAD_MNIST_DIR``, a folder of the MNIST IDX files).
"""

import os
import re
from importlib.util import find_spec

import numpy as np
import pytest

from minigrad.datasets import write_idx
from test_examples import final_number, run

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

slow = pytest.mark.skipif(os.environ.get("MINIGRAD_SLOW") != "1", reason="slow: set MINIGRAD_SLOW=1 to run")
needs_torch = pytest.mark.skipif(find_spec("torch") is None, reason="needs PyTorch")

TINY_CNN = ("--epochs", 1, "--max-steps", 2, "--size", 8)
TINY_LM = (
    *("--chars", 20000, "--steps", 4, "--eval-every", 2, "--warmup", 1, "--batch-size", 4, "--block", 16),
    *("--embed", 16, "--heads", 2, "--layers", 1, "--hidden", 16, "--eval-batches", 1, "--sample-chars", 10),
)


@pytest.mark.parametrize("name", ["cnn_mnist", "char_lm"])
def test_help_lists_the_options(name):
    output = run(name, "--help").stdout
    assert output.startswith("usage:") and "--out-dir" in output and "--torch" in output and "--resume" in output


def test_cnn_on_digits_runs_and_resumes(tmp_path):
    pytest.importorskip("sklearn")
    output = run("cnn_mnist", *TINY_CNN, "--out-dir", tmp_path).stdout
    assert 0 <= final_number(output, "test accuracy") <= 1 and final_number(output, "epoch time") > 0
    assert (tmp_path / "cnn_mnist.npz").exists() and (tmp_path / "cnn_mnist.png").exists()
    resumed = run("cnn_mnist", *TINY_CNN[2:], "--epochs", 2, "--resume", "--out-dir", tmp_path).stdout
    assert "resumed from" in resumed and "after epoch 1" in resumed
    assert re.findall(r"^epoch +(\d+)", resumed, flags=re.M) == ["2"]


def test_cnn_reads_mnist_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 40), ("t10k", 20)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, count, dtype=np.uint8))
    output = run("cnn_mnist", "--data-dir", tmp_path, "--epochs", 1, "--max-steps", 1, "--out-dir", tmp_path).stdout
    assert "train 40 / test 20 images" in output and "; 1199882 parameters" in output  # pytorch/examples' Net
    assert 0 <= final_number(output, "test accuracy") <= 1


def test_cnn_without_mnist_files_fails_clearly(tmp_path):
    result = run("cnn_mnist", "--data-dir", tmp_path, "--out-dir", tmp_path, check=False)
    assert result.returncode != 0 and "not found" in result.stderr


@needs_torch
def test_cnn_runs_on_torch(tmp_path):
    pytest.importorskip("sklearn")
    output = run("cnn_mnist", *TINY_CNN, "--torch", "--out-dir", tmp_path).stdout
    assert output.startswith("torch:") and (tmp_path / "cnn_mnist_torch.pt").exists()
    assert 0 <= final_number(output, "test accuracy") <= 1


@pytest.mark.parametrize("arch", ["transformer", "lstm"])
def test_char_lm_runs_and_resumes(tmp_path, arch):
    output = run("char_lm", *TINY_LM, "--arch", arch, "--out-dir", tmp_path).stdout
    assert re.findall(r"^step +(\d+)", output, flags=re.M) == ["2", "4"]
    assert "--- sample" in output and final_number(output, "tokens per second") > 0
    assert final_number(output, "val bpc") == pytest.approx(final_number(output, "val loss") / np.log(2), abs=1e-3)
    assert (tmp_path / f"char_lm_{arch}.npz").exists() and (tmp_path / f"char_lm_{arch}.png").exists()
    resumed = run(
        "char_lm", *TINY_LM[:2], *TINY_LM[4:], "--steps", 6, "--arch", arch, "--resume", "--out-dir", tmp_path
    )
    assert "resumed from" in resumed.stdout and "after step 4" in resumed.stdout
    assert re.findall(r"^step +(\d+)", resumed.stdout, flags=re.M) == ["6"]


def test_char_lm_reads_any_text_file(tmp_path):
    text = tmp_path / "poem.txt"
    text.write_text("the quick brown fox jumps over the lazy dog\n" * 200)
    output = run("char_lm", *TINY_LM, "--data", text, "--out-dir", tmp_path).stdout
    assert "(28 distinct)" in output  # 26 letters, space, newline


def test_char_lm_resume_without_checkpoint_fails_clearly(tmp_path):
    result = run("char_lm", *TINY_LM, "--resume", "--out-dir", tmp_path, check=False)
    assert result.returncode != 0 and "no checkpoint" in result.stderr


@needs_torch
@pytest.mark.parametrize("arch", ["transformer", "lstm"])
def test_char_lm_runs_on_torch_with_the_same_batches_and_weights(tmp_path, arch):
    ours = run("char_lm", *TINY_LM, "--arch", arch, "--out-dir", tmp_path).stdout
    theirs = run("char_lm", *TINY_LM, "--arch", arch, "--torch", "--out-dir", tmp_path).stdout
    assert theirs.startswith("torch:") and (tmp_path / f"char_lm_{arch}_torch.pt").exists()
    # the same architecture and parameter count on both libraries
    assert ours.split("\n")[0].split(":", 1)[1] == theirs.split("\n")[0].split(":", 1)[1]
    # the same initial weights (drawn with NumPy, not with either library's random stream)
    assert final_number(ours, "initial held-out loss") == pytest.approx(final_number(theirs, "initial held-out loss"))


@slow
@pytest.mark.slow
def test_cnn_reaches_98_5_percent_on_digits(tmp_path):
    pytest.importorskip("sklearn")
    assert final_number(run("cnn_mnist", "--out-dir", tmp_path).stdout, "test accuracy") >= 0.985


@slow
@pytest.mark.slow
def test_cnn_reaches_99_percent_on_mnist(tmp_path):
    data_dir = os.environ.get("MINIGRAD_MNIST_DIR")
    if not data_dir:
        pytest.skip("set MINIGRAD_MNIST_DIR to a folder of the MNIST IDX files (tools/mnist_idx.py writes them)")
    output = run("cnn_mnist", "--data-dir", data_dir, "--out-dir", tmp_path, timeout=3600).stdout
    assert final_number(output, "test accuracy") >= 0.99


@slow
@pytest.mark.slow
@needs_torch
@pytest.mark.parametrize("arch", ["transformer", "lstm"])
def test_char_lm_held_out_loss_within_2_percent_of_torch(tmp_path, arch):
    ours = final_number(run("char_lm", "--arch", arch, "--out-dir", tmp_path).stdout, "val loss")
    theirs = final_number(run("char_lm", "--arch", arch, "--torch", "--out-dir", tmp_path).stdout, "val loss")
    assert abs(ours - theirs) <= 0.02 * theirs
