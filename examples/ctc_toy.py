"""Learn to read label sequences out of noisy 1-D signals with the CTC loss, with no frame-level labels.

    python examples/ctc_toy.py

Each example is a noisy signal over time: every symbol k of its label sequence (1..4) appears as a plateau at
height k lasting 3-5 steps, with stretches of silence (height 0) around and between the symbols. The model only ever
sees the signal and the label sequence — never where each symbol starts or ends. CTC (Connectionist Temporal
Classification) makes that enough: it sums the probability of every alignment of the labels to the time steps
(with a "blank" class for steps that emit nothing), so the model learns the segmentation by itself.

The model is a per-step MLP over a window of neighbouring samples, producing log-probabilities over
{blank, 1, 2, 3, 4} at every step, time-major (T, N, C) as ctc_loss expects. Decoding is greedy: take the most likely
class at each step, merge repeats, drop blanks. Reported per epoch: the training loss, the fraction of held-out
sequences decoded exactly, and the label error rate (edit distance / number of labels).
"""

import argparse
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.utils.data import DataLoader, TensorDataset

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")
BLANK, SYMBOLS = 0, 4  # classes: 0 = blank, 1..4 = the symbols


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--train", type=int, default=3000, help="training sequences")
    parser.add_argument("--test", type=int, default=500, help="held-out sequences")
    parser.add_argument("--max-labels", type=int, default=5, help="labels per sequence: 1 to this")
    parser.add_argument("--noise", type=float, default=0.35, help="standard deviation of the signal noise")
    parser.add_argument("--window", type=int, default=3, help="the model sees 2*window+1 samples per step")
    parser.add_argument("--hidden", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-3, help="initial Adam learning rate (cosine decay)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the plot goes")
    return parser.parse_args()


def make_sequences(count, max_labels, noise, rng):
    """Signals (count, T) padded with silence, their lengths, labels padded with 0, and label counts."""
    signals, labels = [], []
    for _ in range(count):
        sequence = rng.integers(1, SYMBOLS + 1, rng.integers(1, max_labels + 1))
        levels = [np.zeros(rng.integers(1, 4))]
        for symbol in sequence:  # silence between symbols keeps repeated labels apart, as blanks do in CTC
            levels += [np.full(rng.integers(3, 6), float(symbol)), np.zeros(rng.integers(1, 4))]
        clean = np.concatenate(levels)
        signals.append(clean + rng.normal(0, noise, clean.shape))
        labels.append(sequence)
    steps, longest = max(map(len, signals)), max_labels
    signal = np.zeros((count, steps), np.float32)
    target = np.zeros((count, longest), np.int64)
    for i, (s, l) in enumerate(zip(signals, labels)):
        signal[i, : len(s)] = s
        target[i, : len(l)] = l
    return signal, np.array([len(s) for s in signals]), target, np.array([len(l) for l in labels])


def windows(signal, radius):
    """(N, T) -> (N, T, 2*radius+1): each step with its neighbours (zero-padded at both ends)."""
    padded = np.pad(signal, ((0, 0), (radius, radius)))
    return np.stack([padded[:, i : i + signal.shape[1]] for i in range(2 * radius + 1)], axis=-1)


def greedy_decode(log_probs, lengths):
    """Most likely class per step, repeats merged, blanks dropped: one label list per sequence."""
    best = log_probs.argmax(-1).numpy().T  # (N, T)
    decoded = []
    for path, length in zip(best, lengths):
        path = path[:length]
        keep = (path != BLANK) & np.concatenate([[True], path[1:] != path[:-1]])
        decoded.append(path[keep].tolist())
    return decoded


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


class StepClassifier(nn.Module):
    """An MLP applied at every time step: (N, T, window) features -> (T, N, C) log-probabilities."""

    def __init__(self, window, hidden):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(window, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, SYMBOLS + 1)
        )

    def forward(self, features):
        return self.net(features).log_softmax(-1).transpose(0, 1)


@minigrad.no_grad()
def evaluate(model, features, lengths, targets, target_lengths):
    model.eval()
    decoded = greedy_decode(model(features), lengths)
    truth = [t[:n].tolist() for t, n in zip(targets, target_lengths)]
    exact = np.mean([d == t for d, t in zip(decoded, truth)])
    errors = sum(edit_distance(d, t) for d, t in zip(decoded, truth)) / sum(map(len, truth))
    return exact, errors, decoded


def plot(history, model, signal, length, target, radius, path):
    fig, axes = plt.subplots(3, 1, figsize=(10, 9), gridspec_kw={"height_ratios": [1.2, 1, 1]})
    epochs = np.arange(1, len(history["loss"]) + 1)
    axes[0].plot(epochs, history["loss"], label="train CTC loss")
    accuracy_axis = axes[0].twinx()
    accuracy_axis.plot(epochs, history["exact"], color="tab:green", label="held-out exact match")
    accuracy_axis.set(ylabel="exact match", ylim=(0, 1))
    axes[0].set(xlabel="epoch", ylabel="CTC loss", title="training")
    axes[0].legend(loc="center left")
    accuracy_axis.legend(loc="center right")

    with minigrad.no_grad():
        model.eval()
        probabilities = model(minigrad.from_numpy(windows(signal[None, :length], radius))).exp().numpy()[:, 0]
    steps = np.arange(length)
    axes[1].plot(steps, signal[:length], color="black", lw=1)
    axes[1].set(ylabel="signal", title=f"a held-out sequence: labels {target}")
    for c in range(SYMBOLS + 1):
        axes[2].plot(
            steps, probabilities[:, c], label="blank" if c == BLANK else str(c), ls="--" if c == BLANK else "-"
        )
    axes[2].set(xlabel="time step", ylabel="p(class)", title="per-step class probabilities (CTC's spikes)")
    axes[2].legend(ncol=5, loc="center right")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    minigrad.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train = make_sequences(args.train, args.max_labels, args.noise, rng)
    test = make_sequences(args.test, args.max_labels, args.noise, rng)
    signal, lengths, targets, target_lengths = train
    dataset = TensorDataset(windows(signal, args.window), lengths, targets, target_lengths)
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True)
    test_features = minigrad.from_numpy(windows(test[0], args.window))

    model = StepClassifier(2 * args.window + 1, args.hidden)
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    # decaying the step size to 0 over the run settles the last epochs (decoding accuracy jitters at a fixed lr)
    schedule = minigrad.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history = {"loss": [], "exact": [], "errors": []}
    for epoch in tqdm(range(1, args.epochs + 1), desc="epochs", unit="epoch", leave=False):
        model.train()
        total = 0.0
        for features, input_lengths, batch_targets, batch_target_lengths in loader:
            log_probs = model(features)
            loss = F.ctc_loss(log_probs, batch_targets, input_lengths, batch_target_lengths, blank=BLANK)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(input_lengths)
        schedule.step()
        exact, errors, _ = evaluate(model, test_features, *test[1:])
        for key, value in zip(history, (total / len(dataset), exact, errors)):
            history[key].append(value)
        tqdm.write(
            f"epoch {epoch:3d}  train CTC loss {history['loss'][-1]:.4f}  held-out exact match {exact:.4f}  "
            f"label error rate {errors:.4f}"
        )

    exact, errors, decoded = evaluate(model, test_features, *test[1:])
    for i in range(3):
        print(f"target {test[2][i, : test[3][i]].tolist()}  decoded {decoded[i]}")
    path = os.path.join(args.out_dir, "ctc_toy.png")
    plot(history, model, test[0][0], test[1][0], test[2][0, : test[3][0]].tolist(), args.window, path)
    print(f"plot: {path}")
    print(f"greedy decoding accuracy: {exact:.4f}")


if __name__ == "__main__":
    main()
