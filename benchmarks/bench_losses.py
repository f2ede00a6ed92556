"""Every kernel-backed loss, forward + backward in float32, minigrad and torch in one process, one table.

    python benchmarks/bench_losses.py [--repeats 50] [--json benchmarks/results/losses.json]

Runs the workloads of bench_ce.py (cross-entropy / NLL), bench_ctc.py (CTC) and bench_margin.py (margin and
elementwise losses), prints medians and the ratio minigrad/torch against each target, then ce 4096x1000's effective
bandwidth and CTC's 1 -> 2 thread speed-up. The libraries are timed in alternating rounds (see _timing.py).
"""
import bench_ce
import bench_ctc
import bench_margin
from _timing import import_torch, parse_args, print_table


def main():
    args = parse_args(__doc__.splitlines()[0])
    torch = import_torch()
    rows, reports = [], []
    for module in (bench_ce, bench_ctc, bench_margin):
        module_rows, report = module.measure(torch, args.repeats)
        rows += module_rows
        reports.append(report)
    print_table(rows, args.json, torch)
    for report in reports:
        if report is not None:
            print()
            report()


if __name__ == "__main__":
    main()
