"""Fit a line to data with outliers using L1, MSE and Huber losses, and see which ones the outliers pull away.

    python examples/regression.py

The data follow y = 1.5 x + 0.5 plus a little noise, except for a group of outliers far below the line at large x.
The same one-input linear model is fitted three times, with full-batch Adam, once per loss:

* MSE  (x - y)²: large residuals dominate the gradient (it grows with the residual), so the outliers tilt the line;
* L1   |x - y|: every point pulls with the same force (the gradient is the sign), so the line follows the median;
* Huber (delta): quadratic for small residuals, linear beyond delta: MSE's smooth fit near the line, L1's robustness.

The plot shows each loss's penalty as a function of the residual (left) and the fitted lines (right).
"""

import argparse
import functools
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")
TRUE_SLOPE, TRUE_INTERCEPT = 1.5, 0.5


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=600, help="full-batch Adam steps per loss")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--points", type=int, default=100, help="inliers")
    parser.add_argument("--outliers", type=int, default=12)
    parser.add_argument("--delta", type=float, default=1.0, help="Huber's delta")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the plot goes")
    return parser.parse_args()


def make_data(points, outliers, rng):
    x = rng.uniform(-3, 3, points)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0, 0.3, points)
    x_out = rng.uniform(1.5, 3, outliers)
    y_out = TRUE_SLOPE * x_out + TRUE_INTERCEPT - rng.uniform(8, 12, outliers)
    return (
        np.concatenate([x, x_out]).astype(np.float32),
        np.concatenate([y, y_out]).astype(np.float32),
        np.arange(points + outliers) >= points,
    )


def fit(loss_fn, x, y, steps, lr, progress):
    """Fit y ≈ w x + b by minimising loss_fn over all points at once; returns (w, b, final loss)."""
    model = nn.Linear(1, 1)
    optimizer = minigrad.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = loss_fn(model(x).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        progress.update()
    return model.weight.item(), model.bias.item(), loss.item()


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    minigrad.manual_seed(args.seed)
    x, y, is_outlier = make_data(args.points, args.outliers, np.random.default_rng(args.seed))
    inputs, targets = minigrad.from_numpy(x).unsqueeze(1), minigrad.from_numpy(y)

    losses = {
        "MSE": F.mse_loss,
        "L1": F.l1_loss,
        f"Huber (delta={args.delta:g})": functools.partial(F.huber_loss, delta=args.delta),
    }
    fits = {}
    with tqdm(total=len(losses) * args.steps, desc="fitting", unit="step", leave=False) as progress:
        for name, loss_fn in losses.items():
            fits[name] = fit(loss_fn, inputs, targets, args.steps, args.lr, progress)
            w, b, final = fits[name]
            tqdm.write(f"{name:18s} slope {w:6.3f}  intercept {b:6.3f}  final loss {final:.4f}")

    print(f"\ntrue line: slope {TRUE_SLOPE}, intercept {TRUE_INTERCEPT}; {args.outliers} outliers below it")
    print(f"{'loss':18s} {'slope error':>12s} {'intercept error':>16s} {'inlier RMSE':>12s}")
    for name, (w, b, _) in fits.items():
        residual = w * x[~is_outlier] + b - y[~is_outlier]
        print(
            f"{name:18s} {abs(w - TRUE_SLOPE):12.3f} {abs(b - TRUE_INTERCEPT):16.3f} "
            f"{np.sqrt(np.mean(residual**2)):12.3f}"
        )

    fig, (ax_penalty, ax_fit) = plt.subplots(1, 2, figsize=(11, 4.5))
    residuals = minigrad.linspace(-3, 3, 201)
    for name, loss_fn in losses.items():
        penalty = loss_fn(residuals, minigrad.zeros(201), reduction="none")
        ax_penalty.plot(residuals.numpy(), penalty.numpy(), label=name)
    ax_penalty.set(xlabel="residual (prediction - target)", ylabel="penalty", title="loss per point", ylim=(0, 5))
    ax_fit.scatter(x[~is_outlier], y[~is_outlier], s=10, color="grey", label="data")
    ax_fit.scatter(x[is_outlier], y[is_outlier], s=16, color="red", marker="x", label="outliers")
    line = np.array([-3.0, 3.0])
    ax_fit.plot(line, TRUE_SLOPE * line + TRUE_INTERCEPT, "k--", lw=1, label="true line")
    for name, (w, b, _) in fits.items():
        ax_fit.plot(line, w * line + b, lw=2, label=name)
    ax_fit.set(xlabel="x", ylabel="y", title="fitted lines")
    for ax in (ax_penalty, ax_fit):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = os.path.join(args.out_dir, "regression.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
