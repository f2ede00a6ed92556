"""``minigrad.backends.cuda``: CUDA's switches that scripts set (``torch.backends.cuda.matmul.allow_tf32 = True``);
minigrad has no CUDA, so they change nothing."""

from types import SimpleNamespace

__all__ = ["is_built", "matmul"]

# torch's ``matmul`` is an object with settable flags; a namespace keeps assignments to them working
matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built():
    """False: minigrad is not built with CUDA."""
    return False
