"""The converter of ``RNN``/``LSTM``/``GRU`` (their traced ``forward``): one ONNX ``RNN``/``LSTM``/``GRU`` node
per layer, so the exported graph takes any sequence length (not an unrolled loop).

ONNX stacks the gates in another order than torch: an LSTM's torch rows ``i, f, g, o`` become ``i, o, f, c``
(``c`` is torch's ``g``), a GRU's ``r, z, n`` become ``z, r, h``. ONNX's GRU computes ``h̃ = tanh(W x + b_W +
r ⊙ (R h + b_R))`` only with ``linear_before_reset=1`` (its default applies ``r`` before ``R``), which is torch's
formula. Per layer: ``W`` ``(directions, gates·H, in)``, ``R`` ``(directions, gates·H, H)``, ``B`` the input and
recurrent biases concatenated, and the outputs ``Y`` ``(L, directions, N, H)`` and ``Y_h`` (``Y_c``)
``(directions, N, H)``; ``Y`` is laid out as ``(L, N, directions·H)`` for the next layer.

A ``PackedSequence`` input is the padded batch and its lengths in the graph (``packed``): the lengths become every
node's ``sequence_lens`` (int32), so each sequence's steps past its length are skipped, its reverse direction
starts at its own last step and ``Y_h`` is its state after that step, as torch's packed forward.
"""

import numpy as np

from ..autograd.tensor import Tensor
from .converters import register
from .packed import mark_packed

__all__ = []

_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _reordered(array, mode):
    """Rows of a ``(gates·H, ...)`` weight or ``(gates·H,)`` bias in ONNX's gate order."""
    return np.concatenate([array[i] for i in _GATE_ORDER[mode]]) if array is not None else None


def _layer_weights(module, layer):
    """ONNX's W, R and B (None without bias) for one layer, every direction stacked."""
    directions = ("", "_reverse") if module.bidirectional else ("",)
    gates = len(_GATE_ORDER[module.mode])
    split = lambda name, suffix: np.split(getattr(module, f"{name}_l{layer}{suffix}")._data, gates)
    w = np.stack([_reordered(split("weight_ih", s), module.mode) for s in directions])
    r = np.stack([_reordered(split("weight_hh", s), module.mode) for s in directions])
    if not module.bias:
        return w, r, None
    b = np.stack(
        [
            np.concatenate([_reordered(split("bias_ih", s), module.mode), _reordered(split("bias_hh", s), module.mode)])
            for s in directions
        ]
    )
    return w, r, b


def _state_slice(graph, state, layer, directions):
    """The ``(directions, N, H)`` initial state of one layer, sliced from the value ``state`` ``(layers·directions,
    N, H)``; "" (ONNX's zeros, whatever the batch size) when there is none."""
    if state is None:
        return ""
    bounds = [
        graph.constant(np.array([v], np.int64), stem)
        for v, stem in ((layer * directions, "starts"), ((layer + 1) * directions, "ends"), (0, "axes"))
    ]
    return graph.node("Slice", [state] + bounds)


@register("RNN")
def _recurrent(graph, inputs, options, output):
    """``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``) of ``RNNBase.forward(input, hx)``, layer by layer."""
    module, x, hx = options["self"], options["input"], options["hx"]
    if module.proj_size:
        raise NotImplementedError("ONNX export of an LSTM with proj_size > 0 is not supported")
    onnx_op = {"LSTM": "LSTM", "GRU": "GRU"}.get(module.mode, "RNN")
    directions = 2 if module.bidirectional else 1
    packed = not isinstance(x, Tensor)  # a PackedSequence: its padded batch, time-major, and its lengths
    unbatched = not packed and x.ndim == 2
    axes = lambda axis: graph.constant(np.array([axis], np.int64), "axes")
    states = (hx if isinstance(hx, tuple) else (hx, None)) if hx is not None else (None, None)
    h0, c0 = (None if s is None else graph.name_of(s) for s in states)
    lengths = ""  # no sequence_lens: every sequence is full
    if packed:
        value, lengths = graph.packed[id(x.data)]
        lengths = graph.node("Cast", [lengths], to=graph.onnx.TensorProto.INT32)
    else:
        value = graph.name_of(x)
    if unbatched:
        value = graph.node("Unsqueeze", [value, axes(1)])
        h0, c0 = (None if s is None else graph.node("Unsqueeze", [s, axes(1)]) for s in (h0, c0))
    elif module.batch_first and not packed:
        value = graph.node("Transpose", [value], perm=[1, 0, 2])
    attributes = {"hidden_size": module.hidden_size, "direction": "bidirectional" if directions == 2 else "forward"}
    if onnx_op == "GRU":
        attributes["linear_before_reset"] = 1
    if onnx_op == "RNN":
        attributes["activations"] = ["Tanh" if module.mode == "RNN_TANH" else "Relu"] * directions
    finals_h, finals_c = [], []
    for layer in range(module.num_layers):
        w, r, b = _layer_weights(module, layer)
        operands = [value, graph.constant(w, "W"), graph.constant(r, "R"), "" if b is None else graph.constant(b, "B")]
        operands += [lengths, _state_slice(graph, h0, layer, directions)]
        if onnx_op == "LSTM":
            operands.append(_state_slice(graph, c0, layer, directions))
        stem = graph.fresh(onnx_op.lower())
        outputs = [f"{stem}_Y", f"{stem}_Y_h"] + ([f"{stem}_Y_c"] if onnx_op == "LSTM" else [])
        graph.node(onnx_op, operands, outputs, **attributes)
        finals_h.append(outputs[1])
        finals_c.append(outputs[2] if onnx_op == "LSTM" else None)
        sequence = graph.node("Transpose", [outputs[0]], perm=[0, 2, 1, 3])  # (L, N, directions, H)
        value = graph.node("Reshape", [sequence, graph.constant(np.array([0, 0, -1], np.int64), "shape")])
    states = [_joined(graph, finals_h)] + ([_joined(graph, finals_c)] if onnx_op == "LSTM" else [])
    if packed:
        return mark_packed(graph, output[0], value, graph.packed[id(x.data)][1]) + states
    if unbatched:
        value = graph.node("Squeeze", [value, axes(1)])
        states = [graph.node("Squeeze", [s, axes(1)]) for s in states]
    elif module.batch_first:
        value = graph.node("Transpose", [value], perm=[1, 0, 2])
    return [value] + states


def _joined(graph, names):
    return names[0] if len(names) == 1 else graph.node("Concat", names, axis=0)
