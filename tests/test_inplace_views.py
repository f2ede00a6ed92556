"""Torch parity of views and in-place operations (design/core-v2.md, notes/contract.md "Tensor").

Each case is one small function ``case(lib, dt)``, written once and run twice: with ``lib = minigrad`` and with
``lib = torch`` (``dt`` is ``lib.float32`` or ``lib.float64``). It returns a dict of what it observed: tensors
(compared by value and dtype), leaves' ``.grad`` (None or a tensor), versions, flags. When torch raises, minigrad
must raise the same exception type with the case's key phrase (a regular expression) found in its message, and the
phrase is checked against torch's message too.

What the cases cover: views share memory with their base in both directions; in-place ops on non-leaf tensors,
on views of them and on chains of views are recorded (the gradients equal torch's); a value saved for backward
and then changed in place makes the backward raise; the version counter; in-place changes of a leaf that
requires grad (or of its view) raise, except inside ``no_grad``; ``Tensor.data``, ``detach()`` and ``numpy()``
share memory as in torch.
"""

import re

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

A = [[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]  # 2 x 3, mixed signs (relu/clamp have something to do)
B = [[0.5, 1.5, -0.5], [2.0, -1.0, 0.25]]  # 2 x 3
C = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]  # 3 x 2
LEAF_PHRASE = "^a leaf Variable that requires grad"  # (anchored: the view-of-a-leaf message contains it)
VIEW_OF_LEAF_PHRASE = "^a view of a leaf Variable that requires grad"
MODIFIED_PHRASE = "modified by an inplace operation"

CASES = {}  # name -> case function
RAISES = {}  # name -> key phrase of the error torch raises (absent: torch does not raise)


def case(raises=None):
    """Register the decorated ``case(lib, dt)``; ``raises`` is the key phrase (a regex) of the expected error."""

    def register(fn):
        CASES[fn.__name__] = fn
        if raises is not None:
            RAISES[fn.__name__] = raises
        return fn

    return register


def leaf(lib, dt, data):
    return lib.tensor(data, dtype=dt, requires_grad=True)


def const(lib, dt, data):
    return lib.tensor(data, dtype=dt)


# ------------------------------------------------------------------------ views share memory with their base
@case()
def view_flat(lib, dt):
    x = const(lib, dt, A)
    y = x.view(6)
    y[0] = 10.0
    return dict(x=x, y=y, is_view=y._is_view(), base_is_x=y._base is x)


@case()
def slice_basic(lib, dt):
    x = const(lib, dt, A)
    y = x[1:, ::2]
    y.fill_(7.0)
    return dict(x=x, y=y, base_is_x=y._base is x)


@case()
def transpose_view(lib, dt):
    x = const(lib, dt, A)
    y = x.transpose(0, 1)
    y[0, 1] = -1.0
    return dict(x=x, y=y, base_is_x=y._base is x, contiguous=y.is_contiguous())


@case()
def permute_view(lib, dt):
    x = const(lib, dt, np.arange(12.0).reshape(2, 3, 2))
    y = x.permute(2, 0, 1)
    y.mul_(2)
    return dict(x=x, y=y, base_is_x=y._base is x)


@case()
def expand_sees_base_writes(lib, dt):
    x = const(lib, dt, [[1.0], [2.0], [3.0]])
    y = x.expand(3, 4)
    x.add_(1)
    return dict(y=y, base_is_x=y._base is x)


@case(raises="more than one element of the written-to tensor refers to a single memory location")
def expand_refuses_writes(lib, dt):
    x = const(lib, dt, [[1.0], [2.0], [3.0]])
    x.expand(3, 4).add_(1)


@case()
def reshape_views_when_it_can(lib, dt):
    x = const(lib, dt, A)
    y = x.reshape(3, 2)
    y[0, 0] = 5.0
    return dict(x=x, y=y, base_is_x=y._base is x)


@case()
def reshape_copies_when_it_must(lib, dt):
    x = const(lib, dt, A)
    y = x.t().reshape(6)
    y[0] = 5.0
    return dict(x=x, y=y, is_view=y._is_view())


@case(raises="view size is not compatible with input tensor's size and stride")
def view_of_non_contiguous_refused(lib, dt):
    const(lib, dt, A).t().view(6)


@case()
def unsqueeze_squeeze_views(lib, dt):
    x = const(lib, dt, A)
    u = x.unsqueeze(0)
    s = u.squeeze(0)
    u[0, 0, 0] = 9.0
    s[1, 2] = 8.0
    return dict(x=x, u=u, s=s, u_base=u._base is x, s_base=s._base is x)


@case()
def narrow_select_views(lib, dt):
    x = const(lib, dt, A)
    n = x.narrow(1, 1, 2)
    r = x.select(0, 1)
    n.zero_()
    r.add_(100)
    return dict(x=x, n=n, r=r, n_base=n._base is x, r_base=r._base is x)


@case()
def diagonal_view(lib, dt):
    x = const(lib, dt, np.arange(9.0).reshape(3, 3))
    d = x.diagonal()
    d.fill_(-1.0)
    return dict(x=x, d=d, base_is_x=d._base is x)


@case()
def T_and_t_views(lib, dt):
    x = const(lib, dt, A)
    x.T[0, 1] = 11.0
    x.t()[2, 0] = 12.0
    return dict(x=x, T_base=x.T._base is x, t_base=x.t()._base is x)


@case()
def view_of_view_has_the_first_base(lib, dt):
    x = const(lib, dt, A)
    y = x.t()[1:]
    y[0, 0] = 42.0
    return dict(x=x, base_is_x=y._base is x)


@case()
def base_write_reaches_views(lib, dt):
    x = const(lib, dt, A)
    row, col = x[0], x[:, 2]
    x.mul_(-1)
    x[1, 2] = 0.0
    return dict(row=row, col=col)


# ------------------------------------------------------------------------ in-place on non-leaf tensors
@case()
def add_then_mul_in_place(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    y.sum().backward()
    return dict(y=y, x_grad=x.grad, grad_fn_set=y.grad_fn is not None)


@case()
def augmented_assignments(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, B)
    y = x * 1
    y += w
    y -= x * w
    y *= w
    y /= 2.0
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad, w_grad=w.grad)


@case()
def relu_in_place(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 1.5
    y.relu_()
    (y * x).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def clamp_in_place(lib, dt):
    x = leaf(lib, dt, A)
    y = x - 0.5
    y.clamp_(-2.0, 3.0)
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def masked_fill_in_place(lib, dt):
    x = leaf(lib, dt, A)
    y = x * x
    y.masked_fill_(lib.tensor([[True, False, True], [False, False, True]]), -3.0)
    (y * x).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def zero_and_fill_in_place(lib, dt):
    x = leaf(lib, dt, A)
    y, z = x * 2, x * 3
    y.zero_()
    z.fill_(4.0)
    (y + z + x).sum().backward()
    return dict(y=y, z=z, x_grad=x.grad)


@case()
def copy_in_place(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, [0.5, -1.0, 2.0])
    y = x * 2
    y.copy_(w)  # broadcast over the rows: w gets the sum of both rows' gradients
    (y * const(lib, dt, B)).sum().backward()
    return dict(y=y, x_grad=x.grad, w_grad=w.grad)


@case()
def setitem_with_grad_value(lib, dt):
    x, v = leaf(lib, dt, A), leaf(lib, dt, [7.0, 8.0])
    y = x * 1
    y[:, 1] = v
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad, v_grad=v.grad)


@case()
def setitem_advanced_index_with_grad_value(lib, dt):
    x, v = leaf(lib, dt, A), leaf(lib, dt, [7.0, 8.0])
    y = x * 1
    y[[0, 1], [2, 0]] = v
    (y * const(lib, dt, B)).sum().backward()
    return dict(y=y, x_grad=x.grad, v_grad=v.grad)


@case()
def setitem_mask_zero(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 2
    y[y < 0] = 0
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def exp_sigmoid_tanh_in_place(lib, dt):
    x = leaf(lib, dt, B)
    a, b, c = x * 1, x * 2, x * 3
    a.exp_()
    b.sigmoid_()
    c.tanh_()
    (a + b * c).sum().backward()
    return dict(a=a, b=b, c=c, x_grad=x.grad)


@case()
def integer_operand_promotes_into_float_in_place(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 1
    y.add_(lib.tensor([1, 2, 3]))
    y.sum().backward()
    return dict(y=y, x_grad=x.grad)


@case(raises="can't be cast to the desired output type")
def float_into_integer_tensor_refused(lib, dt):
    lib.tensor([1, 2, 3]).add_(const(lib, dt, [0.5, 0.5, 0.5]))


@case(raises="doesn't match the broadcast shape")
def in_place_cannot_grow(lib, dt):
    const(lib, dt, [1.0, 2.0, 3.0]).add_(const(lib, dt, A))


# ------------------------------------------------------------------------ in-place on views of non-leaf tensors
@case()
def mul_in_place_on_a_row(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 1
    y[0].mul_(2)
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def iadd_on_a_column(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, [10.0, 20.0])
    y = x * 1
    y[:, 1] += w
    (y * const(lib, dt, B)).sum().backward()
    return dict(y=y, x_grad=x.grad, w_grad=w.grad)


@case()
def chained_views_transpose_then_row(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 2
    y.t()[0].add_(1)
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def chained_views_view_then_slice(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 2
    y.view(6)[1:].zero_()
    (y * x).sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def in_place_on_a_view_then_use_the_base(lib, dt):
    x, w, m = leaf(lib, dt, A), leaf(lib, dt, [1.0, -2.0, 0.5]), leaf(lib, dt, C)
    y = x * 1
    y[1].mul_(w)
    (y @ m).sum().backward()
    return dict(y=y, x_grad=x.grad, w_grad=w.grad, m_grad=m.grad)


@case(raises=MODIFIED_PHRASE)
def in_place_on_a_view_reading_a_sibling_view(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 1
    y[1].mul_(y[0])  # Mul saved y[0], and the write bumped the version y[0] shares with y
    y.sum().backward()


@case()
def in_place_on_the_base_then_use_an_older_view(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 1
    row = y[0]
    y.mul_(x)
    (row * row).sum().backward()
    return dict(row=row, y=y, x_grad=x.grad)


@case()
def in_place_on_one_view_then_use_a_sibling_view(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 1
    first, column = y[0], y[:, 0]
    first.mul_(3)
    (column * column).sum().backward()
    return dict(column=column, x_grad=x.grad)


@case()
def diagonal_of_a_clone_copied_into(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, [1.0, 2.0, 3.0])
    y = x.clone()
    y.diagonal().copy_(w[:2])
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad, w_grad=w.grad)


@case()
def constant_base_written_with_a_grad_value(lib, dt):
    w = leaf(lib, dt, [1.0, 2.0, 3.0])
    y = const(lib, dt, A)
    y[1] = w * 2
    (y * y).sum().backward()
    return dict(y=y, requires_grad=y.requires_grad, w_grad=w.grad)


@case()
def double_backward_through_in_place_ops(lib, dt):
    x = leaf(lib, dt, B)
    y = x * x
    y.mul_(x)
    y[0] += x[1] * 2
    (first,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (first * first).sum().backward()
    return dict(y=y, first=first, x_grad=x.grad)


# ------------------------------------------------------------------------ nn: inplace activations, residuals
def _linear(lib, dt, weight, bias):
    layer = lib.nn.Linear(len(weight[0]), len(weight), dtype=dt)
    with lib.no_grad():
        layer.weight.copy_(const(lib, dt, weight))
        layer.bias.copy_(const(lib, dt, bias))
    return layer


@case()
def functional_relu_inplace(lib, dt):
    x = leaf(lib, dt, A)
    h = x * 2 - 1
    out = lib.nn.functional.relu(h, inplace=True)
    (h * h).sum().backward()
    return dict(h=h, same_object=out is h, x_grad=x.grad)


@case()
def relu_module_inplace_in_a_model(lib, dt):
    model = lib.nn.Sequential(
        _linear(lib, dt, C, [0.1, -0.2, 0.3]), lib.nn.ReLU(inplace=True), _linear(lib, dt, [[1.0, -1.0, 0.5]], [0.2])
    )
    x = leaf(lib, dt, [[1.0, 2.0], [-3.0, 0.5]])
    out = model(x)
    out.sum().backward()
    return dict(
        out=out, x_grad=x.grad, w0_grad=model[0].weight.grad, b0_grad=model[0].bias.grad, w2_grad=model[2].weight.grad
    )


@case()
def residual_out_plus_equals_identity(lib, dt):
    layer = _linear(lib, dt, [[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.9]], [0.0, 0.1, -0.1])
    x = leaf(lib, dt, A)
    identity = x
    out = layer(x)
    out += identity  # (Linear does not save its output, so this is allowed; after a relu it would not be)
    out = lib.relu(out)
    out.pow(2).sum().backward()
    return dict(out=out, x_grad=x.grad, w_grad=layer.weight.grad)


# ------------------------------------------------------------------------ saved, then modified in place
@case(raises=MODIFIED_PHRASE)
def exp_output_modified(lib, dt):
    x = leaf(lib, dt, A)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


@case(raises=MODIFIED_PHRASE)
def sigmoid_output_modified(lib, dt):
    x = leaf(lib, dt, A)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()


@case(raises=MODIFIED_PHRASE)
def mul_input_modified(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, B)
    a = x * 1
    y = a * w
    a.add_(1)
    y.sum().backward()


@case(raises=MODIFIED_PHRASE)
def mul_input_modified_through_a_view(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, B)
    a = x * 1
    y = a * w
    a[0, 0] = 3.0
    y.sum().backward()


@case(raises=MODIFIED_PHRASE)
def relu_inplace_after_its_input_was_saved(lib, dt):
    x = leaf(lib, dt, A)
    h = x * 2
    y = h.sin()
    h.relu_()
    (y + h).sum().backward()


@case()
def add_saves_nothing_so_modifying_is_fine(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, B)
    a = x * 1
    y = a + w
    a.add_(1)
    (y * 2).sum().backward()
    return dict(y=y, x_grad=x.grad, w_grad=w.grad)


@case()
def mul_by_a_number_does_not_need_its_input(lib, dt):
    x = leaf(lib, dt, A)
    a = x * 1
    y = a * 3
    a.add_(1)
    y.sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def modified_after_backward_is_fine(lib, dt):
    x = leaf(lib, dt, A)
    y = x.exp()
    y.sum().backward()
    y.add_(1)
    return dict(y=y, x_grad=x.grad)


# ------------------------------------------------------------------------ the version counter
@case()
def version_counts_in_place_changes(lib, dt):
    x = const(lib, dt, A)
    versions = [x._version]
    x.add_(1)
    versions.append(x._version)
    x[0] = 2.0
    versions.append(x._version)
    x.mul_(2).sub_(1)
    versions.append(x._version)
    x + 1  # out-of-place: no change
    versions.append(x._version)
    return dict(versions=versions)


@case()
def version_is_shared_with_views(lib, dt):
    x = const(lib, dt, A)
    row = x[1]
    flat = x.view(6)
    row.zero_()
    after_row = (x._version, row._version, flat._version)
    x.add_(1)
    after_base = (x._version, row._version, flat._version)
    return dict(after_row=after_row, after_base=after_base)


@case()
def version_of_a_non_leaf(lib, dt):
    x = leaf(lib, dt, A)
    y = x * 2
    y.add_(1)
    y[0, 0] = 0.0
    y += x
    return dict(y_version=y._version, x_version=x._version)


# ------------------------------------------------------------------------ leaves that require grad
@case(raises=LEAF_PHRASE)
def leaf_add_in_place_refused(lib, dt):
    leaf(lib, dt, A).add_(1)


@case(raises=LEAF_PHRASE)
def leaf_iadd_refused(lib, dt):
    x = leaf(lib, dt, A)
    x += 1


@case(raises=LEAF_PHRASE)
def leaf_setitem_refused(lib, dt):
    x = leaf(lib, dt, A)
    x[[0, 1], [1, 2]] = 0.0


@case(raises=VIEW_OF_LEAF_PHRASE)
def view_of_leaf_in_place_refused(lib, dt):
    leaf(lib, dt, A)[0].add_(1)


@case(raises=VIEW_OF_LEAF_PHRASE)
def view_of_leaf_zero_refused(lib, dt):
    leaf(lib, dt, A).view(6).zero_()


@case(raises=VIEW_OF_LEAF_PHRASE)
def view_of_leaf_setitem_refused(lib, dt):
    x = leaf(lib, dt, A)
    x[0] = 1.0


@case()
def leaf_in_place_under_no_grad(lib, dt):
    p = leaf(lib, dt, A)
    (p * p).sum().backward()
    with lib.no_grad():
        p.sub_(0.1 * p.grad)
        p[0, 0] = 0.5
    return dict(p=p, p_grad=p.grad, requires_grad=p.requires_grad, is_leaf=p.is_leaf, version=p._version)


@case()
def optimizer_step_then_another_backward(lib, dt):
    p = leaf(lib, dt, A)
    (p * p).sum().backward()
    with lib.no_grad():
        p.add_(p.grad, alpha=-0.25)
    p.grad = None
    (p * p * p).sum().backward()
    return dict(p=p, p_grad=p.grad)


@case()
def hand_written_adam_step_on_data(lib, dt):
    p = leaf(lib, dt, A)
    (p * p * p).sum().backward()
    m, v = lib.zeros_like(p), lib.zeros_like(p)
    m.mul_(0.9).add_(p.grad, alpha=0.1)
    v.mul_(0.999).addcmul_(p.grad, p.grad, value=0.001)
    p.data.addcdiv_(m, v.sqrt().add_(1e-8), value=-0.1)
    p.data.lerp_(const(lib, dt, B), 0.25)
    p.data.clamp_min_(-3.0)
    return dict(p=p, m=m, v=v, version=p._version, is_leaf=p.is_leaf, grad_fn_none=p.grad_fn is None)


@case()
def addcmul_addcdiv_lerp_in_place_on_a_non_leaf(lib, dt):
    x, a, b = leaf(lib, dt, A), leaf(lib, dt, B), leaf(lib, dt, [[1.5, 2.0, 2.5], [3.0, 0.5, 1.0]])
    y = x * 1
    y.addcmul_(a, b, value=0.5)
    y.addcdiv_(a, b, value=-2.0)
    y.lerp_(a, 0.3)
    (y * y).sum().backward()
    return dict(y=y, x_grad=x.grad, a_grad=a.grad, b_grad=b.grad)


# ------------------------------------------------------------------------ .data, detach(), numpy()
@case()
def data_is_a_detached_tensor(lib, dt):
    p = leaf(lib, dt, A)
    d = p.data
    d[0, 0] = 50.0  # shared memory: p sees it
    return dict(
        p=p,
        d=d,
        is_tensor=isinstance(d, lib.Tensor),
        requires_grad=d.requires_grad,
        is_leaf=d.is_leaf,
        p_requires_grad=p.requires_grad,
    )


@case()
def data_add_changes_p_without_recording(lib, dt):
    p = leaf(lib, dt, A)
    p.data.add_(1)
    p.data.mul_(p.data)
    return dict(p=p, version=p._version, grad_fn_none=p.grad_fn is None, is_leaf=p.is_leaf)


@case()
def data_assignment_replaces_the_values(lib, dt):
    p = leaf(lib, dt, A)
    p.data = const(lib, dt, B)
    (p * 2).sum().backward()
    return dict(p=p, p_grad=p.grad, requires_grad=p.requires_grad)


@case()
def data_zero(lib, dt):
    p = leaf(lib, dt, A)
    p.data.zero_()
    return dict(p=p)


@case()
def data_change_after_save_is_not_detected(lib, dt):
    x = leaf(lib, dt, A)
    y = x.exp()
    y.data.mul_(2)  # .data has its own version counter: torch does not notice (and uses the new values)
    y.sum().backward()
    return dict(y=y, x_grad=x.grad)


@case()
def detach_shares_memory(lib, dt):
    x = leaf(lib, dt, A)
    d = x.detach()
    d[0, 0] = 100.0
    return dict(x=x, d=d, version=x._version, d_requires_grad=d.requires_grad)


@case(raises=MODIFIED_PHRASE)
def detach_shares_the_version_counter(lib, dt):
    x = leaf(lib, dt, A)
    y = x.exp()
    y.detach().add_(1)
    y.sum().backward()


@case(raises=MODIFIED_PHRASE)
def detach_of_a_saved_leaf_modified(lib, dt):
    x, w = leaf(lib, dt, A), leaf(lib, dt, B)
    y = x * w
    x.detach().add_(1)  # allowed (no grad on the detached tensor), but it bumps x's version
    y.sum().backward()


@case()
def numpy_is_the_array(lib, dt):
    x = const(lib, dt, A)
    array = x.numpy()
    array[1, 1] = -9.0
    return dict(x=x, is_ndarray=isinstance(array, np.ndarray))


@case()
def numpy_of_detached_leaf(lib, dt):
    x = leaf(lib, dt, A)
    x.detach().numpy()[0] = 3.0
    return dict(x=x)


@case(raises=r"Can't call numpy\(\) on Tensor that requires grad")
def numpy_refused_while_requiring_grad(lib, dt):
    leaf(lib, dt, A).numpy()


# ----------------------------------------------------------------------------------------------- the runner
DTYPES = ["float32", "float64"]


def _plain(value):
    """A case's observed value in comparable form: tensors as (dtype, values); containers element by element."""
    if isinstance(value, (minigrad.Tensor, torch.Tensor)):
        array = value.detach().numpy()
        return ("tensor", str(array.dtype), array.copy())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _assert_same(ours, theirs, where):
    if isinstance(theirs, tuple) and theirs and theirs[0] == "tensor":
        assert isinstance(ours, tuple) and ours[0] == "tensor", f"{where}: minigrad gave {ours!r}, torch a tensor"
        assert ours[1] == theirs[1], f"{where}: dtype {ours[1]} != torch {theirs[1]}"
        rtol = 1e-5 if theirs[1] == "float32" else 1e-12
        np.testing.assert_allclose(ours[2], theirs[2], rtol=rtol, atol=rtol, err_msg=where)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), f"{where}: {ours!r} != torch {theirs!r}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, f"{where}[{i}]")
    else:
        assert ours == theirs, f"{where}: minigrad {ours!r} != torch {theirs!r}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name, dtype):
    fn = CASES[name]
    if name in RAISES:
        phrase = RAISES[name]
        with pytest.raises(Exception) as expected:
            fn(torch, getattr(torch, dtype))
        assert re.search(phrase, str(expected.value)), f"the case's phrase is not in torch's message: {expected.value}"
        with pytest.raises(Exception) as raised:
            fn(minigrad, getattr(minigrad, dtype))
        assert isinstance(raised.value, type(expected.value)), (
            f"minigrad raised {type(raised.value).__name__}, torch {type(expected.value).__name__}: {raised.value}"
        )
        assert re.search(phrase, str(raised.value)), f"minigrad's message lacks {phrase!r}: {raised.value}"
        return
    theirs = fn(torch, getattr(torch, dtype))
    ours = fn(minigrad, getattr(minigrad, dtype))
    assert set(ours) == set(theirs)
    for key in theirs:
        _assert_same(_plain(ours[key]), _plain(theirs[key]), f"{name}: {key}")
