"""Recurrent layers as torch has them: ``RNN``, ``LSTM``, ``GRU`` and the single-step ``RNNCell``, ``LSTMCell``,
``GRUCell``, with torch's parameter names (``weight_ih_l0``, ``weight_hh_l0_reverse``, ...), gate order,
initialisation, shapes and options, so state dicts move between the two libraries.

Per time step, with ``x`` the input and ``h`` (``c``) the state (⊙ elementwise, σ the sigmoid):

* RNN:  ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or ReLU);
* LSTM: ``i, f, g, o = W_ih x + b_ih + W_hh h + b_hh`` split in four; ``c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)``,
  ``h' = σ(o) ⊙ tanh(c')`` (times ``W_hr`` when ``proj_size > 0``);
* GRU:  ``r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(...)``; ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``,
  ``h' = (1 - z) ⊙ n + z ⊙ h``.

Each direction of each layer is one compiled ``Recurrence`` node (``minigrad.ops.recurrence``): the input projections
of the whole sequence in one matrix product, a fused kernel per step, backpropagation through time in one walk; its
double backward goes through the per-step Tensor-op form. A ``PackedSequence`` input (``nn.utils.rnn``) runs each
step over the sequences that still have one. The cells are one step of that Tensor-op form.
"""

import math
import warnings

import numpy as np

from ... import _dtype
from ...autograd import tracing
from ...autograd.tensor import Tensor
from ...ops.recurrence import GATES, cell_step, recurrence
from ...ops.shape import cat, stack
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _map_state(state, function):
    """``function`` applied to a state tensor, or to each of an LSTM's ``(h, c)`` (None stays None)."""
    if state is None:
        return None
    return tuple(function(s) for s in state) if isinstance(state, tuple) else function(state)


class RNNBase(Module):
    """The layers' shared machinery: parameters per layer and direction, shapes, the time loop.

    Gradient: backpropagation through time: each step's ``∂h'/∂h`` carries the gradient of later steps back, and every
    step adds its share to ``W_ih``, ``W_hh`` and the biases (one compiled walk per layer and direction).

    >>> isinstance(nn.LSTM(3, 5), nn.RNNBase)
    True
    """

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        np_dtype = _dtype.as_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().numpy
        gates, out = GATES[mode] * hidden_size, proj_size or hidden_size
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[: 2 if bidirectional else 1]:
                width = input_size if layer == 0 else out * (2 if bidirectional else 1)
                names = [("weight_ih", (gates, width)), ("weight_hh", (gates, out))]
                if bias:
                    names += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    names.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in names:
                    setattr(self, f"{name}_l{layer}{suffix}", Parameter(np.empty(shape, dtype=np_dtype)))
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias from ``U(-1/√hidden_size, 1/√hidden_size)``, as torch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _layer_parameters(self, layer, suffix):
        get = lambda name: (
            getattr(self, f"{name}_l{layer}{suffix}") if hasattr(self, f"{name}_l{layer}{suffix}") else None
        )
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def flatten_parameters(self):
        """Accepted for torch compatibility: the weights are used where they are (no cuDNN buffer to compact)."""

    def _initial_state(self, hx, batch, dtype):
        directions = 2 if self.bidirectional else 1
        out = self.proj_size or self.hidden_size
        zeros = lambda size: Tensor._wrap(np.zeros((self.num_layers * directions, batch, size), dtype))
        if self.mode == "LSTM":
            return (zeros(out), zeros(self.hidden_size)) if hx is None else hx
        return (zeros(out) if hx is None else hx), None

    @tracing.unit("RNN")  # exported as ONNX's own RNN/LSTM/GRU ops, not as the unrolled loop
    def forward(self, input, hx=None):  # noqa: A002 - torch's argument name
        """``input`` (L, N, H_in) — (N, L, H_in) with ``batch_first``, (L, H_in) unbatched, or a
        ``PackedSequence`` — and the optional initial state(s) (num_layers · directions, N, H); returns
        ``(output, h_n)`` (``(output, (h_n, c_n))`` for LSTM), output (L, N, directions · H_out) (a
        ``PackedSequence`` for a packed input; padded steps are skipped, so ``h_n`` is each sequence's state after
        its last real step)."""
        if self.mode == "LSTM" and isinstance(hx, list):  # torch reads hx[0] and hx[1]: a list [h_0, c_0] too
            hx = tuple(hx)
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes = input.data, input.batch_sizes._data.tolist()
            batch, unbatched = batch_sizes[0], False
            if hx is not None and input.sorted_indices is not None:  # the states follow the sorted batch
                hx = _map_state(hx, lambda h: h.index_select(1, input.sorted_indices))
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead")
            unbatched = input.ndim == 2
            self._check_state_rank(hx, input.ndim)
            if unbatched:
                input, hx = input.unsqueeze(1), _map_state(hx, lambda h: h.unsqueeze(1))
            elif self.batch_first:
                input = input.transpose(0, 1)
            steps, batch = input.shape[:2]
            data, batch_sizes = input.reshape(steps * batch, input.shape[2]), [batch] * steps
        if data._data.dtype != self.weight_ih_l0._data.dtype and data._data.dtype.kind == "f":
            ours, theirs = data.dtype, self.weight_ih_l0.dtype
            raise ValueError(
                f"RNN input dtype ({ours}) does not match weight dtype ({theirs}). Convert input: "
                f"input.to({theirs}), or convert model: model.to({ours})"
            )
        if data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {data.shape[-1]}"
            )
        h0, c0 = self._initial_state(hx, batch, data._data.dtype)
        lstm = self.mode == "LSTM"
        self._check_state(h0, "hidden[0]" if lstm else "hidden", self.proj_size or self.hidden_size, batch)
        if lstm:
            self._check_state(c0, "hidden[1]", self.hidden_size, batch)
        output, finals_h, finals_c = data, [], []
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                output = F.dropout(output, self.dropout, training=True)
            results = []
            for d in range(directions):
                index = layer * directions + d
                weights = self._layer_parameters(layer, "_reverse" if d else "")
                sequence, h, c = recurrence(
                    self.mode, output, h0[index], None if c0 is None else c0[index], weights, batch_sizes, d == 1
                )
                results.append(sequence)
                finals_h.append(h)
                finals_c.append(c)
            output = results[0] if directions == 1 else cat(results, -1)
        state = (stack(finals_h), stack(finals_c)) if lstm else stack(finals_h)
        if packed:
            if input.unsorted_indices is not None:
                state = _map_state(state, lambda h: h.index_select(1, input.unsorted_indices))
            return PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices), state
        output = output.reshape(len(batch_sizes), batch, output.shape[-1])
        if unbatched:
            return output.squeeze(1), _map_state(state, lambda h: h.squeeze(1))
        return (output.transpose(0, 1) if self.batch_first else output), state

    def _check_state_rank(self, hx, ndim):
        for h in () if hx is None else (hx if isinstance(hx, tuple) else (hx,)):
            if h.ndim != ndim:
                raise RuntimeError(
                    f"For {'unbatched' if ndim == 2 else 'batched'} {ndim}-D input, hx"
                    + (" and cx" if isinstance(hx, tuple) else "")
                    + f" should also be {ndim}-D but got {h.ndim}-D tensor"
                )

    def _check_state(self, state, what, size, batch):
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, size)
        if tuple(state.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(state.shape)}")

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        for name, default in (
            ("num_layers", 1),
            ("bias", True),
            ("batch_first", False),
            ("dropout", 0.0),
            ("bidirectional", False),
        ):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(RNNBase):
    """An Elman RNN, ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity='relu'`` for ReLU).

    Gradient: backpropagation through time: each step's ``∂h'/∂h`` carries the gradient of later steps back, and every
    step adds its share to ``W_ih``, ``W_hh`` and the biases (one compiled walk per layer and direction).

    >>> out, h = nn.RNN(3, 5, num_layers=2)(minigrad.zeros(7, 2, 3))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 2, 5))
    """

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """A long short-term memory layer (gates ``i, f, g, o`` in that order, as torch).

    Gradient: backpropagation through time: each step's ``∂h'/∂h`` carries the gradient of later steps back, and every
    step adds its share to ``W_ih``, ``W_hh`` and the biases (one compiled walk per layer and direction).

    >>> lstm = nn.LSTM(3, 5, batch_first=True)
    >>> out, (h, c) = lstm(minigrad.zeros(2, 7, 3))
    >>> out.shape, h.shape, c.shape
    ((2, 7, 5), (1, 2, 5), (1, 2, 5))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """A gated recurrent unit layer (gates ``r, z, n`` in that order, as torch).

    Gradient: backpropagation through time: each step's ``∂h'/∂h`` carries the gradient of later steps back, and every
    step adds its share to ``W_ih``, ``W_hh`` and the biases (one compiled walk per layer and direction).

    >>> out, h = nn.GRU(3, 5)(minigrad.zeros(7, 2, 3))
    >>> out.shape, h.shape
    ((7, 2, 5), (1, 2, 5))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """One time step of a recurrent layer, with parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

    Gradient: through the step's formula to ``input``, the state(s) and every weight and bias.

    >>> isinstance(nn.GRUCell(3, 5), nn.RNNCellBase)
    True
    """

    def __init__(self, mode, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        np_dtype = _dtype.as_numpy_dtype(dtype) if dtype is not None else _dtype.get_default_dtype().numpy
        gates = GATES[mode] * hidden_size
        self.weight_ih = Parameter(np.empty((gates, input_size), dtype=np_dtype))
        self.weight_hh = Parameter(np.empty((gates, hidden_size), dtype=np_dtype))
        if bias:
            self.bias_ih = Parameter(np.empty((gates,), dtype=np_dtype))
            self.bias_hh = Parameter(np.empty((gates,), dtype=np_dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1.0 / math.sqrt(hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _step(self, input, state):  # noqa: A002
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        states = state if isinstance(state, tuple) else (state,)
        for i, h in enumerate(states):
            if h is not None and h.ndim not in (1, 2):
                what = f"hx[{i}]" if isinstance(state, tuple) else "hidden"
                raise ValueError(f"{type(self).__name__}: Expected {what} to be 1D or 2D, got {h.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        unbatched = input.ndim == 1
        batch = 1 if unbatched else input.shape[0]
        for i, h in enumerate(states):
            if h is None:
                continue
            if h.shape[-1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {h.shape[-1]}, expected {self.hidden_size}"
                )
            if not unbatched and h.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{i} batch size {h.shape[0]}")
        x = input.unsqueeze(0) if unbatched else input
        zeros = Tensor._wrap(np.zeros((batch, self.hidden_size), x._data.dtype))
        h, c = state if isinstance(state, tuple) else (state, None)
        h = zeros if h is None else (h.unsqueeze(0) if unbatched else h)
        if self.mode == "LSTM":
            c = zeros if c is None else (c.unsqueeze(0) if unbatched else c)
        h, c = cell_step(self.mode, F.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh, None)
        squeeze = lambda t: t.squeeze(0) if unbatched else t
        return (squeeze(h), squeeze(c)) if self.mode == "LSTM" else squeeze(h)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity='relu'`` for ReLU) for one step.

    Gradient: through the one step's formula (``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``) to ``input``, the state(s)
    and every weight and bias.

    >>> nn.RNNCell(3, 5)(minigrad.zeros(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias, device, dtype
        )

    def forward(self, input, hx=None):  # noqa: A002
        """``input`` (N, H_in) or (H_in,), ``hx`` (N, H) or None (zeros); returns ``h'``."""
        return self._step(input, hx)


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c))`` returns ``(h', c')``.

    Gradient: through the one step's formula (``c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)``, ``h' = σ(o) ⊙ tanh(c')``) to
    ``input``, the state(s) and every weight and bias.

    >>> h, c = nn.LSTMCell(3, 5)(minigrad.zeros(2, 3))
    >>> h.shape
    (2, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        return self._step(input, (None, None) if hx is None else tuple(hx))  # a list [h, c] too, as torch


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, h)`` returns ``h'``.

    Gradient: through the one step's formula (``h' = (1 - z) ⊙ n + z ⊙ h``) to ``input``, the state(s) and every weight
    and bias.

    >>> nn.GRUCell(3, 5)(minigrad.zeros(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        return self._step(input, hx)
