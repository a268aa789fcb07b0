"""The sandbox under load: credits and inquires per second from one pooled client.

Run from the project folder (runs on its own, about a minute):

    .venv/bin/python benchmarks/sandbox_load.py
    .venv/bin/python benchmarks/sandbox_load.py --calls 500 --runs 3 --threads 1,4

How it is measured. ``paygate sandbox`` runs as a child process, as a user
starts it (``--quiet``, loopback), on a fresh SQLite file in a temporary
folder under ``--db-dir`` (default: the current folder, where a user keeps
``sandbox.db``; not /tmp, which may be a RAM disk whose fsync costs nothing).
This process drives it with one ``paygate.client.Client`` (its pooled,
keep-alive ``requests`` sessions), the way a shop calls Paygate: each call is
built, MACed, encrypted, sent, and its answer decrypted, MAC-verified and
typed. A credit carries a fresh ReqId, so every one is a committed write
transaction (the ReqId check, the credit, the stored result). Before the
timed calls one payment is made through the wallet page (a small shop on
loopback takes its notify) and warmed up with a few calls.

A run sends ``--calls`` credits, then ``--calls`` inquires, from ``--threads``
threads sharing the one client; each call is timed on its own
(``time.perf_counter``) and the run's throughput is calls divided by the
run's wall time. Every setting is run ``--runs`` times, interleaved (run 1 of
every setting, then run 2, ...), so a burst of load from elsewhere on the
machine hits all alike; the table shows the best and the median run for the
throughput and the median run's p50 and p99.

Beside it, in the same run, the floors: a GET of ``_sandbox/health`` (the
HTTP round trip with no Paygate work) through a ``requests.Session`` made as
the client makes its sessions ("health, requests"), the same with
``trust_env=False`` ("health, no env": requests then skips reading the proxy
settings from the environment on every call), and through a kept
``http.client`` connection ("health, http.client": the server's HTTP floor
without requests); and the client's own Paygate work for one call without
HTTP (build, MAC, encrypt; then decrypt, verify and type a result). So the
shares of the sandbox, of requests and of the client can be read off. The
peak RSS of the server (from /proc) and of this process are printed at the end.

The targets (issue "the sandbox under load"): at least 300 credits/s and 600
inquires/s, p99 at most 20 ms, from one client over loopback. A missed target
is printed, never an error.
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from paygate import Secret, builders
from paygate.client import Client, Config
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

ROOT = Path(__file__).resolve().parent.parent
MERCHANT_ID = "LoadShop"
HMAC_KEY = "load-hmac-key-0123456789"
CIPHER_KEY = "load-blowfish-key"
PAYMENT_AMOUNT = 10**9  # room for every credit of 1 cent of every run
TARGETS = {"credit": 300.0, "inquire": 600.0}
P99_TARGET_MS = 20.0


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _shop() -> BaseWSGIServer:
    """URLNotify, URLSuccess and URLFailure of the one setup payment: answers 200."""
    server = make_server(
        "127.0.0.1", 0, lambda e, s: Response("OK")(e, s), threaded=True, request_handler=_Quiet
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Wallet(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.action = dict(attrs).get("action") or ""


class Sandbox:
    """``paygate sandbox`` in a child process on a fresh database."""

    def __init__(self, folder: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYGATE_")}
        env.update(
            PAYGATE_MERCHANT_ID=MERCHANT_ID,
            PAYGATE_HMAC_KEY=HMAC_KEY,
            PAYGATE_CIPHER_KEY=CIPHER_KEY,
        )
        command = [sys.executable, "-c", "from generator.cli import main; main()", "sandbox"]
        command += ["--port", "0", "--db", str(folder / "load.db"), "--quiet"]
        self.proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if not first.startswith("Paygate sandbox on http://127.0.0.1:"):
            self.proc.kill()
            raise SystemExit(f"the sandbox did not start: {first!r} {self.proc.communicate()}")
        self.url = first.split()[3]

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.communicate(timeout=20)


def make_payment(client: Client, shop_url: str) -> str:
    """One authorised payment, made as a customer's browser makes it; its PayID."""
    form = client.payment_form(
        TransID="load-1",
        Amount=PAYMENT_AMOUNT,
        Currency="EUR",
        FxCurrency="EUR",
        OrderDesc="Load test",
        URLSuccess=shop_url + "success",
        URLFailure=shop_url + "failure",
        URLNotify=shop_url + "notify",
    )
    browser = requests.Session()
    browser.trust_env = False
    wallet = browser.get(form.redirect_url, timeout=10, allow_redirects=False)
    wallet.raise_for_status()
    page = _Wallet()
    page.feed(wallet.text)
    done = browser.post(
        urljoin(wallet.url, page.action), data={"action": "pay"}, timeout=10, allow_redirects=False
    )
    assert done.status_code == 303, done.text
    pay_id = page.action.rsplit("/", 1)[1]
    assert client.inquire(PayID=pay_id).Status == "OK"
    return pay_id


def timed_run(call: Callable[[], object], calls: int, threads: int) -> tuple[float, list[float]]:
    """Throughput (calls/s over the wall time) and each call's latency in ms.

    One thread runs the calls in this thread; more share the calls between them.
    """

    def loop(n: int, out: list[float]) -> None:
        for _ in range(n):
            start = time.perf_counter()
            call()
            out.append((time.perf_counter() - start) * 1000)

    if threads == 1:
        latencies: list[float] = []
        start = time.perf_counter()
        loop(calls, latencies)
        return calls / (time.perf_counter() - start), latencies
    shares = [calls // threads + (1 if i < calls % threads else 0) for i in range(threads)]
    results: list[list[float]] = [[] for _ in shares]
    failures: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def worker(n: int, out: list[float]) -> None:
        barrier.wait()
        try:
            loop(n, out)
        except BaseException as exc:  # re-raised in the calling thread
            failures.append(exc)

    workers = [threading.Thread(target=worker, args=a) for a in zip(shares, results, strict=True)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise failures[0]
    return calls / elapsed, [ms for out in results for ms in out]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def client_floor(client: Client, pay_id: str, repeats: int = 2000) -> dict[str, float]:
    """The client's own work per call without HTTP, in ms: a request, and a result."""
    start = time.perf_counter()
    for i in range(repeats):
        params = builders.build_alipayplus_credit(
            MerchantID=MERCHANT_ID,
            PayID=pay_id,
            TransID="load-1",
            Amount=1,
            Currency="EUR",
            ReqId=f"{i:032x}",
        )
        client.encrypt_request("alipayplus.credit", params)
    request_ms = (time.perf_counter() - start) * 1000 / repeats
    # A result as the sandbox sends it, to time the client's result path.
    inquiry = builders.build_alipayplus_inquire(MerchantID=MERCHANT_ID, PayID=pay_id)
    answer = requests.post(
        urljoin(client.config.base_url, "inquire.aspx"),
        data=client.encrypt_request("alipayplus.inquire", inquiry),
        timeout=10,
    )
    result = dict(parse_qsl(answer.text))
    start = time.perf_counter()
    for _ in range(repeats):
        client.parse_result("alipayplus.inquire", result)
    result_ms = (time.perf_counter() - start) * 1000 / repeats
    return {"request": request_ms, "result": result_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per run and operation")
    parser.add_argument("--runs", type=int, default=5, help="runs of each setting")
    parser.add_argument(
        "--threads", default="1,4", help="comma-separated thread counts sharing the client"
    )
    parser.add_argument(
        "--db-dir", default=".", type=Path, help="folder for the temporary database folder"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="write a cProfile of the client side (one thread)"
    )
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",")]

    load_start = os.getloadavg()[0]
    shop = _shop()
    shop_url = f"http://127.0.0.1:{shop.port}/"
    with tempfile.TemporaryDirectory(prefix="sandbox-load-", dir=args.db_dir) as folder:
        sandbox = Sandbox(Path(folder))
        try:
            config = Config(MERCHANT_ID, Secret(HMAC_KEY), Secret(CIPHER_KEY), base_url=sandbox.url)
            client = Client(config)
            pay_id = make_payment(client, shop_url)
            counter = iter(range(10**12))

            def credit() -> object:
                return client.credit(
                    PayID=pay_id,
                    TransID="load-1",
                    Amount=1,
                    Currency="EUR",
                    ReqId=f"load-{next(counter):027d}",
                )

            def inquire() -> object:
                return client.inquire(PayID=pay_id)

            health_url = sandbox.url + "_sandbox/health"
            # As the client's sessions are made: requests' defaults (trust_env on).
            as_client = requests.Session()
            no_env = requests.Session()
            no_env.trust_env = False
            host, port = urlsplit(sandbox.url).hostname, urlsplit(sandbox.url).port
            own = threading.local()  # one kept connection per thread

            def health_requests() -> object:
                return as_client.get(health_url, timeout=10).content

            def health_requests_no_env() -> object:
                return no_env.get(health_url, timeout=10).content

            def health_http_client() -> object:
                if not hasattr(own, "kept"):
                    own.kept = http.client.HTTPConnection(host or "127.0.0.1", port, timeout=10)
                own.kept.request("GET", "/_sandbox/health")
                return own.kept.getresponse().read()

            operations: dict[str, Callable[[], object]] = {
                "credit": credit,
                "inquire": inquire,
                "health, requests": health_requests,
                "health, no env": health_requests_no_env,
                "health, http.client": health_http_client,
            }
            for call in operations.values():  # warm up: connections, caches
                timed_run(call, 50, 1)
            profiler: Any = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            results: dict[tuple[str, int], list[tuple[float, list[float]]]] = {}
            for _ in range(args.runs):
                for threads in thread_counts:
                    for name, call in operations.items():
                        results.setdefault((name, threads), []).append(
                            timed_run(call, args.calls, threads)
                        )
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            floor = client_floor(client, pay_id)
            rss = sandbox.peak_rss_mb()
            client.close()
        finally:
            sandbox.stop()
    shop.shutdown()
    load_end = os.getloadavg()[0]

    print(
        f"sandbox under load: {args.calls} calls per run, {args.runs} runs per setting, "
        f"one Client; load average {load_start:.2f} at start, {load_end:.2f} at end "
        f"({os.cpu_count()} cores); database under {args.db_dir.resolve()}"
    )
    header = (
        f"{'operation':<20} {'threads':>7} {'best/s':>8} {'median/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7}  target"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for (name, threads), runs in results.items():
        rates = [rate for rate, _ in runs]
        median_run = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        p50 = percentile(median_run[1], 50)
        p99 = percentile(median_run[1], 99)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            met = statistics.median(rates) >= target and p99 <= P99_TARGET_MS
            verdict = f">= {target:.0f}/s, p99 <= {P99_TARGET_MS:.0f} ms: " + (
                "met" if met else "MISSED"
            )
            if not met:
                missed.append(f"{name} x{threads}")
        print(
            f"{name:<20} {threads:>7} {max(rates):>8.0f} {statistics.median(rates):>9.0f} "
            f"{p50:>7.2f} {p99:>7.2f}  {verdict}"
        )
    print(
        f"client work per call without HTTP: build+MAC+encrypt {floor['request']:.3f} ms, "
        f"decrypt+verify+type a result {floor['result']:.3f} ms"
    )
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: sandbox {rss:.0f} MB, this process (the client) {own_rss:.0f} MB")
    if missed:
        print("targets missed (median run): " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
