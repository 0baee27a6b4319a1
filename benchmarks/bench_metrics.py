"""Benchmark the full ``cxroi analyze`` and cxroi's exact metrics against hand-written SQL and pandas.

    python benchmarks/bench_metrics.py --sizes 1000000 10000000 [--data-dir bench-data] [--repeat 3]
        [--memory-limit 4GB] [--pandas-max 20000000]

Side by side in one run, on the same demo data: the exact metrics (FCR 7/14, containment, false
containment, cost per resolution by mode) in hand-written DuckDB SQL (``sql``), in plain pandas
(``pandas``) and through cxroi (``cxroi``), and the whole analysis (``analyze``: loading,
validation, metrics, retention, value, agents, stack, writing results.json) with its time split
per stage. Every run is a fresh subprocess, so the peak resident memory it reports (the child's
own high-water mark, DuckDB's threads included) belongs to that implementation alone; CPU is the
child's user + system time over the timed work. The figures quoted are the median wall and CPU of
the repeats and the highest peak. The load average is recorded before every implementation: on
a shared machine a wall time means little without it. ``--memory-limit`` sets DuckDB's memory
limit for every implementation that uses DuckDB (sql, cxroi, analyze; past it they spill to a
temporary folder); pandas holds every row in memory and is skipped above ``--pandas-max`` contacts
(at 10M it peaks near 8 GB). Not a test; not in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IMPLS: tuple[str, ...] = ("sql", "pandas", "cxroi", "analyze")
SKIPPED = 3  # child exit code: implementation not available yet


def _import_cxroi() -> Any:
    try:
        import cxroi
    except ImportError:
        # The benchmark may run from a checkout where the package is not installed.
        sys.path.insert(0, str(ROOT / "src"))
        import cxroi
    return cxroi


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB: the child's lifetime peak, interpreter and imports included.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _jsonable(value: Any) -> Any:
    """Plain JSON types only: numpy scalars from any implementation become floats."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool)):
        return value
    return float(value)


def _config(memory_limit: str | None) -> Any:
    cxroi = _import_cxroi()
    from cxroi.io.engine_settings import EngineSettings

    return cxroi.Config(engine=EngineSettings(memory_limit=memory_limit))


def _analyze_runner(
    dataset: Path, memory_limit: str | None
) -> tuple[Callable[[], dict[str, Any]], Callable[[], dict[str, Any]]]:
    """The full analysis, timed per stage as `cxroi analyze --timings` groups its progress;
    the second callable gives the stages and whether the analyses ran side by side."""
    cxroi = _import_cxroi()
    from cxroi.io.timings import StageTimer
    from cxroi.outputs.timings_file import stage_of  # the stages of `cxroi analyze --timings`

    timer = StageTimer(group=stage_of)
    side: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        say = timer.progress()
        analysis = cxroi.analyze(dataset, _config(memory_limit), progress=say)
        if analysis.side_by_side is not None:
            side.update(on=analysis.side_by_side.side_by_side, why=analysis.side_by_side.why)
        say("writing outputs")
        with tempfile.TemporaryDirectory(prefix="cxroi-bench-") as out:
            analysis.write(Path(out))
        return {}

    def stages() -> list[dict[str, Any]]:
        return [
            {
                "stage": t.stage,
                "start_seconds": t.start_seconds,
                "seconds": t.seconds,
                "cpu_seconds": t.cpu_seconds,
                "peak_rss_mb": t.peak_bytes / 2**20,
            }
            for t in timer.finish()
        ]

    return run, lambda: {"stages": stages(), "side_by_side": side or None}


def child(impl: str, dataset: Path, memory_limit: str | None = None) -> int:
    """Run one implementation once and print a JSON line for the parent."""
    sys.path.insert(0, str(HERE))
    run: Callable[[], dict[str, Any]]
    extra: Callable[[], dict[str, Any]] = lambda: {"stages": None}
    if impl == "analyze":
        run, extra = _analyze_runner(dataset, memory_limit)
    elif impl == "cxroi":
        try:
            cxroi = _import_cxroi()
            compute, load = cxroi.compute_exact_metrics, cxroi.load_dataset
            options = _config(memory_limit).load_options
            run = lambda: compute(load(dataset, options)).to_dict()
        except (ImportError, AttributeError) as exc:
            print(json.dumps({"skipped": f"cxroi not usable yet: {exc!r}"}))
            return SKIPPED
    elif impl == "sql":
        from impl_sql import sql_metrics

        run = lambda: sql_metrics(dataset, memory_limit)
    else:
        from impl_pandas import pandas_metrics

        run = lambda: pandas_metrics(dataset)
    # Baseline after imports, so the report can tell library weight from working memory.
    baseline = _peak_rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    metrics = run()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_rss_mb": _peak_rss_mb(),
                "import_rss_mb": baseline,
                "metrics": _jsonable(metrics) if impl != "analyze" else None,
                **extra(),
            }
        )
    )
    return 0


def _spawn(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    }
    return subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )


def ensure_data(data_dir: Path, size: int) -> Path:
    dataset = data_dir / f"contacts-{size}"
    if (dataset / "contacts.parquet").exists():
        return dataset
    print(f"generating demo data with {size:,} contacts in {dataset} ...", flush=True)
    # In a subprocess too: the generator's memory must not linger in the parent.
    proc = _spawn(["--generate", str(size), str(dataset)])
    if proc.returncode != 0:
        raise SystemExit(f"demo generation failed:\n{proc.stderr[-4000:]}")
    return dataset


def run_impl(
    impl: str, dataset: Path, repeat: int, memory_limit: str | None = None
) -> dict[str, Any]:
    load = os.getloadavg()[0]
    runs: list[dict[str, Any]] = []
    limit = ["--child-memory-limit", memory_limit] if memory_limit else []
    for _ in range(repeat):
        proc = _spawn(["--child", impl, str(dataset), *limit])
        lines = proc.stdout.strip().splitlines()
        if proc.returncode == SKIPPED:
            skipped: dict[str, Any] = json.loads(lines[-1])
            return skipped
        if proc.returncode != 0 or not lines:
            # The last stderr line is the exception; the full traceback is for the JSON file.
            err = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
            return {"failed": err[-1], "stderr_tail": proc.stderr[-4000:]}
        runs.append(json.loads(lines[-1]))
    walls = [r["seconds"] for r in runs]
    # The run with the median wall time speaks for the stages; the highest peak for memory:
    # a repeat must not hide a memory spike.
    median_run = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    return {
        **median_run,
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": len(runs),
        "walls": walls,
        "load_1min": load,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _row(
    size: int, impl: str, res: dict[str, Any], ok: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    secs, mem = res.get("seconds"), res.get("peak_rss_mb")
    sql, pds = ok.get("sql", {}), ok.get("pandas", {})
    if "seconds" in res:
        status = "ok"
    elif "skipped" in res:
        status = "skipped: " + res["skipped"]
    else:
        status = "FAILED: " + res["failed"]
    return {
        "size": size,
        "impl": impl,
        "runs": res.get("runs"),
        "walls": res.get("walls"),
        "seconds": secs,
        "cpu_seconds": res.get("cpu_seconds"),
        "peak_rss_mb": mem,
        "load_1min": res.get("load_1min"),
        "stages": res.get("stages"),
        "side_by_side": res.get("side_by_side"),
        "import_rss_mb": res.get("import_rss_mb"),
        "time_vs_sql": _ratio(secs, sql.get("seconds")),
        # CPU is steadier than wall time when other processes share the cores
        "cpu_vs_sql": _ratio(res.get("cpu_seconds"), sql.get("cpu_seconds")),
        "mem_vs_sql": _ratio(mem, sql.get("peak_rss_mb")),
        "time_vs_pandas": _ratio(secs, pds.get("seconds")),
        "mem_vs_pandas": _ratio(mem, pds.get("peak_rss_mb")),
        "status": status,
        "stderr_tail": res.get("stderr_tail"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench-data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", type=Path, default=HERE / "results.md")
    parser.add_argument("--only", choices=IMPLS, nargs="+", default=list(IMPLS))
    parser.add_argument(
        "--memory-limit", help="DuckDB memory limit for sql, cxroi and analyze, e.g. 4GB"
    )
    parser.add_argument(
        "--pandas-max",
        type=int,
        default=20_000_000,
        help="skip pandas above this many contacts (it holds every row in memory)",
    )
    parser.add_argument("--child", nargs=2, metavar=("IMPL", "DATASET"), help=argparse.SUPPRESS)
    parser.add_argument("--child-memory-limit", help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("SIZE", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--render", type=Path, metavar="JSON", help="print the Markdown of a saved --out file"
    )
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))["rows"]
        for row in saved:  # files written before the CPU ratio was recorded
            sql = next((r for r in saved if r["size"] == row["size"] and r["impl"] == "sql"), {})
            row.setdefault("cpu_vs_sql", _ratio(row.get("cpu_seconds"), sql.get("cpu_seconds")))
        print(markdown_tables(saved))
        return 0
    if args.child:
        return child(args.child[0], Path(args.child[1]), args.child_memory_limit)
    if args.generate:
        from cxroi.demo import generate_demo

        generate_demo(Path(args.generate[1]), contacts=int(args.generate[0]), seed=7)
        return 0

    sys.path.insert(0, str(ROOT / "tests"))
    from reference_metrics import diff_metrics

    rows: list[dict[str, Any]] = []
    mismatches: list[str] = []
    for size in args.sizes:
        dataset = ensure_data(args.data_dir, size)
        results = {}
        for impl in args.only:
            if impl == "pandas" and size > args.pandas_max:
                results[impl] = {"skipped": f"above --pandas-max {args.pandas_max:,} contacts"}
                continue
            print(f"[{size:,}] running {impl} ...", flush=True)
            results[impl] = run_impl(impl, dataset, args.repeat, args.memory_limit)
            for problem in ("skipped", "failed"):
                if problem in results[impl]:
                    print(f"[{size:,}] {impl} {problem.upper()}: {results[impl][problem]}")
        ok = {k: v for k, v in results.items() if "seconds" in v}
        if "sql" in ok:
            base = ok["sql"]["metrics"]
            for impl, res in ok.items():
                if impl == "analyze":
                    continue  # its metrics go to results.json; compared by the tests
                # Compare only the shared shape: cxroi may report more (e.g. mean CSAT score).
                got = {k: v for k, v in res["metrics"].items() if k in base}
                mismatches += [f"size {size}: {impl} vs sql: {p}" for p in diff_metrics(got, base)]
        rows += [_row(size, impl, res, ok) for impl, res in results.items()]
    print_table(rows)
    markdown = markdown_tables(rows)
    print("\n" + markdown)
    args.markdown.write_text(markdown + "\n", encoding="utf-8")
    if mismatches:
        print("\n" + "!" * 72 + "\nRESULTS DISAGREE (relative tolerance 1e-9):")
        for line in mismatches:
            print("  MISMATCH " + line)
        print("!" * 72)
    else:
        print("\nall implementations that ran agree (relative tolerance 1e-9)")
    env = {**environment(), "memory_limit": args.memory_limit or "DuckDB default / cxroi default"}
    report = {"rows": rows, "mismatches": mismatches, "environment": env}
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"figures written to {args.out}")
    return 1 if mismatches else 0


def environment() -> dict[str, Any]:
    import duckdb
    import pandas

    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return {
        "memory_gb": round(mem_gb, 1),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "cpus": os.cpu_count(),
        # Wall times on a shared machine mean little without the load they were measured under.
        "load_average_1_5_15": list(os.getloadavg()),
        "machine": platform.machine(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def markdown_tables(rows: list[dict[str, Any]]) -> str:
    """The side-by-side table and, for each full analysis, its per-stage split (Markdown)."""

    def fmt(v: Any, spec: str) -> str:
        return "-" if v is None else format(v, spec)

    lines = [
        (
            "| contacts | implementation | runs | median wall s | CPU s | peak RSS MiB "
            "| wall / SQL | CPU / SQL | peak / SQL | load (1 min) |"
        ),
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['impl']} | {fmt(r['runs'], 'd')} | {fmt(r['seconds'], '.1f')} "
            f"| {fmt(r['cpu_seconds'], '.1f')} | {fmt(r['peak_rss_mb'], '.0f')} "
            f"| {fmt(r['time_vs_sql'], '.2f')} | {fmt(r.get('cpu_vs_sql'), '.2f')} "
            f"| {fmt(r['mem_vs_sql'], '.2f')} | {fmt(r['load_1min'], '.1f')} |"
        )
    for r in rows:
        if not r.get("stages"):
            continue
        side, how = r.get("side_by_side"), ""
        if side:
            mode = "side by side" if side["on"] else "one after another"
            how = f"; the analyses ran {mode}: {side['why']}"
        lines += [
            "",
            f"`cxroi analyze` at {r['size']:,} contacts, per stage (the median run; stages "
            "that ran side by side overlap, and each one's CPU and peak are the whole "
            f"process's while it ran{how}):",
            "",
            "| stage | began at s | wall s | CPU s | peak RSS MiB |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {s['stage']} | {fmt(s.get('start_seconds'), '.1f')} | {s['seconds']:.1f} "
            f"| {s['cpu_seconds']:.1f} | {s['peak_rss_mb']:.0f} |"
            for s in r["stages"]
        ]
    return "\n".join(lines)


def print_table(rows: list[dict[str, Any]]) -> None:
    def fmt(v: Any, spec: str) -> str:
        return "-" if v is None else format(v, spec)

    headers = [
        "size",
        "impl",
        "runs",
        "wall s",
        "CPU s",
        "peak MB",
        "time/sql",
        "mem/sql",
        "time/pandas",
        "mem/pandas",
        "status",
    ]
    body = [
        [
            f"{r['size']:,}",
            r["impl"],
            fmt(r["runs"], "d"),
            fmt(r["seconds"], ".2f"),
            fmt(r["cpu_seconds"], ".2f"),
            fmt(r["peak_rss_mb"], ".0f"),
            fmt(r["time_vs_sql"], ".2f"),
            fmt(r["mem_vs_sql"], ".2f"),
            fmt(r["time_vs_pandas"], ".2f"),
            fmt(r["mem_vs_pandas"], ".2f"),
            r["status"][:70],
        ]
        for r in rows
    ]
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="median wall time, CPU and peak RSS per implementation")
        for h in headers:
            table.add_column(h, justify="left" if h in ("impl", "status") else "right")
        for line in body:
            table.add_row(*line)
        Console(width=160).print(table)
    except ImportError:
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
        for line in [headers, *body]:
            print("  ".join(c.rjust(w) for c, w in zip(line, widths)))


if __name__ == "__main__":
    sys.exit(main())
