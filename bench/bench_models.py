"""Benchmark: rfmkit's BG/NBD + Gamma-Gamma against lifetimes, on synthetic customers.

Customers are drawn from known BG/NBD and Gamma-Gamma parameters (CDNOW-like,
weeks), acquired uniformly over a year, with purchase times rounded to whole
days as in real logs. For each size the script fits both models and predicts
every customer (P(alive), expected purchases, P(purchase), next-purchase wait,
expected order value, 90-day CLV), once with rfmkit and, where it is
installed and the size is not above ``--lifetimes-max``, once with lifetimes,
each in a fresh process so that peak memory (ru_maxrss) is its own.

lifetimes is never a dependency of rfmkit. ``make bench-env`` gives the
benchmark its own venv, ``.bench-venv`` (lifetimes 0.11.3 needs numpy < 2,
pandas < 2.2, scipy < 1.12)::

    python3.11 -m venv .bench-venv
    .bench-venv/bin/pip install lifetimes==0.11.3 "numpy<2" "pandas<2.2" "scipy<1.12"

Run::

    .venv/bin/python bench/bench_models.py --sizes 100k,1M,10M
    .venv/bin/python bench/bench_models.py --smoke      # CI: tiny sizes, < 30 s
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

TRUE_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
TRUE_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
HORIZON_WEEKS = 90 / 7
DISCOUNT_RATE = 0.10
DEFAULT_LIFETIMES_PYTHON = str(
    Path(__file__).resolve().parents[1] / ".bench-venv" / "bin" / "python"
)


# ---------------------------------------------------------------- data
def generate(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Customers drawn from the BG/NBD and Gamma-Gamma with TRUE_* parameters.

    Per customer: rate lambda ~ gamma(r, alpha), drop-out p ~ beta(a, b);
    the customer dies after a geometric number K of purchases; N ~ Poisson(lambda T)
    purchases would happen in (0, T] if alive, so x = min(K, N) and, given N,
    the x-th purchase time is T times a beta(x, N - x + 1) order statistic.
    Spend: nu ~ gamma(q, gamma), the mean of x values ~ gamma(p x, rate nu x).
    """
    rng = np.random.default_rng(seed)
    r, alpha, a, b = TRUE_BGNBD.values()
    p_, q_, g_ = TRUE_GG.values()
    T_days = rng.integers(0, 365, size=n)
    T = T_days / 7.0
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    k = rng.geometric(p)
    n_arrivals = rng.poisson(lam * T)
    x = np.minimum(k, n_arrivals)
    tx = np.zeros(n)
    pos = x > 0
    tx[pos] = T[pos] * rng.beta(x[pos], n_arrivals[pos] - x[pos] + 1)
    tx_days = np.minimum(np.round(tx * 7), T_days)
    nu = rng.gamma(q_, 1.0 / g_, size=n)
    m = np.full(n, np.nan)
    m[pos] = rng.gamma(p_ * x[pos], 1.0 / (nu[pos] * x[pos]))
    return {"x": x.astype(float), "tx": tx_days / 7.0, "T": T, "m": m}


# ---------------------------------------------------------------- workers
def run_rfmkit(data: dict[str, np.ndarray]) -> dict[str, Any]:
    from rfmkit.models import BGNBD, GammaGamma
    from rfmkit.models.forecast import predict_arrays

    x, tx, T, m = data["x"], data["tx"], data["T"], data["m"]
    t0 = time.perf_counter()
    bg = BGNBD().fit(x, tx, T)
    t1 = time.perf_counter()
    gg = GammaGamma().fit(x, m)
    t2 = time.perf_counter()
    predict_arrays(
        bg, gg, (x, tx, T), m, horizon=HORIZON_WEEKS, unit=7.0, discount_rate=DISCOUNT_RATE
    )
    t3 = time.perf_counter()
    return {
        "fit_bgnbd": t1 - t0,
        "fit_gg": t2 - t1,
        "predict": t3 - t2,
        "params": {**bg.params_, **gg.params_},
    }


def run_lifetimes(data: dict[str, np.ndarray]) -> dict[str, Any]:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    x, tx, T, m = (pd.Series(data[k]) for k in ("x", "tx", "T", "m"))
    t0 = time.perf_counter()
    bg = BetaGeoFitter().fit(x, tx, T)
    t1 = time.perf_counter()
    rep = x > 0
    gg = GammaGammaFitter().fit(x[rep], m[rep])
    t2 = time.perf_counter()
    bg.conditional_probability_alive(x, tx, T)
    bg.conditional_expected_number_of_purchases_up_to_time(HORIZON_WEEKS, x, tx, T)
    gg.conditional_expected_average_profit(x, m.fillna(0))
    # lifetimes' CLV: monthly steps, monthly discount rate, T in weeks
    gg.customer_lifetime_value(
        bg, x, tx, T, m.fillna(0), time=3, discount_rate=DISCOUNT_RATE / 12, freq="W"
    )
    t3 = time.perf_counter()
    params = dict(bg.params_) | dict(gg.params_)
    return {
        "fit_bgnbd": t1 - t0,
        "fit_gg": t2 - t1,
        "predict": t3 - t2,
        "params": {
            "r": params["r"],
            "alpha": params["alpha"],
            "a": params["a"],
            "b": params["b"],
            "p": params["p"],
            "q": params["q"],
            "gamma": params["v"],
        },
    }


def worker(library: str, path: str) -> None:
    """Run one library on one data file; print a JSON line with times and peak memory."""
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    run = run_rfmkit if library == "rfmkit" else run_lifetimes
    run(generate(2000, seed=1))  # warm-up: imports and first-call costs are not timed
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = run(data)
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_above_data_mib"] = (out["peak_mib"] * 1024 - base) / 1024
    print(json.dumps(out))


# ---------------------------------------------------------------- driver
def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        sizes.append(int(float(part.rstrip("km")) * scale))
    return sizes


def spawn(python: str, library: str, path: str) -> dict[str, Any] | None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    cmd = [python, __file__, "--worker", library, path]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        print(f"  {library} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k,1M,10M")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--lifetimes-python", default=DEFAULT_LIFETIMES_PYTHON)
    parser.add_argument("--lifetimes-max", default="1M", help="largest size given to lifetimes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    sizes = parse_sizes("2k,20k" if args.smoke else args.sizes)
    lifetimes_max = parse_sizes(args.lifetimes_max)[0]
    has_lifetimes = Path(args.lifetimes_python).exists()
    if not has_lifetimes:
        print(f"(lifetimes not found at {args.lifetimes_python}: rfmkit only)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"customers_{n}.npz")
            np.savez(path, **generate(n, args.seed))
            ours = spawn(sys.executable, "rfmkit", path)
            theirs = (
                spawn(args.lifetimes_python, "lifetimes", path)
                if has_lifetimes and n <= lifetimes_max
                else None
            )
            rows.append((n, ours, theirs))
            print_row(n, ours, theirs)
    print_params(rows)


def total(result: dict[str, Any]) -> float:
    return float(result["fit_bgnbd"] + result["fit_gg"] + result["predict"])


HEADER = (
    f"{'customers':>10} {'library':>9} {'fit BG/NBD':>10} {'fit GG':>7} {'predict':>8} "
    f"{'total s':>8} {'peak MiB':>9} {'speed-up':>9}"
)


def print_row(n: int, ours: dict[str, Any] | None, theirs: dict[str, Any] | None) -> None:
    if n and not getattr(print_row, "started", False):
        print(HEADER)
        print_row.started = True  # type: ignore[attr-defined]
    for name, res in (("rfmkit", ours), ("lifetimes", theirs)):
        if res is None:
            continue
        ratio = ""
        if name == "rfmkit" and theirs is not None:
            ratio = f"{total(theirs) / total(res):8.1f}x"
        print(
            f"{n:>10,} {name:>9} {res['fit_bgnbd']:>10.2f} {res['fit_gg']:>7.2f} "
            f"{res['predict']:>8.2f} {total(res):>8.2f} {res['peak_mib']:>9.0f} {ratio:>9}",
            flush=True,
        )


def print_params(rows: list[tuple[int, dict[str, Any] | None, dict[str, Any] | None]]) -> None:
    print("\nparameters (true values first)")
    names = list(TRUE_BGNBD) + list(TRUE_GG)
    truth = TRUE_BGNBD | TRUE_GG
    print(f"{'':>22}" + "".join(f"{k:>9}" for k in names))
    print(f"{'true':>22}" + "".join(f"{truth[k]:>9.4g}" for k in names))
    for n, ours, theirs in rows:
        for name, res in (("rfmkit", ours), ("lifetimes", theirs)):
            if res is not None:
                print(f"{n:>11,} {name:>10}" + "".join(f"{res['params'][k]:>9.4g}" for k in names))
        if ours:
            off = max(abs(ours["params"][k] - truth[k]) / truth[k] for k in names)
            print(f"{'':>22}largest relative error of rfmkit vs the true values: {off:.1%}")
        if ours and theirs:
            worst = max(
                abs(ours["params"][k] - theirs["params"][k]) / abs(theirs["params"][k])
                for k in names
            )
            print(f"{'':>22}largest relative difference rfmkit vs lifetimes: {worst:.1e}")


if __name__ == "__main__":
    main()
