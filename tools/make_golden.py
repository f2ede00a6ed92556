"""Generate the golden fixtures for minigrad's loss functions from PyTorch (the oracle).

Run from the project root::

    python tools/make_golden.py

It writes

* ``tests/golden/losses.npz``  -- every array (float64 / int64 only, no pickled objects), and
* ``tests/golden/losses.json`` -- the manifest, a list of cases::

      {"id": "cross_entropy-weight-mean",            # unique, readable; used as the pytest id
       "fn": "cross_entropy",                         # name in torch.nn.functional == minigrad.nn.functional
       "args":   [{"array": key} | {"value": python scalar / list / None}, ...],
       "kwargs": {name: same form},
       "requires_grad": [0, 1, "weight"],             # positional indices and/or kwarg names
       "upstream": key | null,                        # dL/d(out) used for backward; null -> out.backward()
       "out": key,                                    # the loss value
       "grads": {"0": key, "weight": key},            # gradient of every requires_grad argument
       "pre": "log_softmax", "pre_dim": 2,            # optional, see "CTC" below
       "note": "..."}                                 # optional, why the case exists / where it deviates

Conventions
-----------
* Everything is float64; integer tensors (class indices, CTC targets and lengths) are int64.
* Outputs with at least one dimension are back-propagated with a fixed random upstream gradient (seeded from the
  case id, stored under ``upstream``), so the backward is exercised non-trivially; 0-dim outputs use
  ``out.backward()``.
* The random data of a case is seeded from the case's *scenario* name (crc32), so adding or removing a case does
  not change the numbers of the others, and the three reductions of one scenario share their inputs.
* The archive is written with fixed zip timestamps and sorted members, so re-running the generator reproduces
  ``losses.npz`` byte for byte (same format as ``np.savez_compressed``; ``np.load`` reads it).
* JSON: ``p=inf`` is written as the Python-json literal ``Infinity`` (read back by ``json.load``).

Where minigrad deliberately differs from PyTorch (spec/losses.md section 12)
----------------------------------------------------------------------------
* CTC (12.1): PyTorch's gradient w.r.t. a raw ``log_probs`` leaf is ``exp(lp) - gamma``, minigrad's is the true
  ``-gamma``.  The two agree after ``log_softmax``, so every CTC case stores *logits* as argument 0, with
  ``"pre": "log_softmax", "pre_dim": <class dim>``: the test applies ``F.log_softmax(logits, pre_dim)`` and passes
  the result to ``ctc_loss``; the stored gradient is w.r.t. the logits.
* MultiMarginLoss on an empty batch (12.3): PyTorch returns uninitialised memory for 'mean'/'sum'; the fixture
  stores nan ('mean') and 0 ('sum') instead.

torch is used here as an oracle only; minigrad never imports it.
"""

import hashlib
import io
import json
import math
import pathlib
import re
import warnings
import zipfile
import zlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "tests" / "golden"
REDS = ("none", "mean", "sum")
INF = math.inf
NAN = math.nan

torch.set_num_threads(1)  # light on the shared machine; also keeps CPU reductions in one fixed order


# ----------------------------------------------------------------------------------------------------------------
# Small helpers for building inputs
# ----------------------------------------------------------------------------------------------------------------
def rng(name):
    """A generator seeded from a name, independent of every other case."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def f64(values):
    return np.array(values, dtype=np.float64)


def i64(values):
    return np.array(values, dtype=np.int64)


def log_softmax(a, axis):
    m = a.max(axis=axis, keepdims=True)
    z = a - m
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def softmax(a, axis):
    return np.exp(log_softmax(a, axis))


def signs(r, *shape):
    """Random +-1 labels as float64."""
    return np.where(r.random(shape) < 0.5, -1.0, 1.0)


# ----------------------------------------------------------------------------------------------------------------
# The fixture builder
# ----------------------------------------------------------------------------------------------------------------
class Fixture:
    def __init__(self):
        self.cases = []
        self.arrays = {}
        self._ids = set()
        self._by_content = {}

    def _store(self, key, array):
        array = np.array(array, order="C")  # (np.ascontiguousarray would turn 0-dim into 1-dim)
        if array.dtype.kind == "f":
            array = array.astype(np.float64)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        else:
            raise TypeError(f"{key}: only float64/int64 arrays go into the fixture, got {array.dtype}")
        # identical arrays (inputs shared by the reductions of one scenario, zero gradients...) are stored once,
        # under the key of their first use
        digest = (array.dtype.str, array.shape, hashlib.sha1(array.tobytes()).hexdigest())
        if digest in self._by_content:
            return self._by_content[digest]
        assert key not in self.arrays, key
        self.arrays[key] = array
        self._by_content[digest] = key
        return key

    def add(
        self,
        cid,
        fn,
        args,
        kwargs=None,
        grad=(),
        pre=None,
        pre_dim=None,
        out_override=None,
        note=None,
        backward_args=None,
    ):
        """Run ``F.<fn>(*args, **kwargs)`` in torch and record inputs, output, upstream and gradients.

        ``args``/``kwargs`` hold NumPy arrays (become tensors) or plain Python values; ``grad`` lists the positional
        indices / kwarg names whose gradient is recorded; ``pre='log_softmax'`` feeds ``log_softmax(arg0, pre_dim)``
        instead of arg 0 (arg 0 stays the leaf); ``out_override`` replaces torch's value (spec section 12 only).
        ``backward_args``: where torch's backward itself is broken for ``args``, the gradients are taken from a
        second torch run on these mathematically equivalent positional arguments (the value must agree exactly).
        """
        assert re.fullmatch(r"[A-Za-z0-9_.=+-]+", cid), cid
        assert cid not in self._ids, f"duplicate case id {cid}"
        self._ids.add(cid)
        kwargs = dict(kwargs or {})
        grad = list(grad)
        assert grad, f"{cid}: every case must exercise a backward"
        names = {str(g) for g in grad}
        assert names <= {str(i) for i in range(len(args))} | set(kwargs), f"{cid}: unknown grad argument {grad}"

        def manifest_entry(storage_name, value):
            if isinstance(value, np.ndarray):
                return {"array": self._store(f"{cid}__{storage_name}", value)}
            if isinstance(value, (np.floating, np.integer)):
                raise TypeError(f"{cid}: pass Python scalars, not NumPy scalars ({storage_name})")
            assert value is None or isinstance(value, (bool, int, float, str, list, tuple)), (cid, value)
            return {"value": list(value) if isinstance(value, tuple) else value}

        m_args = [manifest_entry(f"arg{i}", v) for i, v in enumerate(args)]
        m_kwargs = {k: manifest_entry(f"kw_{k}", v) for k, v in kwargs.items()}
        # run on the stored (normalised) arrays, exactly what the test will load
        stored = lambda m, v: self.arrays[m["array"]] if "array" in m else m["value"]
        args = [stored(m, v) for m, v in zip(m_args, args)]
        kwargs = {k: stored(m_kwargs[k], v) for k, v in kwargs.items()}

        out, leaves = self._run(cid, fn, args, kwargs, names, pre, pre_dim)
        value = out.detach().numpy().copy()
        if backward_args is not None:
            out, leaves = self._run(cid, fn, list(backward_args), kwargs, names, pre, pre_dim)
            assert out.shape == value.shape and np.array_equal(out.detach().numpy(), value, equal_nan=True), cid

        if out.dim() == 0:
            upstream_key = None
            out.backward()
        else:
            upstream = rng(cid + "/upstream").standard_normal(tuple(out.shape))
            upstream_key = self._store(f"{cid}__upstream", upstream)
            out.backward(torch.from_numpy(upstream.copy()))

        if out_override is not None:
            value = np.array(out_override, dtype=np.float64).reshape(value.shape)
        out_key = self._store(f"{cid}__out", value)

        grads = {}
        for name in sorted(names, key=lambda s: (not s.isdigit(), s)):
            leaf = leaves[name]
            assert leaf.grad is not None, f"{cid}: torch gives no gradient for {name}"
            assert leaf.grad.shape == leaf.shape and leaf.grad.dtype == torch.float64, cid
            grads[name] = self._store(f"{cid}__grad_{name}", leaf.grad.numpy().copy())

        case = {
            "id": cid,
            "fn": fn,
            "args": m_args,
            "kwargs": m_kwargs,
            "requires_grad": [int(g) if isinstance(g, int) else g for g in grad],
            "upstream": upstream_key,
            "out": out_key,
            "grads": grads,
        }
        if pre is not None:
            case["pre"] = pre
            case["pre_dim"] = pre_dim
        if note:
            case["note"] = note
        self.cases.append(case)

    @staticmethod
    def _run(cid, fn, args, kwargs, names, pre, pre_dim):
        """Build torch inputs (leaves for ``names``) and evaluate ``F.<fn>``; returns (out, {name: leaf})."""
        leaves = {}

        def to_torch(name, value):
            if not isinstance(value, np.ndarray):
                return value
            tensor = torch.from_numpy(np.array(value, order="C"))
            if name in names:
                assert tensor.dtype == torch.float64, f"{cid}: {name} must be float to require grad"
                tensor.requires_grad_(True)
                leaves[name] = tensor
                if pre is not None and name == "0":
                    assert pre == "log_softmax"
                    tensor = F.log_softmax(tensor, dim=pre_dim)
            return tensor

        t_args = [to_torch(str(i), v) for i, v in enumerate(args)]
        t_kwargs = {k: to_torch(k, v) for k, v in kwargs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # legacy size_average/reduce, kl_div 'mean', broadcast warnings
            out = getattr(F, fn)(*t_args, **t_kwargs)
        assert out.dtype == torch.float64, (cid, out.dtype)
        assert out.requires_grad, cid
        return out, leaves

    def reds(self, prefix, fn, args, kwargs=None, reductions=REDS, **opts):
        """One case per reduction, ids ``<prefix>-<reduction>``."""
        for red in reductions:
            self.add(f"{prefix}-{red}", fn, args, dict(kwargs or {}, reduction=red), **opts)

    # --------------------------------------------------------------------------------------------------------
    def write(self, out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        npz_path = out_dir / "losses.npz"
        with zipfile.ZipFile(npz_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for key in sorted(self.arrays):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, self.arrays[key], allow_pickle=False)
                info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, buf.getvalue())
        json_path = out_dir / "losses.json"
        text = "[\n" + ",\n".join(json.dumps(c, sort_keys=False) for c in self.cases) + "\n]\n"
        json_path.write_text(text)
        return npz_path, json_path


# ----------------------------------------------------------------------------------------------------------------
# 1. Regression losses
# ----------------------------------------------------------------------------------------------------------------
def regression(fx):
    for fn in ("l1_loss", "mse_loss"):
        r = rng(fn + "-basic")
        x, y = r.standard_normal((4, 5)), r.standard_normal((4, 5))
        x[0, :2] = y[0, :2]  # kinks: |x - y| at 0 -> sgn(0) = 0
        fx.reds(f"{fn}-basic", fn, [x, y], grad=[0, 1])

        r = rng(fn + "-bcast")
        x, y = r.standard_normal((3, 1)), r.standard_normal((3, 4))
        fx.reds(
            f"{fn}-bcast_input",
            fn,
            [x, y],
            grad=[0, 1],
            note="input (3,1) broadcast against target (3,4); mean divides by the broadcast numel",
        )
        x, y = r.standard_normal((3, 4)), r.standard_normal((4,))
        fx.add(f"{fn}-bcast_target-mean", fn, [x, y], {"reduction": "mean"}, grad=[0, 1])

        r = rng(fn + "-weight")
        x, y, w = r.standard_normal((4, 5)), r.standard_normal((4, 5)), r.uniform(0.1, 2.0, (4, 5))
        fx.reds(
            f"{fn}-weight",
            fn,
            [x, y],
            {"weight": w},
            grad=[0, 1, "weight"],
            note="functional-only weight=: mean = sum(w*l)/sum(w)",
        )

        fx.reds(f"{fn}-empty", fn, [np.zeros((0, 3)), np.zeros((0, 3))], grad=[0, 1])
        fx.reds(f"{fn}-scalar", fn, [f64(0.7), f64(-1.2)], grad=[0, 1])

    # legacy size_average / reduce: only a few, they are mapping only (spec 0.2)
    r = rng("legacy")
    x, y = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    fx.add(
        "l1_loss-legacy_reduce_true_overrides_sum",
        "l1_loss",
        [x, y],
        {"size_average": None, "reduce": True, "reduction": "sum"},
        grad=[0, 1],
        note="legacy -> 'mean'",
    )
    fx.add(
        "l1_loss-legacy_size_average_false",
        "l1_loss",
        [x, y],
        {"size_average": False},
        grad=[0, 1],
        note="legacy -> 'sum'",
    )
    fx.add(
        "mse_loss-legacy_reduce_false",
        "mse_loss",
        [x, y],
        {"reduce": False, "reduction": "sum"},
        grad=[0, 1],
        note="legacy -> 'none'",
    )
    fx.add(
        "mse_loss-elementwise_mean",
        "mse_loss",
        [x, y],
        {"reduction": "elementwise_mean"},
        grad=[0, 1],
        note="deprecated alias of 'mean' (warns)",
    )

    # SmoothL1 / Huber: row 0 is the spec's example (y = 0) with kinks at z = 0 and z = beta/delta for beta in
    # {0.5, 1, 2}; row 1 is random.
    r = rng("smooth-huber")
    x = np.stack([f64([0, 0.5, 1, -1, 2, -0.3]), r.standard_normal(6) * 2])
    y = np.stack([np.zeros(6), r.standard_normal(6)])
    for fn, par in (("smooth_l1_loss", "beta"), ("huber_loss", "delta")):
        fx.reds(f"{fn}-default", fn, [x, y], grad=[0, 1])
        for val in (0.5, 2.0):
            fx.reds(f"{fn}-{par}={val}", fn, [x, y], {par: val}, grad=[0, 1])
        r2 = rng(fn + "-bcast")
        fx.add(
            f"{fn}-bcast-mean",
            fn,
            [r2.standard_normal((3, 1)) * 2, r2.standard_normal((3, 4))],
            {"reduction": "mean"},
            grad=[0, 1],
        )
        fx.reds(f"{fn}-empty", fn, [np.zeros((0, 3)), np.zeros((0, 3))], grad=[0, 1])
        fx.add(f"{fn}-scalar-mean", fn, [f64(2.5), f64(0.25)], {"reduction": "mean"}, grad=[0, 1])
    fx.reds(
        "smooth_l1_loss-beta=0",
        "smooth_l1_loss",
        [x, y],
        {"beta": 0.0},
        grad=[0, 1],
        note="beta == 0 is routed to l1_loss",
    )
    r = rng("huber-weight")
    w = r.uniform(0.1, 2.0, x.shape)
    fx.reds(
        "huber_loss-weight",
        "huber_loss",
        [x, y],
        {"delta": 0.5, "weight": w},
        grad=[0, 1, "weight"],
        note="functional-only weight=: mean = mean(w*l) (divides by numel, unlike l1/mse)",
    )


# ----------------------------------------------------------------------------------------------------------------
# 2. NLL / cross entropy
# ----------------------------------------------------------------------------------------------------------------
def nll(fx):
    fn = "nll_loss"
    r = rng("nll")
    x = log_softmax(r.standard_normal((5, 4)) * 2, 1)
    w = f64([0.5, 1.0, 2.0, 1.5])
    t = i64([0, 3, 1, 2, 1])
    fx.reds("nll_loss-basic", fn, [x, t], grad=[0])
    fx.reds("nll_loss-weight", fn, [x, t], {"weight": w}, grad=[0])
    fx.reds("nll_loss-ignore_default", fn, [x, i64([0, -100, 1, -100, 3])], {"weight": w}, grad=[0])
    fx.reds(
        "nll_loss-ignore_inside",
        fn,
        [x, i64([0, 1, 1, 2, 3])],
        {"weight": w, "ignore_index": 1},
        grad=[0],
        note="ignore_index=1 is a valid class",
    )
    fx.reds("nll_loss-all_ignored", fn, [x, i64([-100] * 5)], grad=[0], note="mean -> nan, gradient all zeros")
    fx.reds("nll_loss-all_ignored_inside", fn, [x, i64([2] * 5)], {"weight": w, "ignore_index": 2}, grad=[0])
    fx.reds(
        "nll_loss-zero_weight_sum",
        fn,
        [x, i64([0, 0, 0, 0, 0])],
        {"weight": f64([0.0, 1, 1, 1])},
        grad=[0],
        note="denominator sum(w[y]) == 0: mean -> nan, and the target-column gradient is 0/0 = nan",
    )
    fx.add("nll_loss-negative_weight-mean", fn, [x, t], {"weight": f64([-1.0, 2.0, 0.5, 1.0])}, grad=[0])
    xr = r.standard_normal((5, 4))
    fx.add("nll_loss-unnormalised_input-mean", fn, [xr, t], grad=[0], note="input is not validated")

    r = rng("nll-kdim")
    x1 = log_softmax(r.standard_normal((3, 4, 5)), 1)
    t1 = r.integers(0, 4, (3, 5))
    t1[0, 1] = t1[2, 4] = -100
    fx.reds("nll_loss-k1_weight_ignore", fn, [x1, t1], {"weight": w}, grad=[0])
    x2 = log_softmax(r.standard_normal((2, 4, 3, 2)), 1)
    t2 = r.integers(0, 4, (2, 3, 2))
    fx.reds("nll_loss-k2", fn, [x2, t2], grad=[0])
    t2i = t2.copy()
    t2i[0, 0, 1] = t2i[1, 2, 0] = 3  # ignore_index=3 below
    fx.reds("nll_loss-k2_weight_ignore", fn, [x2, t2i], {"weight": w, "ignore_index": 3}, grad=[0])
    x3 = log_softmax(r.standard_normal((2, 4, 2, 2, 2)), 1)
    t3 = r.integers(0, 4, (2, 2, 2, 2))
    fx.reds("nll_loss-k3_weight", fn, [x3, t3], {"weight": w}, reductions=("none", "mean"), grad=[0])

    r = rng("nll-unbatched")
    xu = log_softmax(r.standard_normal(4), 0)
    fx.reds("nll_loss-unbatched", fn, [xu, i64(2)], {"weight": w}, grad=[0])
    fx.reds(
        "nll_loss-unbatched_target1",
        fn,
        [xu, i64([1])],
        grad=[0],
        backward_args=[xu, i64(1)],
        note="torch 2.13's backward raises 'size mismatch' for a (1,) target; gradient from the 0-dim target",
    )
    fx.add("nll_loss-unbatched_ignored-mean", fn, [xu, i64(-100)], {"reduction": "mean"}, grad=[0])

    fx.reds("nll_loss-empty", fn, [np.zeros((0, 4)), i64([])], grad=[0])
    fx.reds("nll_loss-empty_k2", fn, [np.zeros((0, 4, 2, 2)), np.zeros((0, 2, 2), np.int64)], {"weight": w}, grad=[0])
    fx.reds("nll_loss-empty_spatial", fn, [np.zeros((2, 4, 0)), np.zeros((2, 0), np.int64)], grad=[0])
    fx.add(
        "nll_loss-legacy_size_average_false",
        fn,
        [x, t],
        {"weight": w, "size_average": False},
        grad=[0],
        note="legacy -> 'sum'",
    )


def cross_entropy(fx):
    fn = "cross_entropy"
    r = rng("ce")
    x = r.standard_normal((5, 4)) * 2
    w = f64([0.5, 1.0, 2.0, 1.5])
    t = i64([0, 3, 1, 2, 1])
    ti = i64([0, -100, 1, 2, -100])
    fx.reds("cross_entropy-basic", fn, [x, t], grad=[0])
    fx.reds("cross_entropy-weight", fn, [x, t], {"weight": w}, grad=[0])
    fx.reds("cross_entropy-ignore_default", fn, [x, ti], {"weight": w}, grad=[0])
    fx.reds("cross_entropy-ignore_inside", fn, [x, i64([0, 2, 1, 2, 3])], {"weight": w, "ignore_index": 2}, grad=[0])
    fx.reds("cross_entropy-all_ignored", fn, [x, i64([-100] * 5)], grad=[0])
    fx.reds("cross_entropy-ls=0.2", fn, [x, t], {"label_smoothing": 0.2}, grad=[0])
    fx.reds(
        "cross_entropy-ls=0.2_weight_ignore",
        fn,
        [x, ti],
        {"weight": w, "label_smoothing": 0.2},
        grad=[0],
        note="both terms masked by ignore and divided by sum(w[y]) (spec 2.5b)",
    )
    fx.reds(
        "cross_entropy-ls=0.2_weight_ignore_inside",
        fn,
        [x, i64([0, 2, 1, 2, 3])],
        {"weight": w, "ignore_index": 2, "label_smoothing": 0.2},
        reductions=("none", "mean"),
        grad=[0],
    )
    fx.add("cross_entropy-ls=1.0-mean", fn, [x, t], {"label_smoothing": 1.0, "weight": w}, grad=[0])
    fx.add("cross_entropy-ls=0.3_all_ignored-mean", fn, [x, i64([-100] * 5)], {"label_smoothing": 0.3}, grad=[0])

    r = rng("ce-kdim")
    x1 = r.standard_normal((3, 4, 5))
    t1 = r.integers(0, 4, (3, 5))
    t1[1, 2] = -100
    fx.reds("cross_entropy-k1_weight_ignore", fn, [x1, t1], {"weight": w}, grad=[0])
    fx.reds("cross_entropy-k1_ls", fn, [x1, t1], {"weight": w, "label_smoothing": 0.1}, grad=[0])
    x2 = r.standard_normal((2, 4, 3, 2))
    t2 = r.integers(0, 4, (2, 3, 2))
    t2[0, 1, 1] = -100
    fx.reds("cross_entropy-k2_weight_ignore", fn, [x2, t2], {"weight": w}, grad=[0])
    fx.add("cross_entropy-k2_ls-mean", fn, [x2, t2], {"label_smoothing": 0.25}, grad=[0])

    # probability targets
    r = rng("ce-prob")
    p = softmax(r.standard_normal((5, 4)), 1)
    fx.reds("cross_entropy-prob", fn, [x, p], grad=[0, 1])
    fx.reds(
        "cross_entropy-prob_weight",
        fn,
        [x, p],
        {"weight": w.copy()},
        grad=[0, 1, "weight"],
        note="weight is differentiable for probability targets (composite)",
    )
    fx.reds("cross_entropy-prob_ls=0.3", fn, [x, p], {"label_smoothing": 0.3}, grad=[0, 1])
    fx.reds(
        "cross_entropy-prob_weight_ls=0.3",
        fn,
        [x, p],
        {"weight": w.copy(), "label_smoothing": 0.3},
        reductions=("mean", "sum"),
        grad=[0, 1, "weight"],
    )
    fx.add(
        "cross_entropy-prob_unnormalised-none",
        fn,
        [x, r.uniform(-0.5, 1.5, (5, 4))],
        {"reduction": "none"},
        grad=[0, 1],
        note="target values are not validated",
    )
    fx.add(
        "cross_entropy-prob_ignore_negative-mean",
        fn,
        [x, p],
        {"ignore_index": -1},
        grad=[0, 1],
        note="a negative ignore_index is accepted (and has no effect) with probability targets",
    )
    xk = r.standard_normal((2, 4, 3, 2))
    pk = softmax(r.standard_normal((2, 4, 3, 2)), 1)
    fx.reds(
        "cross_entropy-prob_k2",
        fn,
        [xk, pk],
        {"weight": w.copy()},
        grad=[0, 1, "weight"],
        note="mean divides by N*d1*d2",
    )
    xk1, pk1 = r.standard_normal((3, 4, 5)), softmax(r.standard_normal((3, 4, 5)), 1)
    fx.add("cross_entropy-prob_k1_ls-mean", fn, [xk1, pk1], {"label_smoothing": 0.1}, grad=[0, 1])
    xs = r.standard_normal((4, 4))
    fx.add(
        "cross_entropy-square_prob-mean",
        fn,
        [xs, softmax(r.standard_normal((4, 4)), 1)],
        grad=[0, 1],
        note="(4,4) target of the input's shape -> probabilities",
    )
    fx.add(
        "cross_entropy-square_index-mean",
        fn,
        [xs, i64([3, 0, 2, 2])],
        grad=[0],
        note="(4,) target for a (4,4) input -> indices",
    )

    r = rng("ce-unbatched")
    xu = r.standard_normal(4) * 2
    fx.reds("cross_entropy-unbatched", fn, [xu, i64(3)], {"weight": w}, grad=[0])
    fx.add("cross_entropy-unbatched_ls-mean", fn, [xu, i64(1)], {"label_smoothing": 0.2}, grad=[0])
    fx.reds("cross_entropy-unbatched_prob", fn, [xu, softmax(r.standard_normal(4), 0)], grad=[0, 1])

    fx.reds("cross_entropy-empty", fn, [np.zeros((0, 4)), i64([])], grad=[0])
    fx.reds("cross_entropy-empty_prob", fn, [np.zeros((0, 4)), np.zeros((0, 4))], grad=[0, 1])
    fx.add("cross_entropy-empty_ls-mean", fn, [np.zeros((0, 4)), i64([])], {"label_smoothing": 0.1}, grad=[0])


# ----------------------------------------------------------------------------------------------------------------
# 3. Binary / probabilistic losses
# ----------------------------------------------------------------------------------------------------------------
def binary(fx):
    fn = "binary_cross_entropy"
    r = rng("bce")
    x = r.uniform(0.02, 0.98, (4, 3))
    y = r.uniform(0, 1, (4, 3))
    y[0, 0], y[1, 2] = 0.0, 1.0
    fx.reds("binary_cross_entropy-basic", fn, [x, y], grad=[0, 1])
    fx.reds(
        "binary_cross_entropy-weight_c",
        fn,
        [x, y],
        {"weight": r.uniform(0.2, 2, 3)},
        grad=[0, 1],
        note="(C,) weight broadcast to (N,C)",
    )
    fx.add("binary_cross_entropy-weight_n1-mean", fn, [x, y], {"weight": r.uniform(0.2, 2, (4, 1))}, grad=[0, 1])
    fx.add("binary_cross_entropy-weight_full-sum", fn, [x, y], {"weight": r.uniform(0.2, 2, (4, 3))}, grad=[0, 1])
    xb = f64([0, 1, 0.5, 1e-50, 1e-45, 0.3, 1, 0])
    yb = f64([0, 1, 1, 1, 1, 0.7, 0, 1])
    fx.reds(
        "binary_cross_entropy-boundary",
        fn,
        [xb, yb],
        grad=[0, 1],
        note="logs clamped at -100 in the forward only; dx uses max(x(1-x),1e-12); dy unclamped (+-inf)",
    )
    fx.reds("binary_cross_entropy-scalar", fn, [f64(0.3), f64(0.6)], grad=[0, 1])
    fx.reds("binary_cross_entropy-empty", fn, [np.zeros((0, 3)), np.zeros((0, 3))], grad=[0, 1])

    fn = "binary_cross_entropy_with_logits"
    r = rng("bcel")
    x = r.standard_normal((4, 3)) * 3
    y = r.uniform(0, 1, (4, 3))
    y[0, 0], y[1, 2] = 0.0, 1.0
    wc, pw = r.uniform(0.2, 2, 3), f64([0.5, 2.0, 3.0])
    fx.reds(f"{fn}-basic", fn, [x, y], grad=[0, 1])
    fx.reds(f"{fn}-weight", fn, [x, y], {"weight": wc}, grad=[0, 1])
    fx.reds(f"{fn}-pos_weight", fn, [x, y], {"pos_weight": pw}, grad=[0, 1])
    fx.reds(f"{fn}-weight_pos_weight", fn, [x, y], {"weight": r.uniform(0.2, 2, (4, 1)), "pos_weight": pw}, grad=[0, 1])
    x4, y4 = r.standard_normal((2, 3, 2, 2)) * 2, r.uniform(0, 1, (2, 3, 2, 2))
    fx.reds(
        f"{fn}-nchw_pos_weight_c11",
        fn,
        [x4, y4],
        {"pos_weight": pw.reshape(3, 1, 1)},
        reductions=("none", "mean"),
        grad=[0, 1],
        note="per-class pos_weight for (N,C,H,W) must be (C,1,1)",
    )
    xe, ye = f64([-100, -5, 0, 5, 100, 3]), f64([1, 0, 0.5, 1, 0, 0.2])
    fx.reds(f"{fn}-extreme", fn, [xe, ye], grad=[0, 1])
    fx.add(f"{fn}-extreme_pos_weight-none", fn, [xe, ye], {"pos_weight": f64([2.5]), "reduction": "none"}, grad=[0, 1])
    fx.add(f"{fn}-scalar-mean", fn, [f64(-0.4), f64(0.9)], {"reduction": "mean"}, grad=[0, 1])
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 3)), np.zeros((0, 3))], {"pos_weight": pw}, grad=[0, 1])


def kl_div(fx):
    fn = "kl_div"
    reds4 = ("none", "mean", "sum", "batchmean")
    r = rng("kl")
    x = log_softmax(r.standard_normal((4, 5)), 1)
    y = softmax(r.standard_normal((4, 5)), 1)
    fx.reds("kl_div-basic", fn, [x, y], reductions=reds4, grad=[0, 1])
    fx.reds(
        "kl_div-log_target",
        fn,
        [x, log_softmax(r.standard_normal((4, 5)), 1)],
        {"log_target": True},
        reductions=reds4,
        grad=[0, 1],
    )
    y0 = y.copy()
    y0[0, 1] = y0[2, 3] = 0.0
    fx.reds(
        "kl_div-target_zero",
        fn,
        [x, y0],
        reductions=("none", "batchmean"),
        grad=[0, 1],
        note="y = 0: value xlogy(0,0) = 0, d/dy = nan",
    )
    fx.add(
        "kl_div-nan_cases-none",
        fn,
        [f64([-3.0, -INF, -1.0]), f64([-0.1, 0.0, 0.5])],
        {"reduction": "none"},
        grad=[0, 1],
        note="y<0 -> nan (xlogy); y=0 with x=-inf -> nan (0*-inf)",
    )
    xb, yb = log_softmax(r.standard_normal((2, 3, 4)), 2), softmax(r.standard_normal(4), 0)
    fx.reds(
        "kl_div-bcast_target",
        fn,
        [xb, yb],
        reductions=("none", "sum", "batchmean"),
        grad=[0, 1],
        note="batchmean divides by input.size(0) = 2",
    )
    fx.add(
        "kl_div-1d-batchmean",
        fn,
        [x[0], y[0]],
        {"reduction": "batchmean"},
        grad=[0, 1],
        note="1-D input: batchmean divides by C",
    )
    fx.add(
        "kl_div-scalar-batchmean",
        fn,
        [f64(-0.7), f64(0.3)],
        {"reduction": "batchmean"},
        grad=[0, 1],
        note="0-dim input: no division",
    )
    fx.reds("kl_div-empty_rows", fn, [np.zeros((0, 5)), np.zeros((0, 5))], reductions=reds4, grad=[0, 1])
    fx.add(
        "kl_div-empty_cols-batchmean",
        fn,
        [np.zeros((3, 0)), np.zeros((3, 0))],
        {"reduction": "batchmean"},
        grad=[0, 1],
        note="(N,0): batchmean = 0/N = 0",
    )


def poisson(fx):
    fn = "poisson_nll_loss"
    r = rng("poisson")
    y = f64([[0, 1, 2, 3], [1.5, 0.5, 0, 4], [7, 1, 2.5, 0.2]])
    x_log = r.standard_normal((3, 4))
    x_lin = r.uniform(0.1, 3.0, (3, 4))
    x_lin[1, 2] = 0.0  # x = 0 exactly: log(0 + eps)
    for log_input, x in ((True, x_log), (False, x_lin)):
        for full in (False, True):
            fx.reds(
                f"{fn}-log_input={log_input}_full={full}",
                fn,
                [x, y],
                {"log_input": log_input, "full": full},
                grad=[0, 1],
                note="full: Stirling term only where y > 1; d/dy is nan at y = 0 (torch quirk)" if full else None,
            )
    fx.add(f"{fn}-eps=0.5-mean", fn, [x_lin, y], {"log_input": False, "eps": 0.5, "reduction": "mean"}, grad=[0, 1])
    fx.add(
        f"{fn}-spec_example_full-none",
        fn,
        [f64([0, 1, -1, 2, 0.5]), f64([0, 1, 2, 3, 1.5])],
        {"full": True, "reduction": "none"},
        grad=[0, 1],
    )
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 4)), np.zeros((0, 4))], grad=[0, 1])


def gaussian(fx):
    fn = "gaussian_nll_loss"
    r = rng("gauss")
    x, y = r.standard_normal((4, 3)), r.standard_normal((4, 3))
    v = r.uniform(0.2, 2.0, (4, 3))
    fx.reds(f"{fn}-basic", fn, [x, y, v], grad=[0, 1, 2])
    fx.reds(f"{fn}-full", fn, [x, y, v], {"full": True}, grad=[0, 1, 2])
    fx.reds(
        f"{fn}-var_n",
        fn,
        [x, y, r.uniform(0.2, 2.0, 4)],
        grad=[0, 1, 2],
        note="var of shape input.shape[:-1] is unsqueezed at -1",
    )
    fx.add(f"{fn}-var_n1-mean", fn, [x, y, r.uniform(0.2, 2.0, (4, 1))], {"reduction": "mean"}, grad=[0, 1, 2])
    fx.add(f"{fn}-var_1d-none", fn, [x, y, r.uniform(0.2, 2.0, (1, 3))], {"reduction": "none"}, grad=[0, 1, 2])
    x3, y3 = r.standard_normal((4, 3, 5)), r.standard_normal((4, 3, 5))
    fx.add(f"{fn}-3d_var_43-mean", fn, [x3, y3, r.uniform(0.2, 2.0, (4, 3))], {"reduction": "mean"}, grad=[0, 1, 2])
    fx.add(f"{fn}-3d_var_135-none", fn, [x3, y3, r.uniform(0.2, 2.0, (1, 3, 5))], {"reduction": "none"}, grad=[0, 1, 2])
    fx.add(
        f"{fn}-3d_bcast_target-mean",
        fn,
        [x3, r.standard_normal((4, 1, 5)), r.uniform(0.2, 2.0, (4, 3, 5))],
        {"reduction": "mean"},
        grad=[0, 1, 2],
    )
    fx.reds(f"{fn}-float_var", fn, [x, y, 0.5], grad=[0, 1], note="Python float var")
    vc = v.copy()
    vc[0, 0], vc[1, 1], vc[2, 2] = 1e-9, 0.0, 1e-7
    fx.reds(
        f"{fn}-var_clamped",
        fn,
        [x, y, vc],
        reductions=("none", "mean"),
        grad=[0, 1, 2],
        note="var clamped to eps without touching the gradient path (evaluated at the clamped value)",
    )
    fx.add(f"{fn}-eps=0.1-mean", fn, [x, y, vc], {"eps": 0.1, "reduction": "mean"}, grad=[0, 1, 2])
    fx.add(
        f"{fn}-1d_scalar_var-mean",
        fn,
        [x[0], y[0], f64(0.8)],
        {"reduction": "mean"},
        grad=[0, 1, 2],
        note="1-D input with 0-dim var (matches input.shape[:-1])",
    )
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 3)), np.zeros((0, 3)), np.ones((0, 3))], grad=[0, 1, 2])


# ----------------------------------------------------------------------------------------------------------------
# 4. Margin / embedding losses
# ----------------------------------------------------------------------------------------------------------------
def margin(fx):
    fn = "hinge_embedding_loss"
    r = rng("hinge")
    x, y = r.standard_normal((4, 5)), signs(r, 4, 5)
    fx.reds(f"{fn}-basic", fn, [x, y], grad=[0])
    fx.reds(f"{fn}-margin=0.5", fn, [x, y], {"margin": 0.5}, grad=[0])
    xs, ys = f64([0.5, 0.5, 1, 2, -1, 0.3, 0.3]), f64([1, -1, -1, -1, -1, 0, 2])
    fx.reds(
        f"{fn}-spec_example",
        fn,
        [xs, ys],
        grad=[0],
        note="kink at margin - x == 0 passes the gradient; y not in {1,-1} gives x + max(0, margin - x)",
    )
    fx.add(
        f"{fn}-other_targets_margin2-none",
        fn,
        [xs, f64([0.5, -1, 3, -2, 1, 0, -1])],
        {"margin": 2.0, "reduction": "none"},
        grad=[0],
    )
    fx.add(f"{fn}-negative_margin-none", fn, [x, y], {"margin": -0.5, "reduction": "none"}, grad=[0])
    fx.add(f"{fn}-bcast_target-mean", fn, [x, signs(r, 5)], {"reduction": "mean"}, grad=[0])
    fx.add(f"{fn}-scalar-mean", fn, [f64(0.25), f64(-1.0)], {"reduction": "mean"}, grad=[0])
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 5)), np.zeros((0, 5))], grad=[0])

    fn = "soft_margin_loss"
    r = rng("softmargin")
    x, y = r.standard_normal((4, 5)) * 2, signs(r, 4, 5)
    fx.reds(f"{fn}-basic", fn, [x, y], grad=[0])
    fx.add(f"{fn}-other_targets-none", fn, [x[0], f64([0.5, 2, 0, -3, 1])], {"reduction": "none"}, grad=[0])
    fx.reds(
        f"{fn}-large",
        fn,
        [f64([30, -30, 700, -700, 0]), f64([1, 1, 1, 1, -1])],
        reductions=("none", "sum"),
        grad=[0],
        note="|x| up to 700: finite in float64",
    )
    fx.add(f"{fn}-bcast_target-mean", fn, [x, signs(r, 5)], {"reduction": "mean"}, grad=[0])
    fx.add(f"{fn}-scalar-mean", fn, [f64(-0.6), f64(1.0)], {"reduction": "mean"}, grad=[0])
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 5)), np.zeros((0, 5))], grad=[0])

    fn = "multilabel_soft_margin_loss"
    r = rng("mlsm")
    x = r.standard_normal((4, 5)) * 2
    y = (r.random((4, 5)) < 0.5).astype(np.float64)
    fx.reds(f"{fn}-basic", fn, [x, y], grad=[0, 1])
    fx.reds(f"{fn}-weight_c", fn, [x, y], {"weight": r.uniform(0.2, 2, 5)}, grad=[0, 1, "weight"])
    fx.add(
        f"{fn}-weight_n1-mean",
        fn,
        [x, y],
        {"weight": r.uniform(0.2, 2, (4, 1)), "reduction": "mean"},
        grad=[0, 1, "weight"],
    )
    fx.add(f"{fn}-soft_targets-none", fn, [x, r.uniform(0, 1, (4, 5))], {"reduction": "none"}, grad=[0, 1])
    fx.reds(f"{fn}-1d", fn, [x[0], y[0]], grad=[0, 1], note="1-D input -> scalar for every reduction")
    fx.add(f"{fn}-bcast_target-mean", fn, [x, y[1]], {"reduction": "mean"}, grad=[0, 1])
    fx.add(f"{fn}-int_target-mean", fn, [x, y.astype(np.int64)], {"reduction": "mean"}, grad=[0])
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 5)), np.zeros((0, 5))], grad=[0, 1])

    fn = "multilabel_margin_loss"
    r = rng("mlm")
    x = r.standard_normal((6, 4))
    t = i64(
        [
            [3, 0, -1, 1],  # stops at the first -1; class 1 after it is a non-target
            [1, 2, 0, -1],
            [-1, 2, 0, 1],  # starts with -1: loss 0
            [0, 1, 2, 3],  # every class is a target: loss 0
            [3, 3, -1, 0],  # duplicate target counted twice
            [2, -1, -1, -1],
        ]
    )
    fx.reds(f"{fn}-basic", fn, [x, t], grad=[0])
    fx.reds(
        f"{fn}-doc_example_1d", fn, [f64([0.1, 0.2, 0.4, 0.8]), i64([3, 0, -1, 1])], grad=[0], note="torch docs: 0.85"
    )
    fx.reds(
        f"{fn}-kink",
        fn,
        [f64([[1.5, 0.5, 0.2, -1.0], [0.0, 1.0, 2.0, 0.25]]), i64([[0, -1, 1, 2], [2, 1, -1, 0]])],
        grad=[0],
        note="1 - x[y] + x[i] == 0 exactly: strict > 0, no gradient",
    )
    fx.add(f"{fn}-empty-none", fn, [np.zeros((0, 4)), np.zeros((0, 4), np.int64)], {"reduction": "none"}, grad=[0])
    for red in ("mean", "sum"):
        fx.add(
            f"{fn}-empty-{red}",
            fn,
            [np.zeros((0, 4)), np.zeros((0, 4), np.int64)],
            {"reduction": red},
            grad=[0],
            out_override=0.0,
            note="torch 2.13 returns uninitialised memory here (like multi_margin_loss, spec 12.3); "
            "the fixture stores spec 4.4's value 0",
        )

    fn = "multi_margin_loss"
    r = rng("mm")
    x = r.standard_normal((5, 4))
    t = i64([0, 3, 1, 2, 1])
    w = f64([0.5, 1.0, 2.0, 1.5])
    fx.reds(f"{fn}-p1", fn, [x, t], grad=[0])
    fx.reds(f"{fn}-p2", fn, [x, t], {"p": 2}, grad=[0])
    fx.reds(f"{fn}-weight", fn, [x, t], {"weight": w}, grad=[0])
    fx.add(f"{fn}-p2_weight_margin=0.5-mean", fn, [x, t], {"p": 2, "weight": w, "margin": 0.5}, grad=[0])
    fx.add(f"{fn}-margin=2-sum", fn, [x, t], {"margin": 2.0, "reduction": "sum"}, grad=[0])
    fx.add(f"{fn}-negative_margin-none", fn, [x, t], {"margin": -0.5, "reduction": "none"}, grad=[0])
    xk = f64([[1.5, 0.5, 0.2, -1.0], [0.0, 1.0, 2.0, 0.25]])
    tk = i64([0, 3])
    fx.reds(f"{fn}-kink_p1", fn, [xk, tk], grad=[0], note="margin - x[y] + x[i] == 0 exactly: no gradient")
    fx.add(f"{fn}-kink_p2-mean", fn, [xk, tk], {"p": 2, "reduction": "mean"}, grad=[0])
    xd = f64([0.1, 0.2, 0.4, 0.8])
    fx.reds(f"{fn}-doc_example_1d", fn, [xd, i64(3)], grad=[0], note="torch docs: 0.325")
    fx.reds(f"{fn}-1d_target1", fn, [xd, i64([1])], {"p": 2}, grad=[0], note="'none' gives shape (1,)")
    fx.add(f"{fn}-empty-none", fn, [np.zeros((0, 4)), i64([])], {"reduction": "none"}, grad=[0])
    fx.add(
        f"{fn}-empty-mean",
        fn,
        [np.zeros((0, 4)), i64([])],
        {"reduction": "mean"},
        grad=[0],
        out_override=NAN,
        note="spec 12.3: torch returns uninitialised memory; minigrad gives nan",
    )
    fx.add(
        f"{fn}-empty-sum",
        fn,
        [np.zeros((0, 4)), i64([])],
        {"reduction": "sum"},
        grad=[0],
        out_override=0.0,
        note="spec 12.3: torch returns uninitialised memory; minigrad gives 0",
    )


def embedding(fx):
    fn = "cosine_embedding_loss"
    r = rng("cosemb")
    x1, x2, y = r.standard_normal((5, 4)), r.standard_normal((5, 4)), signs(r, 5)
    fx.reds(f"{fn}-basic", fn, [x1, x2, y], grad=[0, 1])
    fx.reds(f"{fn}-margin=0.3", fn, [x1, x2, y], {"margin": 0.3}, grad=[0, 1])
    fx.add(
        f"{fn}-other_targets-none",
        fn,
        [x1, x2, f64([1, -1, 0, 1, 2])],
        {"reduction": "none"},
        grad=[0, 1],
        note="y not in {1,-1} -> 0",
    )
    fx.reds(f"{fn}-1d", fn, [x1[0], x2[0], f64(-1.0)], {"margin": -0.2}, grad=[0, 1])
    fx.add(f"{fn}-1d_pos-mean", fn, [x1[1], x2[1], f64(1.0)], {"reduction": "mean"}, grad=[0, 1])
    fx.reds(f"{fn}-bcast_input2", fn, [x1, x2[:1], y], reductions=("none", "mean"), grad=[0, 1])
    xs1 = np.concatenate([f64([[1, 0, 0, 0], [0, 0, 0, 0], [1e-6, 0, 0, 0]]), x1[:2]])
    xs2 = np.concatenate([f64([[0, 1, 0, 0], [1, 2, 0, 0], [1, 0, 0, 0]]), x2[:2]])
    fx.reds(
        f"{fn}-special",
        fn,
        [xs1, xs2, f64([-1, 1, 1, 1, -1])],
        reductions=("none", "mean"),
        grad=[0, 1],
        note="row0: cos == margin == 0 with y=-1 (clamp_min kink, gradient passed); row1: zero vector with "
        "y=1 (huge gradient from the 1e-12); row2: cos = 0.7071 because of the 1e-12",
    )
    fx.reds(f"{fn}-empty", fn, [np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0)], grad=[0, 1])

    fn = "margin_ranking_loss"
    r = rng("mrl")
    x1, x2, y = r.standard_normal(6), r.standard_normal(6), signs(r, 6)
    fx.reds(f"{fn}-basic", fn, [x1, x2, y], grad=[0, 1, 2])
    fx.reds(f"{fn}-margin=0.5", fn, [x1, x2, y], {"margin": 0.5}, grad=[0, 1, 2])
    fx.reds(
        f"{fn}-spec_example",
        fn,
        [f64([1, 2, 3, 0.5]), f64([2, 1, 3, 0.5]), f64([1, 1, -1, 0.5])],
        reductions=("none", "mean"),
        grad=[0, 1, 2],
        note="z == 0 exactly passes the gradient",
    )
    fx.reds(
        f"{fn}-bcast",
        fn,
        [r.standard_normal((3, 4)), r.standard_normal((3, 1)), signs(r, 1, 4)],
        reductions=("none", "mean"),
        grad=[0, 1, 2],
    )
    fx.add(
        f"{fn}-scalar-none", fn, [f64(0.3), f64(0.9), f64(1.0)], {"margin": 0.1, "reduction": "none"}, grad=[0, 1, 2]
    )
    fx.reds(f"{fn}-empty", fn, [np.zeros(0), np.zeros(0), np.zeros(0)], grad=[0, 1, 2])

    for fn in ("triplet_margin_loss", "triplet_margin_with_distance_loss"):
        r = rng("triplet")
        a, p, n = (r.standard_normal((5, 4)) for _ in range(3))
        fx.reds(f"{fn}-basic", fn, [a, p, n], grad=[0, 1, 2])
        fx.reds(f"{fn}-swap", fn, [a, p, n], {"swap": True}, grad=[0, 1, 2])
        fx.add(f"{fn}-margin=2-mean", fn, [a, p, n], {"margin": 2.0, "reduction": "mean"}, grad=[0, 1, 2])
        # row 0: a == p (distance eps*sqrt(D)); row 1: swap tie d(a,n) == d(p,n) exactly (gradient split half/half)
        at, pt, nt = a.copy(), p.copy(), n.copy()
        pt[0] = at[0]
        nt[0] = at[0] + 0.25  # d(a,n) = 0.5 < margin: the row's loss is positive, so the a == p gradient shows
        at[1], pt[1], nt[1] = f64([1, 2, 0, 0]), f64([2, 1, 0, 0]), f64([0, 0, 0, 0])
        fx.reds(
            f"{fn}-special_swap",
            fn,
            [at, pt, nt],
            {"swap": True},
            reductions=("none", "mean"),
            grad=[0, 1, 2],
            note="row0 a == p; row1 swap tie d(a,n) == d(p,n)",
        )
        fx.add(f"{fn}-1d-mean", fn, [a[0], p[0], n[0]], {"reduction": "mean"}, grad=[0, 1, 2])
        fx.add(f"{fn}-1d-none", fn, [a[1], p[1], n[1]], {"reduction": "none", "margin": 3.0}, grad=[0, 1, 2])
        fx.reds(f"{fn}-empty", fn, [np.zeros((0, 4))] * 3, grad=[0, 1, 2])

    fn = "triplet_margin_loss"
    r = rng("triplet")
    a, p, n = (r.standard_normal((5, 4)) for _ in range(3))
    fx.reds(f"{fn}-p=1", fn, [a, p, n], {"p": 1.0}, reductions=("none", "mean"), grad=[0, 1, 2])
    fx.add(f"{fn}-p=3-mean", fn, [a, p, n], {"p": 3.0, "reduction": "mean"}, grad=[0, 1, 2])
    fx.add(f"{fn}-p=inf-none", fn, [a, p, n], {"p": INF, "reduction": "none"}, grad=[0, 1, 2])
    fx.add(f"{fn}-p=0.5-none", fn, [a, p, n], {"p": 0.5, "reduction": "none", "margin": 4.0}, grad=[0, 1, 2])
    fx.add(f"{fn}-eps=0-mean", fn, [a, p, n], {"eps": 0.0, "reduction": "mean"}, grad=[0, 1, 2])
    fx.add(f"{fn}-eps=0.1_swap-none", fn, [a, p, n], {"eps": 0.1, "swap": True, "reduction": "none"}, grad=[0, 1, 2])
    fx.reds(
        f"{fn}-3d", fn, [r.standard_normal((2, 3, 4)) for _ in range(3)], reductions=("none", "mean"), grad=[0, 1, 2]
    )
    fx.add(f"{fn}-bcast_negative-mean", fn, [a, p, n[:1]], {"reduction": "mean"}, grad=[0, 1, 2])
    ak, pk, nk = a[:3].copy(), p[:3].copy(), n[:3].copy()
    ak[0], pk[0], nk[0] = f64([0.5, 0.5, 0, 0]), f64([0.5, 0.5, 0, 0]), f64([1.5, 0.5, 0, 0])  # 1 + 0 - 1 == 0
    ak[1], pk[1], nk[1] = f64([0, 0, 0, 0]), f64([3, 4, 0, 0]), f64([6, 0, 0, 0])  # 1 + 5 - 6 == 0
    fx.reds(
        f"{fn}-kink_eps=0",
        fn,
        [ak, pk, nk],
        {"eps": 0.0},
        reductions=("none", "mean"),
        grad=[0, 1, 2],
        note="rows 0 and 1: margin + d(a,p) - d(a,n) == 0 exactly (clamp_min passes the gradient); "
        "row 0 also has d(a,p) == 0 (norm gradient 0)",
    )


def distances(fx):
    fn = "pairwise_distance"
    r = rng("pdist")
    x1, x2 = r.standard_normal((4, 5)), r.standard_normal((4, 5))
    fx.add(f"{fn}-default", fn, [x1, x2], grad=[0, 1])
    for p in (1.0, 3.0, 0.5, INF):
        fx.add(f"{fn}-p={p}", fn, [x1, x2], {"p": p}, grad=[0, 1])
    fx.add(f"{fn}-keepdim", fn, [x1, x2], {"keepdim": True}, grad=[0, 1])
    xs1, xs2 = x1.copy(), x2.copy()
    xs2[0] = xs1[0]
    fx.add(f"{fn}-identical_row", fn, [xs1, xs2], grad=[0, 1], note="row0 x1 == x2: distance eps*sqrt(D)")
    fx.add(f"{fn}-eps=0_identical_row", fn, [xs1, xs2], {"eps": 0.0}, grad=[0, 1], note="norm at 0 has gradient 0")
    fx.add(f"{fn}-1d", fn, [x1[0], x2[0]], grad=[0, 1])
    fx.add(f"{fn}-bcast", fn, [x1, x2[:1]], grad=[0, 1])
    fx.add(f"{fn}-3d", fn, [r.standard_normal((2, 3, 5)), r.standard_normal((2, 3, 5))], {"p": 1.0}, grad=[0, 1])
    xt1 = f64([[1, 1, 0.5], [2, -3, 3]])
    xt2 = f64([[0, 0, 0], [0, 0, 0]])
    fx.add(
        f"{fn}-p=inf_ties",
        fn,
        [xt1, xt2],
        {"p": INF, "eps": 0.0},
        grad=[0, 1],
        note="inf-norm ties split the gradient among the tied entries",
    )
    fx.add(
        f"{fn}-asymmetric_eps",
        fn,
        [f64([[1, 1], [1, 2]]), f64([[1, 2], [1, 1]])],
        grad=[0, 1],
        note="eps is added to the difference: d(a,b) != d(b,a)",
    )

    fn = "cosine_similarity"
    r = rng("cossim")
    x1, x2 = r.standard_normal((4, 5)), r.standard_normal((4, 5))
    fx.add(f"{fn}-default", fn, [x1, x2], grad=[0, 1])
    fx.add(f"{fn}-dim=0", fn, [x1, x2], {"dim": 0}, grad=[0, 1])
    x3a, x3b = r.standard_normal((2, 3, 4)), r.standard_normal((2, 3, 4))
    fx.add(f"{fn}-3d_dim=-1", fn, [x3a, x3b], {"dim": -1}, grad=[0, 1])
    fx.add(f"{fn}-3d_dim=1", fn, [x3a, x3b], {"dim": 1}, grad=[0, 1])
    fx.add(f"{fn}-bcast", fn, [x1, x2[:1]], grad=[0, 1])
    xz1, xz2 = x1.copy(), x2.copy()
    xz1[0] = 0.0
    xz2[1] = 1e-5 * xz2[1]
    fx.add(f"{fn}-zero_and_tiny", fn, [xz1, xz2], grad=[0, 1], note="eps clamps the norm product")
    fx.add(f"{fn}-eps=0.5", fn, [0.3 * x1, 0.3 * x2], {"eps": 0.5}, grad=[0, 1])
    fx.add(f"{fn}-1d", fn, [x1[0], x2[0]], {"dim": 0}, grad=[0, 1])


# ----------------------------------------------------------------------------------------------------------------
# 5. CTC
# ----------------------------------------------------------------------------------------------------------------
def ctc(fx):
    fn = "ctc_loss"
    opts = {"pre": "log_softmax", "pre_dim": 2}

    r = rng("ctc-basic")
    logits = r.standard_normal((6, 3, 5))
    padded = i64([[1, 2, 3], [2, 2, 0], [4, 0, 0]])  # entries after target_lengths are ignored
    il, tl = i64([6, 5, 4]), i64([3, 2, 1])
    fx.reds(
        f"{fn}-padded",
        fn,
        [logits, padded, il, tl],
        grad=[0],
        **opts,
        note="input_lengths < T for samples 1 and 2: zero gradient for t >= T_b",
    )
    fx.reds(f"{fn}-concatenated", fn, [logits, i64([1, 2, 3, 2, 2, 4]), il, tl], grad=[0], **opts)
    fx.add(
        f"{fn}-list_lengths-mean",
        fn,
        [logits, padded, [6, 5, 4], [3, 2, 1]],
        {"reduction": "mean"},
        grad=[0],
        **opts,
        note="lengths given as Python lists",
    )

    r = rng("ctc-repeats")
    logits = r.standard_normal((5, 3, 4))
    fx.reds(
        f"{fn}-repeats",
        fn,
        [logits, i64([[1, 1, 2], [3, 3, 3], [2, 1, 2]]), i64([4, 5, 3]), i64([3, 3, 3])],
        grad=[0],
        **opts,
        note="adjacent repeats need a blank: [1,1,2] needs T>=4, [3,3,3] needs T>=5",
    )

    r = rng("ctc-empty-target")
    logits = r.standard_normal((6, 3, 5))
    fx.reds(
        f"{fn}-empty_target",
        fn,
        [logits, i64([[1, 2], [0, 0], [3, 0]]), i64([6, 6, 5]), i64([2, 0, 1])],
        grad=[0],
        **opts,
        note="target length 0: nll = -sum_t lp[t, blank]; mean divides by max(tl, 1)",
    )

    r = rng("ctc-infeasible")
    logits = r.standard_normal((5, 3, 5))
    targets, il, tl = i64([[1, 1, 1], [1, 2, 0], [2, 3, 4]]), i64([4, 5, 2]), i64([3, 2, 3])
    for zi in (False, True):
        fx.reds(
            f"{fn}-infeasible_zero_infinity={zi}",
            fn,
            [logits, targets, il, tl],
            {"zero_infinity": zi},
            grad=[0],
            **opts,
            note="samples 0 ([1,1,1] with T=4) and 2 (T=2 < L=3) are infeasible: inf loss and "
            "nan gradient rows, or 0 and 0 with zero_infinity",
        )
    fx.reds(
        f"{fn}-zero_input_length",
        fn,
        [logits, targets, i64([5, 0, 0]), i64([2, 0, 1])],
        {"zero_infinity": True},
        grad=[0],
        **opts,
        note="T_b = 0: nll 0 for an empty target, inf otherwise",
    )

    r = rng("ctc-blank")
    logits = r.standard_normal((7, 2, 5))
    fx.reds(
        f"{fn}-blank=3",
        fn,
        [logits, i64([[1, 4, 4, 0], [2, 0, 1, 1]]), i64([7, 6]), i64([4, 3])],
        {"blank": 3},
        grad=[0],
        **opts,
    )
    fx.add(
        f"{fn}-blank=4-mean",
        fn,
        [logits, i64([[1, 3, 3, 0], [2, 0, 1, 1]]), i64([7, 7]), i64([4, 4])],
        {"blank": 4, "reduction": "mean"},
        grad=[0],
        **opts,
    )

    r = rng("ctc-unbatched")
    logits = r.standard_normal((6, 4))
    uopts = {"pre": "log_softmax", "pre_dim": 1}
    fx.reds(f"{fn}-unbatched", fn, [logits, i64([1, 3, 3]), i64(6), i64(3)], grad=[0], **uopts)
    fx.add(
        f"{fn}-unbatched_len1-mean",
        fn,
        [logits, i64([2, 1]), i64([5]), i64([2])],
        {"reduction": "mean"},
        grad=[0],
        **uopts,
    )

    r = rng("ctc-long")
    logits = r.standard_normal((12, 2, 6))
    fx.reds(f"{fn}-long", fn, [logits, i64([[1, 2, 2, 5], [3, 4, 1, 0]]), i64([12, 10]), i64([4, 3])], grad=[0], **opts)


def main():
    fx = Fixture()
    for section in (
        regression,
        nll,
        cross_entropy,
        binary,
        kl_div,
        poisson,
        gaussian,
        margin,
        embedding,
        distances,
        ctc,
    ):
        section(fx)
    npz_path, json_path = fx.write(OUT_DIR)
    counts = {}
    for c in fx.cases:
        counts[c["fn"]] = counts.get(c["fn"], 0) + 1
    size = npz_path.stat().st_size + json_path.stat().st_size
    for fn, k in counts.items():
        print(f"{fn:36s} {k:4d}")
    print(
        f"{'total':36s} {len(fx.cases):4d} cases, {len(fx.arrays)} arrays, "
        f"{npz_path.stat().st_size / 1024:.1f} KiB npz + {json_path.stat().st_size / 1024:.1f} KiB json "
        f"= {size / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    main()
