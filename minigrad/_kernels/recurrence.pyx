"""One time step of a recurrent layer over the batch: the gate nonlinearities and the state update (forward), and
their derivatives (backward through time), each one fused pass over the rows. The matrix products around them (the
input projection of every step at once, each step's hidden projection, the weight gradients over all steps) are
BLAS calls made by the caller (``minigrad.ops.recurrence``); the reference twin is ``tests/reference/recurrence.py``.

Notation, per row (σ the sigmoid, ⊙ elementwise): ``gx`` is the step's input projection ``W_ih x + b_ih``, ``gh`` its
hidden projection ``W_hh h_prev`` (without bias), ``bias`` the hidden bias ``b_hh`` (zeros when the layer has none).

lstm_forward    a = gx + gh + bias split as i, f, g, o;  gates = [σ(i), σ(f), tanh(g), σ(o)];
                c = σ(f)·c_prev + σ(i)·tanh(g);  h = σ(o)·tanh(c)
lstm_backward   from dh (gradient of h) and dc (of c, overwritten by that of c_prev): the gradient of a (dgates)
gru_forward     r, z = σ(gx_r + gh_r + b_r), σ(gx_z + gh_z + b_z);  hn = gh_n + b_n;  n = tanh(gx_n + r·hn);
                h = (1 - z)·n + z·h_prev;  gates = [r, z, n]
gru_backward    from dh: the gradients of gx (dgx), of gh (dgh; its n part is r·dgx_n) and the direct part z·dh of
                that of h_prev
rnn_forward     h = tanh(gx + gh + bias) (ReLU when ``relu``)
rnn_backward    the gradient of the pre-activation from dh and h

Arrays are C-contiguous (rows, ·); the caller allocates every output.

Example::

    gates = np.empty((2, 8)); c = np.empty((2, 2)); h = np.empty((2, 2))
    lstm_forward(gx, gh, bias, c_prev, gates, c, h, 1)
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp, expf, tanh, tanhf

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t rows, Py_ssize_t size, int num_threads) noexcept nogil:
    if rows < 2 or rows * size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


cdef inline floating _sigmoid(floating x) noexcept nogil:
    # exp of a non-positive number only: no overflow for large |x|
    cdef floating e
    if floating is float:
        e = expf(-x if x >= 0 else x)
    else:
        e = exp(-x if x >= 0 else x)
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


cdef inline floating _tanh(floating x) noexcept nogil:
    if floating is float:
        return tanhf(x)
    else:
        return tanh(x)


def lstm_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias,
                 const floating[:, ::1] c_prev, floating[:, ::1] gates, floating[:, ::1] c, floating[:, ::1] h,
                 int num_threads):
    """One LSTM step: ``gates`` (rows, 4H) activated, the new cell ``c`` and hidden ``h`` (rows, H)."""
    cdef Py_ssize_t rows = c.shape[0], size = c.shape[1], n, k
    cdef floating i, f, g, o, cell
    for n in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, 4 * size, num_threads)):
        for k in range(size):
            i = _sigmoid(gx[n, k] + gh[n, k] + bias[k])
            f = _sigmoid(gx[n, size + k] + gh[n, size + k] + bias[size + k])
            g = _tanh(gx[n, 2 * size + k] + gh[n, 2 * size + k] + bias[2 * size + k])
            o = _sigmoid(gx[n, 3 * size + k] + gh[n, 3 * size + k] + bias[3 * size + k])
            cell = f * c_prev[n, k] + i * g
            gates[n, k] = i
            gates[n, size + k] = f
            gates[n, 2 * size + k] = g
            gates[n, 3 * size + k] = o
            c[n, k] = cell
            h[n, k] = o * _tanh(cell)


def lstm_backward(const floating[:, ::1] dh, floating[:, ::1] dc, const floating[:, ::1] gates,
                  const floating[:, ::1] c, const floating[:, ::1] c_prev, floating[:, ::1] dgates, int num_threads):
    """Gradient of the pre-activations ``dgates`` (rows, 4H) from ``dh`` and ``dc`` (rows, H); ``dc`` becomes the
    gradient of ``c_prev``."""
    cdef Py_ssize_t rows = c.shape[0], size = c.shape[1], n, k
    cdef floating i, f, g, o, t, dcell
    for n in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, 4 * size, num_threads)):
        for k in range(size):
            i = gates[n, k]
            f = gates[n, size + k]
            g = gates[n, 2 * size + k]
            o = gates[n, 3 * size + k]
            t = _tanh(c[n, k])
            dcell = dc[n, k] + dh[n, k] * o * (1 - t * t)
            dgates[n, k] = dcell * g * i * (1 - i)
            dgates[n, size + k] = dcell * c_prev[n, k] * f * (1 - f)
            dgates[n, 2 * size + k] = dcell * i * (1 - g * g)
            dgates[n, 3 * size + k] = dh[n, k] * t * o * (1 - o)
            dc[n, k] = dcell * f


def gru_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias,
                const floating[:, ::1] h_prev, floating[:, ::1] gates, floating[:, ::1] hn, floating[:, ::1] h,
                int num_threads):
    """One GRU step: ``gates`` = [r, z, n] (rows, 3H), ``hn`` = W_hn h_prev + b_hn and the new ``h`` (rows, H)."""
    cdef Py_ssize_t rows = h.shape[0], size = h.shape[1], n, k
    cdef floating r, z, cand, hidden
    for n in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, 3 * size, num_threads)):
        for k in range(size):
            r = _sigmoid(gx[n, k] + gh[n, k] + bias[k])
            z = _sigmoid(gx[n, size + k] + gh[n, size + k] + bias[size + k])
            hidden = gh[n, 2 * size + k] + bias[2 * size + k]
            cand = _tanh(gx[n, 2 * size + k] + r * hidden)
            gates[n, k] = r
            gates[n, size + k] = z
            gates[n, 2 * size + k] = cand
            hn[n, k] = hidden
            h[n, k] = (1 - z) * cand + z * h_prev[n, k]


def gru_backward(const floating[:, ::1] dh, const floating[:, ::1] gates, const floating[:, ::1] hn,
                 const floating[:, ::1] h_prev, floating[:, ::1] dgx, floating[:, ::1] dgh, floating[:, ::1] dh_prev,
                 int num_threads):
    """Gradients of the input projection ``dgx`` and of the hidden one ``dgh`` (rows, 3H), and the direct part
    ``z·dh`` of the gradient of ``h_prev`` (the caller adds ``dgh W_hh``)."""
    cdef Py_ssize_t rows = dh.shape[0], size = dh.shape[1], n, k
    cdef floating r, z, cand, d, dpre, dr, dz
    for n in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, 3 * size, num_threads)):
        for k in range(size):
            r = gates[n, k]
            z = gates[n, size + k]
            cand = gates[n, 2 * size + k]
            d = dh[n, k]
            dpre = d * (1 - z) * (1 - cand * cand)
            dr = dpre * hn[n, k] * r * (1 - r)
            dz = d * (h_prev[n, k] - cand) * z * (1 - z)
            dgx[n, k] = dr
            dgx[n, size + k] = dz
            dgx[n, 2 * size + k] = dpre
            dgh[n, k] = dr
            dgh[n, size + k] = dz
            dgh[n, 2 * size + k] = dpre * r
            dh_prev[n, k] = d * z


def rnn_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias, bint relu,
                floating[:, ::1] h, int num_threads):
    """One Elman step: ``h = tanh(gx + gh + bias)`` (``max(·, 0)`` with ``relu``)."""
    cdef Py_ssize_t rows = h.shape[0], size = h.shape[1], n, k
    cdef floating a
    for n in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, size, num_threads)):
        for k in range(size):
            a = gx[n, k] + gh[n, k] + bias[k]
            if relu:
                h[n, k] = a if a > 0 else 0
            else:
                h[n, k] = _tanh(a)


def rnn_backward(const floating[:, ::1] dh, const floating[:, ::1] h, bint relu, floating[:, ::1] dpre,
                 int num_threads):
    """Gradient of the pre-activation: ``dh·(1 - h²)`` (``dh·[h > 0]`` with ``relu``)."""
    cdef Py_ssize_t rows = h.shape[0], size = h.shape[1], n, k
    for n in prange(rows, nogil=True, schedule="static", num_threads=_threads(rows, size, num_threads)):
        for k in range(size):
            if relu:
                dpre[n, k] = dh[n, k] if h[n, k] > 0 else 0
            else:
                dpre[n, k] = dh[n, k] * (1 - h[n, k] * h[n, k])
