"""Devices on a CPU-only library: ``minigrad.device`` as torch's, so "cuda if available else cpu" scripts run.

A ``device`` can name any device type (``device("cuda")`` is a valid object in torch without CUDA too); putting a
tensor there is what fails: ``check`` accepts the CPU and refuses the rest with an error naming the device.
"""

__all__ = ["device", "check", "CPU"]

_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "hpu", "privateuseone")


class device:
    """``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)``, ``device(other_device)``: a type and an
    optional index, compared and printed as torch's.

    >>> minigrad.device('cuda', 1)
    device(type='cuda', index=1)
    >>> minigrad.device('cpu') == minigrad.device('cpu')
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if isinstance(type, int):  # device(0): an accelerator index, as torch reads it
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        name, _, number = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}")
        if number:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {type}"
                )
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = name, index

    def __eq__(self, other):
        other = device(other) if isinstance(other, str) else other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return (
            f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"
        )


CPU = device("cpu")


def check(value):
    """``value`` (None, a string, an int or a ``device``) as the CPU device; any other device raises."""
    if value is None:
        return CPU
    requested = device(value)
    if requested.type != "cpu":
        raise RuntimeError(
            f"minigrad runs on the CPU only; got device {str(requested)!r} (torch.cuda and other "
            "accelerators are not available: minigrad.cuda.is_available() is False)"
        )
    return CPU
