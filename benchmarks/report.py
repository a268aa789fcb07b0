"""The benchmark results as Markdown: printed by run.py and kept in README.md."""

from __future__ import annotations

import re
from typing import Any


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, aligned for reading as plain text too; numbers flush right."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    right = [all(re.fullmatch(r"[-+0-9.,x%µs ]*", r[i]) for r in rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        )

    sep = "|" + "|".join(
        ("-" * (w + 1) + ":") if r else "-" * (w + 2) for w, r in zip(widths, right, strict=True)
    )
    return "\n".join([line(headers) + " |", sep + "|", *(line(r) + " |" for r in rows)])


BUSY = 1.0  # a 1-minute load average above this means other work shared the CPU


def _load(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2f}"


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown: printed, and kept in benchmarks/README.md."""
    m = results["machine"]
    pk = m["packages"]
    out = [
        f"Measured {results['date']} on {m['cpu']}, {m['cores']} cores "
        f"({m['cores_usable']} usable), {m['memory_gib']} GiB, {m['python']}, {m['platform']}; "
        f"revision {m['revision']}; settings {results['settings_name']}; 1-minute load "
        f"average {_load(results['load_average'].get('start'))} at the start, "
        f"{_load(results['load_average'].get('end'))} at the end.",
        "",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in pk.items() if v) + ".",
    ]
    busy = [v for v in results["load_average"].values() if v is not None and v > BUSY]
    if busy:
        out += [
            "",
            f"**The machine was busy** (load average up to {max(busy):.2f}): absolute figures are "
            "pessimistic; the ratios, measured interleaved, hold better.",
        ]
    sections = results["sections"]
    if "validation" in sections and "error" not in sections["validation"]:
        out += _validation(sections["validation"])
    if "paths" in sections and "error" not in sections["paths"]:
        out += _paths(sections["paths"])
    if "import" in sections and "error" not in sections["import"]:
        out += _imports(sections["import"])
    if "generate" in sections and "error" not in sections["generate"]:
        out += _generate(sections["generate"])
    if "cli" in sections and "error" not in sections["cli"]:
        out += _cli(sections["cli"])
    for name in ("stream", "load"):
        if name in sections and "error" not in sections[name]:
            out += _script(sections[name])
    errors = {k: s["error"] for k, s in sections.items() if "error" in s}
    for name, err in errors.items():
        out += ["", f"### {name}: could not run", "", "```", err.strip()[-1500:], "```"]
    out += [
        "",
        "### Targets",
        "",
        table(
            ["target", "goal", "measured", "met"],
            [
                [
                    t["name"],
                    t["target"],
                    t["measured"],
                    {True: "yes", False: "**NO**", None: "pending"}[t["met"]],
                ]
                for t in results["targets"]
            ],
        ),
    ]
    return "\n".join(out) + "\n"


def _us(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _validation(v: dict[str, Any]) -> list[str]:
    agreed = v["agreement"]
    out = [
        "",
        f"### Validating alipayplus.payment.request ({v['keys_in_valid_set']} keys)",
        "",
        f"Every engine, called both ways, against the {agreed['cases']} sets of the corpus: "
        + (
            "all accept and reject the same sets."
            if not any(agreed["disagreements"].values())
            else "DISAGREEMENTS: "
            + "; ".join(f"{k}: {', '.join(c)}" for k, c in agreed["disagreements"].items() if c)
        ),
    ]
    for case in ("valid", "invalid"):
        rows = [r for r in v["rows"] if r["case"] == case]
        errors_head = "all errors, µs" if case == "valid" else "all errors + messages, µs"
        out += [
            "",
            f"The {case} set:",
            "",
            table(
                [
                    "engine",
                    "is_valid, µs",
                    "× paygate",
                    "× jsonschema-rs",
                    errors_head,
                    "× paygate",
                    "× jsonschema-rs",
                    "errors",
                    "reports",
                ],
                [
                    [
                        r["engine"],
                        _us(r["is_valid"]["best_us"]),
                        f"{r['is_valid_vs_paygate']:.2f}x",
                        f"{r['is_valid_vs_rs']:.2f}x",
                        _us(r["errors_timing"]["best_us"]),
                        f"{r['errors_vs_paygate']:.2f}x",
                        f"{r['errors_vs_rs']:.2f}x",
                        str(r["errors"]),
                        r["reports"],
                    ]
                    for r in rows
                ],
            ),
        ]
    out += [
        "",
        "Best of the repeats; medians, loop counts and spreads are in the JSON. "
        f"mypyc: {v['mypyc']}.",
        "",
        "How each engine is built and called:",
        "",
        table(["engine", "configuration"], [[k, c] for k, c in v["configs"].items()]),
    ]
    memory = v.get("memory")
    if memory:
        out += [
            "",
            "Memory: peak RSS of a fresh process that imports the engine, builds its validator "
            "and validates the valid and the invalid set 1,000 times each, and what that is "
            "over the interpreter with the payloads alone:",
            "",
            table(
                ["engine", "peak RSS, MB", "over the interpreter, MB"],
                [
                    [
                        m["engine"],
                        f"{m['peak_kib'] / 1024:.1f}",
                        f"{m['over_baseline_kib'] / 1024:.1f}",
                    ]
                    for m in memory
                ],
            ),
        ]
    return out


def _paths(p: dict[str, Any]) -> list[str]:
    out = [
        "",
        "### Client paths (Blowfish)",
        "",
        "Floors in bare library calls ([floors.py](floors.py)), with the standard library's "
        "HMAC and with cryptography's; each ratio below takes the faster floor. Allocated: the "
        "peak of Python memory one call allocates (tracemalloc).",
        "",
        table(
            ["path", "step", "µs/call", "median", "allocated, bytes"],
            [
                [
                    r["path"],
                    r["step"],
                    f"{r['best_us']:.2f}",
                    f"{r['median_us']:.2f}",
                    f"{r['allocated_peak_bytes']:,}",
                ]
                for r in p["rows"]
            ],
        ),
        "",
    ]
    for path, r in p["ratios"].items():
        out.append(
            f"- {path} path: ours {r['ours_us']:.1f} µs, **{r['vs_floor_with_validator']:.2f}x** "
            f"the floor with our validator ({r['floor_with_validator_us']:.1f} µs), "
            f"{r['vs_floor']:.2f}x the bare floor ({r['floor_us']:.1f} µs)."
        )
    return out


def _imports(i: dict[str, Any]) -> list[str]:
    out = ["", "### Import time", ""]
    for module in ("paygate", "paygate.client"):
        m = i[module]
        c = m["compiling_paygate"]
        packages = ", ".join(f"{x['package']} {x['self_ms']:.1f}" for x in m["by_package_ms"][:8])
        pulled = ", ".join(
            f"{x['dependency']} {x['ms']:.1f}" for x in m["by_dependency_ms"][:6] if x["ms"] >= 0.5
        )
        heavy = ", ".join(f"{h['module']} {h['self_ms']:.1f}" for h in m["heaviest_self_ms"])
        out += [
            f"- `import {module}`: best of {len(m['runs_ms'])} fresh processes, bytecode cached: "
            f"**{m['best_ms']:.1f} ms** ({m['modules']} modules; runs: "
            f"{', '.join(f'{r:.1f}' for r in m['runs_ms'])} ms); with paygate's bytecode "
            f"compiled anew: {c['best_ms']:.1f} ms. By what pulled it in (ms): {pulled}. "
            f"By package (own time, ms): {packages}. "
            f"Heaviest modules (ms): {heavy}. Memory: "
            f"{m['rss_over_python_kib'] / 1024:.1f} MB of RSS over the bare interpreter.",
        ]
    return out


def _generate(g: dict[str, Any]) -> list[str]:
    e2e = g["end_to_end"]
    out = [
        "",
        "### paygate generate",
        "",
        f"End to end (`{g['command']}`, a fresh process each, the kinds taking turns, best of "
        f"{len(g['end_to_end_runs_s'])}); the per-user cache warm (every run after the first), "
        "cold (an empty cache folder) and turned off (`PAYGATE_CACHE_DIR=off`):",
        "",
        table(
            ["cache", "wall, ms", "CPU, ms", "peak RSS, MB"],
            [
                [
                    kind,
                    f"{k['best_s'] * 1000:.0f}",
                    f"{k['best_cpu_s'] * 1000:.0f}",
                    f"{k['peak_rss_kib'] / 1024:.0f}",
                ]
                for kind, k in e2e.items()
            ],
        ),
        "",
        "In process (`load_spec` + `render_all`, ruff formatting included, the cache off); "
        "wall time, and CPU time of the process and its ruff subprocesses:",
        "",
        table(
            [
                "spec",
                "operations",
                "files",
                "output lines",
                "load ms",
                "load ms, GC off",
                "render ms",
                "total ms",
                "total CPU ms",
            ],
            [
                [
                    f"{s['factor']}x",
                    str(s["operations"]),
                    str(s["files"]),
                    f"{s['output_lines']:,}",
                    f"{s['load_ms']:.0f}",
                    f"{s['load_gc_off_ms']:.0f}",
                    f"{s['render_ms']:.0f}",
                    f"{s['total_ms']:.0f}",
                    f"{s['total_cpu_ms']:.0f}",
                ]
                for s in g["sizes"]
            ],
        ),
        "",
    ]
    for label, f in (("CPU time", g["fit_cpu"]), ("Wall time", g["fit_wall"])):
        out.append(
            f"- {label}: least-squares line **{f['ms_per_operation']:.1f} ms per operation** "
            f"{f['intercept_ms']:+.0f} ms, R² = {f['r_squared']:.4f}; ratios 10x/1x = "
            f"{f['ratio_10x_to_1x']:.2f}, 100x/10x = {f['ratio_100x_to_10x']:.2f}; cost per "
            f"added operation {f['marginal_ms_per_op_1x_10x']:.1f} ms (1x→10x), "
            f"{f['marginal_ms_per_op_10x_100x']:.1f} ms (10x→100x): {f['growth']:.2f}x."
        )
    return out


def _cli(c: dict[str, Any]) -> list[str]:
    out = ["", "### paygate validate (JSON Lines)", ""]
    if c["status"] != "measured":
        return [*out, f"Pending ({c['reason']}); the run will time `{c['command']}`."]
    out += [
        f"`{c['command']}` in a fresh process, best of {len(c['sizes'][0]['runs_s'])}; every "
        "tenth set invalid; the floor reads, parses and validates the same file in the "
        "benchmark's own process:",
        "",
        table(
            [
                "sets",
                "file, MB",
                "exit",
                "lines out",
                "seconds",
                "floor, s",
                "× floor",
                "peak RSS, MB",
            ],
            [
                [
                    f"{s['sets']:,}",
                    f"{s['file_mb']:.1f}",
                    str(s["exit_code"]),
                    f"{s['stdout_lines']:,}",
                    f"{s['best_s']:.2f}",
                    f"{s['in_process_floor_s']:.2f}",
                    f"{s['best_s'] / s['in_process_floor_s']:.2f}x",
                    f"{s['peak_rss_kib'] / 1024:.0f}",
                ]
                for s in c["sizes"]
            ],
        ),
    ]
    growth = c.get("rss_growth_bytes_per_set")
    if growth is not None:
        out += ["", f"Peak RSS grows by {growth:,.0f} bytes per set between the two sizes."]
    return out


def _script(s: dict[str, Any]) -> list[str]:
    if s["status"] != "ran":
        return []
    return [
        "",
        f"### {s['script']}",
        "",
        f"Its own output ({s['wall_s']:.1f} s):",
        "",
        "```",
        s["output"].strip()[-4000:],
        "```",
    ]
