"""Variable-length sequences for the recurrent layers, as torch.nn.utils.rnn has them.

A ``PackedSequence`` holds a batch of sequences of different lengths without padding: ``data`` (S, *) is the rows
of time step 0 of every sequence, then those of step 1 of the sequences that have one, ..., the sequences sorted by
decreasing length, and ``batch_sizes[t]`` is how many sequences have a step ``t``. ``sorted_indices`` (None when
the batch was already sorted) maps the sorted order back to the caller's batch (``unsorted_indices`` is its
inverse). Every function here is differentiable in its sequences (an index gather, a concatenation or a slice).

>>> padded = minigrad.randn(5, 3, 8)                       # (L, N, H_in)
>>> packed = pack_padded_sequence(padded, [5, 2, 3], enforce_sorted=False)
>>> output, h_n = nn.GRU(8, 16)(packed)                   # output is a PackedSequence
>>> padded_out, lengths = pad_packed_sequence(output)      # (5, 3, 16), tensor([5, 2, 3])
"""

from collections import namedtuple

import numpy as np

from ... import _dtype
from ...autograd import tracing
from ...autograd.tensor import Tensor
from ...ops.shape import cat, stack

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

_UNSORTED_MESSAGE = (
    "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
    "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do "
    "not need ONNX exportability."
)


def _indices(array):
    return Tensor._wrap(np.asarray(array, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of an int64 permutation tensor (None for None)."""
    if permutation is None:
        return None
    inverse = np.empty_like(permutation._data)
    inverse[permutation._data] = np.arange(inverse.size)
    return _indices(inverse)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: see the module docstring. Build one with
    ``pack_padded_sequence`` or ``pack_sequence``; ``batch_sizes`` is an int64 tensor of the steps' batch sizes."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), sorted_indices=...)
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The sequence with ``data.to(*args, **kwargs)`` (``self`` when that changes nothing)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)  # fmt: skip

    def cpu(self, *args, **kwargs):
        """``self``: everything already lives on the CPU."""
        return self

    def pin_memory(self):
        """``self`` (no pinned memory without an accelerator)."""
        return self

    def is_pinned(self):
        """False (no pinned memory without an accelerator)."""
        return False

    @property
    def is_cuda(self):
        """False: minigrad runs on the CPU."""
        return False

    def double(self):
        """``data`` as float64."""
        return self.to(dtype=_dtype.float64)

    def float(self):
        """``data`` as float32."""
        return self.to(dtype=_dtype.float32)

    def half(self):
        """``data`` as float16."""
        return self.to(dtype=_dtype.float16)

    def long(self):
        """``data`` as int64."""
        return self.to(dtype=_dtype.int64)

    def int(self):
        """``data`` as int32."""
        return self.to(dtype=_dtype.int32)

    def short(self):
        """``data`` as int16."""
        return self.to(dtype=_dtype.int16)

    def char(self):
        """``data`` as int8."""
        return self.to(dtype=_dtype.int8)

    def byte(self):
        """``data`` as uint8."""
        return self.to(dtype=_dtype.uint8)


def _lengths_array(lengths):
    array = lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)
    return np.asarray(array, dtype=np.int64).reshape(-1)


@tracing.unit("pack_padded_sequence")  # ONNX export keeps the padded batch and the lengths (onnx.packed)
def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002 - torch's name
    """Pack the padded batch ``input`` (L, N, *) ((N, L, *) with ``batch_first``) whose sequence ``b`` has
    ``lengths[b]`` real steps (a list or a 1-D tensor). With ``enforce_sorted`` the lengths must be decreasing
    (RuntimeError otherwise); without, the batch is sorted here and ``sorted_indices`` records how. Gradients flow
    back to the real steps of ``input`` (the padding gets zeros)."""
    lengths = _lengths_array(lengths)
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(_UNSORTED_MESSAGE)
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths, sorted_indices = lengths[order], _indices(order)
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected input with at least 2 dims, got {input.ndim}D")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={batch})")  # fmt: skip
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if lengths.size and lengths.max() > steps:
        raise RuntimeError(f"Expected all `lengths` to be at most the sequence length {steps}, got {lengths.max()}")
    if sorted_indices is not None:
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = (lengths[None, :] > np.arange(lengths.max(initial=0))[:, None]).sum(1)
    rows = np.concatenate([t * batch + np.arange(count) for t, count in enumerate(batch_sizes)] or [[]])
    data = input.reshape(steps * batch, *input.shape[2:])[_indices(rows)]
    return PackedSequence(data, _indices(batch_sizes), sorted_indices)


@tracing.unit("pad_packed_sequence")
def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: ``(padded, lengths)`` with ``padded`` (T, N, *) ((N, T, *) with
    ``batch_first``) in the caller's batch order, steps past a sequence's end set to ``padding_value``, and
    ``T = total_length`` when given (ValueError when shorter than the longest sequence). ``lengths`` is int64."""
    data, batch_sizes = sequence.data, sequence.batch_sizes._data
    steps, batch = batch_sizes.size, int(batch_sizes[0]) if batch_sizes.size else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
        steps_out = total_length
    else:
        steps_out = steps
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    order = np.arange(batch) if sequence.unsorted_indices is None else sequence.unsorted_indices._data
    # padded[t, b] is data row offsets[t] + order[b] while step t exists for that sequence, else the padding row
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)])
    time = np.arange(steps_out)[:, None]
    real = time < lengths[order][None, :]
    source = np.where(real, offsets[np.minimum(time, steps)] + order[None, :], offsets[-1])
    padding = Tensor._wrap(np.full((1, *data.shape[1:]), padding_value, dtype=data._data.dtype))
    padded = cat([data, padding])[_indices(source.reshape(-1))].reshape(steps_out, batch, *data.shape[1:])
    return (padded.transpose(0, 1) if batch_first else padded), _indices(lengths[order])


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (L, N, *) ((N, L, *) with ``batch_first``), ``L = max L_i``, each
    padded with ``padding_value`` after its end (before it with ``padding_side='left'``)."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = Tensor._wrap(np.full((missing, *s.shape[1:]), padding_value, dtype=s._data.dtype))
            s = cat([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences in ``padded_sequences`` (L, N, *) ((N, L, *) with ``batch_first``), sequence ``b``
    cut to its first ``lengths[b]`` steps."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[b, :length] for b, length in enumerate(_lengths_array(lengths).tolist())]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (``pack_padded_sequence`` of their ``pad_sequence``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors a ``PackedSequence`` holds, in the caller's order (the inverse of ``pack_sequence``)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
