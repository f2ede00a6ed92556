"""Learn a 2-D embedding of the 8x8 digits with TripletMarginLoss, and plot the clusters it forms.

    python examples/triplet_embeddings.py

No classifier is trained: the network maps each 64-pixel image to a point in the plane, and the triplet loss

    loss = max(0, margin + d(anchor, positive) - d(anchor, negative))

pulls an image (the anchor) towards another image of the same digit (the positive) until it is at least `margin`
closer to it than to an image of a different digit (the negative). Triplets are drawn at random from the training
split every step. Reported per epoch: the loss, the fraction of held-out triplets that satisfy the margin, and the
accuracy of classifying held-out images by their nearest class centre in the embedding — a check that the clusters
mean something. The plot shows the held-out embeddings coloured by digit.
"""

import argparse
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn as nn
from minigrad.datasets import load_digits

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=100, help="training steps per epoch")
    parser.add_argument("--batch-size", type=int, default=128, help="triplets per step")
    parser.add_argument("--margin", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the plot goes")
    return parser.parse_args()


class TripletSampler:
    """Random (anchor, positive, negative) index triplets: positive of the anchor's class, negative of another."""

    def __init__(self, labels, rng):
        self.labels, self.rng = labels, rng
        self.by_class = [np.flatnonzero(labels == c) for c in range(10)]

    def sample(self, count):
        anchors = self.rng.integers(0, len(self.labels), count)
        classes = self.labels[anchors]
        positives = np.array([self.rng.choice(self.by_class[c]) for c in classes])
        other = (classes + self.rng.integers(1, 10, count)) % 10  # any class but the anchor's
        negatives = np.array([self.rng.choice(self.by_class[c]) for c in other])
        return anchors, positives, negatives


@minigrad.no_grad()
def evaluate(model, x_train, y_train, x_test, y_test, triplets, margin):
    """(fraction of held-out triplets with d(a,p) + margin <= d(a,n), nearest-centre accuracy, test embeddings)."""
    model.eval()
    train_points, test_points = model(x_train).numpy(), model(x_test).numpy()
    a, p, n = (test_points[i] for i in triplets)
    satisfied = np.mean(np.linalg.norm(a - p, axis=1) + margin <= np.linalg.norm(a - n, axis=1))
    centres = np.stack([train_points[y_train == c].mean(0) for c in range(10)])
    nearest = np.linalg.norm(test_points[:, None] - centres[None], axis=2).argmin(1)
    return satisfied, np.mean(nearest == y_test), test_points


def plot(history, points, labels, path):
    fig, (ax_curves, ax_points) = plt.subplots(1, 2, figsize=(12, 5.5), gridspec_kw={"width_ratios": [1, 1.3]})
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax_curves.plot(epochs, history["loss"], label="train triplet loss")
    ax_curves.plot(epochs, history["satisfied"], label="held-out triplets satisfied")
    ax_curves.plot(epochs, history["accuracy"], label="held-out nearest-centre accuracy")
    ax_curves.set(xlabel="epoch", title="training", ylim=(0, None))
    ax_curves.legend()
    colours = plt.get_cmap("tab10")
    for c in range(10):
        mine = points[labels == c]
        ax_points.scatter(mine[:, 0], mine[:, 1], s=8, color=colours(c), alpha=0.6)
        ax_points.annotate(
            str(c),
            mine.mean(0),
            fontsize=16,
            weight="bold",
            ha="center",
            va="center",
            color=colours(c),
            bbox={"boxstyle": "circle", "fc": "white", "alpha": 0.8},
        )
    ax_points.set(title="held-out digits in the learned 2-D embedding", aspect="equal")
    for ax in (ax_curves, ax_points):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    minigrad.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    X, y = load_digits()
    order = rng.permutation(len(y))
    train, test = order[:1400], order[1400:]
    x_train, x_test = minigrad.from_numpy(X[train]), minigrad.from_numpy(X[test])
    sampler = TripletSampler(y[train], rng)
    test_triplets = TripletSampler(y[test], np.random.default_rng(args.seed + 1)).sample(2000)

    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 2))
    criterion = nn.TripletMarginLoss(margin=args.margin)
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    history = {"loss": [], "satisfied": [], "accuracy": []}
    with tqdm(total=args.epochs * args.steps, desc="training", unit="step", leave=False) as progress:
        for epoch in range(1, args.epochs + 1):
            model.train()
            total = 0.0
            for _ in range(args.steps):
                anchors, positives, negatives = sampler.sample(args.batch_size)
                loss = criterion(model(x_train[anchors]), model(x_train[positives]), model(x_train[negatives]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item()
                progress.update()
            satisfied, accuracy, points = evaluate(
                model, x_train, y[train], x_test, y[test], test_triplets, args.margin
            )
            for key, value in zip(history, (total / args.steps, satisfied, accuracy)):
                history[key].append(value)
            tqdm.write(
                f"epoch {epoch:3d}  train loss {history['loss'][-1]:.4f}  held-out triplets satisfied "
                f"{satisfied:.4f}  nearest-centre accuracy {accuracy:.4f}"
            )

    path = os.path.join(args.out_dir, "triplet_embeddings.png")
    plot(history, points, y[test], path)
    print(f"plot: {path}")
    print(f"nearest-centre accuracy: {history['accuracy'][-1]:.4f}")


if __name__ == "__main__":
    main()
