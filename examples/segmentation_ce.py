"""Per-pixel classification of synthetic shapes with CrossEntropyLoss on (N, C, H, W) logits.

    python examples/segmentation_ce.py

Each noisy 24x24 image holds a few shapes on a dark background: solid bright squares (class 1), horizontally
striped discs (class 2) and dim triangles (class 3). The model labels every pixel from the 5x5 neighbourhood around
it — one small MLP shared by all pixels, the same thing as a 5x5 convolution followed by 1x1 convolutions — and
produces logits of shape (N, C, H, W), which CrossEntropyLoss takes with targets of shape (N, H, W), as for
semantic segmentation in PyTorch. Two of its options matter here:

* `weight`: background covers most pixels; weighting each class by 1/sqrt(frequency) keeps the small classes from
  being ignored;
* `ignore_index=255`: the one-pixel rim of every shape is marked "void" (as in Pascal VOC), because the neighbourhood
  there mixes two classes; those pixels contribute neither loss nor gradient, and the mean is taken over the rest.

Reported per epoch: the loss, the pixel accuracy and the intersection-over-union of each class on held-out images
(void pixels excluded).
"""

import argparse
import os

import matplotlib
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn as nn
from minigrad.utils.data import DataLoader, TensorDataset

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")
CLASSES = ["background", "square", "striped disc", "triangle"]
VOID = 255
SIZE, RADIUS = 24, 2  # image side; the model sees (2 * RADIUS + 1)² pixels around each pixel


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--train", type=int, default=400, help="training images")
    parser.add_argument("--test", type=int, default=100, help="held-out images")
    parser.add_argument("--noise", type=float, default=0.3, help="standard deviation of the pixel noise")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16, help="images per batch")
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the plot goes")
    return parser.parse_args()


def draw_shape(image, label, kind, rng):
    rows, cols = np.mgrid[:SIZE, :SIZE]
    r, c = rng.integers(5, SIZE - 5, 2)
    half = rng.integers(3, 6)
    if kind == 1:
        mask = (abs(rows - r) <= half) & (abs(cols - c) <= half)
        value = np.ones((SIZE, SIZE))
    elif kind == 2:
        mask = (rows - r) ** 2 + (cols - c) ** 2 <= (half + 0.5) ** 2
        value = np.where(rows % 2 == 0, 1.0, 0.2)
    else:
        mask = (rows >= r - half) & (rows <= r + half) & (abs(cols - c) <= (rows - r + half) / 2)
        value = np.full((SIZE, SIZE), 0.5)
    image[mask] = value[mask]
    label[mask] = kind


def make_images(count, noise, rng):
    """Noisy images (count, H, W) and labels with shape rims marked VOID."""
    images = np.zeros((count, SIZE, SIZE))
    labels = np.zeros((count, SIZE, SIZE), np.int64)
    for image, label in zip(images, labels):
        for kind in rng.integers(1, 4, rng.integers(1, 4)):
            draw_shape(image, label, kind, rng)
    # a pixel whose 3x3 neighbourhood holds more than one class is on a rim
    padded = np.pad(labels, ((0, 0), (1, 1), (1, 1)), mode="edge")
    neighbours = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
    rim = neighbours.min(axis=(-1, -2)) != neighbours.max(axis=(-1, -2))
    labels[rim] = VOID
    return (images + rng.normal(0, noise, images.shape)).astype(np.float32), labels


def neighbourhoods(images):
    """(N, H, W) -> (N, H, W, (2R+1)²): every pixel's neighbourhood, zero-padded at the borders."""
    padded = np.pad(images, ((0, 0), (RADIUS, RADIUS), (RADIUS, RADIUS)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (2 * RADIUS + 1,) * 2, axis=(1, 2))
    return np.ascontiguousarray(windows.reshape(*images.shape, -1))


class PixelClassifier(nn.Module):
    """(N, H, W, features) -> (N, C, H, W) logits: one MLP applied at every pixel."""

    def __init__(self, features, hidden, classes):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, classes)
        )

    def forward(self, x):
        return self.net(x).permute(0, 3, 1, 2)


def iou_per_class(prediction, labels):
    valid = labels != VOID
    scores = []
    for c in range(len(CLASSES)):
        predicted, actual = (prediction == c) & valid, labels == c
        union = (predicted | actual).sum()
        scores.append((predicted & actual).sum() / union if union else float("nan"))
    return np.array(scores), np.mean(prediction[valid] == labels[valid])


@minigrad.no_grad()
def predict(model, features):
    model.eval()
    return model(features).argmax(1).numpy()


def plot(history, image, label, prediction, path):
    fig = plt.figure(figsize=(12, 6.5))
    ax_curves = fig.add_subplot(2, 1, 1)
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax_curves.plot(epochs, history["loss"], label="train loss")
    for c, name in enumerate(CLASSES):
        ax_curves.plot(epochs, [iou[c] for iou in history["iou"]], label=f"IoU {name}")
    ax_curves.set(xlabel="epoch", title="training", ylim=(0, None))
    ax_curves.legend(ncol=5, loc="lower right")
    ax_curves.grid(alpha=0.3)
    cmap = matplotlib.colors.ListedColormap(["black", "tab:red", "tab:blue", "tab:green", "lightgrey"])
    shown = np.where(label == VOID, len(CLASSES), label)
    for i, (picture, title, kwargs) in enumerate(
        [
            (image, "held-out image", {"cmap": "gray"}),
            (shown, "target (grey: void, ignored)", {"cmap": cmap, "vmin": 0, "vmax": len(CLASSES)}),
            (prediction, "prediction", {"cmap": cmap, "vmin": 0, "vmax": len(CLASSES)}),
        ]
    ):
        ax = fig.add_subplot(2, 3, 4 + i)
        ax.imshow(picture, **kwargs)
        ax.set(title=title, xticks=[], yticks=[])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    minigrad.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train_images, train_labels = make_images(args.train, args.noise, rng)
    test_images, test_labels = make_images(args.test, args.noise, rng)

    counts = np.bincount(train_labels[train_labels != VOID], minlength=len(CLASSES))
    weight = 1 / np.sqrt(np.maximum(counts, 1) / counts.sum())
    weight = (weight / weight.mean()).astype(np.float32)
    print(
        "pixels per class: "
        + ", ".join(f"{n} {c / counts.sum():.1%}" for n, c in zip(CLASSES, counts))
        + f"; void {np.mean(train_labels == VOID):.1%}"
    )
    print("class weights:    " + ", ".join(f"{n} {w:.2f}" for n, w in zip(CLASSES, weight)))

    loader = DataLoader(
        TensorDataset(neighbourhoods(train_images), train_labels), batch_size=args.batch_size, shuffle=True
    )
    test_features = minigrad.from_numpy(neighbourhoods(test_images))
    model = PixelClassifier((2 * RADIUS + 1) ** 2, args.hidden, len(CLASSES))
    criterion = nn.CrossEntropyLoss(weight=minigrad.from_numpy(weight), ignore_index=VOID)
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    history = {"loss": [], "iou": []}
    for epoch in tqdm(range(1, args.epochs + 1), desc="epochs", unit="epoch", leave=False):
        model.train()
        total = 0.0
        for features, labels in loader:
            loss = criterion(model(features), labels)  # (N, C, H, W) logits, (N, H, W) targets
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
        iou, accuracy = iou_per_class(predict(model, test_features), test_labels)
        history["loss"].append(total / args.train)
        history["iou"].append(iou)
        tqdm.write(
            f"epoch {epoch:3d}  train loss {history['loss'][-1]:.4f}  pixel accuracy {accuracy:.4f}  IoU "
            + " ".join(f"{name} {score:.3f}" for name, score in zip(CLASSES, iou))
        )

    prediction = predict(model, test_features)
    iou, accuracy = iou_per_class(prediction, test_labels)
    path = os.path.join(args.out_dir, "segmentation_ce.png")
    plot(history, test_images[0], test_labels[0], prediction[0], path)
    print(f"plot: {path}")
    for name, score in zip(CLASSES, iou):
        print(f"IoU {name:12s} {score:.4f}")
    print(f"mean IoU: {np.nanmean(iou):.4f}")


if __name__ == "__main__":
    main()
