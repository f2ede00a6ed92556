"""Train pytorch/examples' MNIST convolutional net: over 98.5% on the 8x8 digits by default, 99% on MNIST.

    python examples/cnn_mnist.py                            # scikit-learn's digits, upsampled to 16x16
    python examples/cnn_mnist.py --data-dir ~/data/mnist    # the MNIST IDX files (28x28), as mnist_mlp.py reads them
    python examples/cnn_mnist.py --torch                    # the very same script on PyTorch
    python examples/cnn_mnist.py --epochs 20 --resume       # continue the saved run

The network is the one in pytorch/examples (mnist/main.py): Conv2d(1, 32, 3) -> ReLU -> Conv2d(32, 64, 3) -> ReLU
-> max-pool 2 -> Dropout(0.25) -> flatten -> Linear(64·s², 128) -> ReLU -> Dropout(0.5) -> Linear(128, 10) ->
log-softmax, trained on the negative log-likelihood with Adadelta (lr 1.0) and StepLR (x0.7 after every epoch).
On 28x28 MNIST s = 12 (9216 inputs to the first Linear); the 8x8 digits are upsampled (bilinear) to --size pixels
first: at 16x16 s = 6. The digits split is fixed (80/20, the same on both libraries); MNIST uses its own split.

Every epoch prints the train loss and the test loss and accuracy and saves a checkpoint (model, optimizer,
scheduler, epoch, history, random state: --resume continues from it). At the end a PNG shows the curves and the
test images the net gets wrong. The last lines (``epoch time: ...``, ``test accuracy: ...``) are what
benchmarks/bench_examples.py and the tests read.
"""

import argparse
import time

import _backend
import _training
import matplotlib
import numpy as np
from tqdm import tqdm

torch, nn, F = _backend.load()
from minigrad.datasets import MNIST, load_digits  # noqa: E402  (NumPy data; both libraries train on it)

matplotlib.use("Agg")  # write files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

SPLIT_SEED = 0  # the digits' train/test split never changes with --seed: results stay comparable


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", default=None, help="folder with the four MNIST IDX files (default: the digits)")
    parser.add_argument("--size", type=int, default=16, help="side the 8x8 digits are upsampled to (8 = as they are)")
    parser.add_argument("--epochs", type=int, default=14, help="train until this many epochs are done in total")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.0, help="Adadelta learning rate")
    parser.add_argument("--gamma", type=float, default=0.7, help="StepLR: learning-rate factor after each epoch")
    parser.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many batches (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the initial weights, dropout and the shuffling")
    _training.add_run_options(parser)
    args = parser.parse_args()
    if args.size < 8:
        parser.error("--size must be at least 8 (the digits' own side)")
    return args


class Net(nn.Module):
    """pytorch/examples' MNIST net for ``side``-pixel square images: (N, 1, side, side) -> (N, 10) log-probabilities."""

    def __init__(self, side):
        super().__init__()
        pooled = (side - 4) // 2  # two unpadded 3x3 convolutions take 2 pixels each, the pool halves the rest
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * pooled * pooled, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = self.dropout1(F.max_pool2d(x, 2))
        x = self.dropout2(F.relu(self.fc1(torch.flatten(x, 1))))
        return F.log_softmax(self.fc2(x), dim=1)


def bilinear_matrix(source, target):
    """(target, source) weights that resample a line of ``source`` pixels to ``target`` by linear interpolation,
    pixel centres aligned (as ``interpolate(..., mode="bilinear", align_corners=False)``)."""
    centres = np.clip((np.arange(target) + 0.5) * source / target - 0.5, 0, source - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, source - 1)
    weights = np.zeros((target, source), np.float32)
    np.add.at(weights, (np.arange(target), low), 1 - (centres - low))
    np.add.at(weights, (np.arange(target), high), centres - low)
    return weights


def load_data(args):
    """``(x_train, y_train, x_test, y_test, side)``: float32 images (N, 1, side, side) standardised with the
    training set's mean and std, int64 labels."""
    if args.data_dir is not None:
        try:
            train, test = MNIST(args.data_dir, train=True), MNIST(args.data_dir, train=False)
        except FileNotFoundError as error:
            raise SystemExit(f"error: {error}") from None
        side = 28
        x_train, y_train = train.data.numpy().reshape(-1, 1, side, side), train.targets.numpy()
        x_test, y_test = test.data.numpy().reshape(-1, 1, side, side), test.targets.numpy()
    else:
        X, y = load_digits()
        side = args.size
        resample = bilinear_matrix(8, side)
        images = (resample @ X.reshape(-1, 8, 8) @ resample.T)[:, None]
        order = np.random.default_rng(SPLIT_SEED).permutation(len(X))
        cut = int(0.8 * len(X))
        x_train, y_train, x_test, y_test = images[order[:cut]], y[order[:cut]], images[order[cut:]], y[order[cut:]]
    mean, std = x_train.mean(), x_train.std()
    standardise = lambda images: np.ascontiguousarray((images - mean) / std, dtype=np.float32)  # noqa: E731
    return standardise(x_train), y_train.astype(np.int64), standardise(x_test), y_test.astype(np.int64), side


def train_epoch(model, loader, optimizer, max_steps):
    """One pass over ``loader`` (or its first ``max_steps`` batches); returns the per-batch losses and the time."""
    model.train()
    losses = []
    start = time.perf_counter()
    for step, (x, y) in enumerate(tqdm(loader, desc="train", unit="batch", leave=False)):
        if max_steps and step == max_steps:
            break
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, time.perf_counter() - start


@torch.no_grad()
def evaluate(model, x, y, batch_size=1000):
    """Mean negative log-likelihood, accuracy and the predicted labels over a whole split."""
    model.eval()
    total_loss, predictions = 0.0, []
    for begin in range(0, len(x), batch_size):
        log_probs = model(x[begin : begin + batch_size])
        total_loss += F.nll_loss(log_probs, y[begin : begin + batch_size], reduction="sum").item()
        predictions.append(log_probs.argmax(1).numpy())
    predictions = np.concatenate(predictions)
    return total_loss / len(x), float((predictions == y.numpy()).mean()), predictions


def plot(history, x_test, y_test, predictions, title, path):
    """Loss and accuracy curves, and up to 12 of the test images the net gets wrong (predicted / true label)."""
    fig = plt.figure(figsize=(12, 6.5), layout="constrained")
    grid = fig.add_gridspec(2, 12, height_ratios=[2.5, 1])
    ax_loss, ax_acc = fig.add_subplot(grid[0, :6]), fig.add_subplot(grid[0, 6:])
    steps = np.arange(1, len(history["step_loss"]) + 1)
    ax_loss.plot(steps, history["step_loss"], alpha=0.4, label="train (per batch)")
    ax_loss.plot(history["epoch_end"], history["test_loss"], "o-", label="test")
    ax_loss.set(xlabel="step", ylabel="negative log-likelihood", title="loss", yscale="log")
    ax_acc.plot(np.arange(1, len(history["test_acc"]) + 1), history["test_acc"], "o-", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    wrong = np.flatnonzero(predictions != y_test)
    for slot in range(12):
        ax = fig.add_subplot(grid[1, slot])
        ax.axis("off")
        if slot < len(wrong):
            ax.imshow(x_test[wrong[slot], 0], cmap="gray_r")
            ax.set_title(f"{predictions[wrong[slot]]} / {y_test[wrong[slot]]}", fontsize=9, color="crimson")
    fig.suptitle(f"{title}: {len(wrong)} test images wrong (predicted / true)")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    start = time.perf_counter()
    library = _backend.name()
    run = _training.Run(torch, "cnn_mnist", args)

    x_train, y_train, x_test, y_test, side = load_data(args)
    torch.manual_seed(args.seed)
    model = Net(side)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    train_set = torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    loader = torch.utils.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    x_test_t, y_test_t = torch.from_numpy(x_test), torch.from_numpy(y_test)
    history = {"step_loss": [], "epoch_end": [], "train_loss": [], "test_loss": [], "test_acc": [], "epoch_time": []}
    history, done = run.restore(model, optimizer, scheduler) or (history, 0)

    source = args.data_dir or f"scikit-learn's digits upsampled to {side}x{side}"
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{library}: train {len(x_train)} / test {len(x_test)} images from {source}; {parameters} parameters")
    for epoch in range(done + 1, args.epochs + 1):
        losses, seconds = train_epoch(model, loader, optimizer, args.max_steps)
        scheduler.step()
        test_loss, test_acc, predictions = evaluate(model, x_test_t, y_test_t)
        history["step_loss"] += losses
        history["epoch_end"].append(len(history["step_loss"]))
        for key, value in (("train_loss", np.mean(losses)), ("test_loss", test_loss), ("test_acc", test_acc)):
            history[key].append(float(value))
        history["epoch_time"].append(seconds)
        tqdm.write(
            f"epoch {epoch:3d}  train loss {np.mean(losses):.4f}  test loss {test_loss:.4f} acc {test_acc:.4f}  "
            f"({seconds:.2f} s, {len(losses) / seconds:.1f} steps/s)"
        )
        run.save(model, optimizer, scheduler, history=history, epoch=epoch)

    test_loss, test_acc, predictions = evaluate(model, x_test_t, y_test_t)
    plot(history, x_test, y_test, predictions, f"CNN on {source} ({library})", run.plot)
    print(f"checkpoint: {run.checkpoint}\nplot: {run.plot}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"epoch time: {np.median(history['epoch_time']):.3f}")
    print(f"test loss: {test_loss:.4f}")
    print(f"test accuracy: {test_acc:.4f}")


if __name__ == "__main__":
    main()
