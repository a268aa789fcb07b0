"""Benchmarks of the generated client against what users would pick instead.

Run from the project folder:

    .venv/bin/python benchmarks/run.py            # everything, about 2 minutes
    .venv/bin/python benchmarks/run.py --quick    # a rough pass in under a minute

Every comparison is measured side by side in this one run. The table goes to
stdout; the figures, the machine and the settings go to
benchmarks/results/<time>.json and benchmarks/results/latest.json. Missing a
target is reported, never an error: the exit code is 1 only when a section
could not run (or the engines disagree on what is valid), 0 otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The benchmark modules sit beside this file; the project root holds generator/.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import fastjsonschema  # noqa: E402
import jsonschema  # noqa: E402
import jsonschema_rs  # noqa: E402
import measure  # noqa: E402
import paygate  # noqa: E402
import payloads  # noqa: E402
import pydantic_model  # noqa: E402
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

from generator.emit.generate import render_all  # noqa: E402
from generator.spec.loader import load_spec  # noqa: E402
from generator.spec.project import Project  # noqa: E402

OPERATION = "alipayplus.payment"
SCHEMA = ROOT / "generated" / "schemas" / "alipayplus.payment.request.schema.json"
RESULTS = HERE / "results"
JSONL_SETS = 100_000
README = HERE / "README.md"
README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"

# The targets.
TARGET_VS_JSONSCHEMA = 30.0  # at least this many times faster than jsonschema
TARGET_VS_JSONSCHEMA_RS = 1.5  # at most this many times slower than jsonschema-rs
TARGET_PATH_US = 40.0  # request path and result path, each
TARGET_IMPORT_MS = 60.0
TARGET_CLI_S = 10.0
TARGET_R_SQUARED = 0.99  # generation time against operations: a straight line
TARGET_SLOPE_GROWTH = 1.25  # per-operation cost at 10x..100x over the cost at 1x..10x

Validator = Callable[[dict[str, Any]], list[Any]]


# --------------------------------------------------------------------------- engines


def engines() -> dict[str, tuple[Validator, str]]:
    """Each validator, built once, as ``set -> list of errors``, with a note for the table."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    draft = jsonschema.Draft202012Validator(schema)
    compiled = fastjsonschema.compile(schema)
    rust = jsonschema_rs.Draft202012Validator(schema)

    def fast(params: dict[str, Any]) -> list[Any]:
        try:
            compiled(params)
        except fastjsonschema.JsonSchemaException as exc:
            return [exc]
        return []

    return {
        "paygate (generated)": (validate_alipayplus_payment_request, "all errors"),
        "jsonschema": (lambda p: list(draft.iter_errors(p)), "all errors"),
        "fastjsonschema": (fast, "stops at the FIRST error"),
        "jsonschema-rs": (lambda p: list(rust.iter_errors(p)), "all errors"),
        "pydantic v2": (pydantic_model.validate_payment_request, "all errors, 1 per field"),
    }


def agreement(validators: dict[str, tuple[Validator, str]]) -> dict[str, Any]:
    """Does every engine accept and reject the same sets as the spec says?"""
    wrong: dict[str, list[str]] = {name: [] for name in validators}
    for case, params, valid in payloads.CORPUS:
        for name, (validate, _) in validators.items():
            if (not validate(dict(params))) != valid:
                wrong[name].append(case)
    return {"cases": len(payloads.CORPUS), "disagreements": wrong}


def bench_validation(settings: measure.Settings) -> dict[str, Any]:
    validators = engines()
    agreed = agreement(validators)
    cases = {"valid": payloads.VALID, "invalid": payloads.INVALID}
    rows = []
    for case, params in cases.items():
        timings = measure.time_side_by_side(
            {name: functools.partial(v, params) for name, (v, _) in validators.items()},
            settings,
        )
        base = timings["paygate (generated)"].best_us
        for name, (validate, note) in validators.items():
            rows.append(
                {
                    "case": case,
                    "engine": name,
                    "errors": len(validate(dict(params))),
                    "note": note,
                    **timings[name].as_dict(),
                    "vs_generated": timings[name].best_us / base,
                }
            )
    return {"keys_in_valid_set": len(payloads.VALID), "agreement": agreed, "rows": rows}


def validation_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    by = {(r["case"], r["engine"]): r for r in section["rows"]}
    out = []
    for case in ("valid", "invalid"):
        gen = by[(case, "paygate (generated)")]["best_us"]
        js = by[(case, "jsonschema")]["best_us"]
        rs = by[(case, "jsonschema-rs")]["best_us"]
        out.append(
            target(
                f"validate {case}: vs jsonschema",
                f">= {TARGET_VS_JSONSCHEMA:g}x faster",
                f"{js / gen:.1f}x faster",
                js / gen >= TARGET_VS_JSONSCHEMA,
            )
        )
        out.append(
            target(
                f"validate {case}: vs jsonschema-rs",
                f"<= {TARGET_VS_JSONSCHEMA_RS:g}x its time",
                f"{gen / rs:.2f}x its time",
                gen <= TARGET_VS_JSONSCHEMA_RS * rs,
            )
        )
    gen = by[("valid", "paygate (generated)")]["best_us"]
    fjs = by[("valid", "fastjsonschema")]["best_us"]
    out.append(
        target(
            "validate valid: vs fastjsonschema",
            "faster",
            f"{fjs / gen:.2f}x faster" if gen < fjs else f"{gen / fjs:.2f}x slower",
            gen < fjs,
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
    probe = payloads.payment_result(mac="")
    result_mac = compute_mac(hmac_key, [probe.get(f) if f else None for f in op.result_mac])
    result = payloads.payment_result(mac=result_mac)
    data, length = cipher.encrypt(join_params(result))
    fields = {"MerchantID": payloads.MERCHANT, "Len": str(length), "Data": data}
    parsed = client.parse_result(OPERATION, fields)
    assert getattr(parsed, "ok", False), "the benchmark's result does not parse as a success"
    decrypted = client.decrypt_result(fields)
    result_mac_fields = [result.get(f) if f else None for f in op.result_mac]

    steps: list[tuple[str, str, Callable[[], object]]] = [
        ("request", "whole: Client.payment_form", lambda: client.payment_form(**form_args)),
        (
            "request",
            "build_alipayplus_payment (validates)",
            lambda: paygate.build_alipayplus_payment(MerchantID=payloads.MERCHANT, **form_args),
        ),
        (
            "request",
            "validate only",
            lambda: validate_alipayplus_payment_request(built, with_mac=False),
        ),
        ("request", "compute_mac", lambda: compute_mac(hmac_key, mac_fields)),
        ("request", "join_params", lambda: join_params(built)),
        ("request", "Blowfish encrypt", lambda: cipher.encrypt(plain)),
        (
            "result",
            "whole: Client.parse_result (encrypted)",
            lambda: client.parse_result(OPERATION, fields),
        ),
        ("result", "decrypt_result (Blowfish, split)", lambda: client.decrypt_result(fields)),
        (
            "result",
            "verify_mac",
            lambda: verify_mac(hmac_key, result_mac_fields, result_mac),
        ),
        (
            "result",
            "parse_alipayplus_payment_result",
            lambda: parse_alipayplus_payment_result(decrypted),
        ),
        ("result", "validate only", lambda: validate_alipayplus_payment_result(decrypted)),
    ]
    timings = measure.time_side_by_side({f"{p}: {s}": fn for p, s, fn in steps}, settings)
    rows = [{"path": p, "step": s, **timings[f"{p}: {s}"].as_dict()} for p, s, _ in steps]
    client.close()
    return {"plaintext_chars": len(plain), "rows": rows}


def path_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for row in section["rows"]:
        if row["step"].startswith("whole"):
            out.append(
                target(
                    f"{row['path']} path",
                    f"<= {TARGET_PATH_US:g} us",
                    f"{row['best_us']:.1f} us",
                    row["best_us"] <= TARGET_PATH_US,
                )
            )
    return out


# --------------------------------------------------------------------------- import time

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def parse_importtime(stderr: str, module: str) -> tuple[int, list[tuple[str, int, int]]]:
    """The cumulative µs of ``module``'s top-level import, and what it imported (self, cum)."""
    lines = []
    for line in stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            lines.append((int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)))
    for i, (_, cumulative, indent, name) in enumerate(lines):
        if name == module and indent <= 1:
            # Nested imports are listed before their parent, indented deeper.
            j = i
            while j > 0 and lines[j - 1][2] > indent:
                j -= 1
            nested = [(n, s, c) for s, c, _, n in lines[j:i]]
            return cumulative, nested
    raise ValueError(f"no top-level import of {module!r} in -X importtime output")


def _import_runs(
    runs: int, env: dict[str, str], before_each: Callable[[], object] = lambda: None
) -> dict[str, Any]:
    """``import paygate`` in ``runs`` fresh processes: best cumulative ms and its heaviest parts."""
    took: list[int] = []
    nested_of_best: list[tuple[str, int, int]] = []
    for _ in range(runs):
        before_each()
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import paygate"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=tempfile.gettempdir(),  # not this folder: only the installed package is found
        )
        cumulative, nested = parse_importtime(proc.stderr, "paygate")
        if not took or cumulative < min(took):
            nested_of_best = nested
        took.append(cumulative)
    heaviest = sorted(nested_of_best, key=lambda t: -t[1])[:8]
    return {
        "best_ms": min(took) / 1000,
        "runs_ms": [t / 1000 for t in took],
        "heaviest_self_ms": [{"module": n.strip(), "self_ms": s / 1000} for n, s, _ in heaviest],
        "modules": len(nested_of_best) + 1,
    }


def bench_import(settings: measure.Settings) -> dict[str, Any]:
    """Import time with bytecode cached (as after any first run), and with paygate's compiled.

    The bytecode goes to a scratch folder (PYTHONPYCACHEPREFIX), so the run writes
    nothing into the source tree and does not depend on what earlier runs left there.
    """
    with tempfile.TemporaryDirectory(prefix="paygate-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        package = Path(paygate.__file__).resolve().parent
        paygate_cache = Path(cache, *package.parts[1:])

        def forget_paygate_bytecode() -> None:
            shutil.rmtree(paygate_cache, ignore_errors=True)

        _import_runs(2, env)  # fill the cache for the standard library and dependencies
        warm = _import_runs(settings.process_runs, env)
        cold = _import_runs(settings.process_runs, env, forget_paygate_bytecode)
    return {**warm, "compiling_paygate": cold}


# --------------------------------------------------------------------------- generation


def paygate_command() -> list[str]:
    script = Path(sys.executable).with_name("paygate")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from generator.cli import main; main()"]


def bench_generate(settings: measure.Settings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="paygate-bench-") as tmp:
        # End to end on the real spec, as a user runs it (into a copy: generated/ is untouched).
        real = scaled_spec.copy_project(ROOT, Path(tmp, "real"))
        command = [*paygate_command(), "generate", "--root", str(real)]
        e2e: list[measure.Clock] = []
        for _ in range(settings.process_runs):
            start = measure.clock()
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
            e2e.append(measure.clock() - start)
            if proc.returncode != 0:
                raise RuntimeError(
                    f"paygate generate exited {proc.returncode}:\n{proc.stderr[-1500:]}"
                )
        out["end_to_end_s"] = min(c.wall for c in e2e)
        out["end_to_end_cpu_s"] = min(c.cpu for c in e2e)
        out["end_to_end_runs_s"] = [c.wall for c in e2e]
        out["command"] = "paygate generate --root <copy of the project>"

        # In process, the real spec and copies 10x and 100x its size; the sizes take turns
        # round by round, so that a busy spell on the machine does not fall on one size only.
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
    return [
        target(
            "generate: linear in operations (CPU time)",
            f"R² >= {TARGET_R_SQUARED}, cost/op growth <= {TARGET_SLOPE_GROWTH}x",
            f"R² {fit['r_squared']:.4f}, growth {fit['growth']:.2f}x",
            fit["r_squared"] >= TARGET_R_SQUARED and fit["growth"] <= TARGET_SLOPE_GROWTH,
        )
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
        return {"status": "pending", "reason": why, "command": shown, "sets": JSONL_SETS}
    with tempfile.TemporaryDirectory(prefix="paygate-bench-") as tmp:
        path = Path(tmp, "sets.jsonl")
        invalid = payloads.write_jsonl(path, JSONL_SETS)
        command = [*paygate_command(), "validate", "--operation", OPERATION, str(path)]
        runs, proc = [], None
        for _ in range(min(settings.process_runs, 3)):
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
            runs.append(time.perf_counter() - start)
        assert proc is not None
        if proc.returncode not in (0, 1):
            raise RuntimeError(
                f"{shown} exited {proc.returncode}: {(proc.stderr or proc.stdout)[-500:]}"
            )

        # The floor: read, parse and validate the same file in this process.
        def floor() -> int:
            bad = 0
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    bad += bool(validate_alipayplus_payment_request(json.loads(line)))
            return bad

        floor_s, _ = measure.time_once(floor, min(settings.process_runs, 3))
        return {
            "status": "measured",
            "command": shown,
            "sets": JSONL_SETS,
            "invalid_sets": invalid,
            "file_mb": path.stat().st_size / 1e6,
            "best_s": min(runs),
            "runs_s": runs,
            "exit_code": proc.returncode,
            "stdout_lines": proc.stdout.count("\n"),
            "in_process_floor_s": floor_s,
        }


def cli_targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    if section.get("status") != "measured":
        return [target("paygate validate 100k sets", f"<= {TARGET_CLI_S:g} s", "pending", None)]
    return [
        target(
            "paygate validate 100k sets",
            f"<= {TARGET_CLI_S:g} s",
            f"{section['best_s']:.2f} s",
            section["best_s"] <= TARGET_CLI_S,
        )
    ]


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
    "import": (bench_import, lambda s: [import_target(s)]),
    "generate": (bench_generate, generate_targets),
    "cli": (bench_cli, cli_targets),
}


def import_target(section: dict[str, Any]) -> dict[str, Any]:
    return target(
        "import paygate",
        f"<= {TARGET_IMPORT_MS:g} ms",
        f"{section['best_ms']:.1f} ms",
        section["best_ms"] <= TARGET_IMPORT_MS,
    )


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
    args = parser.parse_args(argv)
    settings = measure.QUICK if args.quick else measure.Settings()
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
