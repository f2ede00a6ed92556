"""Plain NumPy twin of the embedding kernel (``minigrad._kernels.embedding``), written to be read."""

import numpy as np

__all__ = ["row_scatter"]


def row_scatter(values, indices, scale, out, num_threads):
    """``out[r] = Σ_{k: indices[k] = r} scale[k]·values[k]`` (scale None: ones), zero rows where no index is ``r``:
    the positions sorted stably by index, each run of one index added up in order (``np.add.reduceat``).
    ``num_threads`` is accepted and ignored."""
    if scale is not None:
        values = values * scale[:, None].astype(values.dtype)
    out[...] = 0
    if indices.size:
        order = np.argsort(indices, kind="stable")
        ordered = indices[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        out[ordered[starts]] = np.add.reduceat(values[order], starts, axis=0)
