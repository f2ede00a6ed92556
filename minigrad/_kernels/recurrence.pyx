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

Arrays are C-contiguous (rows, ·); the caller allocates every output. The per-row loops are C (recurrence_rows.h:
sigmoid and tanh on a vectorised exp); this file splits the rows over threads.

Example::

    gates = np.empty((2, 8)); c = np.empty((2, 2)); h = np.empty((2, 2))
    lstm_forward(gx, gh, bias, c_prev, gates, c, h, 1)
"""
from cython cimport floating
from cython.parallel cimport prange

cdef extern from "recurrence_rows.h" nogil:
    void mgr_lstm_forward_f32(const float *gx, const float *gh, const float *b, const float *c_prev, float *gates,
                              float *c, float *h, Py_ssize_t n)
    void mgr_lstm_forward_f64(const double *gx, const double *gh, const double *b, const double *c_prev,
                              double *gates, double *c, double *h, Py_ssize_t n)
    void mgr_lstm_backward_f32(const float *dh, float *dc, const float *gates, const float *c, const float *c_prev,
                               float *dgates, Py_ssize_t n)
    void mgr_lstm_backward_f64(const double *dh, double *dc, const double *gates, const double *c,
                               const double *c_prev, double *dgates, Py_ssize_t n)
    void mgr_gru_forward_f32(const float *gx, const float *gh, const float *b, const float *h_prev, float *gates,
                             float *hn, float *h, Py_ssize_t n)
    void mgr_gru_forward_f64(const double *gx, const double *gh, const double *b, const double *h_prev,
                             double *gates, double *hn, double *h, Py_ssize_t n)
    void mgr_gru_backward_f32(const float *dh, const float *gates, const float *hn, const float *h_prev, float *dgx,
                              float *dgh, float *direct, Py_ssize_t n)
    void mgr_gru_backward_f64(const double *dh, const double *gates, const double *hn, const double *h_prev,
                              double *dgx, double *dgh, double *direct, Py_ssize_t n)
    void mgr_rnn_forward_f32(const float *gx, const float *gh, const float *b, int relu, float *h, Py_ssize_t n)
    void mgr_rnn_forward_f64(const double *gx, const double *gh, const double *b, int relu, double *h,
                             Py_ssize_t n)
    void mgr_rnn_backward_f32(const float *dh, const float *h, int relu, float *dpre, Py_ssize_t n)
    void mgr_rnn_backward_f64(const double *dh, const double *h, int relu, double *dpre, Py_ssize_t n)

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t rows, Py_ssize_t size, int num_threads) noexcept nogil:
    if rows < 2 or rows * size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


def lstm_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias,
                 const floating[:, ::1] c_prev, floating[:, ::1] gates, floating[:, ::1] c, floating[:, ::1] h,
                 int num_threads):
    """One LSTM step: ``gates`` (rows, 4H) activated, the new cell ``c`` and hidden ``h`` (rows, H)."""
    cdef Py_ssize_t rows = c.shape[0], size = c.shape[1], n
    cdef int threads = _threads(rows, 4 * size, num_threads)
    for n in prange(rows, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgr_lstm_forward_f32(&gx[n, 0], &gh[n, 0], &bias[0], &c_prev[n, 0], &gates[n, 0], &c[n, 0], &h[n, 0],
                                 size)
        else:
            mgr_lstm_forward_f64(&gx[n, 0], &gh[n, 0], &bias[0], &c_prev[n, 0], &gates[n, 0], &c[n, 0], &h[n, 0],
                                 size)


def lstm_backward(const floating[:, ::1] dh, floating[:, ::1] dc, const floating[:, ::1] gates,
                  const floating[:, ::1] c, const floating[:, ::1] c_prev, floating[:, ::1] dgates, int num_threads):
    """Gradient of the pre-activations ``dgates`` (rows, 4H) from ``dh`` and ``dc`` (rows, H); ``dc`` becomes the
    gradient of ``c_prev``."""
    cdef Py_ssize_t rows = c.shape[0], size = c.shape[1], n
    cdef int threads = _threads(rows, 4 * size, num_threads)
    for n in prange(rows, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgr_lstm_backward_f32(&dh[n, 0], &dc[n, 0], &gates[n, 0], &c[n, 0], &c_prev[n, 0], &dgates[n, 0], size)
        else:
            mgr_lstm_backward_f64(&dh[n, 0], &dc[n, 0], &gates[n, 0], &c[n, 0], &c_prev[n, 0], &dgates[n, 0], size)


def gru_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias,
                const floating[:, ::1] h_prev, floating[:, ::1] gates, floating[:, ::1] hn, floating[:, ::1] h,
                int num_threads):
    """One GRU step: ``gates`` = [r, z, n] (rows, 3H), ``hn`` = W_hn h_prev + b_hn and the new ``h`` (rows, H)."""
    cdef Py_ssize_t rows = h.shape[0], size = h.shape[1], n
    cdef int threads = _threads(rows, 3 * size, num_threads)
    for n in prange(rows, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgr_gru_forward_f32(&gx[n, 0], &gh[n, 0], &bias[0], &h_prev[n, 0], &gates[n, 0], &hn[n, 0], &h[n, 0],
                                size)
        else:
            mgr_gru_forward_f64(&gx[n, 0], &gh[n, 0], &bias[0], &h_prev[n, 0], &gates[n, 0], &hn[n, 0], &h[n, 0],
                                size)


def gru_backward(const floating[:, ::1] dh, const floating[:, ::1] gates, const floating[:, ::1] hn,
                 const floating[:, ::1] h_prev, floating[:, ::1] dgx, floating[:, ::1] dgh, floating[:, ::1] dh_prev,
                 int num_threads):
    """Gradients of the input projection ``dgx`` and of the hidden one ``dgh`` (rows, 3H), and the direct part
    ``z·dh`` of the gradient of ``h_prev`` (the caller adds ``dgh W_hh``)."""
    cdef Py_ssize_t rows = dh.shape[0], size = dh.shape[1], n
    cdef int threads = _threads(rows, 3 * size, num_threads)
    for n in prange(rows, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgr_gru_backward_f32(&dh[n, 0], &gates[n, 0], &hn[n, 0], &h_prev[n, 0], &dgx[n, 0], &dgh[n, 0],
                                 &dh_prev[n, 0], size)
        else:
            mgr_gru_backward_f64(&dh[n, 0], &gates[n, 0], &hn[n, 0], &h_prev[n, 0], &dgx[n, 0], &dgh[n, 0],
                                 &dh_prev[n, 0], size)


def rnn_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias, bint relu,
                floating[:, ::1] h, int num_threads):
    """One Elman step: ``h = tanh(gx + gh + bias)`` (``max(·, 0)`` with ``relu``)."""
    cdef Py_ssize_t rows = h.shape[0], size = h.shape[1], n
    cdef int threads = _threads(rows, size, num_threads)
    for n in prange(rows, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgr_rnn_forward_f32(&gx[n, 0], &gh[n, 0], &bias[0], relu, &h[n, 0], size)
        else:
            mgr_rnn_forward_f64(&gx[n, 0], &gh[n, 0], &bias[0], relu, &h[n, 0], size)


def rnn_backward(const floating[:, ::1] dh, const floating[:, ::1] h, bint relu, floating[:, ::1] dpre,
                 int num_threads):
    """Gradient of the pre-activation: ``dh·(1 - h²)`` (``dh·[h > 0]`` with ``relu``)."""
    cdef Py_ssize_t rows = h.shape[0], size = h.shape[1], n
    cdef int threads = _threads(rows, size, num_threads)
    for n in prange(rows, nogil=True, schedule="static", num_threads=threads):
        if floating is float:
            mgr_rnn_backward_f32(&dh[n, 0], &h[n, 0], relu, &dpre[n, 0], size)
        else:
            mgr_rnn_backward_f64(&dh[n, 0], &h[n, 0], relu, &dpre[n, 0], size)
