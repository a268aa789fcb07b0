"""Compare a vendor page, in any layout, with the spec and list every difference.

``paygate audit PAGE`` reads the page (``generator.pages.parse``), picks the
spec method it documents (by its payment endpoint, by excerpt names on a
layout 1 page, or ``--method``), and compares it section by section: a page
section is the operation with its endpoint; its tables are that operation's
request and result by the role the page gives them (a layout 1 table by its
excerpt name). Rows are matched by key; a page include counts with the key of
the shared definition it names. Only what the page's layout carries is
compared: a one-language table's other language is not.

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
include-mismatch            the page includes another name than the spec, or (on a
                            page with includes) one side includes where the other has
                            an explicit row
heading-mismatch            a group heading's text differs
heading-missing-in-spec     a page heading the spec table lacks (and -on-page)
endpoint-mismatch           the section's endpoint file differs
section-mismatch            the section title differs from the operation's ``section``
caption-mismatch(-de)       the table's EN (DE) caption differs
table-missing-in-spec       a page table that is no message of the method
table-missing-on-page       a spec message the page has no table for
table-repeated              a second page table for a message already compared
page-warning                a part of the page the reader could not read for certain
page-line-skipped           a line inside a table that became no part of a row
page-problem                the page is truncated, or a table has no rows
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
from .library import FOLLOW_UPS, expand_wording, split_warning, stem
from .library import resolve_include as _resolve
from .model import Heading as PageHeading
from .model import Include, Page, Row, Section, Table
from .text import normalize

__all__ = [
    "Audit",
    "AuditError",
    "Finding",
    "audit",
    "is_subsequence",
    "pick_method",
    "render_json",
    "render_text",
]


class AuditError(ValueError):
    """The page cannot be compared with the spec: it is about a method the spec lacks."""


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

    def run(self, method: Method) -> list[Finding]:
        messages = {m.id: (op, m) for op in method.operations for m in (op.request, op.result)}
        by_excerpt = {m.excerpt: m.id for _, m in messages.values()}
        seen: set[str] = set()
        for warning in self.page.warnings:
            line, text = split_warning(warning)
            self.add("page-warning", "", "", line, None, text, "", f"the page reader: {text}")
        for s in self.page.skipped:
            self.add(
                "page-line-skipped",
                "",
                "",
                s.line,
                None,
                s.text,
                "",
                f"the page reader: {s.reason}",
            )
        for problem in self.page.problems:
            line, text = split_warning(problem)
            self.add("page-problem", "", "", line, None, text, "", f"the page: {text}")
        for section in self.page.sections:
            op = self.operation_of(section, method, messages, by_excerpt)
            if op is not None:
                self.section(section, op)
            for t in section.tables:
                label = t.excerpt or f"{section.endpoint or '?'} {t.role or 'table'}"
                found = self.message_of(t, op, messages, by_excerpt)
                if found is None:
                    self.add(
                        "table-missing-in-spec",
                        label,
                        "",
                        t.line,
                        method.place,
                        t.excerpt or t.caption,
                        "",
                        f"page table {label!r} ({t.caption!r}) is no message of method "
                        f"{method.name}",
                    )
                    continue
                msg = found[1]
                if msg.id in seen:
                    # Compared once, at its first occurrence; the repeat is a finding.
                    self.add(
                        "table-repeated",
                        msg.excerpt,
                        "",
                        t.line,
                        msg.place,
                        label,
                        msg.excerpt,
                        f"page table {label!r} is {msg.id} again; only the first was compared",
                    )
                    continue
                seen.add(msg.id)
                self.table(t, msg)
        for mid, (_, msg) in messages.items():
            if mid not in seen:
                self.add(
                    "table-missing-on-page",
                    msg.excerpt,
                    "",
                    0,
                    msg.place,
                    "",
                    msg.excerpt,
                    f"spec message {msg.id} (excerpt {msg.excerpt}) has no table on the page",
                )
        return self.out

    def operation_of(
        self,
        section: Section,
        method: Method,
        messages: Mapping[str, tuple[Operation, Message]],
        by_excerpt: Mapping[str, str],
    ) -> Operation | None:
        """The spec operation of a page section: by endpoint, excerpt, then title."""
        if section.endpoint:
            for op in method.operations:
                if op.endpoint.casefold() == section.endpoint.casefold():
                    return op
        for t in section.tables:
            if t.excerpt in by_excerpt:
                return messages[by_excerpt[t.excerpt]][0]
        titled = next((op for op in method.operations if op.section == section.title), None)
        if titled is not None or not section.endpoint or stem(section.endpoint) in FOLLOW_UPS:
            return titled
        # A payment endpoint of another name (renamed by the vendor, or --method given):
        # the method's one operation that is no follow-up.
        own = [op for op in method.operations if stem(op.endpoint) not in FOLLOW_UPS]
        return own[0] if len(own) == 1 else None

    @staticmethod
    def message_of(
        t: Table,
        op: Operation | None,
        messages: Mapping[str, tuple[Operation, Message]],
        by_excerpt: Mapping[str, str],
    ) -> tuple[Operation, Message] | None:
        """The spec message of a page table: by excerpt name, else its section's role."""
        if t.excerpt:
            mid = by_excerpt.get(t.excerpt)
            return messages[mid] if mid is not None else None
        if op is not None and t.role in ("request", "result"):
            return messages[f"{op.id}.{t.role}"]
        return None

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
        captions = [(lang, c) for lang, c in (("en", t.caption), ("de", t.caption_de)) if c]
        for lang, caption in captions or [("en", "")]:
            if normalize(caption) == normalize(msg.caption.get(lang)):
                continue
            self.add(
                "caption-mismatch" if lang == "en" else "caption-mismatch-de",
                msg.excerpt,
                "",
                t.line,
                msg.place,
                caption,
                msg.caption.get(lang),
                f"{msg.id}: {lang.upper()} caption differs",
            )
        expanded = not any(isinstance(e, Include) for e in t.entries)
        self.headings(t, msg)
        params = list(msg.parameters)
        taken = [False] * len(params)
        pairs: list[tuple[Include | Row, int]] = []
        for entry in t.entries:
            if isinstance(entry, PageHeading):
                continue
            key = self.page_key(msg.excerpt, entry)
            if key is None:
                continue  # an unknown include without any guess: reported above
            j = self.match(params, taken, key)
            if j is None:
                self.missing_in_spec(t, msg, entry, key)
                continue
            taken[j] = True
            pairs.append((entry, j))
            self.compare(msg, entry, params[j], expanded)
        for j, p in enumerate(params):
            if not taken[j]:
                # The page line after which the row would stand: the nearest matched row
                # above it in the spec's order, else the table's first line.
                above = [e.line for e, k in pairs if k < j]
                self.add(
                    "row-missing-on-page",
                    msg.excerpt,
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
                msg.excerpt,
                "",
                t.line,
                msg.place,
                ", ".join(page_keys),
                ", ".join(spec_keys),
                f"{msg.id}: the rows stand in another order",
            )

    def page_key(self, label: str, entry: Include | Row) -> str | None:
        if isinstance(entry, Row):
            return entry.key
        name, shared = _resolve(self.library, entry)
        if name is None:
            known = f"; it reads like {shared.include!r}" if shared and shared.include else ""
            self.add(
                "include-unknown",
                label,
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
            msg.excerpt,
            key,
            entry.line,
            msg.place,
            value,
            "",
            f"{msg.id}: the page row is not in the spec table",
        )

    def compare(self, msg: Message, entry: Include | Row, p: Parameter, expanded: bool) -> None:
        """One page row against its spec row; ``expanded``: the page writes includes out."""
        ex = msg.excerpt
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
        if p.include is not None and not expanded:
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
            if page_text is None:
                continue  # the page's table has no column for this language
            shown, _ = expand_wording(page_text, self.spec.legend, lang)
            spec_text = normalize(p.description.get(lang))
            if shown == spec_text or (merged and is_subsequence(spec_text, shown)):
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
                shown,
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
                        msg.excerpt,
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
                    msg.excerpt,
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
                    msg.excerpt,
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


def pick_method(page: Page, spec: Spec, name: str | None = None) -> Method:
    """The spec method a page documents: named, or found by the page's endpoints.

    A page's payment endpoint (any endpoint but reverse, credit, inquire and
    capture, which every method shares) names its method; a layout 1 page may
    also be known by its excerpt names. Raises AuditError when the spec has no
    such method, or when only shared endpoints leave several methods possible.
    """
    names = ", ".join(
        f"{m.name} ({', '.join(op.endpoint for op in m.operations)})" for m in spec.methods
    )
    if name is not None:
        for m in spec.methods:
            if m.name == name:
                return m
        raise AuditError(f"the spec has no method {name!r}; it has {names}")
    endpoints = {stem(s.endpoint) for s in page.sections if s.endpoint}
    payment = endpoints - set(FOLLOW_UPS)
    excerpts = {t.excerpt for t in page.tables if t.excerpt}

    def score(m: Method) -> tuple[int, int, int]:
        ops = {stem(op.endpoint) for op in m.operations}
        shown = {x for op in m.operations for x in (op.request.excerpt, op.result.excerpt)}
        return len(payment & ops), len(excerpts & shown), len(endpoints & ops)

    ranked = sorted(spec.methods, key=score, reverse=True)
    best = ranked[0]
    top = score(best)
    if top[0] == 0 and top[1] == 0:
        if payment:
            shown = ", ".join(sorted(f"{e}.aspx" for e in payment))
            raise AuditError(
                f"the page is about {shown}, which no method of the spec has (methods: {names}); "
                "draft it with `paygate import`, or pass --method to compare anyway"
            )
        if len(spec.methods) > 1:
            raise AuditError(
                "the page names no payment endpoint, only ones every method shares; "
                f"pass --method (methods: {names})"
            )
    elif len(ranked) > 1 and score(ranked[1]) == top:
        raise AuditError(
            f"the page fits methods {best.name} and {ranked[1].name} equally; pass --method"
        )
    return best


def audit(page: Page, spec: Spec, spec_label: str = "spec", method: str | None = None) -> Audit:
    """Compare ``page`` with ``spec``; ``spec_label`` prefixes spec places in findings.

    Raises AuditError when the page documents a method the spec does not have.
    """
    chosen = pick_method(page, spec, method)
    found = _Auditor(page, spec, spec_label).run(chosen)
    found.sort(key=lambda f: (f.page_line == 0, f.page_line))
    cited = {e for f in found for e in f.errata}
    errata = tuple(e for e in spec.errata if e.id in cited)
    return Audit(page.source, spec_label, chosen.name, tuple(found), errata)


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
