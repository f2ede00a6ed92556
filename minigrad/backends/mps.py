"""``minigrad.backends.mps``: Apple's Metal backend, which minigrad does not have (scripts ask before choosing a
device: ``torch.backends.mps.is_available()``)."""

__all__ = ["is_available", "is_built"]


def is_available():
    """False: minigrad computes on the CPU only."""
    return False


def is_built():
    """False: minigrad is not built with Metal support."""
    return False
