"""Read strings of 1-6 handwritten digits from one image with a convolutional-recurrent network and the CTC loss.

    python examples/crnn_ctc.py                  # reads about 95-96% of the held-out strips right
    python examples/crnn_ctc.py --torch          # the same script on PyTorch, to compare accuracy and time
    python examples/crnn_ctc.py --epochs 30 --resume   # continue the saved run

Each image is a strip of real scikit-learn digits (8x8) placed side by side, each scaled by a random factor, at
a random height, with random gaps and pixel noise. The digit images are split first (a seeded 80/20 split), and
the training strips are built from one part only, the held-out strips from the other: the model is scored on
handwriting it has never seen. Fresh training strips are drawn every epoch (from the same training digits), and
each training digit is redrawn on the way (augmentation: a small random rotation and slant, a stretched or squeezed
width, thinner or heavier strokes) so that 1437 digit images teach more than their own handwriting; the held-out
strips are drawn plainly.

The model (a CRNN): convolutions (Conv2d, BatchNorm2d, ReLU, MaxPool2d) turn the strip into a feature map; its
height is collapsed into the channels, so each column becomes one time step; a bidirectional GRU (or LSTM, --rnn)
reads the columns (through dropout); a linear layer and log_softmax give log-probabilities over {blank, 0, ..., 9}
at every step, which CTC (nn.CTCLoss) scores against the digit string with no position labels at all. Decoding:
greedy (most likely class per step, repeats merged, blanks dropped) every epoch, and a prefix beam search at the
end. Adam with a one-cycle learning rate; the default run (16 epochs of 6000 strips) takes about 6 minutes on
one core of an idle machine.
"""

import argparse
import collections
import functools
import math
import time

import _backend
import _training
import matplotlib
import numpy as np
from tqdm import tqdm

from minigrad.datasets import load_digits

matplotlib.use("Agg")  # write files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

torch, nn, F = _backend.load()
BLANK = 0  # CTC's blank class; digit d is class d + 1


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=16, help="train until this many epochs are done in total")
    parser.add_argument("--train", type=int, default=6000, help="training strips drawn per epoch")
    parser.add_argument("--test", type=int, default=1000, help="held-out strips")
    parser.add_argument("--max-digits", type=int, default=6, help="digits per strip: 1 to this")
    parser.add_argument("--height", type=int, default=12, help="strip height in pixels (a multiple of 4)")
    parser.add_argument("--scale", type=float, nargs=2, default=(1.0, 1.5), help="range of the digits' scale factor")
    parser.add_argument("--max-gap", type=int, default=3, help="pixels between neighbouring digits: 0 to this")
    parser.add_argument("--noise", type=float, default=0.1, help="standard deviation of the pixel noise")
    parser.add_argument(
        "--rotate", type=float, default=8.0, help="augmentation: rotate training digits up to ± degrees"
    )
    parser.add_argument("--shear", type=float, default=0.25, help="augmentation: slant training digits up to ± this")
    parser.add_argument("--aspect", type=float, default=1.15, help="augmentation: stretch width by 1/this to this")
    parser.add_argument("--ink", type=float, default=1.5, help="augmentation: pixel ** (1/this to this), stroke weight")
    parser.add_argument(
        "--channels", type=int, nargs="+", default=(32, 64), help="channels of each conv block (two or more)"
    )
    parser.add_argument("--rnn", choices=("gru", "lstm"), default="gru", help="the bidirectional recurrent layer")
    parser.add_argument("--hidden", type=int, default=96, help="recurrent units per direction")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout on the columns the recurrent layer reads")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak Adam learning rate (one-cycle schedule)")
    parser.add_argument("--beam", type=int, default=8, help="beam width of the final prefix beam search")
    parser.add_argument("--seed", type=int, default=0, help="seeds the digit split, the strips and the weights")
    _training.add_run_options(parser)
    args = parser.parse_args()
    if len(args.channels) < 2:
        parser.error("--channels needs two or more blocks (the first two pool)")
    if args.height % 4:
        parser.error("--height must be a multiple of 4 (the two 2x2 poolings)")
    return args


@functools.cache
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


@functools.cache
def box_centres(rows, cols):
    """(2, rows * cols): the (x, y) centres of a rows x cols box's pixels, row by row, in [-0.5, 0.5]^2."""
    ys, xs = np.meshgrid((np.arange(rows) + 0.5) / rows - 0.5, (np.arange(cols) + 0.5) / cols - 0.5, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()])


def warp_digit(padded, rows, cols, rng, args):
    """A training digit (8x8, given with a border of zeros: 10x10) redrawn into a ``rows`` x ``cols`` box through
    a random small rotation and shear (slant), its strokes randomly thinned or thickened: handwriting the 1437
    training digits do not show as such.

    Each output pixel's centre is mapped back into the 8x8 image (the inverse of the rotation times the shear,
    about the box's centre) and read by bilinear interpolation, with zeros outside the image.
    """
    angle = math.radians(rng.uniform(-args.rotate, args.rotate))
    slant = rng.uniform(-args.shear, args.shear)
    cos, sin = math.cos(angle), math.sin(angle)
    # (rotation @ [[1, slant], [0, 1]])^-1 = [[1, -slant], [0, 1]] @ rotation^T
    inverse = np.array([[cos + slant * sin, sin - slant * cos], [-sin, cos]])
    # output pixel centres as (x, y) in [-0.5, 0.5]^2, mapped back and scaled to the source's pixel grid
    source = inverse @ box_centres(rows, cols)
    x, y = (np.clip((source + 0.5) * 8 - 0.5, -1, 8) + 1).reshape(2, rows, cols)  # +1: into the padded image
    x0, y0 = np.minimum(np.floor(x).astype(int), 8), np.minimum(np.floor(y).astype(int), 8)
    fx, fy = x - x0, y - y0
    top = padded[y0, x0] * (1 - fx) + padded[y0, x0 + 1] * fx
    bottom = padded[y0 + 1, x0] * (1 - fx) + padded[y0 + 1, x0 + 1] * fx
    return (top * (1 - fy) + bottom * fy) ** rng.uniform(1 / args.ink, args.ink)


def make_strips(images, labels, count, args, rng, augment=False):
    """``count`` strips (count, 1, height, width) float32 in [0, 1], targets (count, max_digits) with the classes
    padded by blanks, and the target lengths. ``augment`` (training strips) also stretches each digit's width by a
    random aspect factor and warps it (``warp_digit``); the held-out strips are drawn without it."""
    width, height = strip_width(args), args.height
    widest = math.ceil(8 * args.scale[1])
    strips = np.zeros((count, 1, height, width), np.float32)
    targets = np.zeros((count, args.max_digits), np.int64)
    lengths = rng.integers(1, args.max_digits + 1, count)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1))) if augment else None
    for i, length in enumerate(lengths):
        picks = rng.integers(0, len(images), length)
        x = rng.integers(0, 3)
        for pick in picks:
            size = min(int(round(8 * rng.uniform(*args.scale))), height)
            if augment:
                cols = min(int(round(size * rng.uniform(1 / args.aspect, args.aspect))), widest)
                digit = warp_digit(padded[pick], size, cols, rng, args)
            else:
                resize = resize_matrix(8, size)
                digit, cols = resize @ images[pick] @ resize.T, size
            y = rng.integers(0, height - size + 1)
            window = strips[i, 0, y : y + size, x : x + cols]
            np.maximum(window, digit, out=window)
            x += cols + rng.integers(0, args.max_gap + 1)
        targets[i, :length] = labels[picks] + 1
    strips += rng.normal(0, args.noise, strips.shape).astype(np.float32)
    return np.clip(strips, 0, 1), targets, lengths


class CRNN(nn.Module):
    """(N, 1, H, W) strips -> (W/4, N, 11) log-probabilities, time-major as CTC expects.

    One conv block (3x3 Conv2d, BatchNorm2d, ReLU) per entry of ``channels``; the first two end in a 2x2
    max-pool, the later ones keep the size and widen what each column sees (the receptive field)."""

    def __init__(self, height, channels, hidden, rnn, dropout):
        super().__init__()
        blocks, previous = [], 1
        for k, width in enumerate(channels):
            blocks += [nn.Conv2d(previous, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
            blocks += [nn.MaxPool2d(2)] if k < 2 else []
            previous = width
        self.features = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(dropout)
        recurrent = nn.GRU if rnn == "gru" else nn.LSTM
        self.rnn = recurrent(previous * (height // 4), hidden, bidirectional=True)
        self.head = nn.Linear(2 * hidden, 11)

    def forward(self, strips):
        features = self.features(strips)
        n, c, h, w = features.shape
        # collapse the height into the channels: each of the w columns becomes one time step
        columns = features.reshape(n, c * h, w).permute(2, 0, 1)
        output, _ = self.rnn(self.dropout(columns))
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
    run = _training.Run(torch, "crnn_ctc", args)

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
    model = CRNN(args.height, args.channels, args.hidden, args.rnn, args.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    history, done = run.restore(model, optimizer) or ({"loss": [], "exact": [], "errors": [], "seconds": []}, 0)
    # one cycle over the whole run; a resumed run restarts it from the saved step, spread over the new total
    steps_per_epoch = -(-args.train // args.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=args.lr,
        total_steps=max(args.epochs, done + 1) * steps_per_epoch,
        pct_start=0.2,
        last_epoch=done * steps_per_epoch - 1,
    )

    print(
        f"{_backend.name()}: {args.train} training strips per epoch from {len(train_digits)} digit images, {args.test} "
        f"held-out strips from {len(test_digits)} others; strip {args.height}x{strip_width(args)}; model "
        f"{sum(p.numel() for p in model.parameters())} parameters"
    )
    progress = tqdm(range(done + 1, args.epochs + 1), desc="epochs", unit="epoch", leave=False)
    for epoch in progress:
        # fresh strips every epoch, seeded by the epoch, so a resumed run draws what the uninterrupted one would
        strips, targets, lengths = make_strips(
            images[train_digits], y[train_digits], args.train, args, np.random.default_rng([args.seed, 2, epoch]), True
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
        run.save(model, optimizer, history=history, epoch=epoch)
    progress.close()

    log_probs = predict(model, test_strips)
    greedy = greedy_decode(log_probs)
    probs = log_probs.exp().numpy().astype(np.float64)
    beamed = [beam_decode(probs[:, i], args.beam) for i in range(probs.shape[1])]
    greedy_exact, _ = score(greedy, truth)
    beam_exact, beam_errors = score(beamed, truth)
    for i in range(3):
        print(f"target {''.join(map(str, truth[i]))}  greedy {''.join(map(str, greedy[i]))}")
    title = f"CRNN + CTC reading digit strips ({_backend.name()}, {args.rnn.upper()})"
    plot(history, test_strips, truth, beamed, title, run.plot)
    print(f"checkpoint: {run.checkpoint}\nplot: {run.plot}")
    if history["seconds"]:
        print(f"epoch time: {np.median(history['seconds']):.2f}")  # seconds, the median
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"greedy decoding accuracy: {greedy_exact:.4f}")
    print(f"digit error rate: {beam_errors:.4f}")
    print(f"test accuracy: {beam_exact:.4f}")  # whole strings read right by the beam search


if __name__ == "__main__":
    main()
