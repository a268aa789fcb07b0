"""Consistency checks the spec's JSON Schema cannot express.

Each finding has a stable ID. A finding on a parameter that cites an erratum
acknowledging that ID is reported as acknowledged, not as an error: the vendor
doc is wrong there and the spec records the decision taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import Format, Heading, Message, Parameter, Place, Spec, Text


@dataclass(frozen=True)
class Finding:
    id: str
    place: Place
    message: str
    acknowledged_by: str | None = None
    cites: tuple[str, ...] = ()  # errata cited by the parameter the finding is about

    def __str__(self) -> str:
        tail = f" (acknowledged: erratum {self.acknowledged_by})" if self.acknowledged_by else ""
        return f"{self.place}: [{self.id}] {self.message}{tail}"


def lint(spec: Spec) -> list[Finding]:
    """All findings, errors and acknowledged ones, in file order."""
    out = [_acknowledge(spec, f) for f in _checks(spec)]
    out.extend(_unused_acknowledgements(spec, out))
    seen: set[tuple[str, Place, str]] = set()
    unique = []
    for f in out:  # a shared definition included in several tables is reported once
        k = (f.id, f.place, f.message)
        if k not in seen:
            seen.add(k)
            unique.append(f)
    return sorted(unique, key=lambda f: (f.place.file, f.place.line, f.place.column, f.id))


def _acknowledge(spec: Spec, f: Finding) -> Finding:
    for eid in f.cites:
        e = spec.erratum(eid)
        if e is not None and f.id in e.acknowledges:
            return Finding(f.id, f.place, f.message, eid)
    return f


def _unused_acknowledgements(spec: Spec, findings: list[Finding]) -> Iterator[Finding]:
    """An erratum that acknowledges a finding no longer raised is stale (or has a typo)."""
    used = {(f.acknowledged_by, f.id) for f in findings if f.acknowledged_by}
    cited = {eid for _, p in spec.library for eid in p.errata}
    cited |= {eid for m in spec.messages() for p in m.parameters for eid in p.errata}
    for e in spec.errata:
        if e.id not in cited:
            continue  # reported as erratum-unreferenced
        for fid in e.acknowledges:
            if (e.id, fid) not in used:
                yield Finding(
                    "acknowledgement-unused",
                    e.place,
                    f"erratum '{e.id}' acknowledges [{fid}], but no parameter citing it "
                    "has that finding (remove it, or check the finding ID)",
                )


def _checks(spec: Spec) -> Iterator[Finding]:
    yield from _texts(spec)
    referenced: set[str] = set()
    for msg in spec.messages():
        yield from _message(spec, msg)
        for p in msg.parameters:
            referenced.update(p.errata)
    for _, p in spec.library:
        referenced.update(p.errata)
        yield from _parameter(spec, p)
    known = {e.id for e in spec.errata}
    seen: set[str] = set()
    for e in spec.errata:
        if e.id in seen:
            yield Finding("duplicate-erratum", e.place, f"erratum '{e.id}' is defined twice")
        seen.add(e.id)
        if e.id not in referenced:
            yield Finding(
                "erratum-unreferenced", e.place, f"erratum '{e.id}' is cited by no parameter"
            )
    cited = [p for _, p in spec.library]
    cited += [p for msg in spec.messages() for p in msg.parameters if p.include is None]
    for p in cited:
        for eid in p.errata:
            if eid not in known:
                yield Finding(
                    "unresolved-reference",
                    p.place,
                    f"{p.key} cites erratum '{eid}', which no errata list defines "
                    f"(defined: {', '.join(sorted(known)) or 'none'})",
                )
    ids = [op.id for op in spec.operations]
    for op in spec.operations:
        if ids.count(op.id) > 1:
            yield Finding("duplicate-operation", op.place, f"operation ID '{op.id}' is used twice")


def _check_text(text: Text | None, place: Place, what: str) -> Iterator[Finding]:
    if text is None:
        return
    for lang in ("en", "de"):
        value = text.get(lang).strip()
        if not value:
            yield Finding("missing-translation", place, f"{what} has no {lang.upper()} text")
        elif value.startswith("TODO:"):
            # `paygate import` marks text the page does not give; a draft is not done.
            yield Finding(
                "todo-text", place, f"{what} still has a {value!r} marker in {lang.upper()}"
            )


def _texts(spec: Spec) -> Iterator[Finding]:
    for m in spec.methods:
        yield from _check_text(m.title, m.place, f"method {m.name} title")
        for op in m.operations:
            yield from _check_text(op.title, op.place, f"{op.id} title")
            yield from _check_text(op.section_title, op.place, f"{op.id} section")
            for msg in (op.request, op.result):
                yield from _check_text(msg.caption, msg.place, f"{msg.id} caption")
                for e in msg.entries:
                    if isinstance(e, Heading):
                        yield from _check_text(e.text, e.place, f"{msg.id} heading")
                for r in msg.rules:
                    yield from _check_text(r.condition, r.place, f"rule {r.id} condition")
    for _, p in spec.library:
        yield from _param_texts(p)
    for msg in spec.messages():
        for p in msg.parameters:
            if p.include is None:
                yield from _param_texts(p)
    for erratum in spec.errata:
        yield from _check_text(erratum.vendor, erratum.place, f"erratum {erratum.id} vendor text")
        yield from _check_text(erratum.decision, erratum.place, f"erratum {erratum.id} decision")


def _param_texts(p: Parameter) -> Iterator[Finding]:
    yield from _check_text(p.description, p.place, f"{p.key} description")
    for v in p.values:
        yield from _check_text(v.text, p.place, f"{p.key} value {v.value}")


def _fits(spec: Spec, fmt: Format, value: str) -> tuple[bool, bool]:
    """(length ok, charset ok) of a value under a format."""
    n = len(value)
    length_ok = fmt.length is None or (n <= fmt.length if fmt.variable else n == fmt.length)
    letter = spec.legend.format_letter(fmt.kind)
    if letter is not None and letter.pattern is not None:
        charset_ok = re.fullmatch(letter.pattern, value) is not None
    else:
        charset_ok = re.fullmatch(spec.legend.char_class(fmt.kind) + "*", value) is not None
    return length_ok, charset_ok


def _parameter(spec: Spec, p: Parameter) -> Iterator[Finding]:
    for v in p.value_names:
        length_ok, charset_ok = _fits(spec, p.format, v)
        if not length_ok:
            yield Finding(
                "enum-value-length",
                p.place,
                f"{p.key}: value {v!r} ({len(v)} characters) breaks its format {p.format.raw}",
                cites=p.errata,
            )
        if not charset_ok:
            yield Finding(
                "enum-value-charset",
                p.place,
                f"{p.key}: value {v!r} has characters its format {p.format.raw} does not allow",
                cites=p.errata,
            )
        e_length, e_charset = _fits(spec, p.enforced, v)
        if (not e_length or not e_charset) and p.pattern is None:
            yield Finding(
                "enum-value-unenforceable",
                p.place,
                f"{p.key}: value {v!r} breaks the enforced format {p.enforced.raw}",
            )
    if p.default is not None and p.values and p.default not in p.value_names:
        yield Finding(
            "default-not-in-values",
            p.place,
            f"{p.key}: default {p.default!r} is not one of {', '.join(p.value_names)}",
        )
    if (p.enforced != p.format or p.pattern is not None) and not p.errata:
        yield Finding(
            "enforce-without-erratum",
            p.place,
            f"{p.key}: the enforced rule differs from the vendor format {p.format.raw} "
            "but no erratum explains why",
        )
    if p.pattern is not None:
        try:
            re.compile(p.pattern)
        except re.error as exc:
            yield Finding("bad-pattern", p.place, f"{p.key}: pattern does not compile: {exc}")


def _message(spec: Spec, msg: Message) -> Iterator[Finding]:
    keys: dict[str, Parameter] = {}
    for p in msg.parameters:
        k = p.key.lower() if msg.case_insensitive else p.key
        if k in keys:
            yield Finding(
                "duplicate-key",
                p.row_place,
                f"{msg.id}: key {p.key} appears twice in the table "
                f"(first at line {keys[k].row_place.line})",
            )
        keys[k] = p
        if p.include is None:
            yield from _parameter(spec, p)

    def has(key: str) -> bool:
        return msg.parameter(key) is not None

    for f in msg.mac:
        if f is not None and not has(f):
            yield Finding(
                "mac-field-missing",
                msg.mac_place or msg.place,
                f"{msg.id}: MAC field {f} is not a parameter of the message "
                f"(write an absent field as an empty slot, e.g. PayID**MerchantID**)",
            )
    covered: set[str] = set()
    for r in msg.rules:
        for k in (*r.keys, *([r.when_key] if r.when_key else [])):
            if not has(k):
                yield Finding(
                    "rule-unknown-key", r.place, f"rule {r.id} names {k}, not a key of {msg.id}"
                )
        if r.when_key and has(r.when_key):
            cond = msg.parameter(r.when_key)
            assert cond is not None
            for v in r.when_in:
                if cond.values and v not in cond.value_names:
                    yield Finding(
                        "rule-unknown-value",
                        r.place,
                        f"rule {r.id}: {v!r} is not a value of {r.when_key} "
                        f"({', '.join(cond.value_names)})",
                    )
        for k in r.keys:
            q = msg.parameter(k)
            if q is not None and q.cnd != "C":
                yield Finding(
                    "rule-on-unconditional",
                    r.place,
                    f"rule {r.id} makes {k} conditional, but its CND is {q.cnd}",
                )
        covered.update(r.keys)
    for p in msg.parameters:
        if p.cnd == "C" and p.key not in covered and p.default is None:
            yield Finding(
                "conditional-without-rule",
                p.row_place,
                f"{msg.id}: {p.key} is C but no rule says when it is required",
            )
    if msg.role == "result" and not any(p.code for p in msg.parameters):
        yield Finding(
            "result-without-code",
            msg.place,
            f"{msg.id}: a result needs the Code parameter to decide success",
        )
