"""Build script for minigrad's Cython kernels.

Every ``minigrad/_kernels/*.pyx`` file becomes one extension module. The build

* compiles the extensions in parallel, one job per available core, longest first (``-j N`` overrides);
* puts the C code every kernel would otherwise repeat (Cython's memoryview and helper code) in one shared module,
  ``minigrad._kernels._cyutility``, and compiles without debug info (``-g0``): together these halve the compile
  time. ``MINIGRAD_DEBUG_INFO=1`` keeps the interpreter's ``-g`` (for debuggers and sanitizers);
* keeps Cython's generated C under ``build/cython/<variant>/`` and reuses it while the ``.pyx`` and what it
  cimports or includes are unchanged; the release and bounds-checked variants each have their own C, and the
  compiled modules are rebuilt whenever the build configuration changes (``build/minigrad-build-config``);
* uses OpenMP when the C compiler supports ``-fopenmp`` and builds a serial version otherwise
  (Cython guards its ``prange`` pragmas, so the same source works both ways), and prints which kernels it built
  with and without OpenMP;
* compiles with ``-O3 -fno-math-errno`` and never ``-march=native`` or ``-ffast-math``
  (fast-math would break the inf/nan handling the losses rely on);
* turns Cython's bounds checking on when ``MINIGRAD_BOUNDSCHECK=1`` (a debug build for CI);
* builds only the kernels named in ``MINIGRAD_KERNELS=ctc,margin`` when that variable is set
  (handy while developing one kernel);
* also compiles the per-op path (``minigrad/autograd/{engine,function,tensor}.py``, with the C types of the
  ``.pxd`` beside them, and the ops modules most small ops pass through, see ``CORE_MODULES``) in Cython's
  pure-Python mode: rebuild after editing those files (a test fails while a compiled one is older than its source),
  or delete their ``.so`` to run the source as it is.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import Cython
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

KERNEL_DIR = Path("minigrad") / "_kernels"
# The per-op path, compiled as it is written: Cython's pure-Python mode, so the .py stays the one source (the
# package runs on it where nothing was built) and the compiled module next to it is what imports. Python's semantics
# are kept, so none of the kernels' directives (wraparound, cdivision) apply. The autograd core (Tensor,
# Function.apply, the engine) also has its hot fields typed, by the .pxd beside each module (C struct members); the
# ops modules that most small ops pass through (and _blas, which matmul and linear call) are compiled untyped (a
# compiled frame costs less than an interpreted one). bench_small_ops single-threaded: median 0.85 -> 0.68 of torch's
# time (core untyped) -> ~0.5 (typed + ops); linalg, logic, methods and _blas: matmul and linear -8 % instructions.
CORE_MODULES = (
    [Path("minigrad") / "autograd" / f"{name}.py" for name in ("node", "engine", "function", "tensor")]
    + [
        Path("minigrad") / "ops" / f"{name}.py"
        for name in (
            "_util",
            "elementwise",
            "reduce",
            "activation",
            "shape",
            "slicing",
            "products",
            "linalg",
            "logic",
            "methods",
        )
    ]
    + [Path("minigrad") / "_blas.py"]
)
SHARED_UTILITY = "minigrad._kernels._cyutility"
CONFIG_STAMP = Path("build") / "minigrad-build-config"
MIN_CYTHON = (3, 1)  # the first Cython with a shared utility module


def _env_flag(name, default="0"):
    return os.environ.get(name, default) == "1"


def _cores():
    """Cores this process may run on (the affinity mask, not the machine's count, where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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


def _build_config():
    """Everything besides the sources that changes the compiled modules, one ``name=value`` a line."""
    names = ("MINIGRAD_BOUNDSCHECK", "MINIGRAD_OPENMP", "MINIGRAD_DEBUG_INFO", "CC", "CFLAGS", "LDFLAGS")
    return "".join(f"{name}={os.environ.get(name, '')}\n" for name in names)


def _config_stamp():
    """Path of a file whose timestamp is the last change of build configuration (rewritten only on a change).

    Each extension depends on it, so switching between, say, the bounds-checked and the release build recompiles
    the in-place modules even though their sources did not change.
    """
    config = _build_config()
    if not CONFIG_STAMP.exists() or CONFIG_STAMP.read_text() != config:
        CONFIG_STAMP.parent.mkdir(parents=True, exist_ok=True)
        CONFIG_STAMP.write_text(config)
    return str(CONFIG_STAMP)


class BuildKernels(build_ext):
    """build_ext that compiles in parallel, adds optimisation flags, and OpenMP when the compiler has it."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:  # neither -j nor a setup.cfg value: one job per core
            self.parallel = _cores()

    def build_extensions(self):
        is_msvc = self.compiler.compiler_type == "msvc"
        base = ["/O2"] if is_msvc else ["-O3", "-fno-math-errno"]
        if not is_msvc and not _env_flag("MINIGRAD_DEBUG_INFO"):
            base.append("-g0")  # last on the command line, so it wins over the interpreter's -g
        openmp = ["/openmp"] if is_msvc else ["-fopenmp"]
        use_openmp = _env_flag("MINIGRAD_OPENMP", "1") and _compiler_accepts(self.compiler, openmp)
        threaded = {}
        for ext in self.extensions:
            # the shared utility module has no parallel loops: it needs no OpenMP runtime
            threaded[ext.name] = use_openmp and ext.name.startswith("minigrad._kernels.") and ext.name != SHARED_UTILITY
            ext.extra_compile_args = base + (openmp if threaded[ext.name] else [])
            ext.extra_link_args = openmp if threaded[ext.name] and not is_msvc else []
        # Longest first, so that the last job to start is a short one (C size is a good proxy for compile time).
        self.extensions.sort(key=lambda ext: -sum(os.path.getsize(s) for s in ext.sources))
        before = {ext.name: _mtime(self.get_ext_fullpath(ext.name)) for ext in self.extensions}
        start = time.perf_counter()
        super().build_extensions()
        built = sorted(
            ext.name for ext in self.extensions if _mtime(self.get_ext_fullpath(ext.name)) != before[ext.name]
        )
        print(
            _report(built, threaded, len(self.extensions), self.parallel, time.perf_counter() - start), file=sys.stderr
        )


def _mtime(path):
    return os.path.getmtime(path) if os.path.exists(path) else None


def _report(built, threaded, total, jobs, seconds):
    """The build's summary: how many extensions were compiled, how fast, and which with OpenMP."""
    if not built:
        return f"minigrad: all {total} extensions up to date"
    short = {name: name.rsplit(".", 1)[-1] for name in built}
    with_openmp = ", ".join(short[name] for name in built if threaded[name]) or "none"
    without_openmp = ", ".join(short[name] for name in built if not threaded[name]) or "none"
    return (
        f"minigrad: compiled {len(built)} of {total} extensions in {seconds:.1f} s, {jobs or 1} parallel job(s)\n"
        f"minigrad:   with OpenMP: {with_openmp}\n"
        f"minigrad:   without OpenMP: {without_openmp}"
    )


def _extensions():
    if tuple(int(part) for part in Cython.__version__.split(".")[:2]) < MIN_CYTHON:
        sys.exit(
            f"minigrad's kernels need Cython >= {'.'.join(map(str, MIN_CYTHON))} "
            f"(found {Cython.__version__}): pip install -U Cython"
        )
    wanted = {name for name in os.environ.get("MINIGRAD_KERNELS", "").split(",") if name}
    sources = sorted(KERNEL_DIR.glob("*.pyx"))
    if wanted:
        sources = [s for s in sources if s.stem in wanted]
    # Cython tracks what a .pyx cimports and names in `cdef extern from`, not what those headers include in turn
    depends = [_config_stamp(), *map(str, sorted(KERNEL_DIR.glob("*.h")))]
    extensions = [
        Extension(f"minigrad._kernels.{src.stem}", [str(src)], include_dirs=[str(KERNEL_DIR)], depends=depends)
        for src in sources
    ]
    extensions.append(Extension(SHARED_UTILITY, [str(KERNEL_DIR / "_cyutility.c")], depends=depends[:1]))
    checked = _env_flag("MINIGRAD_BOUNDSCHECK")
    directives = {
        "language_level": 3,
        "boundscheck": checked,
        "wraparound": False,
        "initializedcheck": checked,
        "cdivision": True,
        "embedsignature": True,
    }
    core = [
        Extension(".".join(src.with_suffix("").parts), [str(src)], depends=depends[:1])
        for src in CORE_MODULES
        if not wanted or src.stem in wanted
    ]
    return cythonize(
        extensions,
        compiler_directives=directives,
        quiet=True,
        build_dir=str(Path("build") / "cython" / ("boundscheck" if checked else "release")),
        shared_utility_qualified_name=SHARED_UTILITY,
        force=_env_flag("MINIGRAD_FORCE_CYTHONIZE"),
    ) + (
        cythonize(
            core,
            # (no __test__ dict of docstrings: pytest collects the module's doctests itself, see conftest.py)
            compiler_directives={"language_level": 3, "binding": True, "autotestdict": False},
            quiet=True,
            build_dir=str(Path("build") / "cython" / "core"),
            force=_env_flag("MINIGRAD_FORCE_CYTHONIZE"),
        )
        if core
        else []
    )


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildKernels})
