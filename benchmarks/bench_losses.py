"""Every kernel-backed loss, forward + backward in float32, minigrad and torch in one process, one table.

    python benchmarks/bench_losses.py [--repeats 50] [--json benchmarks/results/losses.json]

Runs the workloads of bench_ce.py (cross-entropy / NLL), bench_ctc.py (CTC) and bench_margin.py (margin and
elementwise losses), prints medians and the ratio minigrad/torch against each target, then ce 4096x1000's effective
bandwidth and CTC's 1 -> 2 thread speed-up. The libraries are timed in alternating rounds (see _timing.py).
"""

import bench_ce
import bench_ctc
import bench_margin
from _timing import run_benchmark


def measure(torch, repeats):
    """All three files' rows in one table, then each file's extra report."""
    rows, reports = [], []
    for module in (bench_ce, bench_ctc, bench_margin):
        module_rows, report = module.measure(torch, repeats)
        rows += module_rows
        if report is not None:
            reports.append(report)

    def report_all():
        for i, report in enumerate(reports):
            if i:
                print()
            report()

    return rows, report_all


if __name__ == "__main__":
    run_benchmark(measure, __doc__.splitlines()[0])
