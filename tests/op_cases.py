"""The table of differentiable ops the core tests run through gradcheck and torch parity.

Each case names the op, how to call it in minigrad and in torch (the same lambda usually works for both, since
the APIs match), the input shapes (broadcasting and size-1 dims included) and the input domain.
"""

from dataclasses import dataclass, field
from typing import Callable, Tuple


@dataclass
class OpCase:
    name: str
    fn: Callable  # called as fn(lib, *tensors) where lib is minigrad or torch
    shapes: Tuple[tuple, ...]
    low: float = -2.0
    high: float = 2.0
    away_from: Tuple[float, ...] = ()  # keep inputs away from kinks (finite differences fail there)
    second_order: bool = True
    extra: dict = field(default_factory=dict)


def _positive(name, fn, shapes):
    return OpCase(name, fn, shapes, low=0.5, high=2.0)


CASES = [
    OpCase("add", lambda lib, a, b: a + b, ((3, 4), (4,))),
    OpCase("add_scalar", lambda lib, a: 2.5 + a, ((2, 3),)),
    OpCase("sub", lambda lib, a, b: a - b, ((3, 1), (1, 4))),
    OpCase("rsub_scalar", lambda lib, a: 1.5 - a, ((5,),)),
    OpCase("mul", lambda lib, a, b: a * b, ((2, 3, 4), (3, 1))),
    OpCase("div", lambda lib, a, b: a / b, ((3, 4), (3, 4)), low=0.5, high=2.0),
    OpCase("rdiv_scalar", lambda lib, a: 2.0 / a, ((4,),), low=0.5, high=2.0),
    OpCase("pow_scalar", lambda lib, a: a**3, ((3, 2),)),
    OpCase("pow_tensor", lambda lib, a, b: a**b, ((3, 2), (2,)), low=0.5, high=2.0),
    OpCase("rpow", lambda lib, a: 2.0**a, ((3,),)),
    OpCase("neg", lambda lib, a: -a, ((3, 2),)),
    OpCase("abs", lambda lib, a: a.abs(), ((4, 3),), away_from=(0.0,)),
    OpCase("exp", lambda lib, a: a.exp(), ((3, 4),)),
    _positive("log", lambda lib, a: a.log(), ((3, 4),)),
    _positive("log1p", lambda lib, a: a.log1p(), ((3, 4),)),
    OpCase("expm1", lambda lib, a: a.expm1(), ((3, 4),)),
    _positive("sqrt", lambda lib, a: a.sqrt(), ((3, 4),)),
    OpCase("sin", lambda lib, a: a.sin(), ((3, 4),)),
    OpCase("cos", lambda lib, a: a.cos(), ((3, 4),)),
    OpCase("tanh", lambda lib, a: a.tanh(), ((3, 4),)),
    OpCase("sigmoid", lambda lib, a: a.sigmoid(), ((3, 4),)),
    OpCase("relu", lambda lib, a: a.relu(), ((3, 4),), away_from=(0.0,)),
    OpCase("clamp", lambda lib, a: a.clamp(-0.5, 0.7), ((4, 5),), away_from=(-0.5, 0.7)),
    OpCase("clamp_min", lambda lib, a: a.clamp(min=0.1), ((4, 5),), away_from=(0.1,)),
    OpCase("maximum", lambda lib, a, b: lib.maximum(a, b), ((3, 4), (4,))),
    OpCase("minimum", lambda lib, a, b: lib.minimum(a, b), ((3, 4), (3, 1))),
    OpCase("where", lambda lib, a, b: lib.where(a > 0, a, b), ((3, 4), (1, 4)), away_from=(0.0,)),
    OpCase("sum_all", lambda lib, a: a.sum(), ((3, 4),)),
    OpCase("sum_dim", lambda lib, a: a.sum(1), ((3, 4, 2),)),
    OpCase("sum_dims_keepdim", lambda lib, a: a.sum((0, 2), keepdim=True), ((3, 4, 2),)),
    OpCase("mean_all", lambda lib, a: a.mean(), ((3, 4),)),
    OpCase("mean_dim", lambda lib, a: a.mean(-1, keepdim=True), ((3, 4),)),
    OpCase("max_all", lambda lib, a: a.max(), ((3, 4),)),
    OpCase("max_dim", lambda lib, a: a.max(1)[0], ((3, 4),)),
    OpCase("min_dim_keepdim", lambda lib, a: a.min(0, keepdim=True)[0], ((3, 4),)),
    OpCase("amax", lambda lib, a: a.amax(1), ((3, 4),)),
    OpCase("var", lambda lib, a: a.var(1), ((3, 5),)),
    OpCase("var_biased", lambda lib, a: a.var(0, unbiased=False), ((4, 2),)),
    OpCase("std", lambda lib, a: a.std(), ((3, 5),)),
    OpCase("logsumexp", lambda lib, a: a.logsumexp(1), ((3, 5),)),
    OpCase("logsumexp_multi", lambda lib, a: lib.logsumexp(a, (0, 2), keepdim=True), ((3, 2, 4),)),
    OpCase("softmax", lambda lib, a: a.softmax(1), ((3, 5),)),
    OpCase("softmax_dim0", lambda lib, a: lib.softmax(a, 0), ((3, 2, 4),)),
    OpCase("log_softmax", lambda lib, a: a.log_softmax(-1), ((3, 5),)),
    OpCase("log_softmax_mid", lambda lib, a: lib.log_softmax(a, 1), ((2, 3, 4),)),
    OpCase("matmul_2d", lambda lib, a, b: a @ b, ((3, 4), (4, 5))),
    OpCase("matmul_batched", lambda lib, a, b: a @ b, ((2, 3, 4), (4, 2))),
    OpCase("matmul_broadcast", lambda lib, a, b: lib.matmul(a, b), ((2, 1, 3, 4), (3, 4, 2))),
    OpCase("matmul_vec_mat", lambda lib, a, b: a @ b, ((4,), (4, 3))),
    OpCase("matmul_mat_vec", lambda lib, a, b: a @ b, ((3, 4), (4,))),
    OpCase("matmul_vec_vec", lambda lib, a, b: a @ b, ((4,), (4,))),
    OpCase("reshape", lambda lib, a: a.reshape(4, -1) * 1.0, ((2, 3, 2),)),
    OpCase("view", lambda lib, a: a.view(6, 2), ((3, 4),)),
    OpCase("flatten", lambda lib, a: a.flatten(1), ((2, 3, 2),)),
    OpCase("squeeze", lambda lib, a: a.squeeze(1), ((3, 1, 2),)),
    OpCase("unsqueeze", lambda lib, a: a.unsqueeze(-1), ((3, 2),)),
    OpCase("transpose", lambda lib, a: a.transpose(0, 2), ((2, 3, 4),)),
    OpCase("permute", lambda lib, a: a.permute(2, 0, 1), ((2, 3, 4),)),
    OpCase("T", lambda lib, a: a.T, ((2, 3),)),
    OpCase("expand", lambda lib, a: a.expand(2, 3, 4), ((3, 1),)),
    OpCase("contiguous", lambda lib, a: a.T.contiguous(), ((2, 3),)),
    OpCase("getitem_slice", lambda lib, a: a[1:, ::2], ((3, 5),)),
    OpCase("getitem_int", lambda lib, a: a[1], ((3, 5),)),
    OpCase("getitem_array_repeat", lambda lib, a: a[[0, 2, 0, 0]], ((3, 5),)),
    OpCase("getitem_mask", lambda lib, a: a[a > 0], ((3, 5),), away_from=(0.0,)),
    OpCase("getitem_pairs", lambda lib, a: a[[0, 1, 1], [2, 0, 2]], ((3, 5),)),
    OpCase("cat", lambda lib, a, b: lib.cat([a, b], 1), ((2, 3), (2, 2))),
    OpCase("stack", lambda lib, a, b: lib.stack([a, b], 1), ((2, 3), (2, 3))),
    OpCase("gather", lambda lib, a: a.gather(1, lib.tensor([[0, 0], [1, 3], [2, 2]])), ((3, 4),)),
    OpCase("masked_fill", lambda lib, a: a.masked_fill(lib.tensor([True, False, True]), 0.5), ((2, 3),)),
    OpCase("norm2", lambda lib, a: a.norm(), ((3, 4),)),
    OpCase("norm1_dim", lambda lib, a: a.norm(1, dim=1), ((3, 4),), away_from=(0.0,)),
    OpCase("norm_inf", lambda lib, a: a.norm(float("inf"), dim=0), ((3, 4),)),
    OpCase("norm3_keepdim", lambda lib, a: a.norm(3, dim=1, keepdim=True), ((3, 4),), away_from=(0.0,)),
    OpCase("leaky_relu", lambda lib, a: lib.nn.functional.leaky_relu(a, 0.1), ((3, 4),), away_from=(0.0,)),
    OpCase("gelu", lambda lib, a: lib.nn.functional.gelu(a), ((3, 4),)),
    OpCase("gelu_tanh", lambda lib, a: lib.nn.functional.gelu(a, approximate="tanh"), ((3, 4),)),
    OpCase(
        "softplus", lambda lib, a: lib.nn.functional.softplus(a, beta=2.0, threshold=3.0), ((3, 4),), away_from=(1.5,)
    ),
    OpCase("linear", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), ((5, 3), (4, 3), (4,))),
    OpCase("linear_3d", lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), ((2, 5, 3), (4, 3), (4,))),
    # pooling, normalisation, embedding (issue 14)
    OpCase("max_pool2d", lambda lib, a: lib.nn.functional.max_pool2d(a, 2, stride=1, padding=1), ((2, 2, 4, 5),)),
    OpCase(
        "max_pool1d_dilated_ceil",
        lambda lib, a: lib.nn.functional.max_pool1d(a, 2, 2, dilation=2, ceil_mode=True),
        ((2, 3, 8),),
    ),
    OpCase(
        "avg_pool2d", lambda lib, a: lib.nn.functional.avg_pool2d(a, 3, 2, 1, count_include_pad=False), ((2, 2, 5, 5),)
    ),
    OpCase("avg_pool1d_ceil", lambda lib, a: lib.nn.functional.avg_pool1d(a, 2, ceil_mode=True), ((2, 3, 5),)),
    OpCase("adaptive_avg_pool2d", lambda lib, a: lib.nn.functional.adaptive_avg_pool2d(a, (2, 3)), ((2, 2, 5, 7),)),
    OpCase("adaptive_max_pool2d", lambda lib, a: lib.nn.functional.adaptive_max_pool2d(a, 2), ((1, 2, 5, 4),)),
    OpCase("max_pool3d", lambda lib, a: lib.nn.functional.max_pool3d(a, 2, stride=1, padding=1), ((1, 2, 3, 4, 3),)),
    OpCase("avg_pool3d_ceil", lambda lib, a: lib.nn.functional.avg_pool3d(a, 2, ceil_mode=True), ((2, 3, 3, 5),)),
    OpCase(
        "max_unpool2d",
        lambda lib, a: lib.nn.functional.max_unpool2d(*lib.nn.functional.max_pool2d(a, 2, return_indices=True), 2),
        ((2, 2, 4, 6),),
    ),
    OpCase("lp_pool2d", lambda lib, a: lib.nn.functional.lp_pool2d(a, 2.0, 2, stride=1), ((1, 2, 4, 5),)),
    OpCase(
        "conv_transpose2d",
        lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        ((2, 4, 3, 3), (4, 3, 3, 3), (3,)),
    ),
    OpCase(
        "batch_norm_train",
        lambda lib, x, w, b: lib.nn.functional.batch_norm(x, None, None, w, b, training=True),
        ((4, 3, 2, 2), (3,), (3,)),
    ),
    OpCase(
        "batch_norm_eval",
        lambda lib, x, w, b: lib.nn.functional.batch_norm(
            x, lib.full((3,), 0.5, dtype=x.dtype), lib.full((3,), 2.0, dtype=x.dtype), w, b
        ),
        ((4, 3, 2), (3,), (3,)),
    ),
    OpCase("layer_norm", lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4,), w, b), ((3, 2, 4), (4,), (4,))),
    OpCase("group_norm", lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), ((2, 4, 3), (4,), (4,))),
    OpCase("normalize", lambda lib, a: lib.nn.functional.normalize(a, dim=1), ((3, 4),)),
    OpCase("embedding", lambda lib, w: lib.nn.functional.embedding(lib.tensor([[1, 2], [0, 1]]), w), ((4, 3),)),
    OpCase(
        "composite", lambda lib, a, b: ((a * b).tanh() + a.exp() / (1 + b * b)).sum(0).log_softmax(0), ((3, 4), (4,))
    ),
    # trigonometric, hyperbolic, base-2/10 (ops.transcendental)
    OpCase("tan", lambda lib, a: a.tan(), ((3, 4),), low=-1.2, high=1.2),
    OpCase("sinh_cosh", lambda lib, a: a.sinh() * a.cosh(), ((3, 4),)),
    _positive("asin_acos", lambda lib, a: (a * 0.4).asin() + (a * 0.3).acos(), ((3, 4),)),
    OpCase("atan", lambda lib, a: a.atan(), ((3, 4),)),
    OpCase("asinh", lambda lib, a: lib.asinh(a), ((3, 4),)),
    OpCase("acosh", lambda lib, a: lib.acosh(a), ((3, 4),), low=1.2, high=3.0),
    OpCase("atanh", lambda lib, a: lib.atanh(a), ((3, 4),), low=-0.8, high=0.8),
    OpCase("atan2", lambda lib, a, b: lib.atan2(a, b), ((3, 4), (4,)), away_from=(0.0,)),
    _positive("exp2_log2_log10", lambda lib, a: a.exp2() + a.log2() * a.log10(), ((3, 4),)),
    _positive("rsqrt", lambda lib, a: a.rsqrt(), ((3, 4),)),
    # torch.special (ops.special)
    OpCase("ndtr", lambda lib, a: lib.special.ndtr(a), ((3, 4),), low=-3.0, high=3.0),
    OpCase("log_ndtr", lambda lib, a: lib.special.log_ndtr(a), ((3, 4),), low=-6.0, high=3.0),
    OpCase("ndtri", lambda lib, a: lib.special.ndtri(a), ((3, 4),), low=0.05, high=0.95),
    OpCase("erfc", lambda lib, a: lib.special.erfc(a), ((3, 4),)),
    OpCase("erfcx", lambda lib, a: lib.special.erfcx(a), ((3, 4),), low=-2.0, high=30.0),
    _positive("entr", lambda lib, a: lib.special.entr(a), ((3, 4),)),
    OpCase("i0_i1", lambda lib, a: lib.special.i0(a) + lib.special.i1(a), ((3, 4),), low=-4.0, high=4.0),
    OpCase("i0e_i1e", lambda lib, a: lib.special.i0e(a) * lib.special.i1e(a), ((3, 4),), low=-40.0, high=40.0),
    OpCase("xlog1py", lambda lib, a, b: lib.special.xlog1py(a, b), ((3, 4), (4,)), low=0.1, high=2.0),
    # the gamma family, logit and sinc (ops.gamma, ops.elementary_special)
    OpCase("lgamma_digamma", lambda lib, a: lib.lgamma(a) * lib.digamma(a), ((3, 4),), low=0.3, high=4.0),
    OpCase("polygamma", lambda lib, a: lib.polygamma(2, a) + a.polygamma(1), ((3, 4),), low=0.3, high=4.0),
    OpCase("mvlgamma", lambda lib, a: lib.mvlgamma(a, 3), ((3, 4),), low=1.5, high=4.0),
    OpCase("zeta", lambda lib, a: lib.special.zeta(2.5, a), ((3, 4),), low=0.3, high=4.0),
    OpCase(
        "igamma_igammac",
        lambda lib, a: lib.igamma(lib.ones_like(a) * 1.5, a) + lib.igammac(lib.ones_like(a) * 2.5, a),
        ((3, 4),),
        low=0.3,
        high=4.0,
    ),
    OpCase(
        "logit",
        lambda lib, a: lib.logit(a) + lib.logit(a, eps=0.2),
        ((3, 4),),
        low=0.05,
        high=0.95,
        away_from=(0.2, 0.8),
    ),
    OpCase("sinc", lambda lib, a: lib.sinc(a), ((3, 4),), low=-3.0, high=3.0),
    # division with rounding, remainders (ops.elementwise)
    OpCase("remainder", lambda lib, a, b: a % b, ((3, 4), (4,)), low=0.6, high=2.0, away_from=(1.0, 1.5, 2.0)),
    OpCase("fmod", lambda lib, a, b: lib.fmod(a, b), ((3, 4), (4,)), low=0.6, high=2.0, away_from=(1.0, 1.5, 2.0)),
    OpCase("mod_scalar", lambda lib, a: a % 1.5, ((3, 4),), away_from=(-1.5, 0.0, 1.5)),
    OpCase("frac", lambda lib, a: a.frac(), ((3, 4),), away_from=(-1.0, 0.0, 1.0)),
    OpCase(
        "div_floor_plus",
        lambda lib, a, b: lib.div(a, b, rounding_mode="floor") + a * b,
        ((3, 4), (4,)),
        low=0.6,
        high=2.0,
        away_from=(1.0, 1.5, 2.0),
    ),
    OpCase(
        "div_trunc_plus", lambda lib, a, b: lib.div(a, b, rounding_mode="trunc") + a, ((3, 4), (4,)), away_from=(0.0,)
    ),
    # reductions and scans (ops.reduce)
    OpCase("cumsum", lambda lib, a: a.cumsum(1), ((3, 4),)),
    OpCase("cumsum_dim0", lambda lib, a: lib.cumsum(a, dim=0) * a, ((3, 4),)),
    OpCase("cumprod", lambda lib, a: a.cumprod(1), ((3, 4),)),
    OpCase("logcumsumexp", lambda lib, a: lib.logcumsumexp(a, 1), ((3, 4),)),
    _positive("prod_all", lambda lib, a: a.prod(), ((2, 3),)),
    _positive("prod_dim", lambda lib, a: a.prod(1, keepdim=True), ((3, 4),)),
    # sorting (ops.sorting)
    OpCase("sort", lambda lib, a: a.sort(1).values * lib.arange(4.0, dtype=a.dtype), ((3, 4),)),
    OpCase("sort_descending", lambda lib, a: a.sort(0, descending=True)[0].exp(), ((3, 4),)),
    OpCase("topk", lambda lib, a: a.topk(2, dim=1).values, ((3, 5),)),
    OpCase("topk_smallest", lambda lib, a: a.topk(2, dim=0, largest=False)[0], ((4, 3),)),
    OpCase("kthvalue", lambda lib, a: a.kthvalue(2, 1).values, ((3, 4),)),
    # slicing, joining, rearranging (ops.slicing)
    OpCase("split", lambda lib, a: lib.cat([p * (i + 1) for i, p in enumerate(a.split(2, 1))], 1), ((3, 5),)),
    OpCase("split_sizes", lambda lib, a: a.split([1, 3], 0)[1].exp(), ((4, 2),)),
    OpCase("chunk", lambda lib, a: lib.stack([c.sum(1) for c in a.chunk(3, 1)]), ((2, 7),)),
    OpCase("unbind", lambda lib, a: lib.stack([r * (i + 1) for i, r in enumerate(a.unbind(1))]), ((2, 3),)),
    OpCase("flip", lambda lib, a: a.flip([0, 1]) * lib.arange(4.0, dtype=a.dtype), ((3, 4),)),
    OpCase("roll", lambda lib, a: a.roll((1, -2), (0, 1)) * lib.arange(4.0, dtype=a.dtype), ((3, 4),)),
    OpCase("roll_flat", lambda lib, a: a.roll(5) * lib.arange(4.0, dtype=a.dtype), ((3, 4),)),
    OpCase("repeat", lambda lib, a: a.repeat(2, 1, 3), ((2, 3),)),
    OpCase("repeat_interleave", lambda lib, a: a.repeat_interleave(lib.tensor([1, 0, 2]), dim=1), ((2, 3),)),
    OpCase("tril_triu", lambda lib, a: a.tril(-1) + a.triu(1) * 2, ((3, 4),)),
    OpCase("movedim", lambda lib, a: a.movedim(0, 2) * lib.arange(2.0, dtype=a.dtype), ((2, 3, 4),)),
    OpCase("index_select", lambda lib, a: a.index_select(1, lib.tensor([2, 0, 2])), ((3, 4),)),
    OpCase("masked_select", lambda lib, a: a.masked_select(lib.tensor([True, False, True, True])), ((3, 4),)),
    OpCase("scatter_add", lambda lib, a, s: a.scatter_add(1, lib.tensor([[0, 1, 1], [2, 2, 0]]), s), ((2, 4), (2, 3))),
    OpCase("scatter", lambda lib, a, s: a.scatter(1, lib.tensor([[0, 1, 3], [2, 1, 0]]), s), ((2, 4), (2, 3))),
    OpCase("hstack_vstack", lambda lib, a, b: lib.vstack([lib.hstack([a, b]), lib.hstack([b, a])]), ((3,), (3,))),
    # products (ops.linalg)
    OpCase("bmm", lambda lib, a, b: lib.bmm(a, b), ((2, 3, 4), (2, 4, 5))),
    OpCase("outer", lambda lib, a, b: lib.outer(a, b), ((3,), (4,))),
    OpCase("addmm", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0), ((3, 5), (3, 4), (4, 5))),
    OpCase("einsum_bmm", lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), ((2, 3, 4), (2, 4, 5))),
    OpCase("einsum_sum_out", lambda lib, a, b: lib.einsum("ij,kj->k", a, b), ((3, 4), (5, 4))),
    OpCase(
        "einsum_implicit_trace_free", lambda lib, a, b, c: lib.einsum("ab,bc,cd", a, b, c), ((2, 3), (3, 4), (4, 2))
    ),
    # windows, sums to a size and in-place view ops (ops.windows, ops.reduce, ops.inplace_views)
    OpCase("unfold_overlapping", lambda lib, a: a.unfold(1, 3, 2), ((2, 7),)),
    OpCase("sum_to_size", lambda lib, a: a.sum_to_size(1, 4), ((3, 4),)),
    OpCase("t_unsqueeze_inplace", lambda lib, a: (a * 1).t_().unsqueeze_(0).swapaxes_(0, 2), ((2, 3),)),
]
