"""``minigrad.accelerator``: torch's device-agnostic accelerator queries, answering "none" on the CPU."""

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    return False


def current_accelerator(check_available=False):
    """None: no accelerator (torch returns None too when there is none)."""
    return None


def device_count():
    return 0
