"""Kernel fuzz worker: ``python tests/fuzz_kernels_worker.py SEED COUNT [-v]``.

Runs COUNT random, mostly adversarial cases (drawn from ``numpy.random.default_rng(SEED)``) through every public
entry point that reaches a compiled kernel: ctc_loss, cross_entropy / nll_loss (row, column and probability
kernels), softmax / log_softmax, the margin losses, the elementwise losses, Adam's fused update and the embedding
gradient's row scatter. Inputs have odd shapes (empty, 0-d, large enough to split across threads), dtypes, values
(nan, ±inf, huge, peaked), memory layouts (strided, Fortran, read-only), and targets, lengths and indices out of
range, up to int64 overflow; each case runs
with 1 to 4 kernel threads, forward and backward (twice, through a retained graph).

Every case must return or raise ValueError / RuntimeError / IndexError / TypeError / NotImplementedError with a
message, and leave its inputs untouched. The worker exits 0 when all did, 1 (printing the case) when one did not;
a crash is a signal, which tests/test_fuzz_kernels.py reports with the seed. Each case's description is printed
before it runs with ``-v``, so a crash's last line names it.
"""

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's minigrad, also under a sanitizer

import minigrad  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad.nn.parameter import Parameter  # noqa: E402

EXPECTED_ERRORS = (ValueError, RuntimeError, IndexError, TypeError, NotImplementedError)
BOUNDS_CHECK_ERROR = "Out of bounds on buffer access"  # Cython's IndexError in a bounds-checked build
SPECIAL = np.array(
    [0.0, -0.0, 1.0, -1.0, 1e-30, 1e-45, 88.8, -88.8, 1e4, -1e4, 1e30, -1e30, 3.4e38, -3.4e38, np.inf, -np.inf, np.nan]
)
HUGE_INTS = [-1, 2**31, 2**40, 2**62, 2**63 - 1, -(2**63)]


class Fuzzer:
    """Draws the cases."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    # ------------------------------------------------------------------------------------------------ drawing
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def size(self, high=5, big=0.05, big_high=300, low=0):
        """Mostly small (sometimes 0 even with ``low``), sometimes big enough to split across threads."""
        if self.chance(0.05):
            return 0
        return int(self.rng.integers(low, big_high if self.chance(big) else high + 1))

    def floats(self, shape, dtype=None, scale=None):
        dtype = dtype or self.pick([np.float32, np.float32, np.float64, np.float64, np.float16])
        values = np.asarray(self.rng.standard_normal(shape) * (scale or self.pick([1.0, 1.0, 10.0, 1e3, 1e4])))
        if self.chance(0.3) and values.size:
            mask = self.rng.random(shape) < 0.2
            values[mask] = self.rng.choice(SPECIAL, size=int(mask.sum()))
        with np.errstate(over="ignore"):
            return self.layout(values.astype(dtype))

    def ints(self, shape, low, high, wild=0.1, dtype=np.int64):
        values = self.rng.integers(low, max(high, low + 1), size=shape, dtype=np.int64)
        if values.size and self.chance(wild):
            values.reshape(-1)[int(self.rng.integers(values.size))] = self.pick(HUGE_INTS + [low - 1, high])
        return self.layout(values.astype(dtype))

    def layout(self, array):
        array = np.asarray(array)
        kind = self.pick(["plain", "plain", "strided", "fortran", "readonly"])
        if kind == "strided" and array.ndim:
            buffer = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), array.dtype)
            buffer[..., ::2] = array
            array = buffer[..., ::2]
        elif kind == "fortran" and array.ndim > 1:  # (np.asfortranarray makes a 0-d array 1-d)
            array = np.asfortranarray(array)
        elif kind == "readonly":
            array = array.copy()
            array.flags.writeable = False
        return array

    def tensor(self, array, grad=False):
        t = minigrad.from_numpy(array)
        if grad and array.dtype.kind == "f":
            t.requires_grad_(True)
        return t

    def reduction(self):
        return self.pick(["none", "mean", "sum", "none", "mean", "sum", "bogus"])

    # -------------------------------------------------------------------------------------------------- cases
    def ctc(self):
        T, N, C = self.size(6, big_high=60, low=1), self.size(3, big_high=40, low=1), self.size(6, big_high=40, low=2)
        dtype = self.pick([np.float32, np.float64, np.float32, np.float64, np.float32, np.float64, np.float16])
        logits = self.floats((T, N, C), dtype, scale=self.pick([1.0, 5.0, 1e2, 1e4]))
        if self.chance(0.15) and N:
            logits, N = logits[:, 0], 1  # unbatched (T, C)
        blank = self.pick([0, 0, 0, max(C - 1, 0), C, -1])
        lengths = [int(v) for v in self.rng.integers(0, 5, N)]
        if self.chance(0.1) and N >= 3:  # lengths whose int64 sum wraps around to a small count
            lengths[:3] = [2**63 - 1, 2**63 - 1, int(self.rng.integers(2, 6))]
        elif self.chance(0.1) and N:
            lengths[int(self.rng.integers(N))] = self.pick(HUGE_INTS + [T + 1, 10**6])
        labels = [c for c in range(max(C, 1)) if c != blank] or [0]
        padded = self.chance(0.5)
        if padded:
            width = max([0] + [v for v in lengths if 0 <= v <= 64]) + int(self.rng.integers(-1, 3))
            targets = self.rng.choice(labels, size=(N, max(width, 0)))
        else:  # the count the lengths add up to in int64 arithmetic (wrapped, when they overflow)
            wrapped = int(np.array(lengths, dtype=np.int64).sum()) if N else 0  # (NumPy integer sums wrap)
            total = (wrapped if 0 <= wrapped <= 256 else 0) + self.pick([0, 0, 0, -1, 1])
            targets = self.rng.choice(labels, size=max(total, 0))
        if targets.size and self.chance(0.2):
            targets.reshape(-1)[int(self.rng.integers(targets.size))] = self.pick([blank, C, -1, 2**40])
        targets = self.layout(targets.astype(self.pick([np.int64, np.int64, np.int32, np.float32])))
        input_lengths = [int(v) for v in self.rng.integers(0, T + 1, N)]
        if self.chance(0.1) and N:
            input_lengths[int(self.rng.integers(N))] = self.pick(HUGE_INTS + [T + 1])
        as_tensor = self.chance(0.5)

        def lengths_argument(values):
            return self.tensor(self.layout(np.array(values, dtype=np.int64))) if as_tensor else values

        normalise = self.chance(0.5)
        reduction, zero_infinity = self.reduction(), self.chance(0.5)
        x = self.tensor(logits, grad=True)

        def run():
            log_probs = F.log_softmax(x, -1) if normalise and x.ndim else x
            return F.ctc_loss(
                log_probs,
                self.tensor(targets),
                lengths_argument(input_lengths),
                lengths_argument(lengths),
                blank=blank,
                reduction=reduction,
                zero_infinity=zero_infinity,
            )

        return (
            (
                f"ctc_loss(log_probs {logits.dtype}{logits.shape}, targets {targets.dtype}{targets.shape}, "
                f"input_lengths={input_lengths}, target_lengths={lengths}, blank={blank}, reduction={reduction!r}, "
                f"zero_infinity={zero_infinity}, log_softmax first={normalise})"
            ),
            run,
            [logits, targets],
        )

    def class_scores(self):
        """Shapes (N, C), (C,), (N, C, d...) for the class losses."""
        kind = self.pick(["2d", "2d", "1d", "kdim", "kdim", "0d"])
        if kind == "2d":
            return (self.size(8, big_high=400), self.size(6, big_high=300))
        if kind == "1d":
            return (self.size(6),)
        if kind == "0d":
            return ()
        return (self.size(3, big_high=8), self.size(5, big_high=30)) + tuple(
            self.size(3, big_high=40) for _ in range(self.pick([1, 2, 2, 3]))
        )

    def cross_entropy(self):
        shape = self.class_scores()
        classes = shape[0] if len(shape) == 1 else (shape[1] if shape else 1)
        target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
        if self.chance(0.05):
            target_shape = (self.size(3),)
        fn = self.pick(["cross_entropy", "cross_entropy", "nll_loss"])
        x = self.floats(shape)
        ignore_index = self.pick([-100, -100, 0, -1, 2**40])
        probabilities = fn == "cross_entropy" and self.chance(0.25)
        if probabilities:
            target = self.floats(shape, self.pick([x.dtype, np.float32, np.float64]), scale=1.0)
        else:
            target = np.array(self.ints(target_shape, 0, classes))
            if target.size and self.chance(0.2):
                target.reshape(-1)[0] = ignore_index
            target = self.layout(target.astype(self.pick([np.int64, np.int64, np.uint8, np.int32])))  # (wraps)
        weight = None
        if self.chance(0.3):
            weight = self.floats(
                (classes + self.pick([0, 0, 0, 1, -1]) if classes else 0,),
                self.pick([x.dtype, x.dtype, np.float32]),
                scale=1.0,
            )
        options = {
            "weight": None if weight is None else self.tensor(weight, grad=probabilities and self.chance(0.3)),
            "ignore_index": ignore_index,
            "reduction": self.reduction(),
        }
        if fn == "cross_entropy":
            options["label_smoothing"] = self.pick([0.0, 0.0, 0.1, 1.0, 1.5, -0.5])
        input_tensor = self.tensor(x, grad=True)
        target_tensor = self.tensor(target, grad=probabilities and self.chance(0.5))
        return (
            f"{fn}(input {x.dtype}{x.shape}, target {target.dtype}{target.shape}, weight "
            f"{None if weight is None else (weight.dtype, weight.shape)}, {dict(options, weight=None)})",
            lambda: getattr(F, fn)(input_tensor, target_tensor, **options),
            [x, target] + ([] if weight is None else [weight]),
        )

    def softmax(self):
        shape = tuple(self.size(4, big_high=200) for _ in range(self.pick([0, 1, 2, 2, 3])))
        x = self.floats(shape)
        dim = int(self.rng.integers(-len(shape) - 1, len(shape) + 1)) if shape else self.pick([0, -1, 1])
        fn = self.pick(["softmax", "log_softmax", "logsumexp"])
        t = self.tensor(x, grad=True)

        def run():
            if fn == "logsumexp":
                return minigrad.logsumexp(t, dim)
            return getattr(F, fn)(t, dim)

        return f"{fn}(x {x.dtype}{x.shape}, dim={dim})", run, [x]

    def margin(self):
        fn = self.pick(
            [
                "multi_margin_loss",
                "multilabel_margin_loss",
                "triplet_margin_loss",
                "hinge_embedding_loss",
                "margin_ranking_loss",
            ]
        )
        reduction = self.reduction()
        if fn in ("multi_margin_loss", "multilabel_margin_loss"):
            shape = self.pick([(self.size(6, big_high=300), self.size(6, big_high=200)), (self.size(6),), ()])
            x = self.floats(shape)
            classes = shape[-1] if shape else 1
            if fn == "multi_margin_loss":
                target = self.ints(shape[:1] if len(shape) == 2 else self.pick([(), (1,)]), 0, classes)
                weight = self.floats((classes + self.pick([0, 0, 1]),), scale=1.0) if self.chance(0.3) else None
                options = {
                    "p": self.pick([1, 2, 3]),
                    "margin": self.pick([1.0, 0.0, -1.0]),
                    "weight": None if weight is None else self.tensor(weight),
                    "reduction": reduction,
                }
                arrays = [x, target] + ([] if weight is None else [weight])
            else:
                target = self.ints(
                    shape if self.chance(0.9) else (self.size(3),),
                    -1,
                    classes,
                    dtype=self.pick([np.int64, np.int64, np.int32]),
                )
                options, arrays = {"reduction": reduction}, [x, target]
            input_tensor = self.tensor(x, grad=True)
            return (
                f"{fn}(input {x.dtype}{x.shape}, target {target.dtype}{target.shape}, {dict(options, weight=None)})",
                lambda: getattr(F, fn)(input_tensor, self.tensor(target), **options),
                arrays,
            )
        shape = tuple(self.size(4, big_high=400) for _ in range(self.pick([0, 1, 2, 2])))
        arrays = [
            self.floats(shape if self.chance(0.85) else tuple(max(n, 1) for n in shape[1:]))
            for _ in range(3 if fn != "hinge_embedding_loss" else 2)
        ]
        if fn == "triplet_margin_loss":
            options = {
                "margin": self.pick([1.0, 0.5, 0.0]),
                "p": self.pick([2.0, 1.0, 3.0, np.inf, 0.5]),
                "eps": self.pick([1e-6, 0.0]),
                "swap": self.chance(0.5),
                "reduction": reduction,
            }
        elif fn == "hinge_embedding_loss":
            arrays[1] = self.layout(self.rng.choice([1.0, -1.0, 0.0], size=arrays[1].shape).astype(arrays[0].dtype))
            options = {"margin": self.pick([1.0, 0.0, -1.0]), "reduction": reduction}
        else:
            options = {"margin": self.pick([0.0, 1.0, -0.5]), "reduction": reduction}
        tensors = [self.tensor(a, grad=True) for a in arrays]
        return (
            f"{fn}({', '.join(f'{a.dtype}{a.shape}' for a in arrays)}, {options})",
            lambda: getattr(F, fn)(*tensors, **options),
            arrays,
        )

    def elementwise(self):
        fn = self.pick(
            [
                "mse_loss",
                "smooth_l1_loss",
                "huber_loss",
                "binary_cross_entropy",
                "binary_cross_entropy_with_logits",
                "soft_margin_loss",
            ]
        )
        shape = tuple(self.size(4, big_high=600) for _ in range(self.pick([0, 1, 2, 2, 3])))
        x = self.floats(shape)
        target_shape = shape if self.chance(0.85) else tuple(self.pick([1, n]) for n in shape[1:])
        y = self.floats(
            target_shape, self.pick([x.dtype, x.dtype, np.float32, np.float64]), scale=self.pick([1.0, 1e3])
        )
        if fn == "binary_cross_entropy":
            x, y = (
                self.layout(np.clip(np.abs(a.astype(np.float64)), 0, 1 + self.pick([0, 0, 0.5])).astype(a.dtype))
                for a in (x, y)
            )
        options = {"reduction": self.reduction()}
        arrays = [x, y]
        if fn == "smooth_l1_loss":
            options["beta"] = self.pick([1.0, 0.5, 1e-6, 0.0, -1.0])
        elif fn == "huber_loss":
            options["delta"] = self.pick([1.0, 0.5, 1e-6, 0.0, -1.0])
        elif fn in ("binary_cross_entropy", "binary_cross_entropy_with_logits") and self.chance(0.4):
            names = ["weight"] + (["pos_weight"] if fn == "binary_cross_entropy_with_logits" else [])
            for name in names:
                weight = self.floats(shape[-1:] if self.chance(0.5) else shape, x.dtype, scale=1.0)
                options[name] = self.tensor(weight)
                arrays.append(weight)
        tensors = [self.tensor(x, grad=True), self.tensor(y, grad=fn != "soft_margin_loss" and self.chance(0.5))]
        return (
            f"{fn}(input {x.dtype}{x.shape}, target {y.dtype}{y.shape}, "
            f"{ {k: v if isinstance(v, (str, float)) else 'tensor' for k, v in options.items()} })",
            lambda: getattr(F, fn)(*tensors, **options),
            arrays,
        )

    def adam(self):
        """Adam/AdamW steps, then sometimes a parameter replaced behind the optimizer's back."""
        shape = tuple(self.size(5, big_high=2000) for _ in range(self.pick([0, 1, 2])))
        dtype = self.pick([np.float32, np.float64])
        param = Parameter(minigrad.tensor(self.rng.standard_normal(shape).astype(dtype)))
        options = {
            "lr": self.pick([1e-3, 0.1, 0.0]),
            "amsgrad": self.chance(0.3),
            "maximize": self.chance(0.2),
            "weight_decay": self.pick([0.0, 0.01]),
        }
        optimizer = (minigrad.optim.AdamW if self.chance(0.3) else minigrad.optim.Adam)([param], **options)
        mischief = self.pick(["none", "none", "resize", "retype", "grad shape", "strided", "state"])

        def run():
            for step in range(3):
                grad_shape = shape
                if step == 2 and mischief == "resize":
                    param._data = np.zeros(tuple(n + 7 for n in shape) or (7,), dtype)
                    grad_shape = param._data.shape
                elif step == 2 and mischief == "retype":
                    param._data = param._data.astype(np.float64 if dtype == np.float32 else np.float32)
                elif step == 2 and mischief == "grad shape":
                    grad_shape = tuple(n + 1 for n in shape) or (3,)
                elif step == 2 and mischief == "strided":
                    param._data = np.repeat(param._data.reshape(-1), 2)[::2].reshape(shape)
                elif step == 2 and mischief == "state":
                    saved = optimizer.state_dict()
                    for entry in saved["state"].values():
                        entry["exp_avg"] = minigrad.zeros(7)
                    optimizer.load_state_dict(saved)
                param.grad = minigrad.tensor(self.floats(grad_shape, param._data.dtype, scale=1.0))
                optimizer.step()
            return param

        return f"{type(optimizer).__name__}({options}) on {dtype.__name__}{shape}, then {mischief}", run, []

    def embedding(self):
        """Embedding lookups and bags, whose weight gradient is the row-scatter kernel's."""
        rows, width = self.size(6, big_high=400), self.size(4, big_high=300)
        weight = self.floats((rows, width))
        indices = self.ints(tuple(self.size(4, big_high=200) for _ in range(self.pick([1, 1, 2]))), 0, rows)
        options = {}
        if rows and self.chance(0.3):  # (torch asserts it is in range: an AssertionError, not a refusal)
            options["padding_idx"] = int(self.rng.integers(-rows, rows))
        if self.chance(0.3):
            options["scale_grad_by_freq"] = True
        if self.chance(0.2):
            options["max_norm"] = self.pick([0.5, 1.0])
        fn = self.pick(["embedding", "embedding", "embedding_bag"])
        if fn == "embedding_bag":
            options["mode"] = self.pick(["sum", "mean"])
            if indices.ndim == 1:  # bags start at sorted offsets, the first at 0
                starts = np.sort(self.rng.integers(0, indices.size + 1, self.size(3, big_high=20)))
                options["offsets"] = self.tensor(np.r_[0, starts].astype(np.int64))
        weight_tensor = self.tensor(weight.copy(), grad=True)  # max_norm rescales the weight in place: a copy

        def run():
            return getattr(F, fn)(self.tensor(indices), weight_tensor, **options)

        return (
            f"{fn}(indices {indices.dtype}{indices.shape}, weight {weight.dtype}{weight.shape}, {options})",
            run,
            [indices],
        )

    # ---------------------------------------------------------------------------------------------- running
    def case(self):
        return self.pick(
            [
                self.ctc,
                self.ctc,
                self.cross_entropy,
                self.cross_entropy,
                self.softmax,
                self.margin,
                self.margin,
                self.elementwise,
                self.adam,
                self.embedding,
            ]
        )()


def check(description, run, arrays, rng, outcomes):
    """Run one case; return None if it kept the contract, else what went wrong. Counts outcomes per entry point."""
    kind = description.split("(")[0]
    before = [np.array(a, copy=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = run()
            if isinstance(out, minigrad.Tensor) and out.requires_grad:
                upstream = minigrad.tensor(rng.standard_normal(out.shape).astype(out._data.dtype))
                out.backward(upstream, retain_graph=True)
                out.backward(upstream)  # a second pass recomputes what the first handed over
            outcomes[kind, "computed"] = outcomes.get((kind, "computed"), 0) + 1
        except EXPECTED_ERRORS as error:
            outcomes[kind, "refused"] = outcomes.get((kind, "refused"), 0) + 1
            if not str(error).strip():
                return f"{type(error).__name__} without a message"
            if BOUNDS_CHECK_ERROR in str(error):  # only a MINIGRAD_BOUNDSCHECK=1 build says this: a kernel bug
                return f"a kernel indexed out of bounds: {error}"
            if type(error).__module__.startswith("numpy"):  # AxisError, UFuncTypeError...: unchecked input
                return f"NumPy's {type(error).__name__} escaped: {error}"
        except Exception as error:  # noqa: BLE001 - anything else breaks the contract
            return f"unexpected {type(error).__name__}: {error}"
    for i, (original, array) in enumerate(zip(before, arrays)):
        if original.tobytes() != np.ascontiguousarray(array).tobytes():
            return f"argument {i} was modified in place"
    return None


def main(argv):
    seed, count = int(argv[1]), int(argv[2])
    verbose = "-v" in argv
    fuzzer = Fuzzer(seed)
    outcomes = {}
    for index in range(count):
        minigrad.set_num_threads(int(fuzzer.rng.integers(1, 5)))
        description, run, arrays = fuzzer.case()
        if verbose:
            print(f"case {index}: {description}", flush=True)
        problem = check(description, run, arrays, fuzzer.rng, outcomes)
        if problem:
            print(f"seed {seed}, case {index}: {description}\n  {problem}", file=sys.stderr, flush=True)
            return 1
    print(" ".join(f"{kind}:{outcome}={n}" for (kind, outcome), n in sorted(outcomes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
