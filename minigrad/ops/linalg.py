"""Matrix products: ``matmul`` (with NumPy's/torch's 1-D and batched rules) and the fused ``linear``."""

import numpy as np

from .. import _blas, _dtype
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ._util import promote, sum_to_array
from .shape import expand, sum_to


class MatMul(Function):
    """``a @ b``. Gradients ``g @ bᵀ`` and ``aᵀ @ g``, after lifting 1-D operands to matrices, then summed
    over broadcast batch dims."""

    def forward(self, a, b):
        return _blas.matmul(a, b)

    def inputs_read(self):  # each gradient reads the other input only
        return self.needs_input_grad[::-1]

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a  # (k,) -> (1, k)
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b  # (k,) -> (k, 1)
        g2 = grad.unsqueeze(-2) if a.ndim == 1 else grad
        g2 = g2.unsqueeze(-1) if b.ndim == 1 else g2
        grad_a = grad_b = None
        if need_a:
            grad_a = sum_to(g2.matmul(b2.mT), a2.shape).reshape(a.shape)
        if need_b:
            grad_b = sum_to(a2.mT.matmul(g2), b2.shape).reshape(b.shape)
        return grad_a, grad_b

    def backward_arrays(self, grad):  # backward's formulas on the arrays (each Tensor op there is a node's apply)
        a, b = self.inputs
        a, b = a._data, b._data
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case: no lifting, no broadcast batch dims
            return (
                _blas.matmul(grad, b.T) if need_a else None,
                _blas.matmul(a.T, grad) if need_b else None,
            )
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        a2 = a[None] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = np.expand_dims(grad, -2) if a.ndim == 1 else grad
        g2 = np.expand_dims(g2, -1) if b.ndim == 1 else g2
        grad_a = grad_b = None
        if need_a:
            grad_a = sum_to_array(_blas.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if need_b:
            grad_b = sum_to_array(_blas.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return grad_a, grad_b


class Linear(Function):
    """``x Wᵀ + b`` in one node (like torch's addmm): ``x`` is ``(*, in)``, ``W`` is ``(out, in)``, ``b`` is ``(out,)``.

    Gradients: ``dx = g W``, ``dW = gᵀ x`` (over all leading dims), ``db = Σ g`` over the leading dims. The
    first-order backward is plain NumPy (``backward_arrays``): it is the hottest backward in training (e308c43:
    the bias sum as a Tensor op doubled a 64-32-10 Adam step).
    """

    def forward(self, x, weight, bias):
        # as one (rows, in) matrix: NumPy runs a stacked (..., n, in) @ (in, out) as one small BLAS call per
        # leading index, 5-25x slower than one call on the flattened rows
        row_bias = bias if bias is None or bias.ndim <= 1 else None  # added by the GEMM's row parts
        if x.ndim == 2:  # already rows: the two reshapes below cost ~10% of a small layer's forward
            result = _blas.matmul(x, weight.T, row_bias)
        else:
            result = _blas.matmul(x.reshape(-1, x.shape[-1]), weight.T, row_bias).reshape(
                x.shape[:-1] + weight.shape[:1]
            )
        if bias is not None and row_bias is None:  # a bias broadcast over more than the rows
            result += bias
        return result

    def composite(self, x, weight, bias):
        product = x.matmul(weight.mT)
        return product if bias is None else product + bias

    def backward_arrays(self, grad):
        x, weight, bias = self.inputs  # (unpacked by hand: a generator here costs more than the bias sum)
        x, weight, bias = x._data, weight._data, None if bias is None else bias._data
        need_x, need_w, need_b = self.needs_input_grad
        rows = _blas.blas_layout(grad.reshape(-1, weight.shape[0]))  # (a loss's broadcast gradient: copied once)
        grad_b = grad_w = None
        row_bias = need_b and bias.shape == grad.shape[-1:]  # an (out,) bias: its gradient sums g's rows
        if need_w and row_bias:  # (summed by the threads that read g for the weight's gradient)
            grad_w, grad_b = _blas.product_and_sums(rows, x.reshape(-1, weight.shape[1]))
        elif need_w:
            grad_w = _blas.matmul(rows.T, x.reshape(-1, weight.shape[1]))
        if need_b and grad_b is None:  # a bias broadcast over more than the rows sums to its own shape
            grad_b = _blas.column_sums(rows) if row_bias else sum_to(Tensor._wrap(grad), bias.shape)._data
        grad_x = _blas.matmul(rows, weight).reshape(x.shape) if need_x else None
        return grad_x, grad_w, grad_b


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        rows = a.shape[-2] if a.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and {k_b}x{b.shape[-1] if b.ndim > 1 else 1})"
        )


def mm(a, b):
    """Matrix product of two 2-D tensors (``matmul`` without its broadcasting).

    Gradient: ``g Bᵀ`` to ``A = self``, ``Aᵀ g`` to ``B = mat2``.

    >>> minigrad.eye(2).mm(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[1., 2.],
            [3., 4.]])
    """
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D tensors of one dtype.

    Gradient: ``g · other`` to ``self``, ``g · self`` to ``other``.

    >>> minigrad.tensor([1.0, 2.0]).dot(minigrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found "
            f"{_dtype.torch_name(a._data.dtype)} and {_dtype.torch_name(b._data.dtype)}"
        )
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
            f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    return matmul(a, b)


def matmul(a, b):
    """The matrix product with torch's rules: 1-D·1-D is a dot product, ``(n, k) @ (k, m) -> (n, m)``, and leading batch
    dims broadcast; a 1-D operand gets a dim that is removed after (alias ``mm``). Gradient: ``∂a = g bᵀ``,
    ``∂b = aᵀ g`` (summed over broadcast batch dims).

    >>> minigrad.matmul(minigrad.ones(2, 3), minigrad.ones(3, 4)).shape
    (2, 4)
    """
    a, b = promote(a, b)
    _check_matmul(a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError as error:  # batch dims that do not broadcast
        raise RuntimeError(str(error)) from None


def linear(x, weight, bias=None):
    """``y = x Wᵀ + b`` with torch's layout: ``x (*, in)``, ``weight (out, in)``, ``bias (out,)`` or None.

    Gradient: ``g W`` to ``x``, ``gᵀ x`` (summed over the leading dims) to ``weight``, ``Σ g`` over the leading dims to
    ``bias``.

    >>> F.linear(minigrad.ones(1, 2), minigrad.ones(3, 2), minigrad.zeros(3))
    tensor([[2., 2., 2.]])
    """
    x_shape, weight_shape = x._data.shape, weight._data.shape  # (the arrays': each Tensor.shape is a call)
    if x_shape[-1:] != weight_shape[-1:] or len(weight_shape) != 2:
        rows = int(np.prod(x.shape[:-1], dtype=np.int64)) if x.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1] if x.ndim else 0} and "
            f"{weight.shape[-1] if weight.ndim else 0}x{weight.shape[0] if weight.ndim else 0})"
        )
    if x._data.dtype != weight._data.dtype or (bias is not None and bias._data.dtype != x._data.dtype):
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {x.dtype.name.capitalize()} and "
            f"{weight.dtype.name.capitalize()}"
        )
    if bias is not None and bias._data.shape != weight_shape[:1]:  # it must broadcast to the output without growing
        expand(bias, *(x_shape[:-1] + weight_shape[:1]))
    return Linear.apply(x, weight, bias)


def bmm(a, b):
    """Batched matrix product of two 3-D tensors ``(B, n, m) @ (B, m, p)``.

    Gradient: per batch, ``g bᵀ`` to ``a`` and ``aᵀ g`` to ``b``.

    >>> minigrad.bmm(minigrad.ones(4, 2, 3), minigrad.ones(4, 3, 5)).shape
    (4, 2, 5)
    """
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if a.ndim != 3 else "batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
            f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}]."
        )
    return matmul(a, b)


def mv(a, v):
    """Matrix-vector product ``(n, m) @ (m,)``.

    Gradient: the outer product ``g vᵀ`` to the matrix, ``Mᵀ g`` to the vector.

    >>> minigrad.mv(minigrad.eye(2), minigrad.tensor([3.0, 4.0]))
    tensor([3., 4.])
    """
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {a.ndim}, {v.ndim}")
    return matmul(a, v)


def outer(a, b):
    """``a[i] · b[j]``: the outer product of two vectors.

    Gradient: ``g b`` to ``a``, ``gᵀ a`` to ``b``.

    >>> minigrad.outer(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError("outer: expected 1D tensors")
    return a.reshape(-1, 1) * b.reshape(1, -1)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002 - torch's argument name
    """``beta · input + alpha · (mat1 @ mat2)``.

    Gradient: ``beta · g`` to ``input`` (summed over its broadcast dims), ``alpha · g mat2ᵀ`` to ``mat1``, ``alpha ·
    mat1ᵀ g`` to ``mat2``.

    >>> minigrad.addmm(minigrad.ones(2, 2), minigrad.eye(2), minigrad.eye(2))
    tensor([[2., 1.],
            [1., 2.]])
    """
    product = mm(mat1, mat2)
    return (input if beta == 1 else input * beta) + (product if alpha == 1 else product * alpha)


class Einsum(Function):
    """``einsum(equation, *operands)`` (explicit or implicit output, no ellipsis): NumPy's einsum with a
    contraction order (``optimize=True``). The gradient of operand ``i`` is itself an einsum: the upstream
    gradient contracted with the other operands onto operand ``i``'s subscripts (then broadcast over any
    subscript only operand ``i`` has), so double backward is an einsum too."""

    def forward(self, *operands, inputs, output):
        return np.asarray(np.einsum(",".join(inputs) + "->" + output, *operands, optimize=True))

    def backward(self, grad):
        inputs, output = self.options["inputs"], self.options["output"]
        grads = []
        for i, (subscripts, need) in enumerate(zip(inputs, self.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(inputs) if j != i]
            reachable = set(output).union(*others)
            target = "".join(dict.fromkeys(c for c in subscripts if c in reachable))
            operands = [grad] + [x for j, x in enumerate(self.inputs) if j != i]
            g = Einsum.apply(*operands, inputs=[output] + others, output=target)
            grads.append(_to_subscripts(g, target, subscripts, self.inputs[i].shape))
        return tuple(grads)


def _to_subscripts(g, have, want, shape):
    """``g``, whose subscripts ``have`` are those of ``want`` (in its order) that the einsum could reach, laid out
    as ``want`` of ``shape``: a subscript only this operand has was summed away, so its gradient is broadcast."""
    if len(set(want)) != len(want):
        raise NotImplementedError(
            "einsum: the gradient of an operand with a repeated subscript (a diagonal) is not implemented"
        )
    sizes = dict(zip(want, shape))
    return g.reshape(*[sizes[c] if c in have else 1 for c in want]).expand(*shape)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, b)``; operands may also be passed as one list.

    Gradient: each operand gets the einsum of ``g`` with the other operands that gives back its own subscripts (for
    ``'ij,jk->ik'``: ``g Bᵀ`` and ``Aᵀ g``).

    >>> minigrad.einsum('ij,j->i', minigrad.eye(2), minigrad.tensor([3.0, 4.0]))
    tensor([3., 4.])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError("einsum: ellipsis ('...') is not supported yet")
    inputs, arrow, output = equation.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(inputs)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    if not arrow:  # implicit output: the subscripts used once, in alphabetical order
        counts = {c: "".join(inputs).count(c) for c in "".join(inputs)}
        output = "".join(sorted(c for c, n in counts.items() if n == 1))
    for subscripts, x in zip(inputs, operands):
        if len(subscripts) != x.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(subscripts)}) does not match "
                f"the number of dimensions ({x.ndim}) for operand {inputs.index(subscripts)} and no "
                "ellipsis was given"
            )
    operands = promote_all(operands)
    return Einsum.apply(*operands, inputs=inputs, output=output)


def promote_all(tensors):
    """The tensors cast to their common dtype (torch's promotion)."""
    common = _dtype.result_type(*[t._data for t in tensors])
    return [t if t._data.dtype == common else t.to(common) for t in tensors]


def bilinear(input1, input2, weight, bias=None):  # noqa: A002 - torch's argument names
    """``y_k = x1ᵀ W_k x2 + b_k``: ``input1 (*, in1)``, ``input2 (*, in2)`` (the same leading dims), ``weight
    (out, in1, in2)``, ``bias (out,)`` or None; output ``(*, out)``. Computed as one GEMM ``x1 · W`` (``W`` laid out
    ``(in1, out·in2)``) then a product with ``x2`` summed over ``in2``, so the gradients are those ops' own:
    ``∂x1 = Σ_k g_k W_k x2``, ``∂x2 = Σ_k g_k W_kᵀ x1``, ``∂W_k = Σ g_k x1 x2ᵀ``, ``∂b = Σ g``.

    Gradient: ``Σ_k g_k W_k x2`` to ``input1``, ``Σ_k g_k W_kᵀ x1`` to ``input2``, ``Σ g_k x1 x2ᵀ`` (over the leading
    dims) to ``W_k``, ``Σ g`` to ``bias``.

    >>> F.bilinear(minigrad.ones(1, 2), minigrad.ones(1, 3), minigrad.ones(4, 2, 3)).shape
    (1, 4)
    """
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional but got {weight.ndim}")
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for dim in range(input1.ndim - 1):
        if input1.shape[dim] != input2.shape[dim]:
            raise RuntimeError(
                f"bilinear(): input batch dimensions do not match: got {input1.shape[dim]} and {input2.shape[dim]}"
            )
    out, in1, in2 = weight.shape
    for name, size, expected in (("input1", input1.shape[-1], in1), ("input2", input2.shape[-1], in2)):
        if size != expected:
            raise RuntimeError(
                f"bilinear(): {name} size does not match weight size: got {size} but expected {expected}"
            )
    if bias is not None and bias.shape != (out,):
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[-1] if bias.ndim else 1} but "
            f"expected {out}"
        )
    batch = input1.shape[:-1]
    left = matmul(input1.reshape(-1, in1), weight.permute(1, 0, 2).reshape(in1, out * in2))
    product = left.reshape(-1, out, in2) * input2.reshape(-1, 1, in2)
    result = product.sum(-1).reshape(*batch, out)
    if result.dtype != product.dtype:  # a sum widens small integers to int64; torch's bilinear keeps their dtype
        result = result.to(product.dtype)
    return result if bias is None else result + bias
