"""Every example runs as a script (tiny settings, except the digits one, which must reach its accuracy)."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from minigrad.datasets import write_idx

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
NAMES = [
    "mlp_digits",
    "mnist_mlp",
    "regression",
    "ctc_toy",
    "triplet_embeddings",
    "segmentation_ce",
    "loss_tour",
    "ddp_digits",
]


def run(name, *args, check=True, timeout=300):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
        MPLBACKEND="Agg",
        # the examples' problems are tiny: threads cannot speed them up, and while other test processes
        # share the cores, idle BLAS/OpenMP threads spinning for work slow them down many times over
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, f"{name}.py"), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        pytest.fail(f"{name} exited with {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def final_number(output, label):
    match = re.search(rf"^{label}: ([0-9.]+)$", output, flags=re.M)
    assert match, f"no '{label}: ...' line in:\n{output[-2000:]}"
    return float(match.group(1))


@pytest.mark.parametrize("name", NAMES)
def test_help(name):
    result = run(name, "--help")
    assert result.stdout.startswith("usage:") and "--out-dir" in result.stdout


def test_mlp_digits_reaches_96_percent_and_resumes(tmp_path):
    pytest.importorskip("sklearn")
    output = run("mlp_digits", "--out-dir", tmp_path).stdout
    assert final_number(output, "test accuracy") >= 0.96
    assert (tmp_path / "mlp_digits.npz").exists() and (tmp_path / "mlp_digits.png").exists()
    assert len(re.findall(r"^epoch ", output, flags=re.M)) == 30
    resumed = run("mlp_digits", "--out-dir", tmp_path, "--epochs", 31, "--resume").stdout
    assert "resumed from" in resumed and "after epoch 30" in resumed
    assert re.findall(r"^epoch +(\d+)", resumed, flags=re.M) == ["31"]


def test_mlp_digits_resume_without_checkpoint_fails_clearly(tmp_path):
    pytest.importorskip("sklearn")
    result = run("mlp_digits", "--out-dir", tmp_path, "--resume", check=False)
    assert result.returncode != 0 and "no checkpoint" in result.stderr


def write_tiny_mnist(folder):
    """Synthetic MNIST files: noise plus a bright bar whose row gives the label (learnable in one epoch)."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 640), ("t10k", 100)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        images[np.arange(n), 2 + 2 * labels, 4:24] = 255
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)


def test_mnist_mlp_on_tiny_synthetic_idx_files(tmp_path):
    write_tiny_mnist(tmp_path)
    output = run("mnist_mlp", "--data-dir", tmp_path, "--epochs", 1, "--out-dir", tmp_path / "out").stdout
    assert "train 640 / test 100 images" in output
    assert final_number(output, "test accuracy") >= 0.9
    assert (tmp_path / "out" / "mnist_mlp.png").exists() and (tmp_path / "out" / "mnist_mlp.npz").exists()


def test_mnist_mlp_without_files_says_where_to_get_them(tmp_path):
    result = run("mnist_mlp", "--data-dir", tmp_path, "--out-dir", tmp_path, check=False)
    assert result.returncode == 1
    assert "train-images-idx3-ubyte" in result.stderr and "https://" in result.stderr
    assert "Traceback" not in result.stderr


def test_regression(tmp_path):
    output = run("regression", "--steps", 300, "--out-dir", tmp_path).stdout
    rows = dict(re.findall(r"^(MSE|L1)\s+([0-9.]+)", output, flags=re.M))
    assert float(rows["L1"]) < float(rows["MSE"])  # the robust loss recovers the slope better
    assert (tmp_path / "regression.png").exists()


def test_ctc_toy(tmp_path):
    output = run("ctc_toy", "--epochs", 1, "--train", 200, "--test", 50, "--out-dir", tmp_path).stdout
    assert 0 <= final_number(output, "greedy decoding accuracy") <= 1
    assert (tmp_path / "ctc_toy.png").exists()


def test_triplet_embeddings(tmp_path):
    pytest.importorskip("sklearn")
    output = run("triplet_embeddings", "--epochs", 1, "--steps", 5, "--out-dir", tmp_path).stdout
    assert 0 <= final_number(output, "nearest-centre accuracy") <= 1
    assert (tmp_path / "triplet_embeddings.png").exists()


def test_segmentation_ce(tmp_path):
    output = run("segmentation_ce", "--epochs", 1, "--train", 20, "--test", 5, "--out-dir", tmp_path).stdout
    assert 0 <= final_number(output, "mean IoU") <= 1
    assert "IoU triangle" in output and (tmp_path / "segmentation_ce.png").exists()


def test_loss_tour_agrees_with_every_formula(tmp_path):
    output = run("loss_tour", "--out-dir", tmp_path).stdout
    count = int(re.search(r"^(\d+) of \1 losses agree with their formulas$", output, flags=re.M).group(1))
    assert count >= 25 and "MISMATCH" not in output
    assert (tmp_path / "loss_tour.png").exists()


def test_ddp_digits_on_two_ranks_reaches_the_single_process_accuracy(tmp_path):
    pytest.importorskip("mpi4py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "minigrad.distributed.run",
            "--nproc-per-node",
            "2",
            "--threads-per-rank",
            "1",
            os.path.join(EXAMPLES, "ddp_digits.py"),
            "--epochs",
            "15",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert final_number(result.stdout, "final test accuracy") >= 0.95
    assert (tmp_path / "ddp_digits.npz").exists()
