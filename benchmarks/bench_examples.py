"""The examples side by side: each runs a fixed amount of training on minigrad and on PyTorch (``--torch``).

    python benchmarks/bench_examples.py                   # every example, minigrad then torch
    python benchmarks/bench_examples.py --only char_lm    # the rows whose name contains "char_lm"
    python benchmarks/bench_examples.py --repeats 3       # median of 3 runs per library
    python benchmarks/bench_examples.py --only MNIST --mnist-dir ~/data/mnist   # cnn_mnist on MNIST, 1 epoch

Each example runs as a subprocess of this one (one process tree), with the arguments in ``EXAMPLES``; it prints
machine-readable summary lines (``epoch time: 1.23``, ``test accuracy: 0.9861``, ...) which are parsed here. The
table gives the time per epoch or step on each library, their ratio (minigrad / torch: below 1 is faster) and the
quality metric each reached. Rows are skipped for torch when it is not installed.

Both libraries get the same thread count (``--threads``, default 1, through ``OMP_NUM_THREADS``): on a shared
machine more threads than free cores make both slower and noisier (spinning OpenMP and BLAS threads compete).

With ``--mnist-dir`` (a folder of the four MNIST IDX files; ``tools/mnist_idx.py`` writes them) a row runs
``cnn_mnist.py`` for one epoch of MNIST (938 steps of 64 images), as in pytorch/examples.

To add an example, add a row to ``EXAMPLES``: a name, the script, its arguments, the label of its time line and
of its quality line.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Example:
    name: str
    script: str
    args: tuple
    time_label: str  # the summary line with the time per unit of work, in seconds
    unit: str  # what that time is per: "epoch" or "step"
    metric_label: str  # the summary line with the quality reached


EXAMPLES = [
    Example("cnn_mnist", "cnn_mnist.py", ("--epochs", "2"), "epoch time", "epoch", "test accuracy"),
    Example(
        "char_lm transformer",
        "char_lm.py",
        ("--arch", "transformer", "--steps", "100", "--warmup", "10", "--eval-every", "100", "--sample-chars", "20"),
        "step time",
        "step",
        "val loss",
    ),
    Example(
        "char_lm lstm",
        "char_lm.py",
        ("--arch", "lstm", "--steps", "100", "--warmup", "10", "--eval-every", "100", "--sample-chars", "20"),
        "step time",
        "step",
        "val loss",
    ),
    # a short run: the time per epoch is the point here (the README gives the default run's accuracy)
    Example(
        "crnn_ctc",
        "crnn_ctc.py",
        ("--epochs", "2", "--train", "1280", "--test", "200"),
        "epoch time",
        "epoch",
        "test accuracy",
    ),
    Example("vae_digits", "vae_digits.py", ("--epochs", "5"), "epoch time", "epoch", "test loss"),
]


def mnist_example(data_dir):
    """The row that trains ``cnn_mnist.py`` on the MNIST IDX files in ``data_dir`` for one epoch."""
    return Example(
        "cnn_mnist MNIST",
        "cnn_mnist.py",
        ("--data-dir", data_dir, "--epochs", "1"),
        "epoch time",
        "epoch",
        "test accuracy",
    )


def summary_number(output, label):
    """The number on the example's ``label: number`` line (the last one, if it printed several)."""
    found = re.findall(rf"^{re.escape(label)}: ([-+0-9.eE]+)$", output, flags=re.M)
    if not found:
        raise RuntimeError(f"no '{label}: ...' line in the output:\n{output[-2000:]}")
    return float(found[-1])


def run(example, use_torch, threads):
    """Run one example once; returns (time per unit, metric)."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
        MPLBACKEND="Agg",
        OMP_NUM_THREADS=str(threads),
        OPENBLAS_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
    )
    with tempfile.TemporaryDirectory() as out_dir:
        command = [sys.executable, os.path.join(ROOT, "examples", example.script), *example.args, "--out-dir", out_dir]
        result = subprocess.run(command + (["--torch"] if use_torch else []), env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return summary_number(result.stdout, example.time_label), summary_number(result.stdout, example.metric_label)


def measure(example, use_torch, threads, repeats):
    """Median time and median metric over ``repeats`` runs."""
    runs = [run(example, use_torch, threads) for _ in range(repeats)]
    return statistics.median(t for t, _ in runs), statistics.median(m for _, m in runs)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--only", default="", help="run the examples whose name contains this")
    parser.add_argument("--repeats", type=int, default=1, help="runs per library (the median is shown)")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS for both libraries")
    parser.add_argument("--mnist-dir", default=None, help="add cnn_mnist on the MNIST IDX files in this folder")
    args = parser.parse_args()
    examples = EXAMPLES + ([mnist_example(os.path.expanduser(args.mnist_dir))] if args.mnist_dir else [])
    have_torch = find_spec("torch") is not None
    header = f"{'example':22s} {'unit':6s} {'minigrad s':>11s} {'torch s':>9s} {'ratio':>6s}   {'metric':15s} "
    print(header + f"{'minigrad':>9s} {'torch':>9s}")
    for example in examples:
        if args.only not in example.name:
            continue
        ours_time, ours_metric = measure(example, False, args.threads, args.repeats)
        line = f"{example.name:22s} {example.unit:6s} {ours_time:11.3f} "
        if have_torch:
            torch_time, torch_metric = measure(example, True, args.threads, args.repeats)
            line += f"{torch_time:9.3f} {ours_time / torch_time:6.2f}   {example.metric_label:15s} "
            line += f"{ours_metric:9.4f} {torch_metric:9.4f}"
        else:
            line += f"{'-':>9s} {'-':>6s}   {example.metric_label:15s} {ours_metric:9.4f} {'-':>9s}"
        print(line, flush=True)
    print(f"(time per {'/'.join(sorted({e.unit for e in examples}))}; ratio = minigrad / torch, below 1 is faster)")


if __name__ == "__main__":
    main()
