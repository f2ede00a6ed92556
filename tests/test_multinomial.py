"""minigrad.multinomial: shapes, the distribution drawn (with and without replacement) and torch's errors."""

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

WEIGHTS = [[0.2, 0.3, 0.5, 0.0], [1.0, 1.0, 0.0, 2.0]]


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("weights", [WEIGHTS[0], WEIGHTS], ids=["1d", "2d"])
def test_shape_and_dtype_match_torch(weights, replacement):
    ours = minigrad.multinomial(minigrad.tensor(weights), 3, replacement=replacement)
    theirs = torch.multinomial(torch.tensor(weights), 3, replacement=replacement)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == minigrad.int64


@pytest.mark.parametrize("replacement", [True, False])
def test_frequencies_match_torch(replacement):
    # 40000 rows of the same distribution: the first two draws' frequencies agree with torch's to ~3 standard errors
    rows = [WEIGHTS[1]] * 40000
    ours = minigrad.multinomial(minigrad.tensor(rows), 2, replacement=replacement, generator=minigrad.Generator(0))
    theirs = torch.multinomial(
        torch.tensor(rows), 2, replacement=replacement, generator=torch.Generator().manual_seed(0)
    )
    for column in range(2):
        ours_freq = np.bincount(ours.numpy()[:, column], minlength=4) / len(rows)
        theirs_freq = np.bincount(theirs.numpy()[:, column], minlength=4) / len(rows)
        np.testing.assert_allclose(ours_freq, theirs_freq, atol=0.015)
    assert (ours.numpy() != 2).all()  # a zero weight is never drawn
    if not replacement:
        assert (ours.numpy()[:, 0] != ours.numpy()[:, 1]).all()


def test_seeded_generator_repeats():
    draw = lambda: minigrad.multinomial(minigrad.tensor(WEIGHTS), 5, True, generator=minigrad.Generator(3))  # noqa: E731
    assert draw().tolist() == draw().tolist()


@pytest.mark.parametrize(
    "weights, num_samples, replacement",
    [
        ([[[1.0]]], 1, True),  # 3-D
        ([0.5, -0.1], 1, True),  # negative weight
        ([0.5, float("nan")], 1, True),
        ([0.0, 0.0], 1, True),  # no mass
        ([0.5, 0.5], 3, False),  # more draws than categories
    ],
)
def test_errors_match_torch(weights, num_samples, replacement):
    with pytest.raises(RuntimeError) as theirs:
        torch.multinomial(torch.tensor(weights), num_samples, replacement)
    with pytest.raises(RuntimeError) as ours:
        minigrad.multinomial(minigrad.tensor(weights), num_samples, replacement)
    assert type(ours.value) is type(theirs.value)
