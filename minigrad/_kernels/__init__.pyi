# For type checkers only (Python ignores .pyi files; minigrad._kernels stays a namespace package of compiled
# modules). The Cython kernels have no stubs: to mypy, every kernel module and its functions are Any. Their
# arguments are checked in Python before each call, and the kernels by their own tests.
from typing import Any

def __getattr__(name: str) -> Any: ...
