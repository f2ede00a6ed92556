"""A tour of every loss: each one on a tiny worked example, its value and gradient next to its formula.

    python examples/loss_tour.py              # all of them
    python examples/loss_tour.py --only ctc   # the ones whose name contains "ctc"

For each loss the tour prints the formula and its gradient, the inputs, then minigrad's value and the gradient
autograd computes for the first input — and, next to them, the same numbers evaluated "by hand" from the formula
with plain NumPy (where the gradient formula is too long to write out, it is checked with gradcheck instead).
Every reduction is PyTorch's default, 'mean', unless the call says otherwise; n is the number of elements and N the
batch size. The plot shows each loss and its derivative as the first input element moves. The exit status is 1 if
any value disagrees with its formula.
"""

import argparse
import os
from dataclasses import dataclass
from typing import Callable, Optional

import matplotlib
import numpy as np
from tqdm import tqdm

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


@dataclass
class Case:
    """One loss on one example. ``inputs`` are NumPy arrays; the first one is the input differentiated."""

    name: str  # the torch.nn module
    call: str  # how the functional is called
    formula: str
    gradient: str  # d loss / d (first input)
    inputs: dict
    loss: Callable  # tensors (in the order of ``inputs``) -> loss tensor
    value: float  # the formula evaluated with NumPy
    grad: Optional[np.ndarray]  # the gradient formula evaluated with NumPy; None: checked by gradcheck
    note: str = ""


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def log_softmax(x):
    shifted = x - x.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def onehot(y, classes):
    return np.eye(classes)[y]


# small shared examples: float64 so that the by-hand numbers match to the last digits
X = np.array([0.3, -1.5, 2.0])
Y = np.array([0.0, 0.0, 3.5])
D = X - Y
LOGITS = np.array([[1.0, 2.0, 0.5], [0.2, -1.0, 1.5]])
CLASSES = np.array([0, 2])
SCORES = np.array([[0.1, 0.2, 0.4, 0.8]])


def regression_cases():
    z = np.abs(D)
    yield Case(
        "L1Loss",
        "F.l1_loss(x, y)",
        "mean_i |x_i - y_i|",
        "sign(x - y) / n",
        {"x": X, "y": Y},
        F.l1_loss,
        z.mean(),
        np.sign(D) / D.size,
    )
    yield Case(
        "MSELoss",
        "F.mse_loss(x, y)",
        "mean_i (x_i - y_i)²",
        "2 (x - y) / n",
        {"x": X, "y": Y},
        F.mse_loss,
        (D**2).mean(),
        2 * D / D.size,
    )
    beta = 1.0
    yield Case(
        "SmoothL1Loss",
        "F.smooth_l1_loss(x, y, beta=1.0)",
        "mean_i [ 0.5 z²/beta if z < beta else z - 0.5 beta ],  z = |x_i - y_i|",
        "(x - y)/beta inside, sign(x - y) outside; / n",
        {"x": X, "y": Y},
        lambda x, y: F.smooth_l1_loss(x, y, beta=beta),
        np.where(z < beta, 0.5 * z**2 / beta, z - 0.5 * beta).mean(),
        np.where(z < beta, D / beta, np.sign(D)) / D.size,
    )
    delta = 0.5
    yield Case(
        "HuberLoss",
        "F.huber_loss(x, y, delta=0.5)",
        "mean_i [ 0.5 z² if z < delta else delta (z - 0.5 delta) ],  z = |x_i - y_i|",
        "(x - y) inside, delta sign(x - y) outside; / n",
        {"x": X, "y": Y},
        lambda x, y: F.huber_loss(x, y, delta=delta),
        np.where(z < delta, 0.5 * z**2, delta * (z - 0.5 * delta)).mean(),
        np.where(z < delta, D, delta * np.sign(D)) / D.size,
        note="Huber(delta) = delta * SmoothL1(beta=delta); the two coincide only for delta = beta = 1",
    )


def classification_cases():
    lp = log_softmax(LOGITS)
    N, C = LOGITS.shape
    p = np.exp(lp)
    yield Case(
        "NLLLoss",
        "F.nll_loss(logp, y)",
        "mean_n -logp[n, y_n]",
        "-1/N at (n, y_n), 0 elsewhere",
        {"logp": lp, "y": CLASSES},
        F.nll_loss,
        -lp[np.arange(N), CLASSES].mean(),
        -onehot(CLASSES, C) / N,
    )
    yield Case(
        "CrossEntropyLoss",
        "F.cross_entropy(x, y)",
        "mean_n [ logsumexp(x_n) - x[n, y_n] ]",
        "(softmax(x_n) - onehot(y_n)) / N",
        {"x": LOGITS, "y": CLASSES},
        F.cross_entropy,
        -lp[np.arange(N), CLASSES].mean(),
        (p - onehot(CLASSES, C)) / N,
    )
    targets, weight = np.array([0, 2, -100]), np.array([1.0, 2.0, 0.5])
    logits = np.vstack([LOGITS, [[0.3, 0.3, 0.3]]])
    lp3, valid = log_softmax(logits), targets != -100
    w = np.where(valid, weight[np.where(valid, targets, 0)], 0.0)
    picked = lp3[np.arange(3), np.where(valid, targets, 0)]
    yield Case(
        "CrossEntropyLoss(weight, ignore_index)",
        "F.cross_entropy(x, y, weight=w, ignore_index=-100)",
        "Σ_n w[y_n] (-logsoftmax(x_n)[y_n]) / Σ_n w[y_n]   over the rows with y_n != ignore_index",
        "w[y_n] (softmax(x_n) - onehot(y_n)) / Σ w[y_n]; ignored rows get 0",
        {"x": logits, "y": targets, "w": weight},
        lambda x, y, w: F.cross_entropy(x, y, weight=w, ignore_index=-100),
        -(w * picked).sum() / w.sum(),
        w[:, None] * (np.exp(lp3) - onehot(np.where(valid, targets, 0), C)) / w.sum(),
        note="the mean divides by the summed weights of the targets present, not by N",
    )
    eps = 0.1
    smoothed = (1 - eps) * onehot(CLASSES, C) + eps / C
    yield Case(
        "CrossEntropyLoss(label_smoothing)",
        "F.cross_entropy(x, y, label_smoothing=0.1)",
        "mean_n [ (1-eps) (-lp[n, y_n]) + (eps/C) Σ_c (-lp[n, c]) ],  lp = log_softmax(x)",
        "(softmax(x_n) - ((1-eps) onehot(y_n) + eps/C)) / N",
        {"x": LOGITS, "y": CLASSES},
        lambda x, y: F.cross_entropy(x, y, label_smoothing=eps),
        -(smoothed * lp).sum(1).mean(),
        (p - smoothed) / N,
    )
    probabilities = np.array([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5]])
    yield Case(
        "CrossEntropyLoss(probabilities)",
        "F.cross_entropy(x, t)  # t has x's shape: class probabilities",
        "mean_n -Σ_c t[n, c] log_softmax(x_n)[c]",
        "(softmax(x_n) Σ_c t[n, c] - t_n) / N",
        {"x": LOGITS, "t": probabilities},
        F.cross_entropy,
        -(probabilities * lp).sum(1).mean(),
        (p * probabilities.sum(1, keepdims=True) - probabilities) / N,
    )


def probabilistic_cases():
    prob, target = np.array([0.8, 0.3, 0.6]), np.array([1.0, 0.0, 0.0])
    yield Case(
        "BCELoss",
        "F.binary_cross_entropy(p, y)",
        "mean_i -[ y log p + (1 - y) log(1 - p) ]",
        "(p - y) / (p (1 - p)) / n",
        {"p": prob, "y": target},
        F.binary_cross_entropy,
        -(target * np.log(prob) + (1 - target) * np.log1p(-prob)).mean(),
        (prob - target) / (prob * (1 - prob)) / prob.size,
        note="each log is clamped at -100, so p = 0 or 1 gives a finite loss (as in PyTorch)",
    )
    logits, labels = np.array([1.2, -0.5, 0.3]), np.array([1.0, 0.0, 1.0])
    yield Case(
        "BCEWithLogitsLoss",
        "F.binary_cross_entropy_with_logits(x, y)",
        "mean_i [ (1 - y) x - log sigmoid(x) ]  (= BCE(sigmoid(x), y), computed stably)",
        "(sigmoid(x) - y) / n",
        {"x": logits, "y": labels},
        F.binary_cross_entropy_with_logits,
        ((1 - labels) * logits + np.log1p(np.exp(-logits))).mean(),
        (sigmoid(logits) - labels) / logits.size,
    )
    log_q, p = log_softmax(LOGITS), np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    yield Case(
        "KLDivLoss",
        "F.kl_div(logq, p, reduction='batchmean')",
        "Σ_{n,c} p (log p - logq) / N   (the input is log-probabilities, the target probabilities)",
        "-p / N",
        {"logq": log_q, "p": p},
        lambda x, t: F.kl_div(x, t, reduction="batchmean"),
        (p * (np.log(p) - log_q)).sum() / len(p),
        -p / len(p),
        note="'batchmean' is the true KL divergence per sample; 'mean' divides by every element",
    )
    log_rate, counts = np.array([0.5, -1.0, 1.2]), np.array([2.0, 0.0, 3.0])
    yield Case(
        "PoissonNLLLoss",
        "F.poisson_nll_loss(x, k)  # log_input=True: x is the log-rate",
        "mean_i [ exp(x) - k x ]  (+ Stirling's log k! with full=True)",
        "(exp(x) - k) / n",
        {"x": log_rate, "k": counts},
        F.poisson_nll_loss,
        (np.exp(log_rate) - counts * log_rate).mean(),
        (np.exp(log_rate) - counts) / counts.size,
    )
    mean, var = np.array([0.3, -1.5, 2.0]), np.array([0.5, 1.0, 2.0])
    yield Case(
        "GaussianNLLLoss",
        "F.gaussian_nll_loss(mu, y, var)",
        "mean_i 0.5 [ log var + (mu - y)² / var ]  (var clamped at eps = 1e-6)",
        "(mu - y) / var / n",
        {"mu": mean, "y": Y, "var": var},
        F.gaussian_nll_loss,
        (0.5 * (np.log(var) + (mean - Y) ** 2 / var)).mean(),
        (mean - Y) / var / Y.size,
    )
    scores, signs = np.array([0.5, -1.2, 2.0]), np.array([1.0, 1.0, -1.0])
    yield Case(
        "SoftMarginLoss",
        "F.soft_margin_loss(x, y)  # y = ±1",
        "mean_i log(1 + exp(-y x))",
        "-y sigmoid(-y x) / n",
        {"x": scores, "y": signs},
        F.soft_margin_loss,
        np.log1p(np.exp(-signs * scores)).mean(),
        -signs * sigmoid(-signs * scores) / scores.size,
    )
    multi = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    yield Case(
        "MultiLabelSoftMarginLoss",
        "F.multilabel_soft_margin_loss(x, y)  # y: 0/1 per class",
        "mean_n (1/C) Σ_c -[ y log sigmoid(x) + (1 - y) log sigmoid(-x) ]",
        "(sigmoid(x) - y) / (C N)",
        {"x": LOGITS, "y": multi},
        F.multilabel_soft_margin_loss,
        (-(multi * np.log(sigmoid(LOGITS)) + (1 - multi) * np.log(sigmoid(-LOGITS)))).mean(),
        (sigmoid(LOGITS) - multi) / LOGITS.size,
    )


def margin_cases():
    x, y, margin = np.array([0.3, 1.5, -0.2, 0.8]), np.array([1.0, -1.0, -1.0, 1.0]), 1.0
    yield Case(
        "HingeEmbeddingLoss",
        "F.hinge_embedding_loss(x, y, margin=1.0)  # y = ±1",
        "mean_i [ x if y = 1;  max(0, margin - x) if y = -1 ]",
        "1 if y = 1;  -1 if y = -1 and margin - x >= 0;  / n",
        {"x": x, "y": y},
        F.hinge_embedding_loss,
        np.where(y == 1, x, np.maximum(0, margin - x)).mean(),
        np.where(y == 1, 1.0, np.where(margin - x >= 0, -1.0, 0.0)) / x.size,
    )
    target = np.array([3])
    z = 1 - SCORES[0, 3] + SCORES[0]
    active = (z > 0) & (np.arange(4) != 3)
    yield Case(
        "MultiMarginLoss",
        "F.multi_margin_loss(x, y)  # p=1, margin=1",
        "mean_n (1/C) Σ_{i != y_n} max(0, margin - x[n, y_n] + x[n, i])",
        "1/C for each active i, minus their count / C at y_n; / N",
        {"x": SCORES, "y": target},
        F.multi_margin_loss,
        np.where(active, z, 0).sum() / 4,
        np.where(active, 1.0, 0.0)[None] / 4 - np.eye(4)[3][None] * active.sum() / 4,
    )
    labels = np.array([[3, 0, -1, 1]])
    present, absent = [3, 0], [1, 2]
    grad = np.zeros(4)
    total = 0.0
    for j in present:
        for i in absent:
            slack = 1 - (SCORES[0, j] - SCORES[0, i])
            total += max(0.0, slack)
            if slack > 0:
                grad[i] += 1 / 4
                grad[j] -= 1 / 4
    yield Case(
        "MultiLabelMarginLoss",
        "F.multilabel_margin_loss(x, y)  # y lists the target classes, -1 ends it",
        "mean_n (1/C) Σ_{j in targets} Σ_{i not in targets} max(0, 1 - (x[j] - x[i]))",
        "+1/C at i and -1/C at j for each pair with a positive term; / N",
        {"x": SCORES, "y": labels},
        F.multilabel_margin_loss,
        total / 4,
        grad[None],
        note="targets 3 and 0 (the list stops at the -1); the classes after it do not matter",
    )
    x1, x2, sign, m = np.array([0.8, -0.3, 0.5]), np.array([0.2, 0.4, 0.5]), np.array([1.0, 1.0, -1.0]), 0.1
    slack = -sign * (x1 - x2) + m
    yield Case(
        "MarginRankingLoss",
        "F.margin_ranking_loss(x1, x2, y, margin=0.1)  # y = 1: x1 should rank higher",
        "mean_i max(0, -y (x1 - x2) + margin)",
        "-y where the term is >= 0; / n",
        {"x1": x1, "x2": x2, "y": sign},
        lambda a, b, c: F.margin_ranking_loss(a, b, c, margin=m),
        np.maximum(0, slack).mean(),
        np.where(slack >= 0, -sign, 0) / x1.size,
    )
    a = np.array([[0.0, 1.0], [1.0, 1.0]])
    p = np.array([[0.5, 1.5], [1.0, 0.0]])
    n = np.array([[1.0, 1.0], [1.5, 1.0]])
    eps = 1e-6
    d_ap, d_an = np.linalg.norm(a - p + eps, axis=1), np.linalg.norm(a - n + eps, axis=1)
    slack = 1.0 + d_ap - d_an
    grad = np.where(slack[:, None] >= 0, (a - p + eps) / d_ap[:, None] - (a - n + eps) / d_an[:, None], 0) / len(a)
    yield Case(
        "TripletMarginLoss",
        "F.triplet_margin_loss(a, p, n, margin=1.0)",
        "mean_n max(0, margin + d(a, p) - d(a, n)),  d(u, v) = ||u - v + eps||_2",
        "(a - p + eps)/d(a, p) - (a - n + eps)/d(a, n) where active; / N",
        {"a": a, "p": p, "n": n},
        F.triplet_margin_loss,
        np.maximum(0, slack).mean(),
        grad,
    )

    def cosine_distance(u, v):
        return 1 - F.cosine_similarity(u, v)

    def cos(u, v):
        return (u * v).sum(1) / np.maximum(np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1), 1e-8)

    yield Case(
        "TripletMarginWithDistanceLoss",
        "F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine_distance, margin=0.5)",
        "mean_n max(0, margin + D(a, p) - D(a, n)),  D(u, v) = 1 - cos(u, v)",
        "by autograd",
        {"a": a + 0.1, "p": p, "n": n},
        lambda u, v, w: F.triplet_margin_with_distance_loss(u, v, w, distance_function=cosine_distance, margin=0.5),
        np.maximum(0, 0.5 + (1 - cos(a + 0.1, p)) - (1 - cos(a + 0.1, n))).mean(),
        None,
    )
    u, v, signs = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([[2.0, 1.0], [1.0, -1.5]]), np.array([1.0, -1.0])
    norms = np.sqrt(((u**2).sum(1) + 1e-12) * ((v**2).sum(1) + 1e-12))
    c = (u * v).sum(1) / norms
    d_cos = v / norms[:, None] - c[:, None] * u / ((u**2).sum(1) + 1e-12)[:, None]
    yield Case(
        "CosineEmbeddingLoss",
        "F.cosine_embedding_loss(x1, x2, y, margin=0.2)  # y = ±1",
        "mean_n [ 1 - cos(x1, x2) if y = 1;  max(0, cos(x1, x2) - margin) if y = -1 ]",
        "-dcos/dx1 if y = 1;  dcos/dx1 where cos >= margin if y = -1;  / N",
        {"x1": u, "x2": v, "y": signs},
        lambda a_, b_, y_: F.cosine_embedding_loss(a_, b_, y_, margin=0.2),
        np.where(signs == 1, 1 - c, np.maximum(0, c - 0.2)).mean(),
        np.where((signs == 1)[:, None], -d_cos, np.where((c >= 0.2)[:, None], d_cos, 0)) / len(u),
    )


def ctc_case():
    # T = 2 steps, classes {0: blank, 1: 'a'}, target "a": the alignments are "aa", "a-" and "-a"
    logits = np.array([[[0.2, 1.0]], [[0.5, -0.3]]])  # (T, N=1, C=2)
    lp = log_softmax(logits)
    prob = np.exp(lp[:, 0])
    paths = [(1, 1), (1, 0), (0, 1)]
    path_probability = np.array([prob[0, s0] * prob[1, s1] for s0, s1 in paths])
    total = path_probability.sum()
    occupancy = np.zeros((2, 2))  # gamma[t, c]: share of the total probability passing through class c at step t
    for (s0, s1), pp in zip(paths, path_probability):
        occupancy[0, s0] += pp / total
        occupancy[1, s1] += pp / total
    yield Case(
        "CTCLoss",
        "F.ctc_loss(logp, targets=[[1]], input_lengths=[2], target_lengths=[1])",
        "-log Σ_{alignments π that collapse to the target} Π_t p_t(π_t)   (/ target length, mean over N)",
        "-gamma[t, c] = -(probability of the alignments through c at t) / (total probability)",
        {"logp": lp, "targets": np.array([[1]]), "input_lengths": np.array([2]), "target_lengths": np.array([1])},
        F.ctc_loss,
        -np.log(total),
        -occupancy[:, None, :],
        note="minigrad returns the true derivative -gamma; PyTorch returns exp(logp) - gamma, which only "
        "agrees after log_softmax's backward (docs/losses.md)",
    )


def focal_case():
    logits, labels = np.array([1.2, -0.5, 0.3, -2.0]), np.array([1.0, 0.0, 1.0, 0.0])
    p = sigmoid(logits)
    p_t = p * labels + (1 - p) * (1 - labels)
    alpha_t = 0.25 * labels + 0.75 * (1 - labels)
    yield Case(
        "FocalLoss",
        "F.sigmoid_focal_loss(x, y, alpha=0.25, gamma=2, reduction='mean')  # torchvision's",
        "mean_i alpha_t (1 - p_t)^gamma BCE(sigmoid(x), y),  p_t = p y + (1 - p)(1 - y)",
        "by autograd",
        {"x": logits, "y": labels},
        lambda x, y: F.sigmoid_focal_loss(x, y, reduction="mean"),
        (alpha_t * (1 - p_t) ** 2 * -np.log(p_t)).mean(),
        None,
    )


def all_cases():
    for group in (regression_cases, classification_cases, probabilistic_cases, margin_cases, ctc_case, focal_case):
        yield from group()


def as_tensor(array, differentiate):
    tensor = minigrad.tensor(array, dtype=minigrad.float64 if array.dtype.kind == "f" else minigrad.int64)
    return tensor.requires_grad_() if differentiate else tensor


def evaluate(case, first=None):
    """The loss and the gradient w.r.t. the first input (optionally replaced by ``first``)."""
    arrays = list(case.inputs.values())
    if first is not None:
        arrays[0] = first
    tensors = [as_tensor(a, i == 0) for i, a in enumerate(arrays)]
    loss = case.loss(*tensors)
    loss.backward()
    return loss.item(), tensors[0].grad.numpy()


def fmt(array):
    """Compact one-line form (``+ 0`` prints -0.0 as 0)."""
    return np.array2string(
        np.asarray(array) + 0, precision=4, suppress_small=True, separator=", ", max_line_width=200
    ).replace("\n", "")


def show(case):
    """Print one case; returns True when minigrad agrees with the formula."""
    value, grad = evaluate(case)
    print(f"\n── {case.name} ── {case.call}")
    print(f"   {'formula':14s} {case.formula}")
    print(f"   {'gradient':14s} {case.gradient}")
    for name, array in case.inputs.items():
        print(f"   {name:14s} {fmt(array)}")
    value_ok = np.isclose(value, case.value, rtol=1e-7, atol=1e-10)
    print(f"   {'loss':14s} {value:.6f}   by hand {case.value:.6f}  {'✓' if value_ok else '✗ MISMATCH'}")
    label = f"dloss/d{next(iter(case.inputs))}"
    if case.grad is not None:
        grad_ok = np.allclose(grad, case.grad, rtol=1e-6, atol=1e-9)
        print(f"   {label:14s} {fmt(grad)}   by hand {fmt(case.grad)}  {'✓' if grad_ok else '✗ MISMATCH'}")
    else:
        tensors = [as_tensor(a, i == 0) for i, a in enumerate(case.inputs.values())]
        grad_ok = gradcheck(lambda x: case.loss(x, *tensors[1:]), (tensors[0],), raise_exception=False)
        print(f"   {label:14s} {fmt(grad)}   gradcheck {'✓' if grad_ok else '✗ MISMATCH'}")
    if case.note:
        print(f"   {'note':14s} {case.note}")
    return value_ok and grad_ok


def plot(cases, path, points=41):
    """Each loss (and its derivative) as the first element of its first input moves around its value."""
    columns = 5
    rows = -(-len(cases) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False)
    for ax, case in tqdm(zip(axes.flat, cases), total=len(cases), desc="plotting", leave=False):
        start = next(iter(case.inputs.values()))
        centre = start.flat[0]
        # probabilities must stay in (0, 1); everything else moves by ±2
        low, high = (0.02, 0.98) if case.name == "BCELoss" else (centre - 2, centre + 2)
        sweep = np.linspace(low, high, points)
        values, slopes = [], []
        for s in sweep:
            moved = start.copy()
            moved.flat[0] = s
            value, grad = evaluate(case, moved)
            values.append(value)
            slopes.append(grad.flat[0])
        ax.plot(sweep, values, label="loss")
        ax.plot(sweep, slopes, "--", label="d loss / d x₀")
        ax.axvline(centre, color="grey", lw=0.8)
        ax.set_title(case.name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(cases) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("every loss and its derivative along the first input element (grey: the worked example)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--only", default="", help="show only the losses whose name contains this (any case)")
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the plot goes")
    args = parser.parse_args()
    cases = [case for case in all_cases() if args.only.lower() in case.name.lower()]
    if not cases:
        raise SystemExit(f"no loss matches --only {args.only!r}")
    agree = [show(case) for case in cases]
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "loss_tour.png")
    plot(cases, path)
    print(f"\nplot: {path}")
    print(f"{sum(agree)} of {len(cases)} losses agree with their formulas")
    if not all(agree):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
