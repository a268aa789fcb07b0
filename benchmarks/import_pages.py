"""How fast `paygate import` and `paygate audit` read a page, in every layout, by size.

    python benchmarks/import_pages.py [--rows 250,500,1000,2000] [--repeat 5]

A page of N rows is the project's own Alipay+ method with its credit request
table grown to N made-up rows (keys, legend formats, CND and bilingual texts),
written by the round-trip page writer of the tests in each layout. Reported
per layout and size: the rows read, the best of ``--repeat`` runs of reading
the page (``parse_page``), of drafting the spec file (``draft_spec``) and of
auditing it against the spec (``audit``), in milliseconds, and microseconds per
row; the last column is the time at the largest size over the time at half of
it (2.0 is linear). Peak memory (tracemalloc) of one read at the largest size
is printed last.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "pages")]

from page_writer import WRITERS, PageRow, PageSection, sections_of  # noqa: E402

from generator.pages.audit import audit  # noqa: E402
from generator.pages.draft import draft_spec  # noqa: E402
from generator.pages.parse import parse_page  # noqa: E402
from generator.spec.loader import load_spec  # noqa: E402
from generator.spec.model import Spec  # noqa: E402

FORMATS = ("ans..32", "an32", "n..10", "a3", "ans..256")


def page_of(spec: Spec, layout: str, rows: int) -> str:
    sections = sections_of(spec.methods[0])
    credit = sections[2]
    request = credit.tables[0]
    made = tuple(
        PageRow(
            f"Field{i}",
            FORMATS[i % len(FORMATS)],
            "MOC"[i % 3],
            f"The value number {i} of the request, as the merchant sends it",
            f"Der Wert Nummer {i} der Anfrage, wie der Händler ihn sendet",
        )
        for i in range(rows - len(request.entries))
    )
    grown = dataclasses.replace(request, entries=(*request.entries, *made))
    sections = (
        *sections[:2],
        PageSection(credit.title, credit.endpoint, (grown, credit.tables[1])),
        *sections[3:],
    )
    return WRITERS[layout](sections)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="250,500,1000,2000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    spec = load_spec(ROOT / "spec")
    print(
        f"{'layout':<12} {'rows':>5} {'read':>5} {'parse ms':>9} {'draft ms':>9} "
        f"{'audit ms':>9} {'µs/row':>7} {'x2 ratio':>8}"
    )
    for layout in sorted(WRITERS):
        previous: dict[int, float] = {}
        for n in sizes:
            text = page_of(spec, layout, n)
            page = parse_page(text)
            read = sum(len(t.entries) for t in page.tables)
            assert not page.problems and not page.skipped, (layout, n)
            t_parse = best(lambda text=text: parse_page(text), args.repeat)  # type: ignore[misc]
            t_draft = best(lambda page=page: draft_spec(page, spec), args.repeat)  # type: ignore[misc]
            t_audit = best(lambda page=page: audit(page, spec), args.repeat)  # type: ignore[misc]
            total = t_parse + t_draft + t_audit
            ratio = f"{total / previous[n // 2]:.2f}" if n // 2 in previous else ""
            previous[n] = total
            print(
                f"{layout:<12} {n:>5} {read:>5} {t_parse * 1e3:>9.1f} {t_draft * 1e3:>9.1f} "
                f"{t_audit * 1e3:>9.1f} {total / read * 1e6:>7.1f} {ratio:>8}"
            )
    text = page_of(spec, "rendered", sizes[-1])
    tracemalloc.start()
    parse_page(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory reading the {sizes[-1]}-row rendered page: {peak / 1e6:.1f} MB "
        f"(the page is {len(text.encode()) / 1e6:.1f} MB)"
    )


if __name__ == "__main__":
    main()
