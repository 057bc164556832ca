"""Time the web app on loopback: pages and look-ups over a store of N customers, then a bounded load.

    python bench/bench_web.py --customers 1000000          # the benchmark (two snapshots)
    python bench/bench_web.py --smoke                       # 20k customers, short, for CI
    python bench/bench_web.py --customers 1000000 --rate 200 --seconds 30 --json out.json

A store of two snapshots of N scored customers (random metrics in tier5's
segments, as in bench_store.py) gets an admin and an API token; ``rfmkit
serve`` is started as its own process on 127.0.0.1 (a free port). Then:

1. latency, one request at a time (after one warm-up request each): the
   overview page, a segment's members page (random pages and sort keys) and
   the customer look-up API (random customers, with history);
2. a bounded open-loop load on loopback only: ``--rate`` requests per second
   for ``--seconds`` (at most 30) of segment-members and customer look-ups
   through the API, from ``--clients`` keep-alive connections; then it stops.

Printed: p50/p99/max per kind, the achieved rate and the errors, and the
CPU-seconds the server process (all its threads) and this load generator
used in each phase (the machine's load average too: on a shared machine
CPU-seconds are the steadier figure). Exits 1 on any error answer, or (not
with --smoke) when a p99 is over its target: overview and members pages
300 ms, customer look-up 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench_store import customers as scored_customers

SMOKE_CUSTOMERS = 20_000
MAX_SECONDS = 30.0
TARGETS_MS = {"overview": 300.0, "members_page": 300.0, "customer_api": 50.0}
SEGMENTS = ("diamond", "gold", "silver", "active", "sleeping")
SORTS = ("monetary", "recency_days", "frequency", "rfm_score", "customer_id")
PASSWORD = "bench-password-1"
HOST = "127.0.0.1"


def build_store(path: Path, n: int) -> str:
    """Two snapshots of ``n`` customers, an admin, and an API token (returned)."""
    from rfmkit.record import RunRecord
    from rfmkit.store import accounts, open_store
    from rfmkit.web import security

    record = RunRecord.start("snapshot").to_dict()
    record.update(settings={"scheme": "tier5", "lang": "en"}, breakpoints_mode="frozen")
    with open_store(path) as store:
        for k, day in enumerate((dt.date(2025, 4, 1), dt.date(2025, 7, 1))):
            store.save_snapshot(scored_customers(n, k), record, as_of=day)
        accounts.ensure_tables(store)
        accounts.add_user(store, "bench", "admin", security.hash_password(PASSWORD))
        token_id, token = security.new_token()
        accounts.add_token(store, token_id, "bench", security.digest(token), ("read",), None)
    return token


def server_cpu(pid: int) -> float | None:
    """CPU-seconds (user + system, all threads) the process ``pid`` used so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU-seconds of the server and of this process between :meth:`start` and :meth:`stop`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.server0: float | None = None
        self.own0 = 0.0

    def start(self) -> None:
        self.server0, self.own0 = server_cpu(self.pid), time.process_time()

    def stop(self, requests: int) -> dict[str, Any]:
        server, own = server_cpu(self.pid), time.process_time() - self.own0
        used = None if server is None or self.server0 is None else server - self.server0
        return {
            "server_cpu_s": None if used is None else round(used, 2),
            "server_cpu_ms_per_request": None if used is None else round(used / requests * 1000, 2),
            "bench_cpu_s": round(own, 2),
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(store: Path, port: int, folder: Path) -> subprocess.Popen[bytes]:
    rfmkit = str(Path(sys.executable).with_name("rfmkit"))
    command = [
        rfmkit,
        "serve",
        "--store",
        str(store),
        "--host",
        HOST,
        "--port",
        str(port),
        "--data-dir",
        str(folder / "data"),
        "--no-secure-cookies",
    ]
    log = (folder / "serve.log").open("wb")  # a pipe left unread would stall the server
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            text = (folder / "serve.log").read_text(errors="replace")[-2000:]
            raise SystemExit(f"rfmkit serve ended: {text}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("rfmkit serve did not start in 60 s")


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.con = http.client.HTTPConnection(HOST, port, timeout=30)

    def get(self, path: str) -> tuple[int, float, bytes]:
        start = time.perf_counter()
        try:
            self.con.request("GET", path, headers=self.headers)
            answer = self.con.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException):
            self.con.close()
            self.con = http.client.HTTPConnection(HOST, self.port, timeout=30)
            return 599, (time.perf_counter() - start) * 1000, b""
        return answer.status, (time.perf_counter() - start) * 1000, body


def session_cookie(port: int) -> str:
    """Sign in through the login form; the session cookie header."""
    con = http.client.HTTPConnection(HOST, port, timeout=30)
    con.request("GET", "/login")
    page = con.getresponse()
    html = page.read().decode()
    login_cookie = page.getheader("set-cookie", "").split(";", 1)[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf, "no CSRF token on the login page"
    form = urlencode({"username": "bench", "password": PASSWORD, "csrf_token": csrf.group(1)})
    con.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": login_cookie},
    )
    answer = con.getresponse()
    answer.read()
    cookies = [c.split(";", 1)[0] for c in answer.headers.get_all("set-cookie") or []]
    session = next(c for c in cookies if c.startswith("rfmkit_session="))
    return session


def summary(times: list[float], errors: int) -> dict[str, Any]:
    ordered = sorted(times)
    q = (
        statistics.quantiles(ordered, n=100, method="inclusive")
        if len(ordered) > 1
        else ordered * 99
    )
    return {
        "requests": len(ordered),
        "errors": errors,
        "p50_ms": round(q[49], 1),
        "p99_ms": round(q[98], 1),
        "max_ms": round(ordered[-1], 1) if ordered else None,
    }


def paths(kind: str, n: int, rng: random.Random) -> str:
    if kind == "overview":
        return "/overview"
    if kind == "members_page":
        segment = rng.choice(SEGMENTS)
        query = urlencode({"page": rng.randint(1, 20), "sort": rng.choice(SORTS)})
        return f"/segments/{segment}?{query}"
    if kind == "members_api":
        segment = rng.choice(SEGMENTS)
        query = urlencode({"page": rng.randint(1, 20), "sort": rng.choice(SORTS)})
        return f"/api/v1/snapshots/latest/segments/{segment}/members?{query}"
    return f"/api/v1/customers/C{rng.randrange(n):09d}"


def latency(client: Client, kind: str, n: int, count: int, rng: random.Random) -> dict[str, Any]:
    """``count`` requests one at a time, after one warm-up."""
    cold = client.get(paths(kind, n, rng))
    times, errors = [], 0
    for _ in range(count):
        status, ms, _ = client.get(paths(kind, n, rng))
        times.append(ms)
        errors += status >= 400
    result = summary(times, errors + (cold[0] >= 400))
    result["first_ms"] = round(cold[1], 1)
    return result


def load(
    port: int, headers: dict[str, str], n: int, rate: float, seconds: float, clients: int
) -> dict[str, Any]:
    """Open-loop: request k is due at k / rate; ``clients`` threads take them in turn."""
    seconds = min(seconds, MAX_SECONDS)
    total = int(rate * seconds)
    due = iter(range(total))
    lock = threading.Lock()
    results: dict[str, list[float]] = {"members_api": [], "customer_api": []}
    errors = {"members_api": 0, "customer_api": 0}
    late: list[float] = []
    start = time.perf_counter()
    stop_at = start + seconds + 10  # a stuck server cannot keep the bench running

    def work(seed: int) -> None:
        client, rng = Client(port, headers), random.Random(seed)
        while True:
            with lock:
                k = next(due, None)
            if k is None or time.perf_counter() > stop_at:
                return
            wait = start + k / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                late.append(-wait)
            kind = "members_api" if k % 2 else "customer_api"
            status, ms, _ = client.get(paths(kind, n, rng))
            with lock:
                results[kind].append(ms)
                errors[kind] += status >= 400

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    done = sum(len(v) for v in results.values())
    return {
        "target_rate": rate,
        "seconds": round(elapsed, 1),
        "achieved_rate": round(done / elapsed, 1),
        "behind_schedule_p99_ms": round(sorted(late)[int(len(late) * 0.99)] * 1000, 1)
        if late
        else 0.0,
        **{kind: summary(times, errors[kind]) for kind, times in results.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per kind, one at a time")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_CUSTOMERS:,} customers, 3 s")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.smoke:
        args.customers, args.requests, args.rate, args.seconds = SMOKE_CUSTOMERS, 30, 50.0, 3.0
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        token = build_store(folder / "store.duckdb", args.customers)
        print(
            f"store: 2 snapshots of {args.customers:,} customers in {time.perf_counter() - began:.1f} s"
        )
        port = free_port()
        server = start_server(folder / "store.duckdb", port, folder)
        try:
            page = Client(port, {"Cookie": session_cookie(port)})
            api = Client(port, {"Authorization": f"Bearer {token}"})
            result: dict[str, Any] = {"customers": args.customers, "load_average": os.getloadavg()}
            meter = CpuMeter(server.pid)
            for kind, client in (("overview", page), ("members_page", page), ("customer_api", api)):
                meter.start()
                result[kind] = latency(client, kind, args.customers, args.requests, rng)
                r = result[kind]
                r.update(meter.stop(args.requests + 1))
                print(
                    f"{kind:13s} p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                    f"max {r['max_ms']:7.1f} ms  first {r['first_ms']:7.1f} ms  "
                    f"errors {r['errors']} / {r['requests']}  "
                    f"server CPU {r['server_cpu_ms_per_request']} ms/request"
                )
            headers = {"Authorization": f"Bearer {token}"}
            meter.start()
            result["load"] = load(
                port, headers, args.customers, args.rate, args.seconds, args.clients
            )
            done = sum(result["load"][k]["requests"] for k in ("members_api", "customer_api"))
            result["load"].update(meter.stop(max(done, 1)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    mixed = result["load"]
    print(
        f"load: {mixed['target_rate']:.0f} req/s for {mixed['seconds']} s, achieved "
        f"{mixed['achieved_rate']} req/s (p99 behind schedule {mixed['behind_schedule_p99_ms']} ms)"
    )
    for kind in ("members_api", "customer_api"):
        r = mixed[kind]
        print(
            f"  {kind:13s} p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"errors {r['errors']} / {r['requests']}"
        )
    print(
        f"  CPU: server {mixed['server_cpu_s']} s ({mixed['server_cpu_ms_per_request']} ms a "
        f"request), load generator {mixed['bench_cpu_s']} s; load average at the start "
        + " ".join(f"{x:.2f}" for x in result["load_average"])
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    errors = sum(result[k]["errors"] for k in TARGETS_MS) + sum(
        mixed[k]["errors"] for k in ("members_api", "customer_api")
    )
    slow = [k for k, ms in TARGETS_MS.items() if result[k]["p99_ms"] > ms]
    if errors:
        print(f"FAILED: {errors} error answers", file=sys.stderr)
        return 1
    if slow and not args.smoke:
        print(f"FAILED: p99 over target for {', '.join(slow)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
