"""Converters of ``pack_padded_sequence`` and ``pad_packed_sequence``: a packed sequence lives in the graph as
the padded batch it came from, time-major ``(L, N, *)`` in the caller's batch order, plus its lengths ``(N,)``
(int64), which the recurrent ops take as their ``sequence_lens`` (``recurrent``): ONNX's RNN/LSTM/GRU skip the
steps past each sequence's length, so nothing is sorted or gathered.

``graph.packed`` maps the tensors of a traced ``PackedSequence`` to ``(padded, lengths)`` (value names; None for
its ``batch_sizes`` and indices): minigrad's packed ``data`` has another layout, so any other op reading those
tensors is refused by ``graph.name_of`` rather than exported wrong.
"""

import numpy as np

from .converters import register

__all__ = ["mark_packed"]


def mark_packed(graph, sequence, padded, lengths):
    """Record that the traced PackedSequence ``sequence`` is the value ``padded`` with the value ``lengths``;
    returns the names its tensors bind to, in ``_flatten`` order."""
    graph.keep_alive.append(sequence)
    graph.packed[id(sequence.data)] = (padded, lengths)
    others = [t for t in sequence[1:] if t is not None]
    for tensor in others:
        graph.packed.setdefault(id(tensor), None)
    return [padded] + [lengths] * len(others)


@register("pack_padded_sequence")
def _pack_padded_sequence(graph, inputs, options, output):
    """The padded input made time-major, its lengths as int64 (a list of lengths is a constant)."""
    x, lengths = options["input"], options["lengths"]
    padded = graph.name_of(x)
    if options["batch_first"]:
        padded = graph.node("Transpose", [padded], perm=[1, 0] + list(range(2, x.ndim)))
    array = np.asarray(getattr(lengths, "_data", lengths))
    lengths = graph.name_of(lengths) if array.dtype == np.int64 else graph.constant(array.astype(np.int64), "lengths")
    return mark_packed(graph, output, padded, lengths)


@register("pad_packed_sequence")
def _pad_packed_sequence(graph, inputs, options, output):
    """``(padded, lengths)``: the packed value cut to the longest length (or cut or padded to ``total_length``),
    the steps past each sequence's end set to ``padding_value``."""
    sequence, total_length = options["sequence"], options["total_length"]
    padded, lengths = graph.packed[id(sequence.data)]
    rank = sequence.data.ndim + 1
    int64 = lambda values: graph.constant(np.array(values, np.int64))
    steps = int64([total_length]) if total_length is not None else graph.node("ReduceMax", [lengths], keepdims=1)
    value = graph.node("Slice", [padded, int64([0]), steps, int64([0])])
    if total_length is not None:  # the padded input may be shorter than total_length
        missing = graph.node(
            "Sub", [steps, graph.node("Slice", [graph.node("Shape", [value]), int64([0]), int64([1])])]
        )
        pads = graph.node("Concat", [int64([0] * rank), missing, int64([0] * (rank - 1))], axis=0)
        value = graph.node("Pad", [value, pads])
    time = graph.node("Range", [int64(0), graph.node("Squeeze", [steps, int64([0])]), int64(1)])
    real = graph.node("Less", [graph.node("Unsqueeze", [time, int64([1])]), lengths])  # (T, N)
    if rank > 2:
        real = graph.node("Unsqueeze", [real, int64(list(range(2, rank)))])
    fill = graph.constant(np.array(options["padding_value"], sequence.data._data.dtype), "padding_value")
    value = graph.node("Where", [real, value, fill])
    if options["batch_first"]:
        value = graph.node("Transpose", [value], perm=[1, 0] + list(range(2, rank)))
    out = output[0]
    if total_length is None:  # the longest length is a value of the input, whatever the traced shapes
        varying = list(graph.varying_axes(out))
        varying[1 if options["batch_first"] else 0] = True
        graph.varying[id(out)] = tuple(varying)
    return [value, lengths]
