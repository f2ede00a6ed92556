"""``python -m minigrad.distributed.run --nproc-per-node N train.py ARGS``: start N ranks, shaped like ``torchrun``.

It runs the script under MPI's own launcher (``mpiexec``, from mpich's PyPI package or the system), gives every
rank its share of the cores — ``OMP_NUM_THREADS``, minigrad's kernel threads and the BLAS threads all set to
cores / N, since two ranks each starting two threads on two cores run many times slower — and exits with the job's
status. A rank that fails ends the job: the launcher stops the other ranks when one exits with an error, and
``init_process_group`` aborts the communicator on an uncaught exception.
"""

import argparse
import os
import shutil
import subprocess
import sys

__all__ = ["main", "command"]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _launcher():
    beside_python = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = beside_python if os.path.exists(beside_python) else shutil.which("mpiexec")
    if found is None:
        raise SystemExit("minigrad.distributed.run needs mpiexec: pip install mpi4py mpich (or minigrad[distributed])")
    return found


def command(nproc, script, script_args, hostfile=None):
    """The mpiexec command line that starts ``nproc`` ranks of ``script``."""
    line = [_launcher(), "-n", str(nproc)]
    if hostfile:
        line += ["-f", hostfile]
    return line + [sys.executable, "-u", script] + list(script_args)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m minigrad.distributed.run",
        description="Start a data-parallel minigrad job on MPI (like torchrun).",
    )
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1)
    parser.add_argument("--hostfile", help="MPI hostfile for several machines")
    parser.add_argument("--threads-per-rank", type=int, help="threads each rank may use (default: cores / ranks)")
    parser.add_argument("script")
    parser.add_argument("script_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = args.threads_per_rank or max(1, cores // args.nproc_per_node)
    environment = dict(os.environ, **{name: str(threads) for name in _THREAD_VARIABLES})
    return subprocess.run(
        command(args.nproc_per_node, args.script, args.script_args, args.hostfile), env=environment
    ).returncode


if __name__ == "__main__":
    sys.exit(main())
