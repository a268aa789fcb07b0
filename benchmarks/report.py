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
        v = sections["validation"]
        agreed = v["agreement"]
        out += [
            "",
            f"### Validating alipayplus.payment.request ({v['keys_in_valid_set']} keys)",
            "",
            f"All engines against the {agreed['cases']} sets of the corpus: "
            + (
                "every engine accepts and rejects the same sets."
                if not any(agreed["disagreements"].values())
                else "DISAGREEMENTS: "
                + "; ".join(f"{k}: {', '.join(c)}" for k, c in agreed["disagreements"].items() if c)
            ),
            "",
            table(
                ["set", "engine", "µs/call", "median", "× generated", "errors", "reports"],
                [
                    [
                        r["case"],
                        r["engine"],
                        f"{r['best_us']:.2f}",
                        f"{r['median_us']:.2f}",
                        f"{r['vs_generated']:.2f}x",
                        str(r["errors"]),
                        r["note"],
                    ]
                    for r in v["rows"]
                ],
            ),
        ]
    if "paths" in sections and "error" not in sections["paths"]:
        p = sections["paths"]
        out += [
            "",
            "### Client paths (Blowfish)",
            "",
            table(
                ["path", "step", "µs/call", "median"],
                [
                    [r["path"], r["step"], f"{r['best_us']:.2f}", f"{r['median_us']:.2f}"]
                    for r in p["rows"]
                ],
            ),
        ]
    if "import" in sections and "error" not in sections["import"]:
        i = sections["import"]
        c = i["compiling_paygate"]
        heavy = ", ".join(f"{h['module']} {h['self_ms']:.1f}" for h in i["heaviest_self_ms"])
        out += [
            "",
            "### import paygate",
            "",
            f"Best of {len(i['runs_ms'])} fresh processes, bytecode cached: "
            f"**{i['best_ms']:.1f} ms** cumulative ({i['modules']} modules; runs: "
            f"{', '.join(f'{r:.1f}' for r in i['runs_ms'])} ms). Heaviest by own time (ms): "
            f"{heavy}. The first import after paygate changed (its bytecode compiled anew): "
            f"{c['best_ms']:.1f} ms.",
        ]
    if "generate" in sections and "error" not in sections["generate"]:
        g = sections["generate"]
        out += [
            "",
            "### paygate generate",
            "",
            f"End to end (`{g['command']}`, a fresh process, best of "
            f"{len(g['end_to_end_runs_s'])}): **{g['end_to_end_s'] * 1000:.0f} ms** "
            f"({g['end_to_end_cpu_s'] * 1000:.0f} ms CPU).",
            "",
            "In process (`load_spec` + `render_all`, ruff formatting included); wall time, and "
            "CPU time of the process and its ruff subprocesses:",
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
    if "cli" in sections and "error" not in sections["cli"]:
        c = sections["cli"]
        out += ["", f"### paygate validate ({c['sets']:,} sets, JSON Lines)", ""]
        if c["status"] == "measured":
            out.append(
                f"`{c['command']}` ({c['file_mb']:.1f} MB, {c['invalid_sets']:,} invalid sets, "
                f"exit {c['exit_code']}, {c['stdout_lines']:,} lines of output): best of "
                f"{len(c['runs_s'])} **{c['best_s']:.2f} s**; reading, parsing and validating "
                f"the same file in process takes {c['in_process_floor_s']:.2f} s."
            )
        else:
            out.append(f"Pending ({c['reason']}); the run will time `{c['command']}`.")
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
