"""A convolutional variational autoencoder on scikit-learn's 8x8 digits: reconstructions, samples and the latent map.

    python examples/vae_digits.py                # a 2-D latent space, plotted with the digits laid out in it
    python examples/vae_digits.py --torch        # the same script on PyTorch, to compare the loss and time
    python examples/vae_digits.py --epochs 80 --resume   # continue the saved run

The encoder (two convolutions, the second strided, then linear layers) maps an image x to a Gaussian
q(z|x) = N(mu, exp(logvar)); a latent z is drawn from it by reparameterisation (z = mu + exp(logvar / 2) * eps,
eps ~ N(0, I), so gradients flow into mu and logvar); the decoder mirrors the encoder (linear layers, a transposed
convolution from 4x4 up to 8x8, a convolution) and maps z back to pixel logits. The loss is the negative ELBO per
image: the binary cross-entropy of the reconstruction summed over the 64 pixels (intensities in [0, 1] as soft
targets), plus KL(q(z|x) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar)). Reported per epoch: train and
held-out loss and its two terms. With --latent 2 (the default) the plot shows the latent space itself: where the
held-out digits land (coloured by label) and what the decoder draws across it; a larger latent is projected onto
its two principal directions.
"""

import argparse
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


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=60, help="train until this many epochs are done in total")
    parser.add_argument("--latent", type=int, default=2, help="latent dimensions (2 plots the latent space itself)")
    parser.add_argument("--channels", type=int, default=16, help="channels of the first conv (the second has twice)")
    parser.add_argument("--hidden", type=int, default=128, help="width of the linear layers around the latent")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, the weights, the shuffling and eps")
    _training.add_run_options(parser)
    return parser.parse_args()


class VAE(nn.Module):
    """(N, 1, 8, 8) images -> (pixel logits (N, 1, 8, 8), mu (N, latent), logvar (N, latent))."""

    def __init__(self, latent, channels, hidden):
        super().__init__()
        c = channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1),  # 8x8 -> 4x4
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * c * 16, hidden),
            nn.ReLU(),
        )
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.expand = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 2 * c * 16), nn.ReLU())
        self.channels = 2 * c
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1),  # 4x4 -> 8x8, the adjoint of a strided conv
            nn.ReLU(),
            nn.Conv2d(c, 1, 3, padding=1),
        )

    def encode(self, x):
        hidden = self.encoder(x)
        return self.mu(hidden), self.logvar(hidden)

    def decode(self, z):
        """Latents (N, latent) -> pixel logits (N, 1, 8, 8)."""
        return self.upsample(self.expand(z).reshape(len(z), self.channels, 4, 4))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + (0.5 * logvar).exp() * torch.randn_like(mu) if self.training else mu
        return self.decode(z), mu, logvar


def vae_loss(logits, x, mu, logvar):
    """Negative ELBO per image, and its two terms: summed pixel BCE, and KL(q(z|x) || N(0, I)) in closed form."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum() / len(x)
    return reconstruction + kl, reconstruction, kl


def train_epoch(model, loader, optimizer):
    model.train()
    totals, seen = np.zeros(3), 0
    for (x,) in tqdm(loader, desc="batches", unit="batch", leave=False):
        logits, mu, logvar = model(x)
        loss, reconstruction, kl = vae_loss(logits, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals += np.array([loss.item(), reconstruction.item(), kl.item()]) * len(x)
        seen += len(x)
    return totals / seen


@torch.no_grad()
def evaluate(model, x):
    """Held-out loss terms with z drawn from q(z|x) as in training (a fresh eps), so the two losses compare."""
    model.train()  # sample z; the model has no dropout or batch norm, so this changes nothing else
    logits, mu, logvar = model(x)
    return np.array([term.item() for term in vae_loss(logits, x, mu, logvar)])


def image_grid(images, rows):
    """(rows * cols, 8, 8) -> one (rows * 9, cols * 9) picture with a 1-pixel gap between the digits."""
    cols = len(images) // rows
    canvas = np.ones((rows * 9, cols * 9))
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        canvas[r * 9 : r * 9 + 8, c * 9 : c * 9 + 8] = 1 - image  # dark ink on white
    return canvas


@torch.no_grad()
def plot(model, history, x_test, y_test, latent, title, path):
    model.eval()
    epochs = np.arange(1, len(history["train"]) + 1)
    fig = plt.figure(figsize=(13, 8.5))
    grid = fig.add_gridspec(2, 3)
    ax = fig.add_subplot(grid[0, 0])
    for split, style in (("train", "-"), ("test", "--")):
        curves = np.asarray(history[split])
        ax.plot(epochs, curves[:, 0], style, color="black", label=f"{split} loss (-ELBO)")
        ax.plot(epochs, curves[:, 1], style, color="tab:blue", label=f"{split} BCE")
        ax.plot(epochs, curves[:, 2], style, color="tab:orange", label=f"{split} KL")
    ax.set(xlabel="epoch", ylabel="nats per image", title="loss", yscale="log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)

    originals = x_test[:16]
    logits, _, _ = model(originals)
    pictures = np.concatenate([originals.numpy()[:, 0], logits.sigmoid().numpy()[:, 0]])
    ax = fig.add_subplot(grid[0, 1])
    ax.imshow(image_grid(pictures, 4), cmap="gray")
    ax.set_title("held-out digits (rows 1-2) and their reconstructions (rows 3-4)", fontsize=9)
    ax.axis("off")

    torch.manual_seed(1)
    samples = model.decode(torch.randn(64, latent)).sigmoid().numpy()[:, 0]
    ax = fig.add_subplot(grid[0, 2])
    ax.imshow(image_grid(samples, 8), cmap="gray")
    ax.set_title("samples: z ~ N(0, I) decoded", fontsize=9)
    ax.axis("off")

    mu = model.encode(x_test)[0].numpy()
    if latent > 2:  # project onto the two directions of largest variance
        centred = mu - mu.mean(0)
        mu = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    ax = fig.add_subplot(grid[1, 0:2] if latent == 2 else grid[1, :])
    points = ax.scatter(mu[:, 0], mu[:, 1], c=y_test.numpy(), cmap="tab10", s=10)
    fig.colorbar(points, ax=ax, label="digit")
    ax.set(
        xlabel="z1" if latent == 2 else "principal direction 1",
        ylabel="z2" if latent == 2 else "principal direction 2",
        title="held-out digits' latent means" + ("" if latent == 2 else " (projected to 2-D)"),
    )
    if latent == 2:  # the decoder's view of the same plane
        steps = np.linspace(-2.5, 2.5, 12, dtype=np.float32)
        plane = np.stack(np.meshgrid(steps, steps[::-1]), -1).reshape(-1, 2)
        drawn = model.decode(torch.from_numpy(plane)).sigmoid().numpy()[:, 0]
        ax = fig.add_subplot(grid[1, 2])
        ax.imshow(image_grid(drawn, 12), cmap="gray", extent=(-2.75, 2.75, -2.75, 2.75))
        ax.set(xlabel="z1", ylabel="z2", title="decoded across the latent plane")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    start = time.perf_counter()
    run = _training.Run(torch, "vae_digits", args)

    X, y = load_digits()
    order = np.random.default_rng(args.seed).permutation(len(X))
    cut = int(0.8 * len(X))
    images = torch.from_numpy(X.reshape(-1, 1, 8, 8))
    x_train, x_test, y_test = images[order[:cut]], images[order[cut:]], torch.from_numpy(y[order[cut:]])

    torch.manual_seed(args.seed)
    model = VAE(args.latent, args.channels, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"train": [], "test": [], "seconds": []}
    history, done = run.restore(model, optimizer) or (history, 0)

    print(
        f"{_backend.name()}: train {len(x_train)} / test {len(x_test)} images; latent {args.latent}; model "
        f"{sum(p.numel() for p in model.parameters())} parameters"
    )
    progress = tqdm(range(done + 1, args.epochs + 1), desc="epochs", unit="epoch", leave=False)
    for epoch in progress:
        # seeded by the epoch (shuffling and eps), so a resumed run continues as the uninterrupted one would
        torch.manual_seed(args.seed * 1000 + epoch)
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(x_train), batch_size=args.batch_size, shuffle=True
        )
        tick = time.perf_counter()
        train = train_epoch(model, loader, optimizer)
        seconds = time.perf_counter() - tick
        test = evaluate(model, x_test)
        history["train"].append(train.tolist())
        history["test"].append(test.tolist())
        history["seconds"].append(seconds)
        tqdm.write(
            f"epoch {epoch:3d}  train loss {train[0]:.3f} (BCE {train[1]:.3f} KL {train[2]:.3f})  "
            f"test loss {test[0]:.3f} (BCE {test[1]:.3f} KL {test[2]:.3f})  ({seconds:.2f} s)"
        )
        run.save(model, optimizer, history=history, epoch=epoch)
    progress.close()

    title = f"convolutional VAE on the 8x8 digits ({_backend.name()}, latent {args.latent})"
    plot(model, history, x_test, y_test, args.latent, title, run.plot)
    torch.manual_seed(args.seed)  # the final held-out figure draws the same eps on every run
    test = evaluate(model, x_test)
    print(f"checkpoint: {run.checkpoint}\nplot: {run.plot}")
    if history["seconds"]:
        print(f"epoch time: {np.median(history['seconds']):.3f}")  # seconds, the median
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"test KL: {test[2]:.3f}")
    print(f"test loss: {test[0]:.3f}")  # negative ELBO in nats per image, lower is better


if __name__ == "__main__":
    main()
