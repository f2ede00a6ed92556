"""The CRNN + CTC and VAE examples end to end at tiny sizes (options, checkpoint and --resume, plots, --torch), their
decoding helpers, and — with the other slow tests (MINIGRAD_SLOW=1) — the CRNN's accuracy target."""

import itertools
import os
import re
import sys

import numpy as np
import pytest

from test_examples import EXAMPLES, final_number, run

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
pytest.importorskip("sklearn")  # the digits

TINY_CRNN = ("--epochs", 1, "--train", 48, "--test", 12, "--batch-size", 24, "--channels", 4, 8, "--hidden", 8)
TINY_VAE = ("--epochs", 1, "--channels", 4, "--hidden", 16, "--batch-size", 256)


@pytest.fixture(scope="module")
def crnn_ctc():
    """The example as a module (its library switch reads no --torch from pytest's command line: minigrad)."""
    sys.path.insert(0, EXAMPLES)
    try:
        import crnn_ctc
    finally:
        sys.path.remove(EXAMPLES)
    return crnn_ctc


def epochs_run(output):
    return [int(n) for n in re.findall(r"^epoch +(\d+)", output, flags=re.M)]


@pytest.mark.parametrize("name", ["crnn_ctc", "vae_digits"])
def test_help_lists_the_options(name):
    usage = run(name, "--help").stdout
    assert usage.startswith("usage:")
    for option in ("--out-dir", "--resume", "--torch", "--epochs"):
        assert option in usage
    assert "(default:" in usage


def test_crnn_trains_resumes_and_plots(tmp_path):
    output = run("crnn_ctc", *TINY_CRNN, "--out-dir", tmp_path).stdout
    assert epochs_run(output) == [1]
    assert "48 training strips per epoch from 1437 digit images, 12 held-out strips from 360 others" in output
    for label in ("test accuracy", "greedy decoding accuracy"):
        assert 0 <= final_number(output, label) <= 1
    assert final_number(output, "digit error rate") >= 0  # insertions count too: it can pass 1
    assert (tmp_path / "crnn_ctc.npz").exists() and (tmp_path / "crnn_ctc.png").exists()
    resumed = run("crnn_ctc", *TINY_CRNN[2:], "--epochs", 2, "--resume", "--out-dir", tmp_path).stdout
    assert "resumed from" in resumed and "after epoch 1" in resumed
    assert epochs_run(resumed) == [2]


def test_crnn_with_an_lstm(tmp_path):
    output = run("crnn_ctc", *TINY_CRNN, "--rnn", "lstm", "--max-digits", 3, "--out-dir", tmp_path).stdout
    assert 0 <= final_number(output, "test accuracy") <= 1


def test_resume_without_checkpoint_fails_clearly(tmp_path):
    for name in ("crnn_ctc", "vae_digits"):
        result = run(name, "--resume", "--out-dir", tmp_path, check=False)
        assert result.returncode != 0 and "no checkpoint" in result.stderr


def test_vae_trains_resumes_and_plots(tmp_path):
    output = run("vae_digits", *TINY_VAE, "--out-dir", tmp_path).stdout
    assert epochs_run(output) == [1]
    assert final_number(output, "test loss") > final_number(output, "test KL") >= 0
    assert (tmp_path / "vae_digits.npz").exists() and (tmp_path / "vae_digits.png").exists()
    resumed = run("vae_digits", *TINY_VAE[2:], "--epochs", 2, "--resume", "--out-dir", tmp_path).stdout
    assert "after epoch 1" in resumed and epochs_run(resumed) == [2]


def test_vae_with_more_latent_dimensions_projects_them(tmp_path):
    output = run("vae_digits", *TINY_VAE, "--latent", 4, "--out-dir", tmp_path).stdout
    assert final_number(output, "test loss") > 0 and (tmp_path / "vae_digits.png").exists()


@pytest.mark.parametrize("name, tiny", [("crnn_ctc", TINY_CRNN), ("vae_digits", TINY_VAE)])
def test_the_same_script_runs_on_torch(tmp_path, name, tiny):
    pytest.importorskip("torch")
    output = run(name, *tiny, "--torch", "--out-dir", tmp_path).stdout
    assert output.startswith("torch: ")
    assert (tmp_path / f"{name}_torch.pt").exists() and (tmp_path / f"{name}_torch.png").exists()


def test_strips_hold_their_digits(crnn_ctc):
    """Every target digit is drawn (the inked area grows with their number); targets are classes 1..10, then blanks."""
    args = crnn_ctc.argparse.Namespace(max_digits=6, height=12, scale=(1.0, 1.5), max_gap=3, noise=0.0)
    images = np.ones((10, 8, 8), np.float32)
    strips, targets, lengths = crnn_ctc.make_strips(images, np.arange(10), 200, args, np.random.default_rng(0))
    assert strips.shape == (200, 1, 12, crnn_ctc.strip_width(args)) and strips.dtype == np.float32
    assert ((targets > 0).sum(1) == lengths).all() and targets.max() <= 10
    inked = (strips > 0).sum((1, 2, 3))
    assert (inked >= 64 * lengths).all()  # each digit covers at least 8x8 pixels, and neighbours never overlap


def test_augmented_strips_hold_their_digits(crnn_ctc):
    """Training strips (rotated, slanted, stretched, re-inked digits) keep the strip's shape, range and targets; an
    unwarped digit (no rotation, slant or ink change, full width) is the plain strip's digit, bilinear either way."""
    args = crnn_ctc.argparse.Namespace(
        max_digits=6, height=12, scale=(1.0, 1.5), max_gap=3, noise=0.0, rotate=8.0, shear=0.25, aspect=1.15, ink=1.5
    )
    images = np.random.default_rng(1).uniform(0, 1, (10, 8, 8)).astype(np.float32)
    strips, targets, lengths = crnn_ctc.make_strips(images, np.arange(10), 100, args, np.random.default_rng(0), True)
    assert strips.shape == (100, 1, 12, crnn_ctc.strip_width(args)) and 0 <= strips.min() <= strips.max() <= 1
    assert ((targets > 0).sum(1) == lengths).all()
    plain = crnn_ctc.argparse.Namespace(rotate=0.0, shear=0.0, ink=1.0)
    padded = np.pad(images[3], 1)
    warped = crnn_ctc.warp_digit(padded, 8, 8, np.random.default_rng(0), plain)
    np.testing.assert_allclose(warped, images[3], atol=1e-6)  # the identity map reads every pixel at its centre


def test_prefix_beam_search_finds_the_most_probable_string(crnn_ctc):
    """A wide beam is exact: compare with summing every alignment's probability per collapsed string."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        steps, classes = 4, 3
        probs = rng.dirichlet(np.ones(classes), steps)
        totals = {}
        for path in itertools.product(range(classes), repeat=steps):
            collapsed = tuple(c - 1 for k, c in enumerate(path) if c != 0 and (k == 0 or c != path[k - 1]))
            totals[collapsed] = totals.get(collapsed, 0.0) + np.prod(probs[np.arange(steps), path])
        assert crnn_ctc.beam_decode(probs, beam=100, floor=0.0) == list(max(totals, key=totals.get))


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("MINIGRAD_SLOW") != "1", reason="slow: set MINIGRAD_SLOW=1 to run")
def test_crnn_reads_95_percent_of_held_out_strips(tmp_path):
    output = run("crnn_ctc", "--out-dir", tmp_path, timeout=3600).stdout
    assert final_number(output, "test accuracy") >= 0.95
