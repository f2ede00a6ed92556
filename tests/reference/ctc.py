"""Plain NumPy CTC: the oracle for minigrad's CTC kernel, written to be read.

Everything here works on one sample at a time with log-space recursions, exactly as spec/losses.md §5.2 states
them, so it can be checked line by line against the formulas. Speed does not matter.

Notation for one sample: ``lp`` is its (T, C) slice of log-probabilities (only the first ``T_b`` rows used),
``labels`` its target (L,), and ``l'`` the extended label sequence of length ``S = 2L + 1``:
blank, l_1, blank, l_2, ..., l_L, blank.

* ``alpha[t, s]`` = log of the total probability of all partial alignments of ``l'[:s+1]`` to ``lp[:t+1]`` that end
  in state ``s`` (it includes the emission at time t);
* ``beta[t, s]``  = log of the total probability of finishing the alignment from state ``s`` at time ``t`` (it
  does NOT include the emission at time t);
* ``nll = -log Z`` with ``Z = Σ_s exp(alpha[t, s] + beta[t, s])`` for every t;
* the true gradient (minigrad's convention, spec §12.1) is
  ``d nll / d lp[t, c] = -γ_t(c) = -Σ_{s : l'_s = c} exp(alpha[t, s] + beta[t, s] - log Z)``.
  PyTorch returns ``exp(lp) - γ`` instead (spec §5.4); see ``torch_style_grad``.

``ctc_loss`` is the kernel's twin (same signature as minigrad._kernels.ctc.ctc_loss).
"""

import itertools

import numpy as np

__all__ = [
    "extended_labels",
    "ctc_single",
    "ctc_reference",
    "ctc_brute_force",
    "torch_style_grad",
    "concatenate_targets",
    "ctc_loss",
]


def extended_labels(labels, blank):
    """l' = (blank, l_1, blank, l_2, ..., l_L, blank), length 2L + 1."""
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    return ext


def _logsumexp(values):
    """log Σ exp(values) with the max trick; -inf for an empty or all -inf set."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return -np.inf
    high = values.max()
    if high == -np.inf:
        return -np.inf
    return high + np.log(np.sum(np.exp(values - high)))


def ctc_single(lp, labels, blank=0):
    """CTC for one sample.

    Parameters
    ----------
    lp : (T_b, C) log-probabilities of this sample (already cut to its input length)
    labels : (L,) target classes
    blank : the blank class

    Returns
    -------
    nll : float, -log p(labels | lp) (+inf if no alignment exists)
    grad : (T_b, C) float64, d nll / d lp = -γ (nan rows if nll is +inf, like PyTorch)
    """
    lp = np.asarray(lp, dtype=np.float64)
    T_b, C = lp.shape
    labels = np.asarray(labels, dtype=np.int64)
    L = len(labels)
    if T_b == 0:
        return (0.0 if L == 0 else np.inf), np.zeros((0, C))
    ext = extended_labels(labels, blank)
    S = len(ext)

    def can_skip(s):  # the jump s-2 -> s skips a blank between two different labels
        return s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]

    alpha = np.full((T_b, S), -np.inf)
    alpha[0, 0] = lp[0, blank]
    if S > 1:
        alpha[0, 1] = lp[0, ext[1]]
    for t in range(1, T_b):
        for s in range(S):
            previous = [alpha[t - 1, s]]
            if s >= 1:
                previous.append(alpha[t - 1, s - 1])
            if can_skip(s):
                previous.append(alpha[t - 1, s - 2])
            alpha[t, s] = _logsumexp(previous) + lp[t, ext[s]]

    beta = np.full((T_b, S), -np.inf)
    beta[T_b - 1, S - 1] = 0.0
    if S > 1:
        beta[T_b - 1, S - 2] = 0.0
    for t in range(T_b - 2, -1, -1):
        for s in range(S):
            following = [beta[t + 1, s] + lp[t + 1, ext[s]]]
            if s + 1 < S:
                following.append(beta[t + 1, s + 1] + lp[t + 1, ext[s + 1]])
            if s + 2 < S and can_skip(s + 2):
                following.append(beta[t + 1, s + 2] + lp[t + 1, ext[s + 2]])
            beta[t, s] = _logsumexp(following)

    log_z = _logsumexp(alpha[T_b - 1, S - 2 :] if S > 1 else alpha[T_b - 1, :1])
    if log_z == -np.inf:
        return np.inf, np.full((T_b, C), np.nan)
    gamma = np.zeros((T_b, C))
    for t in range(T_b):
        for s in range(S):
            gamma[t, ext[s]] += np.exp(alpha[t, s] + beta[t, s] - log_z)
    return -log_z, -gamma


def concatenate_targets(targets, target_lengths):
    """Split ``targets`` (padded (N, S) or concatenated 1-D) into a list of per-sample label arrays."""
    targets = np.asarray(targets, dtype=np.int64)
    target_lengths = np.asarray(target_lengths, dtype=np.int64)
    if targets.ndim == 2:
        return [targets[b, :n] for b, n in enumerate(target_lengths)]
    ends = np.cumsum(target_lengths)
    return [targets[end - n : end] for end, n in zip(ends, target_lengths)]


def ctc_reference(log_probs, targets, input_lengths, target_lengths, blank=0, zero_infinity=False):
    """Batched reference with the kernel's contract.

    ``log_probs`` (T, N, C); ``targets`` padded (N, S) or concatenated 1-D. Returns ``nll`` (N,) float64 and
    ``grad`` (T, N, C) float64 = d nll_b / d log_probs[t, b, :], zero for t >= input_lengths[b]. Infeasible samples
    give nll = inf and nan rows, or 0 and zero rows with ``zero_infinity``.
    """
    log_probs = np.asarray(log_probs, dtype=np.float64)
    T, N, C = log_probs.shape
    nll = np.zeros(N)
    grad = np.zeros((T, N, C))
    for b, labels in enumerate(concatenate_targets(targets, target_lengths)):
        T_b = int(input_lengths[b])
        nll[b], grad[:T_b, b] = ctc_single(log_probs[:T_b, b], labels, blank)
        if zero_infinity and nll[b] == np.inf:
            nll[b] = 0.0
            grad[:, b] = 0.0
    return nll, grad


def collapse(path, blank):
    """The CTC many-to-one map: merge repeated symbols, then drop blanks."""
    merged = [symbol for i, symbol in enumerate(path) if i == 0 or symbol != path[i - 1]]
    return tuple(symbol for symbol in merged if symbol != blank)


def ctc_brute_force(lp, labels, blank=0):
    """CTC for one sample by enumerating all C**T_b paths (tiny T_b and C only).

    p(labels) = Σ_{paths π with collapse(π) = labels} Π_t exp(lp[t, π_t]), and the gradient of -log p is
    -Σ_π p(π | labels) · onehot(π_t) at each t. Returns (nll, grad) like ``ctc_single``.
    """
    lp = np.asarray(lp, dtype=np.float64)
    T_b, C = lp.shape
    target = tuple(int(label) for label in labels)
    total = 0.0
    occupancy = np.zeros((T_b, C))
    for path in itertools.product(range(C), repeat=T_b):
        if collapse(path, blank) != target:
            continue
        probability = np.exp(sum(lp[t, symbol] for t, symbol in enumerate(path)))
        total += probability
        for t, symbol in enumerate(path):
            occupancy[t, symbol] += probability
    if total == 0.0:
        return np.inf, np.full((T_b, C), np.nan)
    return -np.log(total), -occupancy / total


def torch_style_grad(log_probs, grad, input_lengths):
    """Turn minigrad's true gradient (-γ) into what PyTorch returns for a raw log_probs leaf: exp(lp) - γ on
    t < T_b, 0 after (spec §5.4)."""
    log_probs = np.asarray(log_probs, dtype=np.float64)
    T = log_probs.shape[0]
    inside = (np.arange(T)[:, None] < np.asarray(input_lengths)[None, :])[:, :, None]
    return np.where(inside, np.exp(log_probs) + grad, 0.0)


def ctc_loss(
    log_probs,
    targets,
    target_offsets,
    input_lengths,
    target_lengths,
    blank,
    zero_infinity,
    scale,
    loss_out,
    grad_out,
    num_threads,
):
    """The kernel's twin: ``ctc_reference`` on sample b's target ``targets[target_offsets[b]:][:target_lengths[b]]``;
    ``loss_out`` receives nll, ``grad_out`` (None: not computed) ``scale[b]`` times sample b's gradient. Returns the
    sum of the losses. ``num_threads`` is ignored."""
    labels = [np.asarray(targets)[start : start + n] for start, n in zip(target_offsets, target_lengths)]
    nll, grad = ctc_reference(
        log_probs, np.concatenate(labels + [np.zeros(0, np.int64)]), input_lengths, target_lengths, blank, zero_infinity
    )
    loss_out[...] = nll
    if grad_out is not None:
        grad_out[...] = grad * np.asarray(scale)[:, None]
    return float(nll.sum())
