"""Train a small MLP on scikit-learn's 8x8 handwritten digits — minigrad's main example.

    python examples/mlp_digits.py                 # ~97% test accuracy in a few seconds
    python examples/mlp_digits.py --epochs 40 --resume   # continue the saved run for 10 more epochs

The model is 64 -> 64 (ReLU) -> 10, trained with Adam on cross-entropy over a fixed 80/20 train/test split of
the 1797 images. Every epoch prints the train/test loss and accuracy and saves a checkpoint (model, optimizer,
epoch and history: `--resume` continues from it); at the end a plot of the curves is written next to it.
The code is what you would write with PyTorch, with `minigrad` in place of `torch`.
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
from minigrad.datasets import load_digits
from minigrad.utils.data import DataLoader, TensorDataset, random_split

matplotlib.use("Agg")  # write files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=30, help="train until this many epochs are done in total")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--hidden", type=int, default=64, help="hidden layer width")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, the initial weights and the shuffling")
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the checkpoint and the plot go")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out-dir")
    return parser.parse_args()


def make_model(hidden):
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))


@minigrad.no_grad()
def evaluate(model, x, y):
    """Mean cross-entropy and accuracy over a whole split (small enough for one batch)."""
    model.eval()
    logits = model(x)
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def train_epoch(model, loader, optimizer):
    model.train()
    total_loss = correct = seen = 0
    for x, y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return total_loss / seen, correct / seen


def plot(history, path):
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for split in ("train", "test"):
        ax_loss.plot(epochs, history[f"{split}_loss"], label=split)
        ax_acc.plot(epochs, history[f"{split}_acc"], label=split)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss", yscale="log")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0.8, 1.0))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("MLP on the 8x8 digits (minigrad)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    start = time.perf_counter()
    os.makedirs(args.out_dir, exist_ok=True)
    checkpoint_path = os.path.join(args.out_dir, "mlp_digits.npz")
    if args.resume and not os.path.exists(checkpoint_path):
        raise SystemExit(f"--resume: no checkpoint at {checkpoint_path}; run without --resume first")

    X, y = load_digits()
    dataset = TensorDataset(minigrad.from_numpy(X), minigrad.from_numpy(y))
    # the split has its own generator: the same seed gives the same test set, also when resuming
    train_set, test_set = random_split(dataset, [0.8, 0.2], generator=minigrad.Generator(args.seed))
    x_test, y_test = dataset[np.asarray(test_set.indices)]

    minigrad.manual_seed(args.seed)
    model = make_model(args.hidden)
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    first_epoch = 1
    if args.resume:
        checkpoint = minigrad.load(checkpoint_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        minigrad.random.set_rng_state(checkpoint["rng_state"])
        history = checkpoint["history"]
        first_epoch = checkpoint["epoch"] + 1
        print(f"resumed from {checkpoint_path} after epoch {checkpoint['epoch']}")

    print(
        f"train {len(train_set)} / test {len(test_set)} images; model {sum(p.numel() for p in model.parameters())} "
        "parameters"
    )
    progress = tqdm(range(first_epoch, args.epochs + 1), desc="epochs", unit="epoch", leave=False)
    for epoch in progress:
        train_loss, train_acc = train_epoch(model, loader, optimizer)
        test_loss, test_acc = evaluate(model, x_test, y_test)
        for key, value in zip(history, (train_loss, train_acc, test_loss, test_acc)):
            history[key].append(value)
        tqdm.write(
            f"epoch {epoch:3d}  train loss {train_loss:.4f} acc {train_acc:.4f}  "
            f"test loss {test_loss:.4f} acc {test_acc:.4f}"
        )
        minigrad.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "epoch": epoch,
                "history": history,
                "rng_state": minigrad.random.get_rng_state(),
            },
            checkpoint_path,
        )
    progress.close()

    plot_path = os.path.join(args.out_dir, "mlp_digits.png")
    plot(history, plot_path)
    test_loss, test_acc = evaluate(model, x_test, y_test)
    print(f"checkpoint: {checkpoint_path}\nplot: {plot_path}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"test accuracy: {test_acc:.4f}")


if __name__ == "__main__":
    main()
