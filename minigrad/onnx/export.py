"""``export``: trace a model's forward and write it as an ONNX graph (see the package docstring)."""

import numpy as np

from ..autograd import tracing
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor

# the converter modules register themselves
from . import activations, attention, converters, layers, packed, pooling, recurrent, sampling  # noqa: F401

__all__ = ["export"]


class _Graph:
    """The ONNX graph being built: value names for tensors, nodes, initializers."""

    def __init__(self, onnx, parameter_names, opset):
        self.onnx, self.helper, self.opset = onnx, onnx.helper, opset
        self.nodes, self.initializers = [], []
        self.names = {}  # id(tensor) -> ONNX value name
        self.keep_alive = []  # every named tensor, so no id is reused while the trace lives
        self.parameter_names = parameter_names
        self.count = 0
        self.varying = {}  # id(traced tensor) -> per axis, whether it follows a dynamic input axis
        self.packed = {}  # id(tensor of a PackedSequence) -> (padded, lengths) names or None (see onnx.packed)

    def varying_axes(self, tensor):
        """Per axis of a traced tensor, whether its size follows a dynamic axis of the inputs."""
        return self.varying.get(id(tensor), (False,) * tensor.ndim)

    def fresh(self, stem):
        self.count += 1
        return f"{stem}_{self.count}"

    def name_of(self, value):
        """The value name of a tensor (a constant becomes an initializer the first time it is seen)."""
        if id(value) in self.packed:
            raise NotImplementedError(
                "ONNX export reads a packed sequence only in RNN/LSTM/GRU and pad_packed_sequence: unpack it first"
            )
        if isinstance(value, Tensor) and id(value) in self.names:
            return self.names[id(value)]
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        name = self.parameter_names.get(id(value)) or self.fresh("constant")
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
        if isinstance(value, Tensor):
            self.names[id(value)] = name
            self.keep_alive.append(value)
        return name

    def constant(self, array, stem="constant"):
        """A new initializer holding ``array``; returns its name."""
        name = self.fresh(stem)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op_type, inputs, outputs=None, **attributes):
        outputs = outputs or [self.fresh(op_type.lower())]
        self.nodes.append(self.helper.make_node(op_type, inputs, outputs, **attributes))
        return outputs[0]

    def bind(self, tensor, name):
        self.names[id(tensor)] = name
        self.keep_alive.append(tensor)


def _flatten(value):
    """The tensors of a (possibly nested) tuple or list of outputs, in order."""
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flatten(item)]
    return [value] if isinstance(value, Tensor) else []


def _trace(model, args):
    """The ops ``model(*args)`` applies, as ``(op, inputs, options, output)``, and its outputs."""
    ops = []
    with no_grad(), tracing.record(lambda op, inputs, options, output: ops.append((op, inputs, options, output))):
        outputs = model(*args)
    return ops, outputs


_CONDITIONS = {"Where": "condition", "MaskedFill": "mask"}  # options the graph holds as constants


def _perturbed(tensor, rng):
    """Other input values of the same shape: a floating tensor negated plus noise of its own spread (values cross
    0 and other thresholds), a bool one negated; integers (indices) as they are."""
    array = tensor._data
    if array.dtype == np.bool_:
        return Tensor._wrap(~array)
    if array.dtype.kind != "f" or array.size == 0:
        return tensor
    noise = rng.standard_normal(array.shape) * (float(np.std(array)) + 1.0)
    return Tensor._wrap((noise - array).astype(array.dtype))


def _frozen(op, inputs, options, computed):
    """What the graph will hold as constants for one traced op: its arrays and the tensors it reads that no op
    of the trace computed (parameters, constants, values the model took from the inputs outside the graph)."""
    values = [value for value in inputs if isinstance(value, (Tensor, np.ndarray)) and id(value) not in computed]
    key = _CONDITIONS.get(getattr(op, "__name__", op))
    return values + ([options[key]] if key is not None else [])


def _computed(ops, args):
    return {id(t) for t in args} | {id(t) for *_, output in ops for t in _flatten(output)}


def _check_frozen_values(ops, args, other_ops, other_args):
    """Refuse a trace whose constants changed when the inputs did: minigrad computes comparisons, masks turned
    into biases and the like outside the graph, so the export would freeze the traced values."""
    if [op for op, *_ in ops] != [op for op, *_ in other_ops]:
        raise NotImplementedError("the model applies other ops for other input values: it cannot be one ONNX graph")
    computed, other_computed = _computed(ops, args), _computed(other_ops, other_args)
    for (op, inputs, options, _), (_, other_inputs, other_options, _) in zip(ops, other_ops):
        frozen = _frozen(op, inputs, options, computed)
        other = _frozen(op, other_inputs, other_options, other_computed)
        for a, b in zip(frozen, other):
            a, b = (getattr(v, "_data", v) for v in (a, b))
            if a is not b and not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
                name = getattr(op, "__name__", op)
                raise NotImplementedError(
                    f"ONNX export of {name}: a value it reads is computed from the inputs outside the graph (a "
                    "comparison such as x > 0, a mask turned into numbers) and would be frozen; compute it with "
                    "ops that have converters (relu, clamp, an activation) or pass it as a constant"
                )


def _grown(tensor, axes):
    """``tensor`` one longer along each of ``axes``, its last slice repeated: valid indices stay valid, and
    ordered integers (an embedding bag's offsets, sorted sequence lengths) stay ordered."""
    array = tensor._data
    for axis in axes:
        array = np.concatenate([array, array.take([-1], axis)], axis)
    return Tensor._wrap(array)


def _varying_axes(ops, outputs, other_ops, other_outputs):
    """``{id(tensor): per axis, whether its size changed}`` over every tensor of two traces of the same model."""
    if [op for op, *_ in ops] != [op for op, *_ in other_ops]:
        raise NotImplementedError("the model applies other ops when a dynamic axis changes size: export it static")
    varying = {}
    pairs = [(inputs, output, other[1], other[3]) for (_, inputs, _, output), other in zip(ops, other_ops)]
    for tensors, others in [(_flatten([i, o]), _flatten([j, p])) for i, o, j, p in pairs] + [
        (_flatten(outputs), _flatten(other_outputs))
    ]:
        for a, b in zip(tensors, others):
            if a.ndim == b.ndim:
                varying[id(a)] = tuple(m != n for m, n in zip(a.shape, b.shape))
    return varying


def _value_info(helper, name, tensor, dynamic):
    shape = [dynamic.get(axis, size) for axis, size in enumerate(tensor.shape)]
    element = helper.np_dtype_to_tensor_dtype(tensor._data.dtype)
    return helper.make_tensor_value_info(name, element, shape)


def _dynamic_axes(names, dynamic_axes):
    """``{name: {axis: symbol}}`` from torch's forms (a list of axes, or a dict of axis -> symbol)."""
    result = {}
    for name in names:
        axes = (dynamic_axes or {}).get(name, {})
        result[name] = {axis: f"{name}_dim{axis}" for axis in axes} if isinstance(axes, (list, tuple)) else dict(axes)
    return result


def export(
    model,
    args,
    f,
    input_names=None,
    output_names=None,
    dynamic_axes=None,
    opset_version=17,
    do_constant_folding=True,
    export_params=True,
    verbose=False,
):
    """Write ``model(*args)`` as an ONNX model to ``f`` (a path or a binary file); returns the ``onnx.ModelProto``.

    ``args`` is a Tensor or a tuple of them; ``input_names``/``output_names`` name the graph's inputs and outputs
    (``input_0``... by default); ``dynamic_axes`` maps a name to the axes that may vary (``{"x": {0: "batch"}}`` or
    ``{"x": [0]}``), as torch's. ``do_constant_folding``, ``export_params`` and ``verbose`` are accepted for torch's
    signature (parameters are always exported as initializers).

    >>> import io
    >>> proto = minigrad.onnx.export(nn.Linear(3, 2), minigrad.randn(1, 3), io.BytesIO(), input_names=['x'])
    >>> [node.op_type for node in proto.graph.node]
    ['Gemm', 'Identity']
    """
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install onnx (or minigrad[onnx])") from None
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    input_names = list(input_names or [f"input_{i}" for i in range(len(args))])
    parameters = dict(model.named_parameters()) if hasattr(model, "named_parameters") else {}
    buffers = dict(model.named_buffers()) if hasattr(model, "named_buffers") else {}
    graph = _Graph(onnx, {id(t): name for name, t in {**buffers, **parameters}.items()}, opset_version)
    for name, tensor in zip(input_names, args):
        graph.bind(tensor, name)
    dynamic = _dynamic_axes(input_names, dynamic_axes)
    training = getattr(model, "training", False)
    if training:
        model.eval()  # exported for inference, as torch's default (dropout off, batch norm on running statistics)
    try:
        ops, outputs = _trace(model, args)
        if any(dynamic.values()):  # a second trace, the dynamic axes one longer, tells which sizes follow them
            grown = [_grown(t, dynamic[name]) for name, t in zip(input_names, args)]
            graph.varying = _varying_axes(ops, outputs, *_trace(model, grown))
        rng = np.random.default_rng(20261204)  # not 0: a model seeded 0 would draw the same normals
        other = [_perturbed(t, rng) for t in args]
        _check_frozen_values(ops, args, _trace(model, other)[0], other)
    finally:
        if training:
            model.train()
    for op, inputs, options, output in ops:
        names = converters.convert(graph, op, inputs, options, output)
        tensors = _flatten(output)
        for tensor, name in zip(tensors, [names] if isinstance(names, str) else names):
            graph.bind(tensor, name)
    outputs = _flatten(outputs)
    output_names = list(output_names or [f"output_{i}" for i in range(len(outputs))])
    for name, tensor in zip(output_names, outputs):  # the graph's outputs get the asked names
        graph.node("Identity", [graph.name_of(tensor)], [name])
        # an output axis that follows a dynamic input axis is dynamic too, named or not
        varying = {axis: f"{name}_dim{axis}" for axis, v in enumerate(graph.varying_axes(tensor)) if v}
        dynamic[name] = {**varying, **_dynamic_axes([name], dynamic_axes)[name]}
    onnx_graph = onnx.helper.make_graph(
        graph.nodes,
        "minigrad",
        [_value_info(onnx.helper, n, t, dynamic[n]) for n, t in zip(input_names, args)],
        [_value_info(onnx.helper, n, t, dynamic[n]) for n, t in zip(output_names, outputs)],
        graph.initializers,
    )
    model_proto = onnx.helper.make_model(
        onnx_graph, opset_imports=[onnx.helper.make_opsetid("", opset_version)], producer_name="minigrad"
    )
    onnx.checker.check_model(model_proto)
    if hasattr(f, "write"):
        f.write(model_proto.SerializeToString())
    else:
        onnx.save(model_proto, f)
    return model_proto
