"""Benchmarks of the generated client against what users would pick instead.

Run from the project folder:

    .venv/bin/python benchmarks/run.py            # everything, a few minutes
    .venv/bin/python benchmarks/run.py --quick    # a rough pass

Every comparison is measured side by side in this one run. The table goes to
stdout; the figures, the machine and the settings go to
benchmarks/results/<time>.json and benchmarks/results/latest.json. Missing a
target is reported, never an error: the exit code is 1 only when a section
could not run (or the engines disagree on what is valid), 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import functools
import gc
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# The benchmark modules sit beside this file; the project root holds generator/.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import engines  # noqa: E402
import floors  # noqa: E402
import measure  # noqa: E402
import paygate  # noqa: E402
import payloads  # noqa: E402
import report  # noqa: E402
import scaled_spec  # noqa: E402
from paygate.client import Client, Config, join_params  # noqa: E402
from paygate.crypto import BlowfishCipher, compute_mac, verify_mac  # noqa: E402
from paygate.operations import OPERATIONS  # noqa: E402
from paygate.results import parse_alipayplus_payment_result  # noqa: E402
from paygate.secrets import Secret  # noqa: E402
from paygate.validators import (  # noqa: E402
    validate_alipayplus_payment_request,
    validate_alipayplus_payment_result,
)

from generator.emit import cache  # noqa: E402
from generator.emit.generate import render_all  # noqa: E402
from generator.spec.loader import load_spec  # noqa: E402
from generator.spec.project import Project  # noqa: E402

OPERATION = "alipayplus.payment"
RESULTS = HERE / "results"
README = HERE / "README.md"
README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"
# Scripts of their own that the run calls when they are there (section -> file).
SCRIPTS = {"stream": HERE / "validate_stream.py", "load": HERE / "sandbox_load.py"}

# The targets (issue 17 and the earlier ones).
TARGET_VALID_VS_RS = 2.0  # valid request, is_valid: at most this many times jsonschema-rs
TARGET_VS_JSONSCHEMA = 30.0  # at least this many times faster than jsonschema
TARGET_REQUEST_FLOOR = 1.3  # request path: at most this many times its floor (with validator)
TARGET_RESULT_FLOOR = 1.5  # result path: the same
TARGET_IMPORT_MS = 60.0
TARGET_GENERATE_S = 0.35  # paygate generate, end to end on the real spec
TARGET_CLI_S = 10.0
TARGET_CLI_RSS_MB = 150.0
TARGET_R_SQUARED = 0.99  # generation time against operations: a straight line
TARGET_SLOPE_GROWTH = 1.25  # per-operation cost at 10x..100x over the cost at 1x..10x

Validator = Callable[[dict[str, Any]], list[Any]]


# --------------------------------------------------------------------------- validation


def agreement(all_engines: list[engines.Engine]) -> dict[str, Any]:
    """Does every engine accept and reject the sets of the corpus as the spec says?

    Both ways of calling each engine are checked: ``is_valid`` and the list of errors.
    """
    wrong: dict[str, list[str]] = {e.name: [] for e in all_engines}
    for case, params, valid in payloads.CORPUS:
        for e in all_engines:
            if e.valid(dict(params)) != valid or (not e.errors(dict(params))) != valid:
                wrong[e.name].append(case)
    return {"cases": len(payloads.CORPUS), "disagreements": wrong}


def mypyc_validator(settings: measure.Settings) -> tuple[Callable[..., list[Any]] | None, str]:
    if not settings.mypyc:
        return None, "left out (--no-mypyc)"
    folder, how = engines.build_mypyc(RESULTS)
    if folder is None:
        return None, how
    return engines.load_mypyc(folder), how


def bench_validation(settings: measure.Settings) -> dict[str, Any]:
    compiled, mypyc_note = mypyc_validator(settings)
    all_engines = engines.engines(compiled)
    agreed = agreement(all_engines)
    rows = []
    for case, params in (("valid", payloads.VALID), ("invalid", payloads.INVALID)):
        calls: dict[str, Callable[[], object]] = {}
        for e in all_engines:
            calls[f"{e.name}|is_valid"] = functools.partial(e.is_valid, params)
            calls[f"{e.name}|errors"] = functools.partial(e.errors, params)
        timings = measure.time_side_by_side(calls, settings)
        base = {m: timings[f"paygate (generated)|{m}"].best_us for m in ("is_valid", "errors")}
        rs = {m: timings[f"jsonschema-rs|{m}"].best_us for m in ("is_valid", "errors")}
        for e in all_engines:
            t_valid, t_errors = timings[f"{e.name}|is_valid"], timings[f"{e.name}|errors"]
            rows.append(
                {
                    "case": case,
                    "engine": e.name,
                    "errors": len(e.errors(dict(params))),
                    "reports": e.reports,
                    "is_valid": t_valid.as_dict(),
                    "errors_timing": t_errors.as_dict(),
                    "is_valid_vs_paygate": t_valid.best_us / base["is_valid"],
                    "errors_vs_paygate": t_errors.best_us / base["errors"],
                    "is_valid_vs_rs": t_valid.best_us / rs["is_valid"],
                    "errors_vs_rs": t_errors.best_us / rs["errors"],
                }
            )
    return {
        "keys_in_valid_set": len(payloads.VALID),
        "agreement": agreed,
        "rows": rows,
        "configs": {e.name: e.config for e in all_engines},
        "mypyc": mypyc_note,
        "memory": validator_memory(settings),
    }


def probe(what: str) -> int:
    """Peak RSS (KiB) of a fresh process doing ``what`` (memory_probe.py)."""
    proc = subprocess.run(
        [sys.executable, str(HERE / "memory_probe.py"), what],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    peak: int = json.loads(proc.stdout)["maxrss_kib"]
    return peak


def validator_memory(settings: measure.Settings) -> list[dict[str, Any]]:
    """Each engine's cost in memory: peak RSS of a process that imports, builds and uses it."""
    runs = 1 if settings.repeats <= 3 else 3
    baseline = min(probe("baseline") for _ in range(runs))
    out = []
    for what in ("paygate", "jsonschema-rs", "fastjsonschema", "jsonschema", "pydantic"):
        peak = min(probe(what) for _ in range(runs))
        out.append({"engine": what, "peak_kib": peak, "over_baseline_kib": peak - baseline})
    return out


def validation_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    by = {(r["case"], r["engine"]): r for r in section["rows"]}
    out = []
    valid = by[("valid", "paygate (generated)")]
    ratio = valid["is_valid_vs_rs"]
    out.append(
        target(
            "valid request, is_valid: vs jsonschema-rs is_valid",
            f"<= {TARGET_VALID_VS_RS:g}x its time",
            f"{ratio:.2f}x its time",
            ratio <= TARGET_VALID_VS_RS,
        )
    )
    if ("valid", "paygate (mypyc)") in by:
        ratio = by[("valid", "paygate (mypyc)")]["is_valid_vs_rs"]
        out.append(
            target(
                "valid request, is_valid, mypyc-compiled: vs jsonschema-rs",
                f"<= {TARGET_VALID_VS_RS:g}x its time",
                f"{ratio:.2f}x its time",
                ratio <= TARGET_VALID_VS_RS,
            )
        )
    ratio = by[("invalid", "paygate (generated)")]["errors_vs_rs"]
    out.append(
        target(
            "invalid request, all errors with messages: vs jsonschema-rs iter_errors",
            "faster",
            f"{ratio:.2f}x its time",
            ratio < 1.0,
        )
    )
    for case in ("valid", "invalid"):
        js = by[(case, "jsonschema")]["errors_vs_paygate"]
        out.append(
            target(
                f"{case} request, all errors: vs jsonschema",
                f">= {TARGET_VS_JSONSCHEMA:g}x faster",
                f"{js:.1f}x faster",
                js >= TARGET_VS_JSONSCHEMA,
            )
        )
    fjs = by[("valid", "fastjsonschema")]["is_valid_vs_paygate"]
    out.append(
        target(
            "valid request, is_valid: vs fastjsonschema",
            "faster",
            f"{fjs:.2f}x faster" if fjs > 1 else f"{1 / fjs:.2f}x slower",
            fjs > 1,
        )
    )
    return out


# --------------------------------------------------------------------------- client paths


def bench_paths(settings: measure.Settings) -> dict[str, Any]:
    hmac_key, cipher_key = Secret(payloads.HMAC_KEY), Secret(payloads.CIPHER_KEY)
    client = Client(Config(payloads.MERCHANT, hmac_key, cipher_key))
    cipher = BlowfishCipher(cipher_key)
    op = OPERATIONS[OPERATION]
    form_args = dict(payloads.PAYMENT_FORM)

    # Request path: build (which validates), MAC, encrypt; and its pieces.
    built = paygate.build_alipayplus_payment(MerchantID=payloads.MERCHANT, **form_args)
    mac_fields = [built.get(f) if f else None for f in op.request_mac]
    plain = join_params({**built, "MAC": compute_mac(hmac_key, mac_fields)})
    form = client.payment_form(**form_args)
    sent = cipher.decrypt(form.fields["Data"], int(form.fields["Len"]))
    assert f"TransID={payloads.VALID['TransID']}" in sent, "the payment form does not round-trip"

    # Result path: an encrypted result as Paygate sends it to URLNotify.
    probe_result = payloads.payment_result(mac="")
    result_mac = compute_mac(hmac_key, [probe_result.get(f) if f else None for f in op.result_mac])
    result = payloads.payment_result(mac=result_mac)
    data, length = cipher.encrypt(join_params(result))
    fields = {"MerchantID": payloads.MERCHANT, "Len": str(length), "Data": data}
    parsed = client.parse_result(OPERATION, fields)
    assert getattr(parsed, "ok", False), "the benchmark's result does not parse as a success"
    decrypted = client.decrypt_result(fields)
    result_mac_fields = [result.get(f) if f else None for f in op.result_mac]

    # The floors: the same work in bare library calls (floors.py), checked against ours,
    # with either HMAC; the floor is the faster of the two.
    key, message = payloads.HMAC_KEY.encode(), mac_input_text(mac_fields).encode()
    macs = {"hmac.digest": floors.mac_stdlib, "cryptography HMAC": floors.mac_cryptography}
    bare = {
        name: floors.Floor(payloads.MERCHANT, payloads.HMAC_KEY, payloads.CIPHER_KEY, mac)
        for name, mac in macs.items()
    }
    for floor in bare.values():
        floor_form = floor.request(built)
        assert cipher.decrypt(floor_form["Data"], int(floor_form["Len"])) == plain, "floor differs"
        assert floor.result(fields) == result, "the result floor parses differently"
    floor_steps: list[tuple[str, str, Callable[[], object]]] = []
    for name, floor in bare.items():
        checked_request = floors.with_validator(
            floor.request, validate_alipayplus_payment_request, True
        )
        checked_result = floors.with_validator(
            floor.result, validate_alipayplus_payment_result, False
        )
        floor_steps += [
            (
                "request",
                f"floor: {name} + join + Blowfish + hex",
                functools.partial(floor.request, built),
            ),
            (
                "request",
                f"floor with our validator ({name})",
                functools.partial(checked_request, built),
            ),
            (
                "result",
                f"floor: unhex + Blowfish + split + {name}",
                functools.partial(floor.result, fields),
            ),
            (
                "result",
                f"floor with our validator ({name})",
                functools.partial(checked_result, fields),
            ),
        ]

    steps: list[tuple[str, str, Callable[[], object]]] = [
        ("request", "ours: Client.payment_form", lambda: client.payment_form(**form_args)),
        *(f for f in floor_steps if f[0] == "request"),
        (
            "request",
            "piece: build_alipayplus_payment (validates)",
            lambda: paygate.build_alipayplus_payment(MerchantID=payloads.MERCHANT, **form_args),
        ),
        (
            "request",
            "piece: validate only",
            lambda: validate_alipayplus_payment_request(built, with_mac=False),
        ),
        ("request", "piece: compute_mac", lambda: compute_mac(hmac_key, mac_fields)),
        ("request", "piece: join_params", lambda: join_params(built)),
        ("request", "piece: Blowfish encrypt", lambda: cipher.encrypt(plain)),
        *(
            ("request", f"bare: {name} alone", functools.partial(fn, key, message))
            for name, fn in macs.items()
        ),
        (
            "result",
            "ours: Client.parse_result (encrypted)",
            lambda: client.parse_result(OPERATION, fields),
        ),
        *(f for f in floor_steps if f[0] == "result"),
        (
            "result",
            "piece: decrypt_result (Blowfish, split)",
            lambda: client.decrypt_result(fields),
        ),
        (
            "result",
            "piece: verify_mac",
            lambda: verify_mac(hmac_key, result_mac_fields, result_mac),
        ),
        (
            "result",
            "piece: parse_alipayplus_payment_result",
            lambda: parse_alipayplus_payment_result(decrypted),
        ),
        ("result", "piece: validate only", lambda: validate_alipayplus_payment_result(decrypted)),
    ]
    timings = measure.time_side_by_side({f"{p}: {s}": fn for p, s, fn in steps}, settings)
    rows = [
        {
            "path": p,
            "step": s,
            **timings[f"{p}: {s}"].as_dict(),
            "allocated_peak_bytes": measure.peak_allocation(fn),
        }
        for p, s, fn in steps
    ]
    client.close()
    ratios = {}
    for path in ("request", "result"):
        mine = {r["step"]: r["best_us"] for r in rows if r["path"] == path}
        ours = next(v for k, v in mine.items() if k.startswith("ours"))
        bare_floor = min(v for k, v in mine.items() if k.startswith("floor:"))
        checked = min(v for k, v in mine.items() if k.startswith("floor with our validator"))
        ratios[path] = {
            "ours_us": ours,
            "floor_us": bare_floor,
            "floor_with_validator_us": checked,
            "vs_floor": ours / bare_floor,
            "vs_floor_with_validator": ours / checked,
        }
    return {"plaintext_chars": len(plain), "rows": rows, "ratios": ratios}


def mac_input_text(fields: list[str | None]) -> str:
    return "*".join("" if f is None else f for f in fields)


def path_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, goal in (("request", TARGET_REQUEST_FLOOR), ("result", TARGET_RESULT_FLOOR)):
        r = section["ratios"][path]
        out.append(
            target(
                f"{path} path: vs its floor with our validator",
                f"<= {goal:g}x",
                f"{r['vs_floor_with_validator']:.2f}x ({r['ours_us']:.1f} vs "
                f"{r['floor_with_validator_us']:.1f} us)",
                r["vs_floor_with_validator"] <= goal,
            )
        )
    return out


# --------------------------------------------------------------------------- import time

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def importtime_lines(stderr: str) -> list[tuple[int, int, int, str]]:
    """(self µs, cumulative µs, depth, module) of each line of ``-X importtime``."""
    out = []
    for line in stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    return out


def parse_importtime(stderr: str, module: str) -> tuple[int, list[tuple[str, int, int]]]:
    """The cumulative µs of ``module``'s top-level import, and what it imported (self, cum)."""
    lines = importtime_lines(stderr)
    for i, (_, cumulative, indent, name) in enumerate(lines):
        if name == module and indent <= 1:
            # Nested imports are listed before their parent, indented deeper.
            j = i
            while j > 0 and lines[j - 1][2] > indent:
                j -= 1
            nested = [(n, s, c) for s, c, _, n in lines[j:i]]
            return cumulative, nested
    raise ValueError(f"no top-level import of {module!r} in -X importtime output")


def script_imports(stderr: str, startup: set[str]) -> tuple[int, list[tuple[str, int]]]:
    """What the ``-c`` script imported: total µs, and (module, self µs) of each module.

    Top-level lines whose module the bare interpreter imports too (``startup``)
    belong to the interpreter's start, not to the script.
    """
    lines = importtime_lines(stderr)
    total, modules, keep = 0, [], False
    # Lines come child first; a top-level line closes the block of lines before it.
    block: list[tuple[str, int]] = []
    for self_us, cumulative, indent, name in lines:
        block.append((name, self_us))
        if indent <= 1:
            keep = name not in startup
            if keep:
                total += cumulative
                modules += block
            block = []
    return total, modules


def by_package(modules: list[tuple[str, int]]) -> list[tuple[str, float]]:
    """Self time (ms) summed by top-level package; the standard library as one."""
    out: dict[str, float] = {}
    stdlib = sys.stdlib_module_names
    for name, self_us in modules:
        root = name.split(".")[0]
        group = "standard library" if root.lstrip("_") in stdlib or root in stdlib else root
        out[group] = out.get(group, 0.0) + self_us / 1000
    return sorted(out.items(), key=lambda kv: -kv[1])


def by_dependency(stderr: str, startup: set[str]) -> list[tuple[str, float]]:
    """Cumulative ms by what pulled a module in: the outermost package other than paygate.

    The standard library modules that requests imports count for requests, and
    so on; what paygate itself and the standard library it imports directly
    take is "paygate and the standard library".
    """
    lines = importtime_lines(stderr)
    out: dict[str, float] = {}
    stdlib = sys.stdlib_module_names
    stack: list[tuple[int, str]] = []  # (depth, module) of the ancestors, root first
    for self_us, _, depth, name in reversed(lines):  # parents now come before children
        while stack and stack[-1][0] >= depth:
            stack.pop()
        stack.append((depth, name))
        if stack[0][1] in startup:
            continue
        group = "paygate and the standard library"
        for _, module in stack:
            root = module.split(".")[0]
            if root != "paygate" and root.lstrip("_") not in stdlib and root not in stdlib:
                group = root
                break
        out[group] = out.get(group, 0.0) + self_us / 1000
    return sorted(out.items(), key=lambda kv: -kv[1])


def _import_runs(
    module: str, runs: int, env: dict[str, str], before_each: Callable[[], object] = lambda: None
) -> dict[str, Any]:
    """``import MODULE`` in ``runs`` fresh processes: best ms and where the time goes."""

    def importtime(code: str) -> str:
        return subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=tempfile.gettempdir(),  # not this folder: only the installed package is found
        ).stderr

    startup = {n for *_, n in importtime_lines(importtime("pass"))}
    took: list[int] = []
    best: list[tuple[str, int]] = []
    best_stderr = ""
    for _ in range(runs):
        before_each()
        stderr = importtime(f"import {module}")
        total, modules = script_imports(stderr, startup)
        if not took or total < min(took):
            best, best_stderr = modules, stderr
        took.append(total)
    heaviest = sorted(best, key=lambda t: -t[1])[:8]
    return {
        "module": module,
        "best_ms": min(took) / 1000,
        "runs_ms": [t / 1000 for t in took],
        "heaviest_self_ms": [{"module": n, "self_ms": s / 1000} for n, s in heaviest],
        "by_package_ms": [{"package": p, "self_ms": ms} for p, ms in by_package(best)],
        "by_dependency_ms": [
            {"dependency": d, "ms": ms} for d, ms in by_dependency(best_stderr, startup)
        ],
        "modules": len(best),
    }


def bench_import(settings: measure.Settings) -> dict[str, Any]:
    """Import times with bytecode cached (as after any first run), and with paygate's compiled.

    The bytecode goes to a scratch folder (PYTHONPYCACHEPREFIX), so the run writes
    nothing into the source tree and does not depend on what earlier runs left there.
    """
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="paygate-pycache-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = tmp
        package = Path(paygate.__file__).resolve().parent
        paygate_cache = Path(tmp, *package.parts[1:])

        def forget_paygate_bytecode() -> None:
            shutil.rmtree(paygate_cache, ignore_errors=True)

        for module in ("paygate", "paygate.client"):
            _import_runs(module, 2, env)  # fill the cache for the standard library and dependencies
            warm = _import_runs(module, settings.process_runs, env)
            cold = _import_runs(module, settings.process_runs, env, forget_paygate_bytecode)
            out[module] = {**warm, "compiling_paygate": cold}
    runs = 1 if settings.repeats <= 3 else 3
    baseline = min(probe("import:sys") for _ in range(runs))
    for module in ("paygate", "paygate.client"):
        peak = min(probe(f"import:{module}") for _ in range(runs))
        out[module]["rss_over_python_kib"] = peak - baseline
    return out


def import_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    best = section["paygate"]["best_ms"]
    client = section["paygate.client"]["best_ms"]
    return [
        target(
            "import paygate",
            f"<= {TARGET_IMPORT_MS:g} ms",
            f"{best:.1f} ms",
            best <= TARGET_IMPORT_MS,
        ),
        target("import paygate.client", "reported", f"{client:.1f} ms", None),
    ]


# --------------------------------------------------------------------------- generation


def paygate_command() -> list[str]:
    script = Path(sys.executable).with_name("paygate")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from generator.cli import main; main()"]


def run_paygate(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[measure.Clock, int, subprocess.CompletedProcess[str]]:
    """`paygate ARGS` in a fresh process: its time, its peak RSS (KiB, peak.py), its output."""
    with tempfile.TemporaryDirectory(prefix="paygate-peak-") as tmp:
        out = Path(tmp, "peak")
        took, proc = measure.run_process(
            [sys.executable, str(HERE / "peak.py"), str(out), "paygate", *args], env
        )
        peak = int(out.read_text(encoding="ascii")) if out.exists() else 0
    return took, peak, proc


def bench_generate(settings: measure.Settings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="paygate-bench-") as tmp:
        # End to end on the real spec, as a user runs it (into a copy: generated/ is untouched),
        # with the per-user cache warm (every run after the first), cold, and turned off.
        real = scaled_spec.copy_project(ROOT, Path(tmp, "real"))
        command = ["generate", "--root", str(real)]
        warm_cache = Path(tmp, "cache-warm")
        kinds: dict[str, Callable[[], dict[str, str]]] = {
            "warm cache": lambda: {"PAYGATE_CACHE_DIR": str(warm_cache)},
            "cold cache": lambda: {"PAYGATE_CACHE_DIR": tempfile.mkdtemp(dir=tmp)},
            "no cache": lambda: {"PAYGATE_CACHE_DIR": "off"},
        }
        run_paygate(command, {**os.environ, **kinds["warm cache"]()})  # fill the warm cache
        runs: dict[str, list[measure.Clock]] = {k: [] for k in kinds}
        peaks: dict[str, list[int]] = {k: [] for k in kinds}
        for _ in range(settings.process_runs):
            for kind, env in kinds.items():  # the kinds take turns
                took, peak, proc = run_paygate(command, {**os.environ, **env()})
                if proc.returncode != 0:
                    raise RuntimeError(
                        f"paygate generate exited {proc.returncode}:\n{proc.stderr[-1500:]}"
                    )
                runs[kind].append(took)
                peaks[kind].append(peak)
        out["end_to_end"] = {
            kind: {
                "best_s": min(c.wall for c in runs[kind]),
                "best_cpu_s": min(c.cpu for c in runs[kind]),
                "runs_s": [c.wall for c in runs[kind]],
                "peak_rss_kib": min(peaks[kind]),
            }
            for kind in kinds
        }
        out["end_to_end_s"] = out["end_to_end"]["warm cache"]["best_s"]
        out["end_to_end_cpu_s"] = out["end_to_end"]["warm cache"]["best_cpu_s"]
        out["end_to_end_runs_s"] = out["end_to_end"]["warm cache"]["runs_s"]
        out["command"] = "paygate generate --root <copy of the project>"

        # In process, the real spec and copies 10x and 100x its size; the sizes take turns
        # round by round, so that a busy spell on the machine does not fall on one size only.
        # The cache is off: this measures the work, not what an earlier round left behind.
        with cache_off():
            render_all(Project(real))  # warm-up: templates, schema, imports
            factors = (1, 10, 100)
            projects = {
                f: Project(scaled_spec.scaled_project(ROOT, Path(tmp, f"x{f}"), f)) for f in factors
            }
            best: dict[int, dict[str, Any]] = {f: {"factor": f} for f in factors}
            for _ in range(settings.slow_runs):
                for f, project in projects.items():
                    _generate_once(project, best[f])
            for f, project in projects.items():
                _load_without_gc(project, best[f])
    sizes = [best[f] for f in factors]
    out["sizes"] = sizes
    out["fit_cpu"] = _fit(sizes, "total_cpu_ms")
    out["fit_wall"] = _fit(sizes, "total_ms")
    return out


@contextlib.contextmanager
def cache_off() -> Iterator[None]:
    """PAYGATE_CACHE_DIR=off for this process while inside."""
    saved = os.environ.get("PAYGATE_CACHE_DIR")
    os.environ["PAYGATE_CACHE_DIR"] = "off"
    cache.folder.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PAYGATE_CACHE_DIR", None)
        else:
            os.environ["PAYGATE_CACHE_DIR"] = saved
        cache.folder.cache_clear()


def _keep(best: dict[str, Any], name: str, took: measure.Clock) -> None:
    """Keep the lowest wall and CPU time seen for ``name``, in ms."""
    for suffix, value in (("ms", took.wall), ("cpu_ms", took.cpu)):
        key = f"{name}_{suffix}"
        best[key] = min(best.get(key, float("inf")), value * 1000)


def _generate_once(project: Project, best: dict[str, Any]) -> None:
    """Load and render ``project`` once; the sizes of the output and the times into ``best``."""
    t0 = measure.clock()
    spec = load_spec(project.spec)
    t1 = measure.clock()
    files = render_all(project, spec)
    t2 = measure.clock()
    _keep(best, "load", t1 - t0)
    _keep(best, "render", t2 - t1)
    _keep(best, "total", t2 - t0)
    best["operations"] = len(spec.operations)
    best["files"] = len(files)
    best["output_lines"] = sum(text.count("\n") for text in files.values())


def _load_without_gc(project: Project, best: dict[str, Any]) -> None:
    """The load with the garbage collector off: shows what of its growth is the collector's."""
    gc.collect()
    gc.disable()
    try:
        t0 = measure.clock()
        load_spec(project.spec)
        _keep(best, "load_gc_off", measure.clock() - t0)
    finally:
        gc.enable()


def _fit(sizes: list[dict[str, Any]], key: str) -> dict[str, float]:
    """Least-squares line of ``key`` against operations, and the cost of added operations."""
    xs = [float(s["operations"]) for s in sizes]
    ys = [float(s[key]) for s in sizes]
    fit = measure.linear_fit(xs, ys)
    (n1, n10, n100), (t1, t10, t100) = xs, ys
    early = (t10 - t1) / (n10 - n1)
    late = (t100 - t10) / (n100 - n10)
    return {
        "ms_per_operation": fit.slope,
        "intercept_ms": fit.intercept,
        "r_squared": fit.r_squared,
        "ratio_10x_to_1x": t10 / t1,
        "ratio_100x_to_10x": t100 / t10,
        "marginal_ms_per_op_1x_10x": early,
        "marginal_ms_per_op_10x_100x": late,
        "growth": late / early,
    }


def generate_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    fit = section["fit_cpu"]
    e2e = section["end_to_end"]
    return [
        target(
            "paygate generate, real spec, end to end (warm cache)",
            f"<= {TARGET_GENERATE_S:g} s",
            f"{e2e['warm cache']['best_s']:.3f} s (cold {e2e['cold cache']['best_s']:.3f}, "
            f"none {e2e['no cache']['best_s']:.3f})",
            e2e["warm cache"]["best_s"] <= TARGET_GENERATE_S,
        ),
        target(
            "generate: linear in operations (CPU time)",
            f"R² >= {TARGET_R_SQUARED}, cost/op growth <= {TARGET_SLOPE_GROWTH}x",
            f"R² {fit['r_squared']:.4f}, growth {fit['growth']:.2f}x",
            fit["r_squared"] >= TARGET_R_SQUARED and fit["growth"] <= TARGET_SLOPE_GROWTH,
        ),
    ]


# --------------------------------------------------------------------------- paygate validate


def validate_command_ready() -> tuple[bool, str]:
    if not (ROOT / "generator" / "validate" / "command.py").exists():
        return False, "generator/validate/command.py does not exist yet"
    proc = subprocess.run(
        [*paygate_command(), "validate", "--help"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return False, "`paygate validate --help` failed: " + proc.stderr.strip()[-300:]
    return True, proc.stdout


def bench_cli(settings: measure.Settings) -> dict[str, Any]:
    shown = f"paygate validate --operation {OPERATION} sets.jsonl"
    ready, why = validate_command_ready()
    if not ready:
        return {"status": "pending", "reason": why, "command": shown}
    sizes = []
    with tempfile.TemporaryDirectory(prefix="paygate-bench-") as tmp:
        for count in settings.validate_sets:
            path = Path(tmp, f"sets-{count}.jsonl")
            invalid = payloads.write_jsonl(path, count)
            command = ["validate", "--operation", OPERATION, str(path)]
            runs, peaks, proc = [], [], None
            for _ in range(min(settings.process_runs, 3)):
                took, peak, proc = run_paygate(command)
                runs.append(took.wall)
                peaks.append(peak)
            assert proc is not None
            if proc.returncode not in (0, 1):
                raise RuntimeError(
                    f"{shown} exited {proc.returncode}: {(proc.stderr or proc.stdout)[-500:]}"
                )

            # The floor: read, parse and validate the same file in this process.
            def floor(path: Path = path) -> int:
                bad = 0
                with path.open(encoding="utf-8") as lines:
                    for line in lines:
                        bad += bool(validate_alipayplus_payment_request(json.loads(line)))
                return bad

            floor_s, _ = measure.time_once(floor, min(settings.process_runs, 3))
            sizes.append(
                {
                    "sets": count,
                    "invalid_sets": invalid,
                    "file_mb": path.stat().st_size / 1e6,
                    "best_s": min(runs),
                    "runs_s": runs,
                    "peak_rss_kib": min(peaks),
                    "exit_code": proc.returncode,
                    "stdout_lines": proc.stdout.count("\n"),
                    "in_process_floor_s": floor_s,
                }
            )
            path.unlink()
    out: dict[str, Any] = {"status": "measured", "command": shown, "sizes": sizes}
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        out["rss_growth_bytes_per_set"] = (
            (large["peak_rss_kib"] - small["peak_rss_kib"]) * 1024 / (large["sets"] - small["sets"])
        )
    return out


def cli_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    if section.get("status") != "measured":
        return [target("paygate validate 100k sets", f"<= {TARGET_CLI_S:g} s", "pending", None)]
    out = []
    for size in section["sizes"]:
        if size["sets"] == 100_000:
            out.append(
                target(
                    "paygate validate 100k sets",
                    f"<= {TARGET_CLI_S:g} s",
                    f"{size['best_s']:.2f} s",
                    size["best_s"] <= TARGET_CLI_S,
                )
            )
    largest = section["sizes"][-1]
    growth = section.get("rss_growth_bytes_per_set")
    out.append(
        target(
            f"paygate validate peak RSS at {largest['sets']:,} sets",
            f"<= {TARGET_CLI_RSS_MB:g} MB at 1,000,000 sets, flat",
            f"{largest['peak_rss_kib'] / 1024:.0f} MB"
            + (f", {growth:,.0f} bytes more per set" if growth is not None else ""),
            None
            if largest["sets"] < 1_000_000
            else largest["peak_rss_kib"] / 1024 <= TARGET_CLI_RSS_MB,
        )
    )
    return out


# --------------------------------------------------------------------------- scripts of their own


def bench_script(name: str) -> Callable[[measure.Settings], dict[str, Any]]:
    """Run ``benchmarks/<script>.py`` when it is there and keep what it prints."""

    def run(settings: measure.Settings) -> dict[str, Any]:
        script = SCRIPTS[name]
        if not script.exists():
            return {"status": "absent", "script": script.name}
        took, proc = measure.run_process([sys.executable, str(script)], cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"{script.name} exited {proc.returncode}:\n{proc.stderr[-1500:]}")
        return {
            "status": "ran",
            "script": script.name,
            "wall_s": took.wall,
            "output": proc.stdout,
        }

    return run


# --------------------------------------------------------------------------- profile


def profile(settings: measure.Settings) -> str:
    """cProfile of the three hot paths, for finding what a missed target costs."""
    client = Client(
        Config(payloads.MERCHANT, Secret(payloads.HMAC_KEY), Secret(payloads.CIPHER_KEY))
    )
    form_args = dict(payloads.PAYMENT_FORM)
    loops = 20_000 if settings.repeats > 3 else 2_000
    out = io.StringIO()
    jobs: list[tuple[str, Callable[[], object]]] = [
        ("validate valid set", lambda: validate_alipayplus_payment_request(payloads.VALID)),
        ("validate invalid set", lambda: validate_alipayplus_payment_request(payloads.INVALID)),
        ("request path", lambda: client.payment_form(**form_args)),
    ]
    for title, fn in jobs:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(loops):
            fn()
        prof.disable()
        out.write(f"\n== {title}: {loops} calls ==\n")
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    client.close()
    return out.getvalue()


# --------------------------------------------------------------------------- report


def target(name: str, goal: str, measured: str, met: bool | None) -> dict[str, Any]:
    return {"name": name, "target": goal, "measured": measured, "met": met}


def update_readme(markdown: str) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END)
    README.write_text(
        text[: start + len(README_START)] + "\n\n" + markdown + "\n" + text[end:],
        encoding="utf-8",
    )


SECTIONS: dict[
    str,
    tuple[
        Callable[[measure.Settings], dict[str, Any]],
        Callable[[dict[str, Any]], list[dict[str, Any]]],
    ],
] = {
    "validation": (bench_validation, validation_targets),
    "paths": (bench_paths, path_targets),
    "import": (bench_import, import_targets),
    "generate": (bench_generate, generate_targets),
    "cli": (bench_cli, cli_targets),
    "stream": (bench_script("stream"), lambda s: []),
    "load": (bench_script("load"), lambda s: []),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument(
        "--only", action="append", choices=sorted(SECTIONS), help="run only these sections"
    )
    parser.add_argument(
        "--update-readme", action="store_true", help="write the results into benchmarks/README.md"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile of the hot paths"
    )
    parser.add_argument(
        "--no-mypyc", action="store_true", help="leave out the mypyc-compiled validators"
    )
    parser.add_argument(
        "--validate-sets",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        help="sizes for paygate validate, e.g. 100000,1000000 (default 10000,100000)",
    )
    args = parser.parse_args(argv)
    settings = measure.QUICK if args.quick else measure.Settings()
    if args.no_mypyc:
        settings = dataclasses.replace(settings, mypyc=False)
    if args.validate_sets:
        settings = dataclasses.replace(settings, validate_sets=args.validate_sets)
    wanted = args.only or list(SECTIONS)

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": measure.machine(ROOT),
        "settings_name": "quick" if args.quick else "full",
        "settings": settings.__dict__,
        "load_average": {"start": measure.load_average()},
        "sections": {},
        "targets": [],
    }
    failed = False
    for name in wanted:
        run, targets = SECTIONS[name]
        print(f"... {name}", file=sys.stderr, flush=True)
        try:
            section = run(settings)
            results["targets"] += targets(section)
        except Exception:
            section = {"error": traceback.format_exc()}
            failed = True
        results["sections"][name] = section
    results["load_average"]["end"] = measure.load_average()
    validation = results["sections"].get("validation", {})
    if any(validation.get("agreement", {}).get("disagreements", {}).values()):
        failed = True

    markdown = report.markdown(results)
    print(markdown)
    if args.profile:
        print(profile(settings))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in (RESULTS / f"{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text(markdown, encoding="utf-8")
    print(f"results: {RESULTS / (stamp + '.json')}", file=sys.stderr)
    if args.update_readme:
        if args.only or args.quick:
            print("not updating README.md from a partial or quick run", file=sys.stderr)
        else:
            update_readme(markdown)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
