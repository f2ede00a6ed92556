"""Train an MLP on MNIST read from its IDX files: over 97% test accuracy after 3 epochs.

    python examples/mnist_mlp.py --data-dir ~/data/mnist

minigrad downloads nothing. Put the four MNIST files (gzipped or not) in --data-dir:

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz  t10k-images-idx3-ubyte.gz  t10k-labels-idx1-ubyte.gz

e.g. from https://ossci-datasets.s3.amazonaws.com/mnist/ (the mirror torchvision uses); a torchvision download
(root/MNIST/raw) works too. The model is 784 -> 256 (ReLU) -> 10, trained with Adam on cross-entropy; each epoch
prints the train loss and the test loss and accuracy, and a plot of the curves and a checkpoint are written at the end.
"""

import argparse
import os
import time

import matplotlib
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.datasets import MNIST
from minigrad.utils.data import DataLoader

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", default="data/mnist", help="folder with the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    parser.add_argument("--hidden", type=int, default=256, help="hidden layer width")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the checkpoint and the plot go")
    return parser.parse_args()


@minigrad.no_grad()
def evaluate(model, dataset, batch_size=1000):
    model.eval()
    total_loss = correct = 0.0
    for x, y in DataLoader(dataset, batch_size=batch_size):
        logits = model(x)
        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
    return total_loss / len(dataset), correct / len(dataset)


def plot(history, path):
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    steps = np.arange(1, len(history["step_loss"]) + 1)
    ax_loss.plot(steps, history["step_loss"], alpha=0.4, label="train (per batch)")
    ax_loss.plot(np.array(history["epoch_end"]), history["test_loss"], "o-", label="test")
    ax_loss.set(xlabel="step", ylabel="cross-entropy", title="loss", yscale="log")
    epochs = np.arange(1, len(history["test_acc"]) + 1)
    ax_acc.plot(epochs, history["test_acc"], "o-", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("MLP on MNIST (minigrad)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    start = time.perf_counter()
    try:
        train_set, test_set = MNIST(args.data_dir, train=True), MNIST(args.data_dir, train=False)
    except FileNotFoundError as error:
        raise SystemExit(f"error: {error}") from None
    os.makedirs(args.out_dir, exist_ok=True)
    minigrad.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(784, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    print(f"train {len(train_set)} / test {len(test_set)} images from {args.data_dir}")

    history = {"step_loss": [], "epoch_end": [], "train_loss": [], "test_loss": [], "test_acc": []}
    for epoch in range(1, args.epochs + 1):
        model.train()
        losses = []
        for x, y in tqdm(loader, desc=f"epoch {epoch}", unit="batch", leave=False):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        test_loss, test_acc = evaluate(model, test_set)
        history["step_loss"] += losses
        history["epoch_end"].append(len(history["step_loss"]))
        for key, value in (("train_loss", np.mean(losses)), ("test_loss", test_loss), ("test_acc", test_acc)):
            history[key].append(value)
        print(f"epoch {epoch:3d}  train loss {np.mean(losses):.4f}  test loss {test_loss:.4f} acc {test_acc:.4f}")

    checkpoint_path = os.path.join(args.out_dir, "mnist_mlp.npz")
    minigrad.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs}, checkpoint_path
    )
    plot_path = os.path.join(args.out_dir, "mnist_mlp.png")
    plot(history, plot_path)
    print(f"checkpoint: {checkpoint_path}\nplot: {plot_path}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"test accuracy: {history['test_acc'][-1]:.4f}")


if __name__ == "__main__":
    main()
