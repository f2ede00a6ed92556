"""The compiled recurrence: one direction of one recurrent layer (RNN, LSTM, GRU) over a whole sequence as a single
graph node.

The sequence is given in packed form: ``x`` (S, I) holds the rows of every time step one after the other, step
``t`` having ``batch_sizes[t]`` rows, the sequences sorted by decreasing length (a plain (L, N, I) input is
``x.reshape(L·N, I)`` with ``batch_sizes = [N] * L``). At step ``t`` only the first ``batch_sizes[t]`` rows of the
state advance; the others keep their state, so the final state of each sequence is its state after its own last
step (or, in reverse, after step 0).

Forward: the input projection of every step is one matrix product; then the whole time loop is one kernel call
without the GIL (``minigrad._kernels.recurrence``): per step the hidden projection (a packed thin GEMM of the
kernel's own on AVX-512, else NumPy's BLAS called from C) and one fused pass for the gate nonlinearities and the
state update. The backward walks the saved gates once, back through time, in one call the same way, and gets every
weight gradient as one matrix product over all steps. With several threads, each runs the loop over its own share
of the (independent) sequences. Where NumPy's BLAS cannot be bound from C (``_blas.cblas_ready()`` False) the time
loop runs in Python over the same step kernels and ``np.matmul``.

Per step, with ``gx = W_ih x + b_ih`` and σ the sigmoid (the textbook form is ``cell_step``):

* RNN:  ``h' = tanh(gx + W_hh h + b_hh)`` (or ReLU);
* LSTM: ``i, f, g, o = gx + W_hh h + b_hh``; ``c' = σ(f)·c + σ(i)·tanh(g)``, ``h' = σ(o)·tanh(c')``, times ``W_hr``
  when projected;
* GRU:  ``r, z = σ(gx_r + W_hr h + b_hr), σ(gx_z + W_hz h + b_hz)``; ``n = tanh(gx_n + r·(W_hn h + b_hn))``,
  ``h' = (1 - z)·n + z·h``.
"""

import contextlib

import numpy as np

from .. import _blas
from .._kernels import recurrence as _kernel
from .._threads import get_num_threads
from ..autograd.function import Function
from .linalg import linear
from .shape import cat

__all__ = ["GATES", "Recurrence", "cell_step", "recurrence"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # gate blocks per mode: weights are (GATES·H, ·)


def cell_step(mode, gx, h, c, weight_hh, bias_hh, weight_hr):
    """One time step in primitive Tensor ops: ``gx`` is the step's ``W_ih x + b_ih``; returns the new ``(h, c)``
    (``c`` None but for LSTM). ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``."""
    recurrent = linear(h, weight_hh, bias_hh)
    if mode == "LSTM":
        i, f, g, o = (gx + recurrent).chunk(4, -1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h if weight_hr is None else linear(h, weight_hr)), c
    if mode == "GRU":
        x_r, x_z, x_n = gx.chunk(3, -1)
        h_r, h_z, h_n = recurrent.chunk(3, -1)
        r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        return (1 - z) * n + z * h, None
    pre = gx + recurrent
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


# The compiled loops' per-step products through the kernel's own GEMM on the weight packed once (thin_gemm.h,
# AVX-512: 1.3-1.6x OpenBLAS on these thin shapes) where the CPU has it, else through BLAS
THIN_PRODUCTS = _kernel.thin_gemm_available()

# A thread's share of the batch below this many sequences makes its per-step products too thin to pay
MIN_SHARE_ROWS = 4


@contextlib.contextmanager
def _loop_threads(batch, step_macs):
    """``(parts, threads, thin)`` for a compiled time loop: the sequences are independent, so with several threads
    each of ``parts`` threads runs the whole loop over its share of the batch, without a barrier per step, on a
    single-threaded BLAS. A batch too small to share keeps one part, with ``threads`` (``_blas.threads_for``) for
    each step's rows and BLAS. ``thin``: the per-step products through the kernel's thin GEMM (single-threaded:
    not when one part's products are big enough for BLAS's threads)."""
    parts = min(get_num_threads(), batch // MIN_SHARE_ROWS)
    if parts > 1:
        with _blas.single_threaded():
            yield parts, 1, THIN_PRODUCTS
    else:
        with _blas.threads_for(step_macs) as threads:
            yield 1, threads, THIN_PRODUCTS and threads == 1


def _time_loop(compiled, numpy_loop, batch, step_macs, *args):
    """``compiled(*args, thin, parts, threads)`` where NumPy's BLAS can be called from C, else
    ``numpy_loop(*args, threads)``, each in its threading (``step_macs``: one step's product)."""
    if _blas.cblas_ready():
        with _loop_threads(batch, step_macs) as (parts, threads, thin):
            compiled(*args, thin, parts, threads)
    else:
        with _blas.threads_for(step_macs) as threads:
            numpy_loop(*args, threads)


def _schedule(batch_sizes, reverse):
    """``(first row, rows)`` of each step, in the order the recurrence visits them."""
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).tolist()
    steps = list(zip(offsets, batch_sizes))
    return steps[::-1] if reverse else steps


class Recurrence(Function):
    """One direction of one recurrent layer over a packed sequence (see the module docstring).

    Inputs: ``x`` (S, I), ``h0`` (N, P), ``c0`` (N, H) (LSTM; None otherwise), ``weight_ih`` (G·H, I),
    ``weight_hh`` (G·H, P), ``bias_ih``, ``bias_hh`` (G·H,) or None, ``weight_hr`` (P, H) or None (P = H without a
    projection). Options: ``mode``, ``batch_sizes`` (a list of ints), ``reverse``.

    Output: one flat array, the outputs (S, P), then the final ``h`` (N, P), then for LSTM the final ``c`` (N, H)
    (``recurrence`` splits it).

    Gradients, with ``dA`` the gradient of every step's pre-activations stacked (S, G·H) (for GRU ``dA_x`` and
    ``dA_h`` differ in the ``n`` block) and ``H_prev`` every step's incoming state (S, P): ``dx = dA_x W_ih``,
    ``dW_ih = dA_xᵀ x``, ``dW_hh = dA_hᵀ H_prev``, ``db_ih = Σ dA_x``, ``db_hh = Σ dA_h``, ``dW_hr = dHᵀ M`` (``dH``
    the total gradient of each output, ``M`` the unprojected hidden), ``dh0``, ``dc0`` what is left of the state
    gradients after walking back to each sequence's start.
    """

    def forward(self, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr, *, mode, batch_sizes, reverse):
        dtype = x.dtype
        rows, size, proj = x.shape[0], weight_hh.shape[0] // GATES[mode], h0.shape[1]
        projected = _blas.matmul(x, weight_ih.T)
        if bias_ih is not None:
            projected += bias_ih
        bias = np.zeros(weight_hh.shape[0], dtype) if bias_hh is None else np.ascontiguousarray(bias_hh)
        hidden_weight = np.ascontiguousarray(weight_hh.T)  # OpenBLAS: h @ Wᵀ from a transposed view is ~2x slower
        h, c = h0.copy(), None if c0 is None else c0.copy()
        out = np.empty((rows, proj), dtype)
        self.h_prev = np.empty((rows, proj), dtype)  # each step's incoming state: dW_hh = dAᵀ H_prev
        self.gates = np.empty((rows, weight_hh.shape[0]), dtype)
        hidden = np.empty((h0.shape[0], weight_hh.shape[0]), dtype)
        if mode == "LSTM":
            # every step's cell state; a step's incoming one is the previous step's (or c0: ``_cell_before``)
            self.c, self.c0 = np.empty((rows, size), dtype), c.copy()
            self.m = out if weight_hr is None else np.empty((rows, size), dtype)  # σ(o)·tanh(c), before W_hr
        elif mode == "GRU":
            self.hn = np.empty((rows, size), dtype)
        schedule, step_macs = _schedule(batch_sizes, reverse), h0.shape[0] * proj * weight_hh.shape[0]
        _time_loop(
            self._forward_compiled, self._forward_numpy, h0.shape[0], step_macs,
            mode, projected, hidden_weight, bias, weight_hr, schedule, h, c, out, hidden,
        )  # fmt: skip
        self.out = out
        return np.concatenate([out.ravel(), h.ravel()] + ([] if c is None else [c.ravel()]))

    def _forward_compiled(
        self, mode, projected, hidden_weight, bias, weight_hr, schedule, h, c, out, hidden, thin, parts, threads
    ):
        """The time loop in one kernel call (``cblas`` bound): no Python per step."""
        starts, counts = (np.array(column, np.intp) for column in zip(*schedule))
        if mode == "LSTM":
            weight_hr = np.empty((0, 0), out.dtype) if weight_hr is None else np.ascontiguousarray(weight_hr)
            _kernel.lstm_sequence_forward(
                projected, hidden_weight, bias, weight_hr, starts, counts, h, c, self.h_prev, self.gates, self.c,
                self.m, out, hidden, thin, parts, threads,
            )  # fmt: skip
        elif mode == "GRU":
            _kernel.gru_sequence_forward(
                projected, hidden_weight, bias, starts, counts, h, self.h_prev, self.gates, self.hn, out, hidden,
                thin, parts, threads,
            )  # fmt: skip
        else:
            _kernel.rnn_sequence_forward(
                projected, hidden_weight, bias, mode == "RNN_RELU", starts, counts, h, self.h_prev, out, hidden,
                thin, parts, threads,
            )  # fmt: skip

    def _forward_numpy(self, mode, projected, hidden_weight, bias, weight_hr, schedule, h, c, out, hidden, threads):
        """The time loop in Python over the step kernels and ``np.matmul`` (where ``cblas`` cannot be bound)."""
        for start, count in schedule:
            step = slice(start, start + count)
            h_prev = self.h_prev[step]
            h_prev[...] = h[:count]
            np.matmul(h_prev, hidden_weight, out=hidden[:count])
            if mode == "LSTM":
                _kernel.lstm_forward(
                    projected[step], hidden[:count], bias, c[:count], self.gates[step], self.c[step],
                    self.m[step], threads,
                )  # fmt: skip
                c[:count] = self.c[step]
                if weight_hr is not None:
                    np.matmul(self.m[step], weight_hr.T, out=out[step])
            elif mode == "GRU":
                _kernel.gru_forward(
                    projected[step], hidden[:count], bias, h_prev, self.gates[step], self.hn[step], out[step],
                    threads,
                )  # fmt: skip
            else:
                _kernel.rnn_forward(projected[step], hidden[:count], bias, mode == "RNN_RELU", out[step], threads)
            h[:count] = out[step]

    def backward_arrays(self, grad):
        x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr = (
            None if t is None else t._data for t in self.inputs
        )
        mode = self.options["mode"]
        rows, proj = self.out.shape
        batch, size = h0.shape[0], weight_hh.shape[0] // GATES[mode]
        d_out = grad[: rows * proj].reshape(rows, proj)
        dh = grad[rows * proj : (rows + batch) * proj].reshape(batch, proj).copy()
        dc = None if c0 is None else grad[(rows + batch) * proj :].reshape(batch, size).copy()
        da_x = np.empty_like(self.gates)
        da_h = np.empty_like(self.gates) if mode == "GRU" else da_x
        d_total = np.empty_like(self.out) if weight_hr is not None else None  # every output's whole gradient
        schedule = _schedule(self.options["batch_sizes"], self.options["reverse"])
        weight_hh, step_macs = np.ascontiguousarray(weight_hh), batch * proj * weight_hh.shape[0]
        _time_loop(
            self._backward_compiled, self._backward_numpy, batch, step_macs,
            mode, d_out, weight_hh, weight_hr, schedule, dh, dc, da_x, da_h, d_total,
        )  # fmt: skip
        need = self.needs_input_grad
        grad_weight_ih = grad_bias_ih = None
        if need[5] or (need[6] and da_h is da_x):
            if need[3]:  # the bias gradient summed by the threads that compute the weight's (no serial pass)
                grad_weight_ih, grad_bias_ih = _blas.product_and_sums(da_x, x)
            else:
                grad_bias_ih = _blas.column_sums(da_x)
        if need[3] and grad_weight_ih is None:
            grad_weight_ih = _blas.matmul(da_x.T, x)
        return (
            _blas.matmul(da_x, weight_ih) if need[0] else None,
            dh if need[1] else None,
            dc if need[2] else None,
            grad_weight_ih,
            _blas.matmul(da_h.T, self.h_prev) if need[4] else None,
            grad_bias_ih if need[5] else None,
            (grad_bias_ih.copy() if da_h is da_x else da_h.sum(0)) if need[6] else None,  # the same but for GRU
            _blas.matmul(d_total.T, self.m) if need[7] else None,
        )

    def _backward_compiled(
        self, mode, d_out, weight_hh, weight_hr, schedule, dh, dc, da_x, da_h, d_total, thin, parts, threads
    ):
        """Back through time in one kernel call (``cblas`` bound)."""
        starts, counts = (np.array(column, np.intp) for column in zip(*schedule))
        d_out = np.ascontiguousarray(d_out)  # (an upstream gradient may be a broadcast view)
        batch, size = dh.shape[0], self.gates.shape[1] // GATES[mode]
        if mode == "LSTM":
            if weight_hr is None:
                weight_hr = d_total = dm = np.empty((0, 0), dh.dtype)
            else:
                weight_hr, dm = np.ascontiguousarray(weight_hr), np.empty((batch, size), dh.dtype)
            _kernel.lstm_sequence_backward(
                d_out, weight_hh, weight_hr, starts, counts, dh, dc, self.gates, self.c, self.c0, da_x, d_total,
                dm, thin, parts, threads,
            )  # fmt: skip
        elif mode == "GRU":
            _kernel.gru_sequence_backward(
                d_out, weight_hh, starts, counts, dh, self.gates, self.hn, self.h_prev, da_x, da_h,
                np.empty((batch, size), dh.dtype), thin, parts, threads,
            )  # fmt: skip
        else:
            _kernel.rnn_sequence_backward(
                d_out, weight_hh, self.out, mode == "RNN_RELU", starts, counts, dh, da_x, thin, parts, threads
            )

    def _backward_numpy(self, mode, d_out, weight_hh, weight_hr, schedule, dh, dc, da_x, da_h, d_total, threads):
        """Back through time in Python over the step kernels and ``np.matmul`` (where ``cblas`` cannot be bound)."""
        direct = np.empty_like(dh) if mode == "GRU" else None
        for index, (start, count) in reversed(list(enumerate(schedule))):
            step = slice(start, start + count)
            dh[:count] += d_out[step]
            if mode == "LSTM":
                dm = dh[:count]
                if weight_hr is not None:
                    d_total[step] = dm
                    dm = dm @ weight_hr
                c_prev = self._cell_before(schedule, index)
                _kernel.lstm_backward(dm, dc[:count], self.gates[step], self.c[step], c_prev, da_x[step], threads)
                np.matmul(da_x[step], weight_hh, out=dh[:count])
            elif mode == "GRU":
                _kernel.gru_backward(
                    dh[:count], self.gates[step], self.hn[step], self.h_prev[step], da_x[step], da_h[step],
                    direct[:count], threads,
                )  # fmt: skip
                np.matmul(da_h[step], weight_hh, out=dh[:count])
                dh[:count] += direct[:count]
            else:
                _kernel.rnn_backward(dh[:count], self.out[step], mode == "RNN_RELU", da_x[step], threads)
                np.matmul(da_x[step], weight_hh, out=dh[:count])

    def _cell_before(self, schedule, index):
        """The LSTM cell state entering the ``index``-th visited step: the previous visited step's cells for the rows
        it had (every row forwards; in reverse the counts grow), the initial state for the rows it had not."""
        count = schedule[index][1]
        start, carried = schedule[index - 1] if index else (0, 0)
        carried = min(carried, count)
        return np.concatenate([self.c[start : start + carried], self.c0[carried:count]])

    def composite(self, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr, *, mode, batch_sizes, reverse):
        projected = linear(x, weight_ih, bias_ih)
        h, c, outputs = h0, c0, {}
        for start, count in _schedule(batch_sizes, reverse):
            new_h, new_c = cell_step(
                mode, projected[start : start + count], h[:count], None if c is None else c[:count], weight_hh,
                bias_hh, weight_hr,
            )  # fmt: skip
            outputs[start] = new_h
            h = new_h if count == h.shape[0] else cat([new_h, h[count:]])
            if c is not None:
                c = new_c if count == c.shape[0] else cat([new_c, c[count:]])
        parts = [outputs[start] for start in sorted(outputs)] + [h] + ([] if c is None else [c])
        return cat([part.reshape(-1) for part in parts])


def recurrence(mode, x, h0, c0, weights, batch_sizes, reverse=False):
    """Run one direction of one layer over the packed ``x`` (S, I); ``weights`` is ``(weight_ih, weight_hh,
    bias_ih, bias_hh, weight_hr)`` (biases and ``weight_hr`` may be None). Returns ``(outputs (S, P), h_n (N, P),
    c_n (N, H) or None)``."""
    flat = Recurrence.apply(x, h0, c0, *weights, mode=mode, batch_sizes=list(batch_sizes), reverse=reverse)
    rows, (batch, proj) = x.shape[0], h0.shape
    out = flat[: rows * proj].reshape(rows, proj)
    h_n = flat[rows * proj : (rows + batch) * proj].reshape(batch, proj)
    c_n = None if c0 is None else flat[(rows + batch) * proj :].reshape(c0.shape)
    return out, h_n, c_n
