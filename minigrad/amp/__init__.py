"""``minigrad.amp``: torch's mixed-precision helpers that a CPU training script meets: ``GradScaler`` (loss
scaling, see ``grad_scaler``). ``minigrad.cuda.amp.GradScaler`` is the CUDA one, which disables itself here."""

from .grad_scaler import GradScaler

__all__ = ["GradScaler"]
