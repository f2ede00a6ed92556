"""Build script for minigrad's Cython kernels.

Every ``minigrad/_kernels/*.pyx`` file becomes one extension module. The build

* uses OpenMP when the C compiler supports ``-fopenmp`` and builds a serial version otherwise
  (Cython guards its ``prange`` pragmas, so the same source works both ways);
* compiles with ``-O3 -fno-math-errno`` and never ``-march=native`` or ``-ffast-math``
  (fast-math would break the inf/nan handling the losses rely on);
* turns Cython's bounds checking on when ``MINIGRAD_BOUNDSCHECK=1`` (a debug build for CI);
* builds only the kernels named in ``MINIGRAD_KERNELS=ctc,margin`` when that variable is set
  (handy while developing one kernel).
"""
import os
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

KERNEL_DIR = Path("minigrad") / "_kernels"


def _compiler_accepts(compiler, flags):
    """Return True if ``compiler`` compiles and links a tiny OpenMP program with ``flags``."""
    source = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.c"
        path.write_text(source)
        try:
            objects = compiler.compile([str(path)], output_dir=tmp, extra_postargs=flags)
            compiler.link_executable(objects, str(Path(tmp) / "probe"), extra_postargs=flags)
        except Exception:  # any compile or link failure means "no OpenMP"
            return False
    return True


class BuildKernels(build_ext):
    """build_ext that adds optimisation flags and OpenMP when the compiler has it."""

    def build_extensions(self):
        is_msvc = self.compiler.compiler_type == "msvc"
        base = ["/O2"] if is_msvc else ["-O3", "-fno-math-errno"]
        openmp = ["/openmp"] if is_msvc else ["-fopenmp"]
        use_openmp = os.environ.get("MINIGRAD_OPENMP", "1") != "0" and _compiler_accepts(self.compiler, openmp)
        print(f"minigrad: building kernels {'with' if use_openmp else 'without'} OpenMP", file=sys.stderr)
        for ext in self.extensions:
            ext.extra_compile_args = base + (openmp if use_openmp else [])
            ext.extra_link_args = openmp if use_openmp and not is_msvc else []
        super().build_extensions()


def _extensions():
    from Cython.Build import cythonize

    wanted = {name for name in os.environ.get("MINIGRAD_KERNELS", "").split(",") if name}
    sources = sorted(KERNEL_DIR.glob("*.pyx"))
    if wanted:
        sources = [s for s in sources if s.stem in wanted]
    extensions = [
        Extension(f"minigrad._kernels.{src.stem}", [str(src)], include_dirs=[str(KERNEL_DIR)])
        for src in sources
    ]
    checked = os.environ.get("MINIGRAD_BOUNDSCHECK") == "1"
    directives = {
        "language_level": 3,
        "boundscheck": checked,
        "wraparound": False,
        "initializedcheck": checked,
        "cdivision": True,
        "embedsignature": True,
    }
    return cythonize(extensions, compiler_directives=directives, quiet=True,
                     force=checked or os.environ.get("MINIGRAD_FORCE_CYTHONIZE") == "1")


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildKernels})
