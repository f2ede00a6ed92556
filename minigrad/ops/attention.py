"""Scaled dot-product attention as one node, computed in blocks over the keys (FlashAttention).

``attention(Q, K, V) = softmax(Q Kᵀ · scale + bias) V`` for ``Q (..., L, E)``, ``K (..., S, E)``, ``V (..., S, Ev)``
(leading dims broadcast). The (L, S) matrix is never formed whole: the keys are taken a block at a time, each
block's scores ``(Q·scale) K_bᵀ + bias_b`` come from BLAS, and the compiled kernel
(``minigrad._kernels.attention``) folds them into a running max ``m``, sum ``l`` and output with the online
softmax recurrence; the forward keeps only the output and the per-row ``lse = m + log l``. The backward
(FlashAttention-2) recomputes each block's probabilities ``P = exp(S - lse)`` and, with ``δ = Σ dO·O`` per row,
``dS = P·(dO Vᵀ - δ)``; then ``dV = Pᵀ dO``, ``dK = dSᵀ Q·scale``, ``dQ = dS K·scale``. Memory grows with the
sequence length (one block of scores at a time), not with its square.

``causal`` allows query ``i`` the keys ``j ≤ i`` (torch's top-left alignment); a causal run skips the blocks no
query may see. A query whose every key is masked gets output 0 and gradient 0, as torch's.

Without a bias (the common case: no mask or the causal one), where NumPy's BLAS can be called from C, the whole
attention runs in the compiled kernel (``flash_forward``/``flash_backward``): query and key tiles of
``ROW_BLOCK × COL_BLOCK``, each tile's products through OpenBLAS's GEMM on the arrays in place (any strides with
rows contiguous, so a head split of a projection is never copied), the heads and query tiles over the threads.
Up to ``STORE_MAX_SOURCE`` keys, when a backward will follow, the forward also stores the
probabilities (B·H·L·S values, undropped) and the backward reads them instead of recomputing ``Q Kᵀ`` and its
exponentials; longer sequences recompute, so memory stays linear in the sequence length where it matters.
``PackedSelfAttention`` is that kernel on ``MultiheadAttention``'s one packed projection ``(L, B, 3E)``, with the
joined output and the packed gradient written directly and, in training, dropout on the weights inside.

The node's ``composite`` is the plain formulation on the whole matrix (matmul, softmax, matmul): the tests' oracle
and, through its vector-Jacobian product, the double backward.
"""

import math

import numpy as np

from .. import _blas
from .._kernels import attention as _kernel
from .._threads import get_num_threads
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import wrap
from .activation import softmax
from .shape import owner, sum_to

__all__ = ["attention", "causal_bias", "packed_self_attention", "packed_fusable"]

# Elements of one block of scores: the forward holds one such block, the backward two (scores and dO Vᵀ).
BLOCK_ELEMENTS = 1 << 20
CAUSAL_BLOCKS, CAUSAL_MIN_WIDTH = 8, 64  # narrower causal blocks cost more in calls than they skip


def causal_bias(length, source, dtype):
    """The (L, S) additive causal mask: 0 where ``j ≤ i``, -inf above that diagonal."""
    return np.triu(np.full((length, source), -np.inf, dtype=dtype), 1)


def _blocking(groups, length, source, causal):
    """(heads per group, keys per block) so that one block of scores holds about BLOCK_ELEMENTS values. A causal
    run takes at least CAUSAL_BLOCKS blocks of keys: block ``c0:c1`` needs only the queries from ``c0`` on, so the
    work falls from the whole (L, S) to about its lower triangle."""
    per_head = length * source
    if causal and source >= 2 * CAUSAL_MIN_WIDTH:
        source_block = max(CAUSAL_MIN_WIDTH, -(-source // CAUSAL_BLOCKS))
    else:
        source_block = source
    if per_head <= BLOCK_ELEMENTS:
        return min(groups, max(1, BLOCK_ELEMENTS // per_head)), source_block
    return 1, min(source_block, max(16, BLOCK_ELEMENTS // max(length, 1)))


# Tiles of the fused kernels (no bias): a (ROW_BLOCK, COL_BLOCK) tile of scores and its gradient stay in L2.
ROW_BLOCK, COL_BLOCK = 64, 128
PARALLEL_MIN_MACS = 1 << 18  # below this, starting a team of threads costs more than it saves
# Up to this many keys the fused forward stores the probabilities (B·H·L·S values) for the backward, which then
# skips recomputing them (one GEMM and one exp per score fewer); longer sequences recompute, so that memory grows
# with the sequence length, not its square.
STORE_MAX_SOURCE = 256


def _fusable(q, k, v, bias):
    """Whether the fused kernels take this attention: no bias, one batch shape (no broadcasting), float32 or
    float64, no empty dim, and C BLAS reachable."""
    return (
        bias is None
        and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
        and q.dtype in (np.float32, np.float64)
        and min(q.shape + k.shape + v.shape[-1:]) > 0
        and _blas.cblas_ready()
    )


def _rows4(x):
    """``x (..., rows, cols)`` as the (B, H, rows, cols) view the fused kernels read: any strides but a
    contiguous last dim and rows that do not overlap (else a copy)."""
    x = x.reshape((1,) * (4 - x.ndim) + x.shape) if x.ndim < 4 else x.reshape((-1,) + x.shape[-3:])
    item = x.itemsize
    if x.strides[3] != item or x.strides[2] < x.shape[3] * item:
        x = np.ascontiguousarray(x)
    return x


def _empty4(like, rows, cols, dtype):
    """An empty (B, H, rows, cols) array laid out sequence-first in memory, (rows, B, H, cols): what
    ``MultiheadAttention`` joins its heads from (and splits its projections into), so both are views there."""
    batch, heads = like.shape[:2]
    return np.empty((rows, batch, heads, cols), dtype).transpose(1, 2, 0, 3)


_TOO_HARD = getattr(np, "exceptions", np).TooHardError  # (NumPy 1.24 has no np.exceptions)


def _address(x):
    return x.__array_interface__["data"][0]


def _grads_like(arrays):
    """Empty gradients for ``arrays`` (4-D, any strides), each laid out in memory as its array is. Disjoint views
    of one C-contiguous array (the heads of a split packed projection, ``qkv.split(...)`` then a head view) get
    views at the same places of one new array of that array's shape: the split's backward then has nothing to
    copy (``SplitBackward`` passes such gradients on as the one array). Any other array gets
    ``np.empty_like``'s memory order (a head split of a sequence-first projection: sequence-first)."""
    base = owner(arrays[0])
    if (
        base is None
        or not base.flags.c_contiguous
        or any(owner(x) is not base or x.dtype != base.dtype for x in arrays)
    ):
        return [np.empty_like(x) for x in arrays]
    try:
        if any(np.shares_memory(a, b, max_work=1 << 16) for i, a in enumerate(arrays) for b in arrays[i + 1 :]):
            return [np.empty_like(x) for x in arrays]
    except _TOO_HARD:
        return [np.empty_like(x) for x in arrays]
    packed, start = np.empty_like(base).reshape(-1), _address(base)
    views = np.lib.stride_tricks.as_strided
    return [views(packed[(_address(x) - start) // x.itemsize :], x.shape, x.strides) for x in arrays]


def _threads(q, k, v, alone):
    """The fused kernels' thread count: minigrad's, unless BLAS could not be kept to one thread per call or the
    attention has fewer than PARALLEL_MIN_MACS multiply-adds per product."""
    macs = q.shape[0] * q.shape[1] * q.shape[2] * k.shape[2] * (q.shape[3] + v.shape[3])
    return get_num_threads() if alone and macs >= PARALLEL_MIN_MACS else 1


def _fused_forward(q, k, v, causal, scale, keep=None, backward=False):
    """(out, lse, probs) of the (B, H, ·, ·) views ``q``, ``k``, ``v`` without a bias, every block product inside
    the kernel (``flash_forward``); ``keep`` the (B, H, L, S) dropout factors or None. ``probs``: the (B, H, L, S)
    probabilities for the backward when one will follow (``backward``) and there are at most STORE_MAX_SOURCE
    keys, else None."""
    out = _empty4(q, q.shape[2], v.shape[3], q.dtype)
    lse = np.empty(q.shape[:3])
    probs = np.empty(q.shape[:3] + k.shape[2:3], q.dtype) if backward and k.shape[2] <= STORE_MAX_SOURCE else None
    with _blas.single_threaded() as alone:  # the kernel's threads each call a one-thread GEMM
        threads = _threads(q, k, v, alone)
        _kernel.flash_forward(q, k, v, out, lse, ROW_BLOCK, COL_BLOCK, causal, scale, threads, keep, probs)
    return out, lse, probs


def _fused_backward(q, k, v, out, grad, lse, causal, scale, keep=None, grads=None, probs=None):
    """(dq, dk, dv) of _fused_forward's attention (``flash_backward``, reading ``probs`` when the forward stored
    them), written into ``grads`` when given."""
    grads = grads or [_empty4(x, x.shape[2], x.shape[3], x.dtype) for x in (q, k, v)]
    with _blas.single_threaded() as alone:
        threads = _threads(q, k, v, alone)
        _kernel.flash_backward(
            q, k, v, out, grad, lse, *grads, ROW_BLOCK, COL_BLOCK, causal, scale, threads, keep, probs
        )
    return grads


def _keep4(keep, dtype):
    """Dropout factors as the kernels' C-contiguous (B, H, L, S) array of the inputs' dtype, or None."""
    return None if keep is None else _rows4(np.ascontiguousarray(keep, dtype))


class _Bias:
    """An additive bias broadcastable to ``batch + (L, S)``, cut into the blocks of flat heads ``n0:n1``,
    rows ``r0:`` and keys ``c0:c1`` without ever broadcasting it whole."""

    def __init__(self, bias, batch, length, source):
        self.batch = batch
        bias = bias.reshape((1,) * (len(batch) + 2 - bias.ndim) + bias.shape)
        bias = np.broadcast_to(bias, bias.shape[:-2] + (length, source))  # a view: a (1, S) mask stays (1, S)
        self.shared = all(size == 1 for size in bias.shape[:-2])  # one (L, S) bias for every head
        self.bias = bias.reshape(bias.shape[-2:]) if self.shared else bias

    def add_to(self, scores, n0, n1, r0, c0, c1):
        if self.shared:
            scores += self.bias[r0:, c0:c1]
            return
        for n in range(n0, n1):  # bias dims of size 1 broadcast: index the bias, not a broadcast copy of it
            scores[n - n0] += self.bias[self._index(n)][r0:, c0:c1]

    def gradient(self):
        """A zero gradient of the bias's leading shape and (L, S), to accumulate block gradients into."""
        return np.zeros(self.bias.shape, self.bias.dtype)

    def accumulate(self, grad, block, n0, n1, r0, c0, c1):
        """Add a block's ``dS`` (G, R, C) into ``grad`` (a broadcast bias sums over the heads it served)."""
        if self.shared:
            grad[r0:, c0:c1] += block.sum(0)
            return
        for n in range(n0, n1):
            grad[self._index(n)][r0:, c0:c1] += block[n - n0]

    def _index(self, n):
        """The leading index of the bias that flat head ``n`` reads (0 along its broadcast dims)."""
        return tuple(i if size != 1 else 0 for i, size in zip(np.unravel_index(n, self.batch), self.bias.shape))


def _blocks(q, k, bias, causal, scale):
    """For each (group, key block): the flat heads ``g``, rows ``r0:``, keys ``c0:c1`` of the block, its scores
    (a fresh C-contiguous (G, R, C) array) and the kernel's causal ``diag``."""
    heads, length, _ = q.shape
    source = k.shape[1]
    group, block = _blocking(heads, length, source, causal)
    for n0 in range(0, heads, group):
        n1 = min(heads, n0 + group)
        scaled = q[n0:n1] * q.dtype.type(scale)
        for c0 in range(0, source, block):
            c1 = min(source, c0 + block)
            r0 = min(c0, length) if causal else 0
            if r0 >= length:
                break
            scores = np.matmul(scaled[:, r0:], np.ascontiguousarray(k[n0:n1, c0:c1].transpose(0, 2, 1)))
            if bias is not None:
                bias.add_to(scores, n0, n1, r0, c0, c1)
            yield slice(n0, n1), r0, c0, c1, scores, (r0 - c0 if causal else c1 - c0), scaled


def _forward(q, k, v, bias, causal, scale):
    """(out (N, L, Ev), lse (N, L)) from flat C-contiguous ``q (N, L, E)``, ``k (N, S, E)``, ``v (N, S, Ev)``."""
    heads, length, _ = q.shape
    # the first key block of each group writes every row (no keys at all: no block, output 0)
    out = (np.empty if k.shape[1] else np.zeros)((heads, length, v.shape[2]), q.dtype)
    running_max, running_sum = np.full((heads, length), -np.inf), np.zeros((heads, length))
    threads = get_num_threads()
    for g, r0, c0, c1, scores, diag, _ in _blocks(q, k, bias, causal, scale):
        rows = (g, slice(r0, None))
        block = [running_max[rows], running_sum[rows], out[rows]]
        copied = not block[0].flags.c_contiguous  # several heads from a row past 0 (causal): the kernel wants C order
        if copied:
            block = [part.copy() for part in block]
        _kernel.forward_block(scores, *block, diag, threads)
        if c0 == 0:  # (its rows start at 0: the accumulator, scaled by exp(-inf) = 0, is overwritten)
            np.matmul(scores, v[g, c0:c1], out=block[2])
        else:
            block[2] += np.matmul(scores, v[g, c0:c1])
        if copied:
            running_max[rows], running_sum[rows], out[rows] = block
    empty = running_sum == 0  # rows with every key masked: output 0, lse -inf
    running_sum[empty] = 1
    out /= running_sum[..., None].astype(q.dtype)
    lse = running_max + np.log(running_sum)
    lse[empty] = -np.inf
    return out, lse


def _backward(q, k, v, out, grad, lse, bias, causal, scale, need_bias):
    """(dq, dk, dv, dbias) of the flat arrays, the probabilities recomputed block by block (``dbias``, in the
    bias's own shape, only when ``need_bias``)."""
    threads = get_num_threads()
    delta = np.empty(out.shape[:2])
    _kernel.row_dots(grad, out, delta, threads)
    # each key block writes its rows of dk and dv (a causal run skips the keys past the last query: zeros), the
    # first block of each group every row of dq
    skips = causal and k.shape[1] > q.shape[1]
    dq = np.empty_like(q)
    dk, dv = (np.zeros_like(k), np.zeros_like(v)) if skips else (np.empty_like(k), np.empty_like(v))
    dbias = bias.gradient() if need_bias else None
    for g, r0, c0, c1, scores, diag, scaled in _blocks(q, k, bias, causal, scale):
        rows = (g, slice(r0, None))
        dp = np.matmul(grad[rows], np.ascontiguousarray(v[g, c0:c1].transpose(0, 2, 1)))
        lse_rows, delta_rows = np.ascontiguousarray(lse[rows]), np.ascontiguousarray(delta[rows])  # (as above)
        _kernel.backward_block(scores, dp, lse_rows, delta_rows, diag, threads)  # scores → P, dp → dS
        np.matmul(scores.transpose(0, 2, 1), grad[rows], out=dv[g, c0:c1])
        np.matmul(dp.transpose(0, 2, 1), scaled[:, r0:], out=dk[g, c0:c1])
        if c0 == 0:
            np.matmul(dp, k[g, c0:c1], out=dq[rows])
        else:
            dq[rows] += np.matmul(dp, k[g, c0:c1])
        if need_bias:
            bias.accumulate(dbias, dp, g.start, g.stop, r0, c0, c1)
    dq *= q.dtype.type(scale)
    return dq, dk, dv, dbias


def _flat(x, batch):
    """``x`` broadcast to ``batch + x.shape[-2:]`` as a C-contiguous (N, rows, cols) array."""
    x = np.broadcast_to(x, batch + x.shape[-2:])
    return np.ascontiguousarray(x).reshape((-1,) + x.shape[-2:])


def _unflat(g, batch, shape):
    """A flat gradient back to an input's ``shape`` (summed over the batch dims the input broadcast over)."""
    g = g.reshape(batch + g.shape[-2:])
    return g if g.shape == shape else sum_to(Tensor._wrap(g), shape)._data


def attention_matrix(scores, bias):
    """``softmax(scores + bias)`` over the last dim, a row whose every bias entry is -inf giving zeros (not nan)
    and no gradient: the plain formulation's weights. ``bias`` is a Tensor, an array or None."""
    if bias is None:
        return softmax(scores, -1)
    values = bias._data if isinstance(bias, Tensor) else bias
    bias = bias if isinstance(bias, Tensor) else wrap(bias)
    blocked = np.all(np.isneginf(values), axis=-1, keepdims=True)
    if not blocked.any():
        return softmax(scores + bias, -1)
    return softmax(scores + bias.masked_fill(blocked, 0), -1) * wrap((~blocked).astype(values.dtype))


class ScaledDotProductAttention(Function):
    """``softmax(q kᵀ · scale + bias) v`` with ``bias`` an additive array or Tensor (broadcastable to the scores;
    a Tensor gets a gradient) or None and ``causal`` the top-left causal mask; blockwise forward and backward as
    the module docstring says."""

    saves_output = True  # the backward's δ = Σ dO·O

    def forward(self, q, k, v, bias, *, causal, scale):
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
        self.batch, self.fused = batch, _fusable(q, k, v, bias)
        if self.fused:  # read in place: a head split of a projection is not copied
            self.flat = [_rows4(x) for x in (q, k, v)]
            out, self.lse, self.probs = _fused_forward(*self.flat, causal, scale, backward=any(self.needs_input_grad))
        else:
            flat_bias = None if bias is None else _Bias(bias, batch, q.shape[-2], k.shape[-2])
            self.flat = [_flat(x, batch) for x in (q, k, v)]  # (copies when strided: the backward reuses them)
            out, self.lse = _forward(*self.flat, flat_bias, causal, scale)
        return out.reshape(batch + out.shape[-2:])

    def backward_arrays(self, grad):
        inputs = [t._data if isinstance(t, Tensor) else t for t in self.inputs]
        batch, causal, scale = self.batch, self.options["causal"], self.options["scale"]
        if self.fused:
            out = _rows4(self._output[0])
            # in the inputs' own layout (a split projection's gradient is then one array), where the kernel can
            # write that layout in place; else in the layout of the (B, H, ·, ·) arrays it read
            grads = _grads_like(inputs[:3])
            targets = [_rows4(g) for g in grads]
            if any(owner(target) is not owner(g) for target, g in zip(targets, grads)):  # (_rows4 had to copy)
                grads = targets = _grads_like(self.flat)
            _fused_backward(*self.flat, out, _rows4(grad), self.lse, causal, scale, grads=targets, probs=self.probs)
            grads = [g.reshape(x.shape) for g, x in zip(grads, inputs)] + [None]
            return tuple(g if need else None for g, need in zip(grads, self.needs_input_grad))
        bias = None if inputs[3] is None else _Bias(inputs[3], batch, inputs[0].shape[-2], inputs[1].shape[-2])
        out = _flat(self._output[0], batch)
        grads = _backward(*self.flat, out, _flat(grad, batch), self.lse, bias, causal, scale, self.needs_input_grad[3])
        grads = [_unflat(g, batch, x.shape) for g, x in zip(grads[:3], inputs)] + [
            None if grads[3] is None else sum_to(Tensor._wrap(grads[3]), inputs[3].shape)._data
        ]
        return tuple(g if need else None for g, need in zip(grads, self.needs_input_grad))

    def composite(self, q, k, v, bias, *, causal, scale):
        if causal:
            bias = causal_bias(q.shape[-2], k.shape[-2], q._data.dtype)
        return attention_matrix(q.matmul(k.mT) * scale, bias).matmul(v)


def _dropped(weights, keep):
    """The attention weights times the dropout factors ``keep`` (an array or None)."""
    return weights if keep is None else weights * wrap(keep.astype(weights._data.dtype, copy=False))


def attention(q, k, v, bias=None, causal=False, scale=None):
    """The blockwise ``softmax(q kᵀ · scale + bias) v``; ``scale`` defaults to ``1/√E``. ``bias``: an additive
    array (a constant), a float Tensor (it gets a gradient) or None; not together with ``causal``."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    return ScaledDotProductAttention.apply(q, k, v, bias, causal=causal, scale=scale)


def _split_heads(packed, heads):
    """The (B, H, L, hd) views of q, k, v in a packed sequence-first projection ``packed (L, B, 3·H·hd)``."""
    length, batch, width = packed.shape
    parts = packed.reshape(length, batch, 3, heads, width // (3 * heads)).transpose(2, 1, 3, 0, 4)
    return parts[0], parts[1], parts[2]


def _joined_heads(x, heads):
    """The (B, H, L, hd) view of joined heads ``x (L, B, H·hd)``."""
    length, batch, width = x.shape
    return x.reshape(length, batch, heads, width // heads).transpose(1, 2, 0, 3)


class PackedSelfAttention(Function):
    """``MultiheadAttention``'s middle on one packed projection: ``qkv (L, B, 3E)`` (q, k, v side by side, each
    split into ``heads`` heads of ``E/heads``) → the heads' attention joined back to ``(L, B, E)``. One node that
    reads the heads in place and writes the joined output and the packed gradient directly: no split, permute,
    copy or join nodes, and no zero-filled gradient per piece. Gradient: the attention's (see the module
    docstring), each head's dq, dk, dv written into its slot of the packed gradient."""

    saves_output = True

    def forward(self, qkv, *, heads, causal, scale, keep=None):
        self.qkv = qkv = np.ascontiguousarray(qkv)  # (a Linear's output already is)
        self.keep = _keep4(keep, qkv.dtype)
        out, self.lse, self.probs = _fused_forward(
            *_split_heads(qkv, heads), causal, scale, self.keep, backward=self.needs_input_grad[0]
        )
        return out.transpose(2, 0, 1, 3).reshape(qkv.shape[0], qkv.shape[1], -1)  # (its memory is (L, B, H, hd))

    def backward_arrays(self, grad):
        heads, causal, scale = self.options["heads"], self.options["causal"], self.options["scale"]
        out, grad = (_rows4(_joined_heads(x, heads)) for x in (self._output[0], grad))
        packed = np.empty_like(self.qkv)
        grads = _split_heads(packed, heads)
        _fused_backward(
            *_split_heads(self.qkv, heads), out, grad, self.lse, causal, scale, self.keep, grads, self.probs
        )
        return (packed,)

    def composite(self, qkv, *, heads, causal, scale, keep=None):
        length, batch, width = qkv.shape
        q, k, v = (
            part.reshape(length, batch, heads, width // (3 * heads)).permute(1, 2, 0, 3) for part in qkv.chunk(3, -1)
        )
        bias = causal_bias(length, length, qkv._data.dtype) if causal else None
        out = _dropped(attention_matrix(q.matmul(k.mT) * scale, bias), keep).matmul(v)
        return out.permute(2, 0, 1, 3).reshape(length, batch, -1)


def packed_fusable(x):
    """Whether ``packed_self_attention`` can take the projection of the sequence ``x (L, B, E)`` (else the caller
    splits the projection and calls ``attention``)."""
    x = x._data
    return x.ndim == 3 and _fusable(x, x, x, None)


def packed_self_attention(qkv, heads, causal=False, scale=None, keep=None):
    """Self-attention of the ``heads`` heads packed in ``qkv (L, B, 3E)`` (check ``packed_fusable`` first), joined
    to ``(L, B, E)``; ``scale`` defaults to ``1/√(E/heads)``. ``keep``: None or dropout factors
    ``(B, heads, L, L)`` (0 or ``1/(1-p)``, ``nn.functional.dropout_factors``) multiplying the attention weights
    after the softmax."""
    scale = 1.0 / math.sqrt(qkv.shape[-1] // (3 * heads)) if scale is None else scale
    return PackedSelfAttention.apply(qkv, heads=heads, causal=causal, scale=scale, keep=keep)
