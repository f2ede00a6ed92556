"""``minigrad.backends``: torch's backend switches that scripts set or query (``cudnn.benchmark = True``,
``mps.is_available()``), present so they run; none of them changes what minigrad computes on the CPU."""

from types import SimpleNamespace

__all__ = ["cudnn", "mps", "cuda"]


def _false():
    return False


mps = SimpleNamespace(is_available=_false, is_built=_false)
cudnn = SimpleNamespace(enabled=True, benchmark=False, deterministic=False, allow_tf32=True, is_available=_false)
cuda = SimpleNamespace(is_built=_false, matmul=SimpleNamespace(allow_tf32=False))
