"""P1: a cold depth-1 crawl against the rate-limit floor, and against a naive client.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_collect.py [--runs 3] [--latency-ms 300]
        [--modes nokey key] [--naive-runs 1] [--out benchmarks/RESULTS.md]

The emulator (GENERATED, synthetic corpus; ``tests/emulator``) runs in its own process, so its
answers do not compete with the client for one interpreter lock, with ``--latency-ms`` added to
every answer and the services' real limits enforced (NCBI 3 requests/s, 10 with a key; OpenAlex
100/s); the client keeps to its own defaults (`citegraph.http.DEFAULT_RATES`: PubMed 3 or 10/s,
iCite 5/s, OpenAlex 10/s). Every run starts from an empty HTTP cache. Per key mode it times,
median of ``--runs``: the crawl with the services side by side (``FetchOptions(workers=8)``, the default),
the same crawl one call at a time (``workers=1``), and ``benchmarks/naive_crawl.py`` (one request
per work; ``--naive-runs`` runs, it is slow by design). The floor:

- rate floor: the slowest service's requests ÷ its rate, plus one latency for the last answer;
- dependency floor: the longest chain of requests that each need the one before, times the
  latency. A depth-1 crawl from a PMID has four: OpenAlex resolves the PMID (its W-id) → the
  works the seed's OpenAlex record names → PubMed and iCite for the PMIDs those reveal → OpenAlex
  by DOI for the works only PubMed's records name.

The floor is the larger of the two. The section between the markers in RESULTS.md is replaced;
the rest of the file is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.naive_crawl import naive_crawl  # noqa: E402
from benchmarks.results import write_section  # noqa: E402
from citegraph.collect import Collector, FetchOptions, make_clients  # noqa: E402
from citegraph.http import DEFAULT_RATES  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- bench_collect: begin -->", "<!-- bench_collect: end -->"
#: Requests that each need the answer of the one before, in a depth-1 crawl from a PMID.
DEPENDENT_STEPS = 4
#: The real services' limits, enforced by the emulator (OpenAlex: 100/s on every tier).
SERVICE_LIMITS = {"nokey": {"ncbi_rps": 3, "openalex_rps": 100},
                  "key": {"ncbi_rps": 10, "openalex_rps": 100}}  # fmt: skip
MODE_LABELS = {"nokey": "no NCBI key (PubMed 3/s)", "key": "NCBI key (PubMed 10/s)"}
BENCH_KEY = "bench-key-not-secret"  # the emulator accepts any key


class Emulator:
    """``python -m tests.emulator`` in a child process, on a free loopback port."""

    def __init__(self, *, latency_ms: float, ncbi_rps: float, openalex_rps: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", "--port", "0",
             "--latency-ms", str(latency_ms), "--ncbi-rps", str(ncbi_rps),
             "--openalex-rps", str(openalex_rps)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base = line.rsplit(" ", 1)[1].strip()
        self.latency_s = latency_ms / 1000
        self.seed = line.split("seed PMID ", 1)[1].split(")", 1)[0]

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.base}/_emulator/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    def log(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/_emulator/log", timeout=10) as resp:
            return json.load(resp)

    def urls(self) -> dict[str, str]:
        return {"pubmed_url": f"{self.base}/entrez/eutils", "icite_url": f"{self.base}/api",
                "openalex_url": self.base}  # fmt: skip

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def crawl(emulator: Emulator, *, workers: int, key: bool) -> dict[str, Any]:
    """One cold crawl: wall seconds, client CPU seconds, merge seconds, requests per service,
    the emulator's own time per answer beyond the injected latency, the load average."""
    _settle()
    emulator.reset()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cache_dir:
        os.environ["CITEGRAPH_CACHE_DIR"] = cache_dir
        clients = make_clients(**emulator.urls(), ncbi_api_key=BENCH_KEY if key else None,
                               openalex_api_key=BENCH_KEY)  # fmt: skip
        collector = Collector([emulator.seed], clients, FetchOptions(workers=workers))
        start, cpu = time.perf_counter(), time.process_time()
        corpus = collector.run()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        collector.corpus()  # the merge alone, as the end of run() did it
        merge = time.perf_counter() - start
        for src in clients.sources():
            getattr(src, "close_twins", lambda: None)()
    if corpus.manifest["state"] != "done":
        raise RuntimeError(f"the crawl ended {corpus.manifest['state']}: {corpus.manifest}")
    log = emulator.log()
    server = statistics.median(r["duration_ms"] for r in log) / 1000 - emulator.latency_s
    return {"wall": wall, "cpu": cpu, "merge": merge, "requests": corpus.manifest["requests"],
            "sent": len(log), "works": len(corpus.works), "server": server, "load": load,
            "timeline": timeline(log)}  # fmt: skip


def timeline(log: list[dict[str, Any]]) -> list[tuple[float, float, str, str]]:
    """(start s, end s, service, what) per request, from the emulator's log, the first at 0."""
    if not log:
        return []
    t0 = min(r["ts"] for r in log)
    out = []
    for r in log:
        query = r.get("query") or {}
        what = r["path"].rsplit("/", 1)[-1]
        if "filter" in query:
            what += f" {str(query['filter'][0]).split(':', 1)[0]}"
        if "cmd" in query:
            what += f" {query['cmd'][0]}"
        ids = r.get("ids")
        what += f" ({ids} ids)" if isinstance(ids, int) and ids > 1 else ""
        start = r["ts"] - t0
        out.append((start, start + r["duration_ms"] / 1000, r["service"], what))
    return sorted(out)


def naive(emulator: Emulator, *, key: bool, limit: int | None) -> dict[str, Any]:
    _settle()
    emulator.reset()
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        out = naive_crawl(emulator.seed, **emulator.urls(), cache_dir=cache_dir,
                          ncbi_api_key=BENCH_KEY if key else None,
                          openalex_api_key=BENCH_KEY, limit=limit)  # fmt: skip
        wall = time.perf_counter() - start
    return {"wall": wall, "requests": out.requests}


def _settle() -> None:
    """Wait out the rate-limit window of the run before (the limiters are process-wide)."""
    time.sleep(1.1)


def rates(key: bool) -> dict[str, float]:
    """Requests per second the client allows itself per service (OpenAlex always has a key)."""
    return {"pubmed": DEFAULT_RATES["pubmed"][1 if key else 0],
            "icite": DEFAULT_RATES["icite"][0], "openalex": DEFAULT_RATES["openalex"][1]}  # fmt: skip


def floors(requests: dict[str, int], key: bool, latency_s: float) -> dict[str, float]:
    """The rate floor, the dependency floor and the larger of the two, in seconds.

    Examples
    --------
    >>> f = floors({"pubmed": 4, "icite": 2, "openalex": 6}, False, 0.3)
    >>> round(f["rate"], 2), round(f["chain"], 2), round(f["floor"], 2)
    (1.63, 1.2, 1.63)
    """
    per_service = {s: n / rates(key)[s] for s, n in requests.items() if n}
    rate = max(per_service.values(), default=0.0) + latency_s
    chain = DEPENDENT_STEPS * latency_s
    return {"rate": rate, "chain": chain, "floor": max(rate, chain)}


def machine() -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores (nproc), {platform.machine()}, load average {load} at the "
            f"start (the machine is shared by several builds); Python {platform.python_version()}")  # fmt: skip


def section(results: dict[str, dict[str, Any]], args: argparse.Namespace, argv: list[str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    modes = list(results)

    def row(name: str, cells: list[str]) -> str:
        return f"| {name} | " + " | ".join(cells) + " |"

    def req(r: dict[str, int]) -> str:
        return " / ".join(str(r.get(s, 0)) for s in ("pubmed", "icite", "openalex"))

    lines = [
        BEGIN,
        "## P1 — cold crawl against the rate-limit floor (`bench_collect.py`)",
        "",
        f"Measured {when} by `benchmarks/bench_collect.py {' '.join(argv)}`.",
        f"Machine: {machine()}.",
        f"Emulator (generated corpus, own process): {args.latency_ms:.0f} ms added to every "
        "answer, NCBI 3/s (10/s with a key) and OpenAlex 100/s enforced. Client limits: PubMed "
        "3/s (10/s with a key), iCite 5/s, OpenAlex 10/s. Depth 1 from the emulator's seed PMID, "
        f"every run from an empty cache; medians of {args.runs} (naive client: "
        f"{args.naive_runs} run{'s' if args.naive_runs != 1 else ''}).",
        "",
        row(f"depth-1 crawl, {args.latency_ms:.0f} ms latency", [MODE_LABELS[m] for m in modes]),
        "|---|" + "---|" * len(modes),
    ]
    r = {m: results[m] for m in modes}
    lines.append(row("requests: PubMed / iCite / OpenAlex",
                     [req(r[m]["concurrent"]["requests"]) for m in modes]))  # fmt: skip
    lines.append(row("rate floor: slowest service's requests ÷ rate + one latency",
                     [f"{r[m]['floor']['rate']:.2f} s" for m in modes]))  # fmt: skip
    lines.append(row(f"dependency floor: {DEPENDENT_STEPS} dependent requests × latency",
                     [f"{r[m]['floor']['chain']:.2f} s" for m in modes]))  # fmt: skip
    lines.append(
        row("**floor** (the larger)", [f"**{r[m]['floor']['floor']:.2f} s**" for m in modes])
    )
    lines.append(row("**crawl, services side by side** (the default, `FetchOptions(workers=8)`)",
                     [f"**{r[m]['concurrent']['wall']:.2f} s ({r[m]['concurrent']['wall'] / r[m]['floor']['floor']:.2f}× floor)**"
                      for m in modes]))  # fmt: skip
    lines.append(row("… of which client CPU (parsing, cache, planning) / merging the corpus",
                     [f"{r[m]['concurrent']['cpu']:.2f} s / {r[m]['concurrent']['merge']:.2f} s"
                      for m in modes]))  # fmt: skip
    lines.append(row("… emulator's own time per answer beyond the latency (median) / load average",
                     [f"{r[m]['concurrent']['server']:.2f} s / {r[m]['concurrent']['load']:.1f}"
                      for m in modes]))  # fmt: skip
    lines.append(row("crawl one call at a time (`fetch --workers 1`)",
                     [f"{r[m]['sequential']['wall']:.2f} s ({r[m]['sequential']['wall'] / r[m]['floor']['floor']:.2f}× floor; "
                      f"{r[m]['sequential']['wall'] / r[m]['concurrent']['wall']:.1f}× the side-by-side crawl)"
                      for m in modes]))  # fmt: skip
    lines.append(row("same requests and works in every run, both ways",
                     ["yes" if r[m]["same"] else "**no**" for m in modes]))  # fmt: skip
    lines.append(row("naive client, one request per work (`naive_crawl.py`)",
                     [f"{r[m]['naive']['wall']:.2f} s, {sum(r[m]['naive']['requests'].values())} "
                      f"requests ({req(r[m]['naive']['requests'])}): "
                      f"{sum(r[m]['naive']['requests'].values()) / max(1, sum(r[m]['concurrent']['requests'].values())):.0f}× the requests, "
                      f"{r[m]['naive']['wall'] / r[m]['concurrent']['wall']:.0f}× the time"
                      for m in modes]))  # fmt: skip
    for m in modes:
        lines += ["", f"One side-by-side run, {MODE_LABELS[m]}, as the emulator saw it (seconds "
                  "from the first request; the end includes the injected latency):", "",
                  "| sent | answered | service | request |", "|---|---|---|---|"]  # fmt: skip
        lines += [f"| {a:.2f} | {b:.2f} | {svc} | {what} |"
                  for a, b, svc, what in r[m]["concurrent"]["timeline"]]  # fmt: skip
    lines += ["", END]
    return "\n".join(lines)


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping the other sections."""
    write_section(text, BEGIN, END, path)


def main(argv: list[str] | None = None) -> str:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--modes", nargs="+", choices=list(SERVICE_LIMITS),
                        default=list(SERVICE_LIMITS))  # fmt: skip
    parser.add_argument("--naive-runs", type=int, default=1)
    parser.add_argument("--naive-limit", type=int, default=None,
                        help="works the naive client asks about per service (a quick run)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    saved = {
        k: os.environ.pop(k) for k in ("NCBI_API_KEY", "CITEGRAPH_CACHE_DIR") if k in os.environ
    }
    results: dict[str, dict[str, Any]] = {}
    try:
        for mode in args.modes:
            key = mode == "key"
            emulator = Emulator(latency_ms=args.latency_ms, **SERVICE_LIMITS[mode])
            try:
                runs: dict[str, list[dict[str, Any]]] = {"concurrent": [], "sequential": []}
                for _ in range(args.runs):
                    runs["concurrent"].append(crawl(emulator, workers=8, key=key))
                    runs["sequential"].append(crawl(emulator, workers=1, key=key))
                naive_runs = [naive(emulator, key=key, limit=args.naive_limit)
                              for _ in range(args.naive_runs)]  # fmt: skip
            finally:
                emulator.close()
            out: dict[str, Any] = {}
            for name, rs in runs.items():
                out[name] = {"wall": statistics.median(x["wall"] for x in rs),
                             "cpu": statistics.median(x["cpu"] for x in rs),
                             "merge": statistics.median(x["merge"] for x in rs),
                             "server": statistics.median(x["server"] for x in rs),
                             "load": statistics.median(x["load"] for x in rs),
                             "requests": rs[0]["requests"], "works": rs[0]["works"],
                             "timeline": rs[-1]["timeline"]}  # fmt: skip
            out["same"] = all(
                x["requests"] == runs["concurrent"][0]["requests"] and x["works"] == out["concurrent"]["works"]
                for x in runs["concurrent"] + runs["sequential"]
            )  # fmt: skip
            out["naive"] = {"wall": statistics.median(x["wall"] for x in naive_runs),
                            "requests": naive_runs[0]["requests"]}  # fmt: skip
            out["floor"] = floors(out["concurrent"]["requests"], key, args.latency_ms / 1000)
            results[mode] = out
            print(f"{mode}: {json.dumps(out, default=str)}", flush=True)
    finally:
        os.environ.pop("CITEGRAPH_CACHE_DIR", None)
        os.environ.update(saved)
    text = section(results, args, argv)
    write_results(text, args.out)
    print(text)
    return text


if __name__ == "__main__":
    main()
