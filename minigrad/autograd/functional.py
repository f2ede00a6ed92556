"""``backward`` and ``grad`` (the argument handling around the engine, as ``torch.autograd`` has them), and
``torch.autograd.functional``'s ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` built on ``grad``.

The higher-order functions use a few Tensor operators (``*``, ``+``, ``sum``, ``reshape``), which
``minigrad.ops.methods`` binds onto Tensor when ``minigrad`` is imported.
"""

import numpy as np

from . import engine
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["backward", "grad", "vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _tensor_list(value):
    return [value] if isinstance(value, Tensor) else list(value)


def _seeds(outputs, grad_outputs, create_graph):
    """One checked starting gradient per output (None means ones for a one-element output); a first-order one
    borrows the caller's array (read-only) unless hooks of the output would see it (``Tensor._seed``)."""
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _tensor_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grad_outputs)} for {len(outputs)} outputs"
        )
    return [output._seed(seed, i, create_graph) for i, (output, seed) in enumerate(zip(outputs, grad_outputs))]


def _writable(grad):
    """A gradient handed back by ``grad``: itself, or a Tensor over a copy of its array when that array is read-only
    (a seed borrowed from the caller by ``Tensor._seed``, or a read-only view a backward made, such as a broadcast,
    that reached an input unchanged), so that the caller's array is never aliased and an in-place change of the
    result works. One that requires grad (recorded by ``create_graph``) is kept as it is: a copy would cut it from
    its graph, and no seed is borrowed then; like torch's expanded tensors, a read-only one refuses in-place
    changes. (Results may share memory with each other, as torch's do; a ``.grad`` is stricter: see
    ``AccumulateGrad``.)"""
    return grad if grad.requires_grad or grad._data.flags.writeable else Tensor._wrap(grad._data.copy())


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (torch.autograd.backward).

    >>> x = minigrad.tensor([2.0], requires_grad=True)
    >>> minigrad.autograd.backward((x * x).sum())
    >>> x.grad
    tensor([4.])
    """
    tensors = _tensor_list(tensors)
    seeds = _seeds(tensors, grad_tensors, create_graph)
    engine.run(
        [t._gradient_edge(i) for i, t in enumerate(tensors)],
        seeds,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
    )


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``, like torch's.

    ``outputs`` and ``inputs`` are Tensors or sequences of them; ``grad_outputs`` seeds the backward (None means
    ones for scalar outputs). ``retain_graph`` defaults to ``create_graph``. An input the outputs do not depend on
    raises unless ``allow_unused=True``, in which case its gradient is None — or zeros with
    ``materialize_grads=True`` (which implies ``allow_unused``).

    >>> x = minigrad.tensor([2.0], requires_grad=True)
    >>> minigrad.autograd.grad((x ** 3).sum(), x)
    (tensor([12.]),)
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported")
    allow_unused = materialize_grads or bool(allow_unused)
    outputs, inputs = _tensor_list(outputs), _tensor_list(inputs)
    for i, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    seeds = _seeds(outputs, grad_outputs, create_graph)
    input_nodes = [t._gradient_edge(i) for i, t in enumerate(inputs)]
    capture = dict.fromkeys(input_nodes)
    engine.run(
        [t._gradient_edge(i) for i, t in enumerate(outputs)],
        seeds,
        capture=capture,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
    )
    results = tuple(
        (Tensor._wrap(np.zeros_like(t._data)) if materialize_grads else None) if g is None else _writable(g)
        for g, t in zip([capture[node] for node in input_nodes], inputs)
    )
    for i, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
    return results


# ------------------------------------------------------------------ torch.autograd.functional's higher-order API
def _as_tuple(value):
    return (tuple(value), True) if isinstance(value, (tuple, list)) else ((value,), False)


def _fresh_inputs(inputs):
    """The inputs as new leaves that require grad (so the functions below never touch the caller's graph)."""
    return tuple(Tensor._wrap(x._data.copy()).requires_grad_() for x in inputs)


def _grads_or_zeros(outputs, inputs, seeds, create_graph):
    """``grad(outputs, inputs, seeds)`` with zeros (not None) for an input the outputs do not depend on."""
    if not any(o.requires_grad for o in outputs):
        return tuple(Tensor._wrap(np.zeros_like(x._data)) for x in inputs)
    pairs = [(o, s) for o, s in zip(outputs, seeds) if o.requires_grad]
    grads = grad(
        [o for o, _ in pairs],
        inputs,
        [s for _, s in pairs],
        retain_graph=True,
        create_graph=create_graph,
        allow_unused=True,
    )
    return tuple(Tensor._wrap(np.zeros_like(x._data)) if g is None else g for g, x in zip(grads, inputs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ J)``: the vector-Jacobian product of ``func`` at ``inputs`` (one backward)."""
    inputs, tuple_in = _as_tuple(inputs)
    xs = _fresh_inputs(inputs)
    with enable_grad():
        outputs, tuple_out = _as_tuple(func(*xs))
    seeds = _as_tuple(v)[0] if v is not None else tuple(None for _ in outputs)
    seeds = [o._seed(s, i, create_graph) for i, (o, s) in enumerate(zip(outputs, seeds))]
    grads = _grads_or_zeros(outputs, xs, seeds, create_graph)
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outputs if tuple_out else outputs[0]), (grads if tuple_in else grads[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick: differentiate the
    vector-Jacobian product ``uᵀ J`` (linear in a dummy ``u``) with respect to ``u``, seeded with ``v``."""
    inputs, tuple_in = _as_tuple(inputs)
    xs = _fresh_inputs(inputs)
    with enable_grad():
        outputs, tuple_out = _as_tuple(func(*xs))
        dummies = tuple(Tensor._wrap(np.zeros_like(o._data)).requires_grad_() for o in outputs)
        grads = _grads_or_zeros(outputs, xs, dummies, create_graph=True)
    seeds = _as_tuple(v)[0] if v is not None else tuple(None for _ in xs)
    seeds = [x._seed(s, i, create_graph) for i, (x, s) in enumerate(zip(xs, seeds))]
    products = _grads_or_zeros(grads, dummies, seeds, create_graph)
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return (outputs if tuple_out else outputs[0]), (products if tuple_out else products[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output ``o`` and input ``x``, a tensor of shape
    ``o.shape + x.shape``, one reverse pass per output element (a tuple of tuples for tuple outputs/inputs)."""
    inputs, tuple_in = _as_tuple(inputs)
    xs = _fresh_inputs(inputs)
    with enable_grad():
        outputs, tuple_out = _as_tuple(func(*xs))
    blocks = []
    for output in outputs:
        rows = [[] for _ in xs]
        for j in range(output._data.size):
            seed = np.zeros(output._data.size, dtype=output._data.dtype)
            seed[j] = 1
            grads = _grads_or_zeros([output], xs, [Tensor._wrap(seed.reshape(output.shape))], create_graph)
            for row, g in zip(rows, grads):
                row.append(g)
        blocks.append(tuple(_stack_rows(row, output.shape, x.shape) for row, x in zip(rows, xs)))
    if not tuple_out:
        return blocks[0] if tuple_in else blocks[0][0]
    return tuple(block if tuple_in else block[0] for block in blocks)


def _stack_rows(rows, output_shape, input_shape):
    """The per-output-element gradients as one tensor of shape ``output_shape + input_shape``."""
    shape = tuple(output_shape) + tuple(input_shape)
    if not any(r.requires_grad for r in rows):
        return Tensor._wrap(np.stack([r._data for r in rows]).reshape(shape) if rows else np.zeros(shape))
    result = None  # create_graph: Σ_j e_j ⊗ row_j keeps every row in the graph
    for j, row in enumerate(rows):
        unit = np.zeros((len(rows), 1), dtype=row._data.dtype)
        unit[j] = 1
        term = Tensor._wrap(unit) * row.reshape(1, -1)
        result = term if result is None else result + term
    return result.reshape(*shape)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient."""
    inputs, tuple_in = _as_tuple(inputs)

    def gradient(*xs):
        output = func(*xs)
        grads = _grads_or_zeros([output], xs, [output._seed(None, 0)], create_graph=True)
        return grads if tuple_in else grads[0]

    return jacobian(gradient, inputs if tuple_in else inputs[0], create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ H)`` for a scalar ``func``: the gradient of ``∇f · v``."""
    inputs, tuple_in = _as_tuple(inputs)
    xs = _fresh_inputs(inputs)
    seeds = _as_tuple(v)[0]
    with enable_grad():
        output = func(*xs)
        grads = _grads_or_zeros([output], xs, [output._seed(None, 0)], create_graph=True)
        dot = sum((g * s).sum() for g, s in zip(grads, seeds))
    products = _grads_or_zeros([dot], xs, [dot._seed(None, 0)], create_graph)
    return (output if create_graph else output.detach()), (products if tuple_in else products[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``: equal to ``vhp``, the Hessian being symmetric."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
