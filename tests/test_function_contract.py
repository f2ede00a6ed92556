"""The ``Function`` contract (design/core-v2.md 3.2, check 4.12), proved for every subclass in the package.

One run drives every op of ``op_cases.CASES`` (forward, backward and a second backward through the recorded
first one), every loss of ``LOSS_CALLS`` and the in-place/view calls of ``EXTRA_CALLS`` with each subclass's
``forward`` wrapped, so each call is recorded per class: the types of its positional arguments, and a *sample*
(the arrays, the options, the output's shape) from a call where some input needed a gradient. Then, per class:

(a) ``forward`` receives arrays only: every positional argument is an ndarray, a number or None, never a Tensor;
(b) ``backward`` returns one gradient per positional input (a tuple of that length; a bare Tensor or None for a
    single input), each of its input's shape, on a node rebuilt from the sample (a multi-output node's backward
    gets a list with one upstream gradient per output, one of them None);
(c) where the class defines ``backward_arrays``, it equals ``backward`` on the same sample and upstream gradient;
(d) where the class defines ``composite``, the composite's value equals the forward's and the composite's
    gradient (``minigrad.autograd.grad``) equals the node's, on the sample in float64;
(e) every subclass was exercised by the run (a base class counts as exercised through its subclasses).
"""

import numbers

import numpy as np
import pytest

import minigrad
import minigrad.nn
import minigrad.nn.functional as F
from minigrad.autograd import Function
from minigrad.distributions.linalg import cholesky, solve_triangular
from minigrad.ops.special import erfinv
from op_cases import CASES as OP_CASES
from test_ops import make_inputs

# _DelayedError's backward *is* an error: torch's refusal of a double backward through a @once_differentiable
# backward (tests/test_autograd_extensions.py checks it), so it has no gradients to count. Likewise _KeptGradient, a
# first-order-only loss's gradient (nn/functional/_fused.py; tests/test_losses_fused.py checks it).
BACKWARD_RAISES = {"_DelayedError", "_KeptGradient"}
NOT_EXERCISED_OK = set(BACKWARD_RAISES)  # names of Function subclasses no sample here can reach
# inputs torch has no derivative for (its backward raises NotImplementedError, and so does minigrad's): constants here
NO_DERIVATIVE = {"Igamma": (0,), "Zeta": (0,)}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


FUNCTIONS = sorted(
    {c for c in _subclasses(Function) if c.__module__.startswith("minigrad") and c.__name__ not in BACKWARD_RAISES},
    key=lambda c: (c.__module__, c.__qualname__),
)


def _id(cls):
    return f"{cls.__module__.removeprefix('minigrad.')}.{cls.__qualname__}"


def _params(classes):
    """``classes`` as pytest params, named by module and class."""
    return [pytest.param(c, id=_id(c)) for c in classes]


# ------------------------------------------------------------------------------------- what the run drives
def _rng(seed):
    return np.random.default_rng(seed)


def _normal(seed, *shape):
    return _rng(seed).normal(size=shape)


def _probabilities(seed, *shape):
    return _rng(seed).uniform(0.05, 0.95, shape)


def _log_probabilities(seed, *shape):
    logits = _normal(seed, *shape)
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
LABELS = np.array([0, 2, 1, 2])
WEIGHT = minigrad.tensor([0.5, 1.0, 2.0], dtype=minigrad.float64)
# name, call(*tensors), arguments (ndarrays become float64/int64 tensors), positions of those that require grad
LOSS_CALLS = [
    (
        "cross_entropy_index",
        lambda x, t: F.cross_entropy(x, t, weight=WEIGHT, label_smoothing=0.1),
        [_normal(1, 4, 3), LABELS],
        (0,),
    ),
    ("cross_entropy_probs", F.cross_entropy, [_normal(2, 4, 3), _probabilities(3, 4, 3)], (0, 1)),
    ("nll_loss", F.nll_loss, [_log_probabilities(4, 4, 3), LABELS], (0,)),
    ("binary_cross_entropy", F.binary_cross_entropy, [_probabilities(5, 3, 4), _probabilities(6, 3, 4)], (0, 1)),
    (
        "bce_with_logits",
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=WEIGHT[[2, 1, 0, 0]]),
        [_normal(7, 3, 4), _probabilities(8, 3, 4)],
        (0, 1),
    ),
    (
        "kl_div",
        lambda x, y: F.kl_div(x, y, reduction="batchmean", log_target=True),
        [_log_probabilities(9, 3, 4), _log_probabilities(10, 3, 4)],
        (0, 1),
    ),
    (
        "kl_div_probabilities",
        lambda x, y: F.kl_div(x, y, reduction="sum"),
        [_log_probabilities(45, 3, 4), _probabilities(46, 3, 4)],
        (0, 1),
    ),
    ("poisson_nll_loss", F.poisson_nll_loss, [_probabilities(11, 6) * 3, np.arange(6.0)], (0,)),
    (
        "gaussian_nll_loss",
        lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True),
        [_normal(12, 3, 4), _normal(13, 3, 4), _probabilities(14, 3, 1)],
        (0, 1, 2),
    ),
    ("soft_margin_loss", F.soft_margin_loss, [_normal(15, 4), SIGNS], (0,)),
    (
        "multilabel_soft_margin_loss",
        F.multilabel_soft_margin_loss,
        [_normal(16, 4, 3), _probabilities(17, 4, 3).round()],
        (0, 1),
    ),
    ("l1_loss", F.l1_loss, [_normal(18, 3, 4), _normal(19, 3, 4)], (0, 1)),
    ("mse_loss", F.mse_loss, [_normal(20, 3, 4), _normal(21, 3, 4)], (0, 1)),
    ("smooth_l1_loss", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), [_normal(22, 5), _normal(23, 5)], (0, 1)),
    ("huber_loss", lambda x, y: F.huber_loss(x, y, delta=0.7), [_normal(24, 5), _normal(25, 5)], (0, 1)),
    ("hinge_embedding_loss", F.hinge_embedding_loss, [_normal(26, 4), SIGNS], (0,)),
    ("margin_ranking_loss", F.margin_ranking_loss, [_normal(27, 4), _normal(28, 4), SIGNS], (0, 1)),
    ("multi_margin_loss", F.multi_margin_loss, [_normal(29, 4, 3), LABELS], (0,)),
    (
        "multilabel_margin_loss",
        F.multilabel_margin_loss,
        [_normal(30, 2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])],
        (0,),
    ),
    ("triplet_margin_loss", F.triplet_margin_loss, [_normal(s, 4, 3) for s in (31, 32, 33)], (0, 1, 2)),
    (
        "triplet_margin_loss_p3",
        lambda a, p, n: F.triplet_margin_loss(a, p, n, p=3),
        [_normal(s, 4, 3) for s in (47, 48, 49)],
        (0, 1, 2),
    ),
    (
        "triplet_margin_with_distance_loss",
        F.triplet_margin_with_distance_loss,
        [_normal(s, 4, 3) for s in (34, 35, 36)],
        (0, 1, 2),
    ),
    ("cosine_embedding_loss", F.cosine_embedding_loss, [_normal(37, 4, 3), _normal(38, 4, 3), SIGNS], (0, 1)),
    ("cosine_similarity", F.cosine_similarity, [_normal(39, 4, 3), _normal(40, 4, 3)], (0, 1)),
    ("pairwise_distance", F.pairwise_distance, [_normal(41, 4, 3), _normal(42, 4, 3)], (0, 1)),
    ("logsigmoid", F.logsigmoid, [_normal(43, 3, 4)], (0,)),
    (
        "ctc_loss",
        lambda x, *rest: F.ctc_loss(x.log_softmax(2), *rest),
        [_normal(44, 6, 2, 4), np.array([[1, 2, 2], [3, 1, 0]]), np.array([6, 5]), np.array([3, 2])],
        (0,),
    ),
]


def _inplace_on_a_view(x):
    y = x * 1
    y[0].mul_(2)  # CopySlices
    y[[1], [0]] = x[0, :1]  # IndexPut with a value that needs a gradient
    y[:, 1].zero_()  # Step
    return y


EXTRA_CALLS = [  # ops op_cases.py has no row for: name, call(x), shape of x
    (
        "as_strided_and_scatters",
        lambda x: x.as_strided((2, 2), (1, 1), 1).sum() + x.as_strided_scatter(x[0, :2] * 2, (2,), (4,)).sum(),
        (3, 3),
    ),
    (
        "scatter_reduce",
        lambda x: x.scatter_reduce(0, minigrad.tensor([[0, 1, 0], [1, 1, 2]]), x[:2] * 2, "amax"),
        (3, 3),
    ),
    ("in-place on views", _inplace_on_a_view, (2, 3)),
    ("cast", lambda x: x.float().double(), (2, 3)),
    ("clone", lambda x: x.clone(), (2, 3)),
    ("diagonal", lambda x: x.diagonal(), (3, 3)),
    ("select_narrow", lambda x: x.select(0, 1) + x.narrow(1, 0, 1).sum(), (3, 3)),
    ("dropout", lambda x: F.dropout(x, 0.5, training=True), (3, 4)),
    ("cholesky", lambda x: cholesky(x @ x.mT + 3 * minigrad.eye(3, dtype=x.dtype)), (3, 3)),
    (
        "solve_triangular",
        lambda x: solve_triangular(x.tril() + 3 * minigrad.eye(3, dtype=x.dtype), x, upper=False),
        (3, 3),
    ),
    ("erfinv", lambda x: erfinv(x.tanh()), (2, 3)),
    (
        "linalg_inverse",
        lambda x: (
            minigrad.linalg.inv(x + 3 * minigrad.eye(3, dtype=x.dtype)).sum()
            + minigrad.linalg.det(x)
            + sum(minigrad.linalg.slogdet(x))
            + minigrad.linalg.solve(x + 3 * minigrad.eye(3, dtype=x.dtype), x).sum()
        ),
        (3, 3),
    ),
    ("linalg_factor", lambda x: minigrad.linalg.svdvals(x).sum() + minigrad.linalg.pinv(x).sum(), (3, 3)),
    (
        "lu_matrix_exp",
        lambda x: (
            minigrad.linalg.lu_factor(x + 3 * minigrad.eye(3, dtype=x.dtype)).LU.sum()
            + minigrad.matrix_exp(x * 0.1).sum()
        ),
        (3, 3),
    ),
    ("conv2d", lambda x: F.conv2d(x, x[:, :, :3, :3], x[0, 0, 0, :2], padding=1, stride=(1, 2)), (2, 2, 5, 5)),
    ("unfold_fold", lambda x: F.fold(F.unfold(x, 2, padding=1), (5, 4), 2, padding=1), (2, 2, 5, 4)),
    ("pad", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), (2, 3, 4)),
    ("attention", lambda x: F.scaled_dot_product_attention(x, x, x[..., :2], attn_mask=x[0, :, :3]), (2, 3, 3)),
    (
        "self_attention",
        lambda x: minigrad.nn.MultiheadAttention(6, 2, dtype=x.dtype)(x, x, x, need_weights=False)[0],
        (3, 2, 6),
    ),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.5), (2, 3)),
    ("interpolate", lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True), (1, 2, 3, 4)),
    ("grid_sample", lambda x: F.grid_sample(x, x[:, :2].permute(0, 2, 3, 1).tanh(), align_corners=False), (1, 2, 3, 4)),
    (
        "linear_cross_entropy",
        lambda x: F.linear_cross_entropy(
            x, x * 0.5, minigrad.tensor([0, 3, 1, 2]), linear_bias=x[:, 0], label_smoothing=0.1
        ),
        (4, 3),
    ),
    (
        "packed_lstm_projected",
        lambda x: (
            minigrad.nn.LSTM(2, 3, proj_size=2, bidirectional=True, dtype=x.dtype)(
                minigrad.nn.utils.rnn.pack_padded_sequence(x, [3, 1])
            )[0].data
        ),
        (3, 2, 2),
    ),
    (
        "pointwise (issue 12)",
        lambda x: (
            minigrad.hypot(x, x * 0.5 + 1)
            + minigrad.logaddexp(x, -x)
            + minigrad.logaddexp2(x, x * 2)
            + minigrad.copysign(x, -x)
            + minigrad.fmax(x, -x)
            + minigrad.fmin(x, x * 0.5)
            + minigrad.nextafter(x, x + 1)
            + minigrad.frexp(x).mantissa
            + minigrad.nan_to_num(x)
        ),
        (3, 4),
    ),
]


class Recorder:
    """Per Function subclass: the argument types its forward saw, and one sample call that needed a gradient."""

    def __init__(self):
        self.bad_arguments = {}  # class -> set of (position, type name) of non-array positional arguments
        self.exercised = set()
        self.samples = {}  # class -> (arrays, options, output shape, output dtype)
        self.errors = []  # (what, exception) for calls of the run that raised

    def wrap(self, forward):
        recorder = self

        def recorded_forward(node, *args, **options):
            cls = type(node)
            recorder.exercised.add(cls)
            for position, arg in enumerate(args):
                if not (arg is None or isinstance(arg, (np.ndarray, np.generic, numbers.Number))):
                    recorder.bad_arguments.setdefault(cls, set()).add((position, type(arg).__name__))
            copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
            result = forward(node, *args, **options)
            first = np.asarray(result[0] if type(result) is tuple else result)
            if cls not in recorder.samples and any(node.needs_input_grad) and first.dtype.kind == "f":
                # a multi-output forward's shape is the list of its outputs' shapes
                shape = [np.shape(r) for r in result] if type(result) is tuple else np.shape(result)
                recorder.samples[cls] = (copies, dict(options), shape, first.dtype)
            return result

        return recorded_forward

    def run(self, what, call):
        try:
            call()
        except Exception as error:  # noqa: BLE001 - reported by test_the_run_raises_nothing
            self.errors.append((what, error))


def _second_order(fn, leaves):
    """Forward, a recorded backward, and a backward through that backward, so the ops a backward uses are
    recorded too, with inputs that need a gradient (the upstream gradient itself requires grad)."""
    out = fn(*leaves)
    upstream = minigrad.tensor(_rng(0).standard_normal(out.shape), requires_grad=True)
    grads = minigrad.autograd.grad(out, leaves, upstream, create_graph=True, allow_unused=True)
    total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
    if isinstance(total, minigrad.Tensor):
        total.backward()


def _recorded_backward(fn, arrays, grad):
    """Forward and a recorded backward (not differentiated again: CTC has no second derivative)."""
    tensors = [
        minigrad.tensor(a, requires_grad=i in grad) if isinstance(a, np.ndarray) else a for i, a in enumerate(arrays)
    ]
    out = fn(*tensors)
    out.backward(minigrad.tensor(_rng(0).standard_normal(out.shape)), create_graph=True)


@pytest.fixture(scope="module")
def record():
    recorder = Recorder()
    with pytest.MonkeyPatch.context() as patch:
        for cls in FUNCTIONS:
            if "forward" in vars(cls):
                patch.setattr(cls, "forward", recorder.wrap(vars(cls)["forward"]))
        for case in OP_CASES:
            leaves = [minigrad.tensor(a, requires_grad=True) for a in make_inputs(case, np.float64)]
            recorder.run(f"op {case.name}", lambda: _second_order(lambda *xs: case.fn(minigrad, *xs), leaves))
        for name, fn, arrays, grad in LOSS_CALLS:
            recorder.run(f"loss {name}", lambda: _recorded_backward(fn, arrays, set(grad)))
        for name, fn, shape in EXTRA_CALLS:
            leaf = minigrad.tensor(_normal(50, *shape), requires_grad=True)
            recorder.run(f"extra {name}", lambda: _second_order(fn, [leaf]))
    return recorder


def test_the_run_raises_nothing(record):
    assert not record.errors, "\n".join(f"{what}: {type(e).__name__}: {e}" for what, e in record.errors)


# ------------------------------------------------------------------------------------------------ (a), (e)
@pytest.mark.parametrize("cls", _params(FUNCTIONS))
def test_forward_receives_arrays_only(record, cls):
    bad = sorted(record.bad_arguments.get(cls, ()))
    assert not bad, f"{cls.__qualname__}.forward got non-array positional arguments (position, type): {bad}"


def test_every_function_is_exercised(record):
    def covered(cls):
        return cls in record.exercised or any(sub in record.exercised for sub in _subclasses(cls))

    missing = [_id(c) for c in FUNCTIONS if not covered(c) and c.__name__ not in NOT_EXERCISED_OK]
    assert not missing, (
        "Function subclasses no op case, loss call or extra call reaches (add a row to "
        f"op_cases.py, LOSS_CALLS or EXTRA_CALLS): {missing}"
    )


# ------------------------------------------------------------------------------------------- (b), (c), (d)
def _sample(record, cls):
    if cls not in record.samples:
        if cls.__subclasses__():
            pytest.skip("a base class: its subclasses are checked")
        pytest.fail(f"no call of {cls.__qualname__} with an input that needs a gradient was recorded")
    return record.samples[cls]


def _node(cls, arrays, options, dtype=None):
    """A fresh node of ``cls`` on the sample: ndarray arguments become leaves (float ones require grad)."""

    def leaf(position, a):
        if not isinstance(a, np.ndarray):
            return a
        a = a.astype(dtype) if dtype is not None and a.dtype.kind == "f" else a.copy()
        return minigrad.tensor(a, requires_grad=a.dtype.kind == "f" and position not in constant)

    constant = NO_DERIVATIVE.get(cls.__name__, ())
    inputs = [leaf(position, a) for position, a in enumerate(arrays)]
    with minigrad.enable_grad():
        out = cls.apply(*inputs, **options)
    node = out[0].grad_fn.node if type(out) is tuple else out.grad_fn  # (each output's grad_fn is its Output)
    assert type(node) is cls, f"{cls.__qualname__}.apply left grad_fn {node!r}"
    return out, node, inputs


def _upstream(shape, dtype):
    """An upstream gradient; for a multi-output node (a list of shapes) one per output, the second one None (an
    output that received no gradient)."""
    if isinstance(shape, list):
        return [None if i == 1 else _upstream(s, dtype) for i, s in enumerate(shape)]
    return minigrad.tensor(_rng(7).standard_normal(shape).astype(dtype))


def _as_tuple(grads, n):
    """``backward``'s result checked against the contract and returned as an n-tuple."""
    if n == 1 and (grads is None or isinstance(grads, minigrad.Tensor)):
        return (grads,)
    assert isinstance(grads, tuple), f"backward returned {type(grads).__name__}, not a tuple"
    assert len(grads) == n, f"backward returned {len(grads)} gradients for {n} positional inputs"
    return grads


def _array(g):
    return None if g is None else g._data if isinstance(g, minigrad.Tensor) else np.asarray(g)


@pytest.mark.parametrize("cls", _params(FUNCTIONS))
def test_backward_returns_one_gradient_per_input(record, cls):
    arrays, options, shape, dtype = _sample(record, cls)
    _, node, inputs = _node(cls, arrays, options)
    with minigrad.no_grad():
        grads = _as_tuple(node.backward(_upstream(shape, dtype)), len(arrays))
    for position, (x, need, g) in enumerate(zip(inputs, node.needs_input_grad, grads)):
        if need:
            assert g is not None, f"no gradient for input {position}, which needs one"
            assert isinstance(g, minigrad.Tensor), f"gradient {position} is a {type(g).__name__}, not a Tensor"
            assert g.shape == x.shape, f"gradient {position} has shape {g.shape}, its input {x.shape}"


WITH_ARRAYS = [c for c in FUNCTIONS if c.backward_arrays is not None]
WITH_COMPOSITE = [c for c in FUNCTIONS if c.composite is not None]


@pytest.mark.parametrize("cls", _params(WITH_ARRAYS))
def test_backward_arrays_equals_backward(record, cls):
    arrays, options, shape, dtype = _sample(record, cls)
    upstream = _upstream(shape, dtype)
    _, slow_node, _ = _node(cls, arrays, options)  # two nodes: backward_arrays may reuse its caches in place
    _, fast_node, _ = _node(cls, arrays, options)
    with minigrad.no_grad():
        slow = _as_tuple(slow_node.backward(upstream), len(arrays))
        fast = fast_node.backward_arrays(upstream._data.copy())
    fast = fast if isinstance(fast, tuple) else (fast,)
    assert len(fast) == len(arrays), f"backward_arrays returned {len(fast)} gradients for {len(arrays)} inputs"
    tolerance = 1e-5 if dtype == np.float32 else 1e-10
    for position, need in enumerate(slow_node.needs_input_grad):
        if need:
            np.testing.assert_allclose(
                _array(fast[position]),
                _array(slow[position]),
                rtol=tolerance,
                atol=tolerance,
                err_msg=f"gradient of input {position}",
            )


@pytest.mark.parametrize("cls", _params(WITH_COMPOSITE))
def test_composite_is_the_oracle(record, cls):
    arrays, options, shape, _ = _sample(record, cls)
    out, node, inputs = _node(cls, arrays, options, dtype=np.float64)
    upstream = _upstream(shape, np.float64)
    wanted = [x for x, need in zip(inputs, node.needs_input_grad) if need]
    kernel = minigrad.autograd.grad(out, wanted, upstream)
    twins = [
        minigrad.tensor(x._data.copy(), requires_grad=x.requires_grad) if isinstance(x, minigrad.Tensor) else x
        for x in inputs
    ]
    with minigrad.enable_grad():
        reference = node.composite(*twins, **options)
    np.testing.assert_allclose(out._data, reference._data, rtol=1e-10, atol=1e-12, err_msg="forward vs composite")
    oracle = minigrad.autograd.grad(reference, [t for t, need in zip(twins, node.needs_input_grad) if need], upstream)
    for position, (a, b) in enumerate(zip(kernel, oracle)):
        np.testing.assert_allclose(
            a._data, b._data, rtol=1e-10, atol=1e-12, err_msg=f"gradient {position}: node vs composite"
        )
