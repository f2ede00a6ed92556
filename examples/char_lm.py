"""Train a character-level language model on the Python standard library's own source code, then sample from it.

    python examples/char_lm.py                        # a small GPT (causal self-attention), 600 steps
    python examples/char_lm.py --arch lstm            # an LSTM instead
    python examples/char_lm.py --data some_book.txt   # any text file
    python examples/char_lm.py --torch                # the very same script on PyTorch
    python examples/char_lm.py --steps 1200 --resume  # continue the saved run

The text is every ``*.py`` file directly in the standard library's folder (``os.path.dirname(os.__file__)``), in
sorted order, concatenated up to --chars characters: data every Python installation has. The last 10% is held out.
Each step trains on --batch-size random windows of --block characters (the windows depend only on --seed and the
step number, so minigrad and --torch see the same batches), predicting every next character (cross-entropy).

``--arch transformer`` is a small GPT: token + position embeddings, --layers pre-LayerNorm blocks of causal
multi-head self-attention (``F.scaled_dot_product_attention(is_causal=True)``) and an MLP with GPT-2's (tanh)
GELU, a final LayerNorm and a linear read-out. ``--arch lstm`` is an embedding, an ``nn.LSTM`` and a linear
read-out. Both train with AdamW (weight decay on the matrices only), gradient clipping at norm 1, and a learning
rate that warms up linearly for --warmup steps, then decays along a cosine to lr/10
(``SequentialLR(LinearLR, CosineAnnealingLR)``).

Every --eval-every steps the held-out loss is printed in nats and bits per character and a checkpoint is saved
(``--resume`` continues from it). At the end a sample of text is printed (temperature sampling with
``torch.multinomial``), and a PNG of the curves is written. The last lines (``tokens per second: ...``,
``val loss: ...``) are what benchmarks/bench_examples.py and the tests read.
"""

import argparse
import math
import os
import time

import _backend
import _training
import matplotlib
import numpy as np
from tqdm import tqdm

torch, nn, F = _backend.load()

matplotlib.use("Agg")  # write files; never open a window
import matplotlib.pyplot as plt  # noqa: E402

EVAL_SEED = 2**31 - 1  # the held-out windows are drawn once, the same for every run and both libraries


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--arch", choices=["transformer", "lstm"], default="transformer")
    parser.add_argument("--data", default=None, help="a text file to train on (default: the stdlib's *.py files)")
    parser.add_argument("--chars", type=int, default=1_000_000, help="read at most this many characters")
    parser.add_argument("--steps", type=int, default=600, help="train until this many steps are done in total")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--block", type=int, default=64, help="characters per training window (the context)")
    parser.add_argument("--embed", type=int, default=128, help="embedding width (transformer: the model width)")
    parser.add_argument("--heads", type=int, default=4, help="transformer: attention heads")
    parser.add_argument("--layers", type=int, default=2, help="transformer blocks / LSTM layers")
    parser.add_argument("--hidden", type=int, default=256, help="LSTM hidden size")
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW peak learning rate")
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--warmup", type=int, default=50, help="steps of linear learning-rate warm-up")
    parser.add_argument("--eval-every", type=int, default=100, help="held-out evaluation and checkpoint interval")
    parser.add_argument("--eval-batches", type=int, default=8, help="held-out batches per evaluation")
    parser.add_argument("--sample-chars", type=int, default=400, help="characters to sample at the end")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    parser.add_argument("--prompt", default="def ", help="text the sample starts from")
    parser.add_argument("--seed", type=int, default=0, help="seeds the weights, the batches and the sampling")
    _training.add_run_options(parser)
    args = parser.parse_args()
    if args.arch == "transformer" and args.embed % args.heads:
        parser.error(f"--embed ({args.embed}) must be a multiple of --heads ({args.heads})")
    if args.warmup >= args.steps:
        parser.error("--warmup must be smaller than --steps")
    return args


def read_text(path, limit):
    """The text to learn: ``path``'s, or the standard library's top-level ``*.py`` files (sorted) concatenated."""
    if path is not None:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read(limit)
    folder = os.path.dirname(os.__file__)
    pieces, size = [], 0
    for name in sorted(name for name in os.listdir(folder) if name.endswith(".py")):
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as file:
            pieces.append(file.read())
        size += len(pieces[-1])
        if size >= limit:
            break
    return "".join(pieces)[:limit]


class Block(nn.Module):
    """A pre-LayerNorm transformer block: ``x + attention(LN(x))``, then ``x + MLP(LN(x))``; (B, T, C) -> (B, T, C).

    The attention is causal (position t sees positions ≤ t) over ``heads`` heads of width C / heads."""

    def __init__(self, width, heads, dropout):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"), nn.Linear(4 * width, width), nn.Dropout(dropout)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        batch, steps, width = x.shape
        # (B, T, 3C) -> three (B, heads, T, C/heads): one matrix product computes every head's query, key, value
        q, k, v = (
            part.view(batch, steps, self.heads, width // self.heads).transpose(1, 2)
            for part in self.qkv(self.ln1(x)).split(width, dim=2)
        )
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.dropout(self.proj(attended.transpose(1, 2).reshape(batch, steps, width)))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Token + position embeddings, ``layers`` causal ``Block``s, LayerNorm, linear read-out:
    (B, T) character ids -> (B, T, vocab) next-character logits (T ≤ ``block``)."""

    def __init__(self, vocab, block, width, heads, layers, dropout):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(block, width)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(width, heads, dropout) for _ in range(layers))
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)

    def forward(self, ids):
        x = self.dropout(self.tokens(ids) + self.positions(torch.arange(ids.shape[1])))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


class LSTMModel(nn.Module):
    """Embedding -> ``layers``-layer LSTM -> linear read-out: (B, T) ids -> (B, T, vocab) logits."""

    def __init__(self, vocab, width, hidden, layers, dropout):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.lstm = nn.LSTM(width, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids):
        output, _ = self.lstm(self.tokens(ids))
        return self.head(output)


def make_model(args, vocab):
    if args.arch == "transformer":
        return GPT(vocab, args.block, args.embed, args.heads, args.layers, args.dropout)
    return LSTMModel(vocab, args.embed, args.hidden, args.layers, args.dropout)


def initialise(model, seed):
    """Draw every parameter with NumPy from torch's default distributions: embeddings N(0, 1), a linear layer's
    weight and bias U(±1/√in_features), an LSTM's U(±1/√hidden_size); LayerNorm keeps its ones and zeros.

    minigrad and PyTorch have different random streams, so their own initialisations differ for one seed; drawn
    here, both libraries start from the very same weights (the first line after the model's description shows
    the held-out loss before training, equal on both) and their runs differ only by rounding."""
    rng = np.random.default_rng([seed, 1])
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            draw = lambda shape: rng.standard_normal(shape)
        elif isinstance(module, (nn.Linear, nn.LSTM)):
            bound = 1 / math.sqrt(module.in_features if isinstance(module, nn.Linear) else module.hidden_size)
            draw = lambda shape, bound=bound: rng.uniform(-bound, bound, shape)
        else:
            continue
        with torch.no_grad():
            for parameter in module.parameters(recurse=False):
                parameter.copy_(torch.from_numpy(draw(tuple(parameter.shape)).astype(np.float32)))


def make_optimizer(model, args):
    """AdamW with weight decay on the parameters of two or more dims (weight matrices, embedding tables) but not on
    biases and LayerNorm's gains; its learning rate warms up linearly, then follows a cosine down to lr/10."""
    parameters = list(model.parameters())
    groups = [
        {"params": [p for p in parameters if p.dim() >= 2], "weight_decay": args.weight_decay},
        {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.99))
    schedulers = torch.optim.lr_scheduler
    warmup = schedulers.LinearLR(optimizer, start_factor=1.0 / args.warmup, total_iters=args.warmup)
    decay = schedulers.CosineAnnealingLR(optimizer, T_max=args.steps - args.warmup, eta_min=args.lr / 10)
    return optimizer, schedulers.SequentialLR(optimizer, [warmup, decay], milestones=[args.warmup])


def windows(data, offsets, block):
    """Inputs and next-character targets for the windows starting at ``offsets``: two (len(offsets), block)."""
    rows = np.lib.stride_tricks.sliding_window_view(data, block + 1)[offsets]
    return torch.from_numpy(np.ascontiguousarray(rows[:, :-1])), torch.from_numpy(np.ascontiguousarray(rows[:, 1:]))


def train_batch(data, step, args):
    """Step ``step``'s windows: a function of (seed, step) only, so a resumed run and both libraries agree."""
    offsets = np.random.default_rng([args.seed, step]).integers(0, len(data) - args.block - 1, args.batch_size)
    return windows(data, offsets, args.block)


def loss_of(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@torch.no_grad()
def evaluate(model, val_batches):
    model.eval()
    loss = float(np.mean([loss_of(model, x, y).item() for x, y in val_batches]))
    model.train()
    return loss


@torch.no_grad()
def sample(model, ids, length, block, temperature, seed):
    """Continue ``ids`` by ``length`` characters, each drawn from softmax(logits / temperature)."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    ids = list(ids)
    for _ in range(length):
        logits = model(torch.tensor([ids[-block:]]))[0, -1]
        probabilities = F.softmax(logits / temperature, dim=-1)
        ids.append(int(torch.multinomial(probabilities, 1, generator=generator).item()))
    model.train()
    return ids


def plot(history, title, text, path):
    """Train loss per step, held-out loss at each evaluation (both in bits per character), the learning rate,
    and the sampled text."""
    fig, (ax_loss, ax_text) = plt.subplots(2, 1, figsize=(10, 9), gridspec_kw={"height_ratios": [1, 1]})
    to_bits = 1 / math.log(2)
    ax_loss.plot(history["step"], np.array(history["train_loss"]) * to_bits, alpha=0.4, label="train (per batch)")
    ax_loss.plot(history["eval_step"], np.array(history["val_loss"]) * to_bits, "o-", label="held out")
    ax_loss.set(xlabel="step", ylabel="bits per character", title=title)
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(loc="upper center")
    ax_lr = ax_loss.twinx()
    ax_lr.plot(history["step"], history["lr"], color="gray", lw=1)
    ax_lr.set_ylabel("learning rate", color="gray")
    ax_text.axis("off")
    shown = "\n".join(line[:110] for line in text.replace("$", r"\$").splitlines()[:30])
    ax_text.text(0, 1, shown, family="monospace", fontsize=7, va="top")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args()
    start = time.perf_counter()
    library = _backend.name()
    run = _training.Run(torch, f"char_lm_{args.arch}", args)

    text = read_text(args.data, args.chars)
    alphabet = sorted(set(text))
    index = {char: i for i, char in enumerate(alphabet)}
    data = np.array([index[char] for char in text], dtype=np.int64)
    cut = int(0.9 * len(data))
    train_data, val_data = data[:cut], data[cut:]
    if len(val_data) <= args.block + 1:
        raise SystemExit(f"the text is too short: {len(text)} characters leave no held-out window of --block")
    val_offsets = np.random.default_rng(EVAL_SEED).integers(
        0, len(val_data) - args.block - 1, (args.eval_batches, args.batch_size)
    )
    val_batches = [windows(val_data, offsets, args.block) for offsets in val_offsets]

    torch.manual_seed(args.seed)
    model = make_model(args, len(alphabet))
    initialise(model, args.seed)
    optimizer, scheduler = make_optimizer(model, args)
    history = {"step": [], "train_loss": [], "lr": [], "eval_step": [], "val_loss": [], "train_seconds": 0.0}
    history, done = run.restore(model, optimizer, scheduler, unit="step") or (history, 0)

    parameters = sum(p.numel() for p in model.parameters())
    source = args.data or f"the standard library's *.py files in {os.path.dirname(os.__file__)}"
    print(
        f"{library}: {args.arch} with {parameters} parameters; {len(train_data)} training / {len(val_data)} "
        f"held-out characters ({len(alphabet)} distinct) from {source}"
    )
    if done == 0:
        print(f"initial held-out loss: {evaluate(model, val_batches):.4f}")
    model.train()
    progress = tqdm(range(done + 1, args.steps + 1), desc="train", unit="step", leave=False)
    for step in progress:
        x, y = train_batch(train_data, step, args)
        began = time.perf_counter()
        loss = loss_of(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history["lr"].append(scheduler.get_last_lr()[0])
        scheduler.step()
        history["train_loss"].append(loss.item())
        history["train_seconds"] += time.perf_counter() - began
        history["step"].append(step)
        progress.set_postfix(loss=f"{history['train_loss'][-1]:.3f}")
        if step % args.eval_every == 0 or step == args.steps:
            val_loss = evaluate(model, val_batches)
            history["eval_step"].append(step)
            history["val_loss"].append(val_loss)
            tqdm.write(
                f"step {step:5d}  train loss {np.mean(history['train_loss'][-args.eval_every :]):.4f}  "
                f"held-out loss {val_loss:.4f} ({val_loss / math.log(2):.3f} bits/char)"
            )
            run.save(model, optimizer, scheduler, history=history, step=step)
    progress.close()

    prompt = [index[char] for char in args.prompt if char in index] or [0]
    ids = sample(model, prompt, args.sample_chars, args.block, args.temperature, args.seed)
    text_sample = "".join(alphabet[i] for i in ids)
    print(f"--- sample (temperature {args.temperature}) ---\n{text_sample}\n---")
    plot(history, f"character LM, {args.arch} ({library})", text_sample, run.plot)
    val_loss = history["val_loss"][-1] if history["val_loss"] else evaluate(model, val_batches)
    trained_steps = len(history["step"])
    print(f"checkpoint: {run.checkpoint}\nplot: {run.plot}")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    print(f"step time: {history['train_seconds'] / max(trained_steps, 1):.4f}")
    print(
        f"tokens per second: {trained_steps * args.batch_size * args.block / max(history['train_seconds'], 1e-9):.0f}"
    )
    print(f"val bpc: {val_loss / math.log(2):.4f}")
    print(f"val loss: {val_loss:.4f}")


if __name__ == "__main__":
    main()
