"""``minigrad.backends.cudnn``: cuDNN's switches, settable and readable as in torch (``import torch.backends.cudnn as
cudnn; cudnn.benchmark = True``); minigrad has no cuDNN, so ``is_available()`` is False and the flags change nothing."""

__all__ = ["enabled", "benchmark", "deterministic", "allow_tf32", "is_available", "version"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: minigrad computes on the CPU without cuDNN."""
    return False


def version():
    """None, as torch answers when cuDNN is not available."""
    return None
