"""Compare a vendor page export with the spec and list every difference.

``paygate audit PAGE.txt`` parses the export (``generator.pages.parse``), picks the spec
method whose tables the page holds, and compares them table by table, matched
by the table's excerpt name (``alipay_request`` is the message with
``excerpt: alipay_request``). Rows are matched by key; a page include counts
with the key of the shared definition it names.

Each finding has a stable kind:

==========================  ==========================================================
kind                        meaning
==========================  ==========================================================
row-missing-in-spec         a page row (or known include) the spec table lacks
row-missing-on-page         a spec row the page table lacks
row-order                   the rows both sides have stand in a different order
key-mismatch                the same key in another letter case
format-mismatch             the page's format differs from the spec's ``format``
                            (the published one; ``enforce`` is not compared)
cnd-mismatch                the CND differs
text-mismatch-en/-de        the description differs (page ``{{Wording}}`` expanded)
include-unknown             the page includes a name shared.yaml does not define
include-mismatch            the page includes another name than the spec, or one side
                            includes where the other has an explicit row
heading-mismatch            a group heading's text differs
heading-missing-in-spec     a page heading the spec table lacks (and -on-page)
endpoint-mismatch           the section's endpoint file differs
section-mismatch            the section title differs from the operation's ``section``
caption-mismatch            the table caption differs (EN; the export has no German)
table-missing-in-spec       a page table whose excerpt no spec message has
table-missing-on-page       a spec message whose excerpt the page lacks
table-repeated              a second page table with an excerpt already seen
page-warning                a part of the page the parser could not read
==========================  ==========================================================

Rows the page shows in two versions hold old and new text interleaved; there a
spec text that is a character subsequence of the page text is consistent.

Places: ``page_line`` is the row's line (for a row missing on the page, the line
of the page row it would follow); ``spec_place`` is the spec row, the include
line for included rows, the message for rows the spec lacks, the operation for
endpoint and section findings.

Errata: the spec keeps the vendor's published values (an erratum changes only
what is enforced), so a recorded erratum causes no finding. A finding on a
parameter that cites errata names them; it is acknowledged (listed apart, not
counted) only when one of those errata lists the finding's kind under
``acknowledges``, as for lint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from ..spec.model import Erratum, Heading, Message, Method, Operation, Parameter, Place, Spec
from .draft import expand_wording, normalize, split_warning
from .draft import resolve_include as _resolve
from .parse import Heading as PageHeading
from .parse import Include, Page, Row, Section, Table

__all__ = ["Audit", "Finding", "audit", "is_subsequence", "render_json", "render_text"]


@dataclass(frozen=True)
class Finding:
    """One difference. ``page_line`` is 0 and ``spec_place`` empty where a side has none."""

    kind: str
    table: str  # the excerpt name, or "" for section-level findings
    key: str  # parameter key, include name or heading; "" for table-level findings
    page_line: int
    spec_place: str  # "spec/alipayplus.yaml:45:11"
    page_value: str
    spec_value: str
    message: str
    errata: tuple[str, ...] = ()  # errata cited by the spec parameter
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class Audit:
    page: str
    spec: str
    method: str
    findings: tuple[Finding, ...]  # in page order, acknowledged ones included
    errata: tuple[Erratum, ...] = field(default=())  # errata cited by any finding

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.acknowledged_by is None)

    @property
    def acknowledged(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.acknowledged_by is not None)


def is_subsequence(short: str, long: str) -> bool:
    """Whether ``short``'s characters appear in ``long`` in order (gaps allowed)."""
    it = iter(long)
    return all(ch in it for ch in short)


# --- The comparison ---------------------------------------------------------------------------


class _Auditor:
    def __init__(self, page: Page, spec: Spec, spec_label: str) -> None:
        self.page = page
        self.spec = spec
        self.label = spec_label.rstrip("/")
        self.library = dict(spec.library)
        self.out: list[Finding] = []

    def where(self, place: Place | None) -> str:
        if place is None:
            return ""
        return f"{self.label}/{place}" if not place.file.startswith("/") else str(place)

    def add(
        self,
        kind: str,
        table: str,
        key: str,
        page_line: int,
        spec_place: Place | None,
        page_value: str,
        spec_value: str,
        message: str,
        param: Parameter | None = None,
    ) -> None:
        errata = param.errata if param is not None else ()
        acknowledged = None
        for eid in errata:
            e = self.spec.erratum(eid)
            if e is not None and kind in e.acknowledges:
                acknowledged = eid
                break
        self.out.append(
            Finding(
                kind,
                table,
                key,
                page_line,
                self.where(spec_place),
                page_value,
                spec_value,
                message,
                errata,
                acknowledged,
            )
        )

    def run(self) -> tuple[Method, list[Finding]]:
        method = self.pick_method()
        messages = {m.excerpt: (op, m) for op in method.operations for m in (op.request, op.result)}
        seen: set[str] = set()
        for warning in self.page.warnings:
            line, text = split_warning(warning)
            self.add("page-warning", "", "", line, None, text, "", f"the page parser: {text}")
        for section in self.page.sections:
            op = self.operation_of(section, method, messages)
            if op is not None:
                self.section(section, op)
            for t in section.tables:
                found = messages.get(t.excerpt)
                if found is None:
                    self.add(
                        "table-missing-in-spec",
                        t.excerpt,
                        "",
                        t.line,
                        method.place,
                        t.excerpt,
                        "",
                        f"page table {t.excerpt!r} ({t.caption!r}) is no message of method "
                        f"{method.name} (no message has excerpt: {t.excerpt})",
                    )
                    continue
                if t.excerpt in seen:
                    # Compared once, at its first occurrence; the repeat is a finding.
                    self.add(
                        "table-repeated",
                        t.excerpt,
                        "",
                        t.line,
                        found[1].place,
                        t.excerpt,
                        t.excerpt,
                        f"page table {t.excerpt!r} occurs again; only the first was compared",
                    )
                    continue
                seen.add(t.excerpt)
                self.table(t, found[1])
        for excerpt, (_, msg) in messages.items():
            if excerpt not in seen:
                self.add(
                    "table-missing-on-page",
                    excerpt,
                    "",
                    0,
                    msg.place,
                    "",
                    excerpt,
                    f"spec message {msg.id} (excerpt {excerpt}) has no table on the page",
                )
        return method, self.out

    def pick_method(self) -> Method:
        """The method sharing most table excerpts with the page (the first on a tie)."""
        on_page = {t.excerpt for s in self.page.sections for t in s.tables}

        def overlap(m: Method) -> int:
            return sum(op.request.excerpt in on_page for op in m.operations) + sum(
                op.result.excerpt in on_page for op in m.operations
            )

        return max(self.spec.methods, key=overlap)

    def operation_of(
        self,
        section: Section,
        method: Method,
        messages: Mapping[str, tuple[Operation, Message]],
    ) -> Operation | None:
        for t in section.tables:
            if t.excerpt in messages:
                return messages[t.excerpt][0]
        return next((op for op in method.operations if op.section == section.title), None)

    def section(self, section: Section, op: Operation) -> None:
        if section.title and normalize(section.title) != normalize(op.section):
            self.add(
                "section-mismatch",
                "",
                op.id,
                section.line,
                op.place,
                section.title,
                op.section,
                "section title differs",
            )
        if section.endpoint != op.endpoint:
            self.add(
                "endpoint-mismatch",
                "",
                op.id,
                section.line,
                op.place,
                section.endpoint,
                op.endpoint,
                "endpoint differs",
            )

    # -- tables --

    def table(self, t: Table, msg: Message) -> None:
        if normalize(t.caption) != normalize(msg.caption.en):
            self.add(
                "caption-mismatch",
                t.excerpt,
                "",
                t.line,
                msg.place,
                t.caption,
                msg.caption.en,
                f"{msg.id}: EN caption differs",
            )
        self.headings(t, msg)
        params = list(msg.parameters)
        taken = [False] * len(params)
        pairs: list[tuple[Include | Row, int]] = []
        for entry in t.entries:
            if isinstance(entry, PageHeading):
                continue
            key = self.page_key(t, entry)
            if key is None:
                continue  # an unknown include without any guess: reported above
            j = self.match(params, taken, key)
            if j is None:
                self.missing_in_spec(t, msg, entry, key)
                continue
            taken[j] = True
            pairs.append((entry, j))
            self.compare(t, msg, entry, params[j])
        for j, p in enumerate(params):
            if not taken[j]:
                # The page line after which the row would stand: the nearest matched row
                # above it in the spec's order, else the table's first line.
                above = [e.line for e, k in pairs if k < j]
                self.add(
                    "row-missing-on-page",
                    t.excerpt,
                    p.key,
                    max(above, default=t.line),
                    p.row_place,
                    "",
                    _describe(p),
                    f"{msg.id}: the spec row is not in the page table",
                    p,
                )
        order = [j for _, j in pairs]
        if order != sorted(order):
            page_keys = [params[j].key for j in order]
            spec_keys = [params[j].key for j in sorted(order)]
            self.add(
                "row-order",
                t.excerpt,
                "",
                t.line,
                msg.place,
                ", ".join(page_keys),
                ", ".join(spec_keys),
                f"{msg.id}: the rows stand in another order",
            )

    def page_key(self, t: Table, entry: Include | Row) -> str | None:
        if isinstance(entry, Row):
            return entry.key
        name, shared = _resolve(self.library, entry)
        if name is None:
            known = f"; it reads like {shared.include!r}" if shared and shared.include else ""
            self.add(
                "include-unknown",
                t.excerpt,
                entry.name,
                entry.line,
                None,
                entry.name,
                "",
                f"include {entry.name!r} (page {entry.page!r}) is not defined in shared.yaml"
                + known,
            )
        return shared.key if shared is not None else None

    @staticmethod
    def match(params: list[Parameter], taken: list[bool], key: str) -> int | None:
        for exact in (True, False):
            for j, p in enumerate(params):
                if taken[j]:
                    continue
                if p.key == key if exact else p.key.casefold() == key.casefold():
                    return j
        return None

    def missing_in_spec(self, t: Table, msg: Message, entry: Include | Row, key: str) -> None:
        if isinstance(entry, Include):
            value = f"include: {entry.name}"
        else:
            value = f"{entry.key} {entry.format} {entry.cnd}"
        self.add(
            "row-missing-in-spec",
            t.excerpt,
            key,
            entry.line,
            msg.place,
            value,
            "",
            f"{msg.id}: the page row is not in the spec table",
        )

    def compare(self, t: Table, msg: Message, entry: Include | Row, p: Parameter) -> None:
        ex = t.excerpt
        if isinstance(entry, Row) and entry.key != p.key:
            self.add(
                "key-mismatch",
                ex,
                p.key,
                entry.line,
                p.row_place,
                entry.key,
                p.key,
                f"{msg.id}: key spelled differently",
                p,
            )
        if isinstance(entry, Include):
            name, _ = _resolve(self.library, entry)
            if name is not None and name != p.include:
                self.add(
                    "include-mismatch",
                    ex,
                    p.key,
                    entry.line,
                    p.row_place,
                    f"include: {name}",
                    _describe(p),
                    f"{msg.id}: included under another name",
                    p,
                )
            return
        if p.include is not None:
            self.add(
                "include-mismatch",
                ex,
                p.key,
                entry.line,
                p.row_place,
                f"{entry.key} {entry.format} {entry.cnd}",
                _describe(p),
                f"{msg.id}: the page has an explicit row where the spec includes {p.include}",
                p,
            )
            return
        if entry.format != p.format.raw:
            self.add(
                "format-mismatch",
                ex,
                p.key,
                entry.line,
                p.place,
                entry.format,
                p.format.raw,
                f"{msg.id}: format differs",
                p,
            )
        if entry.cnd != p.cnd:
            self.add(
                "cnd-mismatch",
                ex,
                p.key,
                entry.line,
                p.place,
                entry.cnd,
                p.cnd,
                f"{msg.id}: CND differs",
                p,
            )
        merged = bool(entry.changes) or entry.ambiguous
        for lang, page_text in (("en", entry.en), ("de", entry.de)):
            expanded, _ = expand_wording(page_text, self.spec.legend, lang)
            spec_text = normalize(p.description.get(lang))
            if expanded == spec_text or (merged and is_subsequence(spec_text, expanded)):
                continue
            note = (
                f" (the page row may mix versions: {entry.note})" if merged and entry.note else ""
            )
            self.add(
                f"text-mismatch-{lang}",
                ex,
                p.key,
                entry.line,
                p.place,
                expanded,
                spec_text,
                f"{msg.id}: {lang.upper()} text differs{note}",
                p,
            )

    def headings(self, t: Table, msg: Message) -> None:
        page = [e for e in t.entries if isinstance(e, PageHeading)]
        spec = [e for e in msg.entries if isinstance(e, Heading)]
        for i in range(max(len(page), len(spec))):
            ph = page[i] if i < len(page) else None
            sh = spec[i] if i < len(spec) else None
            if ph is not None and sh is not None:
                pv = f"{normalize(ph.en)} / {normalize(ph.de)}"
                sv = f"{normalize(sh.text.en)} / {normalize(sh.text.de)}"
                if pv != sv:
                    self.add(
                        "heading-mismatch",
                        t.excerpt,
                        ph.en,
                        ph.line,
                        sh.place,
                        pv,
                        sv,
                        f"{msg.id}: heading text differs",
                    )
            elif ph is not None:
                self.add(
                    "heading-missing-in-spec",
                    t.excerpt,
                    ph.en,
                    ph.line,
                    msg.place,
                    f"{ph.en} / {ph.de}",
                    "",
                    f"{msg.id}: page heading is not in the spec",
                )
            elif sh is not None:
                self.add(
                    "heading-missing-on-page",
                    t.excerpt,
                    sh.text.en,
                    t.line,
                    sh.place,
                    "",
                    f"{sh.text.en} / {sh.text.de}",
                    f"{msg.id}: spec heading is not on the page",
                )


def _describe(p: Parameter) -> str:
    if p.include is not None:
        return f"include: {p.include}"
    return f"{p.key} {p.format.raw} {p.cnd}"


def audit(page: Page, spec: Spec, spec_label: str = "spec") -> Audit:
    """Compare ``page`` with ``spec``; ``spec_label`` prefixes spec places in findings."""
    method, found = _Auditor(page, spec, spec_label).run()
    found.sort(key=lambda f: (f.page_line == 0, f.page_line))
    cited = {e for f in found for e in f.errata}
    errata = tuple(e for e in spec.errata if e.id in cited)
    return Audit(page.source, spec_label, method.name, tuple(found), errata)


# --- Output -----------------------------------------------------------------------------------


def render_text(result: Audit) -> str:
    lines: list[str] = []

    def show(f: Finding, level: str) -> None:
        where = f"{result.page}:{f.page_line}" if f.page_line else result.page
        subject = " ".join(x for x in (f.table, f.key) if x)
        lines.append(f"{where}: {level}: [{f.kind}] {subject + ': ' if subject else ''}{f.message}")
        lines.append(f"    page: {f.page_value!r}")
        lines.append(f"    spec: {f.spec_value!r}" + (f" ({f.spec_place})" if f.spec_place else ""))
        if f.errata:
            lines.append(f"    errata cited by the parameter: {', '.join(f.errata)}")

    for f in result.errors:
        show(f, "error")
    for f in result.acknowledged:
        show(f, f"acknowledged (erratum {f.acknowledged_by})")
    if result.errata:
        lines.append("errata of parameters with findings:")
        for e in result.errata:
            lines.append(f"  {e.id} ({e.place_text}): {e.decision.en}")
    lines.append(
        f"{len(result.errors)} finding(s), {len(result.acknowledged)} acknowledged: "
        f"{result.page} against {result.spec} (method {result.method})"
    )
    return "\n".join(lines)


def render_json(result: Audit) -> str:
    def plain(items: Iterable[Finding]) -> list[dict[str, object]]:
        return [asdict(f) for f in items]

    data = {
        "page": result.page,
        "spec": result.spec,
        "method": result.method,
        "findings": plain(result.errors),
        "acknowledged": plain(result.acknowledged),
        "errata": [
            {"id": e.id, "place": e.place_text, "decision": e.decision.en} for e in result.errata
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
