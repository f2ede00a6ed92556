"""Read strings of 1-6 handwritten digits from one image with a convolutional-recurrent network and the CTC loss.

    python examples/crnn_ctc.py                  # reads about 94% of the held-out strips right (target: 95%)
    python examples/crnn_ctc.py --torch          # the same script on PyTorch, to compare accuracy and time
    python examples/crnn_ctc.py --epochs 30 --resume   # continue the saved run

Each image is a strip of real scikit-learn digits (8x8) placed side by side, each scaled by a random factor, at
a random height, with random gaps and pixel noise. The digit images are split first (a seeded 80/20 split), and
the training strips are built from one part only, the held-out strips from the other: the model is scored on
handwriting it has never seen. Fresh training strips are drawn every epoch (from the same training digits).

The model (a CRNN): convolutions (Conv2d, BatchNorm2d, ReLU, MaxPool2d) turn the strip into a feature map; its
height is collapsed into the channels, so each column becomes one time step; a bidirectional GRU (or LSTM, --rnn)
reads the columns; a linear layer and log_softmax give log-probabilities over {blank, 0, ..., 9} at every step,
which CTC (nn.CTCLoss) scores against the digit string with no position labels at all. Decoding: greedy (most
likely class per step, repeats merged, blanks dropped) every epoch, and a prefix beam search at the end.
"""

import argparse
import collections
import math
import os
import time

import _backend
import matplotlib
import numpy as np
from tqdm import tqdm

from minigrad.datasets import load_digits

matplotlib.use("Agg")  # write files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

torch, nn, F = _backend.load()
DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")
BLANK = 0  # CTC's blank class; digit d is class d + 1


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=12, help="train until this many epochs are done in total")
    parser.add_argument("--train", type=int, default=6000, help="training strips drawn per epoch")
    parser.add_argument("--test", type=int, default=1000, help="held-out strips")
    parser.add_argument("--max-digits", type=int, default=6, help="digits per strip: 1 to this")
    parser.add_argument("--height", type=int, default=12, help="strip height in pixels (a multiple of 4)")
    parser.add_argument("--scale", type=float, nargs=2, default=(1.0, 1.5), help="range of the digits' scale factor")
    parser.add_argument("--max-gap", type=int, default=3, help="pixels between neighbouring digits: 0 to this")
    parser.add_argument("--noise", type=float, default=0.1, help="standard deviation of the pixel noise")
    parser.add_argument("--channels", type=int, nargs=2, default=(32, 64), help="channels of the two conv blocks")
    parser.add_argument("--rnn", choices=("gru", "lstm"), default="gru", help="the bidirectional recurrent layer")
    parser.add_argument("--hidden", type=int, default=96, help="recurrent units per direction")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak Adam learning rate (one-cycle schedule)")
    parser.add_argument("--beam", type=int, default=8, help="beam width of the final prefix beam search")
    parser.add_argument("--seed", type=int, default=0, help="seeds the digit split, the strips and the weights")
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the checkpoint and the plot go")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out-dir")
    parser.add_argument("--torch", action="store_true", help="run the same script on PyTorch instead of minigrad")
    args = parser.parse_args()
    if args.height % 4:
        parser.error("--height must be a multiple of 4 (the two 2x2 poolings)")
    return args


def resize_matrix(source, target):
    """The (target, source) matrix of 1-D linear interpolation: ``M @ row`` resamples a row of ``source`` pixels."""
    centres = (np.arange(target) + 0.5) * source / target - 0.5  # pixel centres mapped into the source grid
    low = np.clip(np.floor(centres).astype(int), 0, source - 1)
    high = np.minimum(low + 1, source - 1)
    weight = np.clip(centres - low, 0, 1)
    matrix = np.zeros((target, source))
    matrix[np.arange(target), low] += 1 - weight
    matrix[np.arange(target), high] += weight
    return matrix


def strip_width(args):
    """Wide enough for the longest strip at the largest scale (a margin of 2 on each side), rounded up to 4."""
    digit = math.ceil(8 * args.scale[1])
    width = 4 + args.max_digits * digit + (args.max_digits - 1) * args.max_gap
    return -(-width // 4) * 4


def make_strips(images, labels, count, args, rng):
    """``count`` strips (count, 1, height, width) float32 in [0, 1], targets (count, max_digits) with the classes
    padded by blanks, and the target lengths."""
    width, height = strip_width(args), args.height
    strips = np.zeros((count, 1, height, width), np.float32)
    targets = np.zeros((count, args.max_digits), np.int64)
    lengths = rng.integers(1, args.max_digits + 1, count)
    for i, length in enumerate(lengths):
        picks = rng.integers(0, len(images), length)
        x = rng.integers(0, 3)
        for pick in picks:
            size = min(int(round(8 * rng.uniform(*args.scale))), height)
            resize = resize_matrix(8, size)
            digit = resize @ images[pick] @ resize.T
            y = rng.integers(0, height - size + 1)
            window = strips[i, 0, y : y + size, x : x + size]
            np.maximum(window, digit, out=window)
            x += size + rng.integers(0, args.max_gap + 1)
        targets[i, :length] = labels[picks] + 1
    strips += rng.normal(0, args.noise, strips.shape).astype(np.float32)
    return np.clip(strips, 0, 1), targets, lengths


class CRNN(nn.Module):
    """(N, 1, H, W) strips -> (W/4, N, 11) log-probabilities, time-major as CTC expects."""

    def __init__(self, height, channels, hidden, rnn):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        recurrent = nn.GRU if rnn == "gru" else nn.LSTM
        self.rnn = recurrent(c2 * (height // 4), hidden, bidirectional=True)
        self.head = nn.Linear(2 * hidden, 11)

    def forward(self, strips):
        features = self.features(strips)
        n, c, h, w = features.shape
        # collapse the height into the channels: each of the w columns becomes one time step
        columns = features.reshape(n, c * h, w).permute(2, 0, 1)
        output, _ = self.rnn(columns)
        return self.head(output).log_softmax(-1)


def greedy_decode(log_probs):
    """Most likely class per step, repeats merged, blanks dropped: one digit list per strip."""
    best = log_probs.argmax(-1).numpy().T  # (N, T)
    keep = (best != BLANK) & np.concatenate([np.ones_like(best[:, :1], bool), best[:, 1:] != best[:, :-1]], 1)
    return [(row[mask] - 1).tolist() for row, mask in zip(best, keep)]


def beam_decode(probs, beam, floor=1e-4):
    """Prefix beam search over one strip's (T, C) probabilities: the most likely digit string after summing
    the probabilities of all its alignments, as far as the ``beam`` best prefixes per step can see.

    Each prefix carries two probabilities: of its alignments so far ending in a blank, and ending in its last
    symbol. A repeated symbol extends the prefix only after a blank (otherwise CTC merges it into the last one).
    Classes below ``floor`` at a step are skipped: they change no ranking and cost most of the time.
    """
    beams = {(): (1.0, 0.0)}
    for step in probs:
        grown = collections.defaultdict(lambda: [0.0, 0.0])
        candidates = np.flatnonzero(step >= floor)
        for prefix, (p_blank, p_symbol) in beams.items():
            for c in candidates:
                p = step[c]
                if c == BLANK:
                    grown[prefix][0] += (p_blank + p_symbol) * p
                elif prefix and prefix[-1] == c:
                    grown[prefix + (c,)][1] += p_blank * p
                    grown[prefix][1] += p_symbol * p
                else:
                    grown[prefix + (c,)][1] += (p_blank + p_symbol) * p
        best = sorted(grown.items(), key=lambda item: -sum(item[1]))[:beam]
        beams = {prefix: tuple(p) for prefix, p in best}
    best = max(beams.items(), key=lambda item: sum(item[1]))[0]
    return [c - 1 for c in best]


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def score(decoded, truth):
    """Whole-string accuracy and digit error rate (edit distance over the number of digits)."""
    exact = float(np.mean([d == t for d, t in zip(decoded, truth)]))
    return exact, sum(edit_distance(d, t) for d, t in zip(decoded, truth)) / sum(map(len, truth))


@torch.no_grad()
def predict(model, strips, batch_size=500):
    """Log-probabilities (T, N, C) of every strip, in batches (evaluation mode: BatchNorm's running statistics)."""
    model.eval()
    parts = [model(torch.from_numpy(strips[i : i + batch_size])) for i in range(0, len(strips), batch_size)]
    return torch.cat(parts, 1)


def train_epoch(model, strips, targets, lengths, optimizer, schedule, batch_size):
    model.train()
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    total = 0.0
    for start in tqdm(range(0, len(strips), batch_size), desc="batches", unit="batch", leave=False):
        x = torch.from_numpy(strips[start : start + batch_size])
        log_probs = model(x)
        input_lengths = torch.full((len(x),), log_probs.shape[0], dtype=torch.int64)
        batch_lengths = torch.from_numpy(lengths[start : start + batch_size])
        loss = ctc(log_probs, torch.from_numpy(targets[start : start + batch_size]), input_lengths, batch_lengths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(x)
    return total / len(strips)


def plot(history, strips, truth, decoded, title, path):
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig = plt.figure(figsize=(11, 8))
    grid = fig.add_gridspec(5, 2, height_ratios=[2.2, 1, 1, 1, 1])
    ax_loss, ax_acc = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_loss.plot(epochs, history["loss"], label="train CTC loss")
    ax_loss.set(xlabel="epoch", ylabel="CTC loss", title="training loss", yscale="log")
    ax_acc.plot(epochs, history["exact"], label="whole-string accuracy")
    ax_acc.plot(epochs, 1 - np.asarray(history["errors"]), label="1 - digit error rate")
    ax_acc.set(xlabel="epoch", title="held-out strips (greedy decoding)", ylim=(min(0.8, *history["exact"]), 1))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    for k in range(8):  # held-out strips with what the model read
        ax = fig.add_subplot(grid[1 + k // 2, k % 2])
        ax.imshow(strips[k, 0], cmap="gray_r", vmin=0, vmax=1)
        ok = decoded[k] == truth[k]
        ax.set_title(
            f"read {''.join(map(str, decoded[k]))}" + ("" if ok else f"  (is {''.join(map(str, truth[k]))})"),
            color="black" if ok else "red",
            fontsize=9,
        )
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    start = time.perf_counter()
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, "crnn_ctc" + ("_torch" if args.torch else ""))
    checkpoint_path = stem + (".pt" if args.torch else ".npz")
    if args.resume and not os.path.exists(checkpoint_path):
        raise SystemExit(f"--resume: no checkpoint at {checkpoint_path}; run without --resume first")

    X, y = load_digits()
    images = X.reshape(-1, 8, 8)
    order = np.random.default_rng(args.seed).permutation(len(images))
    cut = int(0.8 * len(images))  # train and test strips come from disjoint digit images
    train_digits, test_digits = order[:cut], order[cut:]
    test_strips, test_targets, test_lengths = make_strips(
        images[test_digits], y[test_digits], args.test, args, np.random.default_rng([args.seed, 1])
    )
    truth = [(t[:n] - 1).tolist() for t, n in zip(test_targets, test_lengths)]

    torch.manual_seed(args.seed)
    model = CRNN(args.height, args.channels, args.hidden, args.rnn)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = -(-args.train // args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2
    )
    history = {"loss": [], "exact": [], "errors": [], "seconds": []}
    first_epoch = 1
    if args.resume:
        checkpoint = torch.load(checkpoint_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        history = checkpoint["history"]
        first_epoch = checkpoint["epoch"] + 1
        # the schedule restarts from the saved step, spread over the new total number of epochs
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=args.lr,
            total_steps=max(args.epochs, checkpoint["epoch"] + 1) * steps_per_epoch,
            pct_start=0.2,
            last_epoch=checkpoint["epoch"] * steps_per_epoch - 1,
        )
        print(f"resumed from {checkpoint_path} after epoch {checkpoint['epoch']}")

    print(
        f"{_backend.name()}: {args.train} training strips per epoch from {len(train_digits)} digit images, {args.test} "
        f"held-out strips from {len(test_digits)} others; strip {args.height}x{strip_width(args)}; model "
        f"{sum(p.numel() for p in model.parameters())} parameters"
    )
    progress = tqdm(range(first_epoch, args.epochs + 1), desc="epochs", unit="epoch", leave=False)
    for epoch in progress:
        # fresh strips every epoch, seeded by the epoch, so a resumed run draws what the uninterrupted one would
        strips, targets, lengths = make_strips(
            images[train_digits], y[train_digits], args.train, args, np.random.default_rng([args.seed, 2, epoch])
        )
        tick = time.perf_counter()
        loss = train_epoch(model, strips, targets, lengths, optimizer, schedule, args.batch_size)
        seconds = time.perf_counter() - tick
        exact, errors = score(greedy_decode(predict(model, test_strips)), truth)
        for key, value in zip(history, (loss, exact, errors, seconds)):
            history[key].append(value)
        tqdm.write(
            f"epoch {epoch:3d}  train CTC loss {loss:.4f}  held-out whole-string accuracy {exact:.4f}  "
            f"digit error rate {errors:.4f}  ({seconds:.1f} s)"
        )
        torch.save(
            {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "history": history},
            checkpoint_path,
        )
    progress.close()

    log_probs = predict(model, test_strips)
    greedy = greedy_decode(log_probs)
    probs = log_probs.exp().numpy().astype(np.float64)
    beamed = [beam_decode(probs[:, i], args.beam) for i in range(probs.shape[1])]
    greedy_exact, _ = score(greedy, truth)
    beam_exact, beam_errors = score(beamed, truth)
    for i in range(3):
        print(f"target {''.join(map(str, truth[i]))}  greedy {''.join(map(str, greedy[i]))}")
    plot_path = stem + ".png"
    title = f"CRNN + CTC reading digit strips ({_backend.name()}, {args.rnn.upper()})"
    plot(history, test_strips, truth, beamed, title, plot_path)
    print(f"checkpoint: {checkpoint_path}\nplot: {plot_path}")
    if history["seconds"]:
        print(f"epoch time: {np.median(history['seconds']):.2f}")  # seconds, the median
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"greedy decoding accuracy: {greedy_exact:.4f}")
    print(f"digit error rate: {beam_errors:.4f}")
    print(f"test accuracy: {beam_exact:.4f}")  # whole strings read right by the beam search


if __name__ == "__main__":
    main()
