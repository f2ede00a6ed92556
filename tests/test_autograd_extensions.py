"""Autograd as users extend it: torch's ctx-style custom Functions (the examples of torch's documentation, run
unchanged), once_differentiable, mark_dirty / mark_non_differentiable, next_functions, inference_mode,
detect_anomaly, and torch.autograd.functional's jacobian / hessian / vjp / jvp / hvp / vhp — each against torch."""

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def functions(lib):
    """The custom Functions of torch's "Extending torch.autograd" page, written once for either library."""

    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class LinearFunction(lib.autograd.Function):
        @staticmethod
        def forward(input, weight, bias):  # noqa: A002 - torch's example
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs  # noqa: A001
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors  # noqa: A001
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(lib.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    return Exp, LinearFunction, MulConstant


def run_documented_functions(lib):
    Exp, LinearFunction, MulConstant = functions(lib)
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([[0.5, -1.0], [2.0, 1.0]], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([0.1, 0.2], dtype=lib.float64, requires_grad=True)
    out = MulConstant.apply(LinearFunction.apply(Exp.apply(x * 0.5), w, b), 3.0)
    (out * out).sum().backward()
    return [out.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()], out.grad_fn.name()


def test_documented_custom_functions_run_unchanged_and_match_torch():
    ours, our_name = run_documented_functions(minigrad)
    theirs, their_name = run_documented_functions(torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert our_name == their_name == "MulConstantBackward"


def test_custom_function_gradcheck_and_double_backward():
    Exp, _, _ = functions(minigrad)
    x = minigrad.tensor([0.3, -1.2], dtype=minigrad.float64, requires_grad=True)
    assert minigrad.autograd.gradcheck(Exp.apply, (x,))
    assert minigrad.autograd.gradgradcheck(Exp.apply, (x,))  # its backward is written in differentiable ops


def test_wrong_gradient_count_and_shape_raise_like_torch():
    for bad in ((lambda ctx, g: (g, g)), (lambda ctx, g: g.sum())):

        class Bad(minigrad.autograd.Function):
            forward = staticmethod(lambda ctx, x: x * 2)
            backward = staticmethod(bad)

        x = minigrad.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="incorrect number of gradients|invalid gradient at index 0"):
            Bad.apply(x).sum().backward()


def test_once_differentiable_refuses_a_double_backward():
    class Square(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @minigrad.autograd.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return minigrad.tensor(2 * x.detach().numpy() * grad.detach().numpy())  # NumPy: not differentiable

    x = minigrad.tensor([3.0], dtype=minigrad.float64, requires_grad=True)
    (g,) = minigrad.autograd.grad(Square.apply(x).sum(), x)
    assert g.item() == 6.0
    upstream = minigrad.tensor([1.0], dtype=minigrad.float64, requires_grad=True)
    (g,) = minigrad.autograd.grad(Square.apply(x), x, upstream, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):  # torch: the same, via its DelayedError node
        g.sum().backward()


def test_saved_tensors_check_versions_and_mark_dirty_and_non_differentiable():
    Exp, _, _ = functions(minigrad)
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = Exp.apply(x)
    y.add_(1)  # the saved result changed
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()

    class AddOneInPlace(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            t.add_(1)
            ctx.mark_dirty(t)
            return t

        @staticmethod
        def backward(ctx, grad):
            return grad

    class ArgMax(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            index = t.argmax().double()
            ctx.mark_non_differentiable(index)
            return index

    h = x * 1
    assert AddOneInPlace.apply(h) is h and h.grad_fn.name() == "AddOneInPlaceBackward"
    assert not ArgMax.apply(h).requires_grad


def test_next_functions_walk_like_torch():
    names = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).exp().sum()
        walk, node = [], y.grad_fn
        while node is not None:
            walk.append(type(node).__name__.rstrip("0").replace("Backward", ""))
            node = node.next_functions[0][0] if node.next_functions else None
        names.append(walk)
    assert names[0] == names[1] == ["Sum", "Exp", "Mul", "AccumulateGrad"]


def test_inference_mode_records_nothing():
    x = minigrad.tensor([1.0], requires_grad=True)
    with minigrad.inference_mode():
        assert not (x * 2).requires_grad and minigrad.is_inference_mode_enabled()
    assert (x * 2).requires_grad and not minigrad.is_inference_mode_enabled()

    @minigrad.inference_mode()
    def predict(t):
        return t * 3

    assert not predict(x).requires_grad


def test_detect_anomaly_names_the_op_that_produced_nan():
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="'SqrtBackward' returned nan values"):
        with minigrad.autograd.detect_anomaly():
            (x.sqrt() * 0).sum().backward()  # 0 * inf = nan inside SqrtBackward, as in torch
    (x.sqrt() * 0).sum().backward()  # outside the block: no check, nan flows silently as in torch
    assert np.isnan(x.grad.numpy()[0])


FUNCTIONAL_CASES = {
    "jacobian": lambda F, L, x, y, v: F.jacobian(lambda a, b: (a[:2] * b).exp(), (x, y)),
    "jacobian_single": lambda F, L, x, y, v: F.jacobian(lambda a: a.sin() * a, x),
    "jacobian_create_graph": lambda F, L, x, y, v: F.jacobian(lambda a: a**3, x, create_graph=True),
    "hessian": lambda F, L, x, y, v: F.hessian(lambda a: (a**3).sum() + (a[0] * a[1]), x),
    "vjp": lambda F, L, x, y, v: F.vjp(lambda a, b: (a[:2] * b).exp(), (x, y), L.ones(2, dtype=L.float64)),
    "jvp": lambda F, L, x, y, v: F.jvp(lambda a: a.exp() * a[0], x, v),
    "hvp": lambda F, L, x, y, v: F.hvp(lambda a: (a**3).sum() * a[2], x, v),
    "vhp": lambda F, L, x, y, v: F.vhp(lambda a: (a**3).sum() * a[2], x, v),
}


def _flat(value):
    if isinstance(value, (tuple, list)):
        return [array for item in value for array in _flat(item)]
    return [value.detach().numpy()]


@pytest.mark.parametrize("name", FUNCTIONAL_CASES)
def test_autograd_functional_matches_torch(name):
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        y = lib.tensor([0.5, -1.0], dtype=lib.float64)
        v = lib.tensor([1.0, 0.0, 2.0], dtype=lib.float64)
        results.append(_flat(FUNCTIONAL_CASES[name](lib.autograd.functional, lib, x, y, v)))
    assert len(results[0]) == len(results[1])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_grad_materialize_grads_like_torch():
    x, unused = minigrad.tensor([1.0, 2.0], requires_grad=True), minigrad.tensor([3.0], requires_grad=True)
    gx, gu = minigrad.autograd.grad((x * x).sum(), (x, unused), materialize_grads=True)
    assert gx.tolist() == [2.0, 4.0] and gu.tolist() == [0.0]
    with pytest.raises(ValueError, match="allow_unused"):
        minigrad.autograd.grad((x * x).sum(), (x, unused), allow_unused=False, materialize_grads=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        minigrad.autograd.grad((x * x).sum(), (x, unused))
