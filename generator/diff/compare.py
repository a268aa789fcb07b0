"""Compare two versions of the spec: what changed, by the rules of ``rules``.

Every change has a stable kebab-case ID and a level from ``RULES``, the
published rule table. The comparison reads only the model: what the validators
enforce (``enforce:`` where an erratum says so), not YAML.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from ..spec.model import Format, Heading, Message, Operation, Parameter, Place, Rule, Spec
from ..spec.texts import rule_sentence
from .rules import RENAME_SIMILARITY, RULE_BY_ID


class _Add(Protocol):
    """Reports one change of a parameter by its base ID (result- added where it exists)."""

    def __call__(
        self,
        base: str,
        text: str,
        old: str | list[str] | None = None,
        new: str | list[str] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new spec."""

    id: str
    where: str  # "spec", an operation ID or a message ID
    key: str  # parameter key, rule ID, erratum ID, or ""
    text: str
    place: str  # file:line:column in the new spec, or in the old one for removals
    old: str | list[str] | None = None
    new: str | list[str] | None = None

    @property
    def level(self) -> str:
        return RULE_BY_ID[self.id].level

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "level": self.level,
            "where": self.where,
            "key": self.key,
            "text": self.text,
            "place": self.place,
            "old": self.old,
            "new": self.new,
        }


# --- comparing ---------------------------------------------------------------


class _Diff:
    def __init__(self, old: Spec, new: Spec, old_label: str, new_label: str) -> None:
        self.old, self.new = old, new
        self.old_label, self.new_label = old_label, new_label
        self.out: list[Change] = []

    def place(self, place: Place, side: str) -> str:
        label = self.new_label if side == "new" else self.old_label
        return f"{label}/{place}" if label else str(place)

    def add(
        self,
        id: str,
        where: str,
        key: str,
        text: str,
        place: Place,
        side: str = "new",
        old: str | list[str] | None = None,
        new: str | list[str] | None = None,
    ) -> None:
        assert id in RULE_BY_ID, id
        self.out.append(Change(id, where, key, text, self.place(place, side), old, new))

    # --- spec level ---

    def run(self) -> list[Change]:
        self.spec_level()
        old_ops = {op.id: op for op in self.old.operations}
        new_ops = {op.id: op for op in self.new.operations}
        for op in self.new.operations:
            was = old_ops.get(op.id)
            if was is None:
                self.add(
                    "operation-added",
                    op.id,
                    "",
                    f"new operation {op.id} ({op.endpoint})",
                    op.place,
                    new=op.endpoint,
                )
                continue
            self.operation(was, op)
        for op in self.old.operations:
            if op.id not in new_ops:
                self.add(
                    "operation-removed",
                    op.id,
                    "",
                    f"operation {op.id} ({op.endpoint}) is gone",
                    op.place,
                    "old",
                    old=op.endpoint,
                )
        return self.out

    def spec_level(self) -> None:
        old_m = {m.name: m for m in self.old.methods}
        for m in self.new.methods:
            was = old_m.get(m.name)
            if was is None:
                continue
            if was.base_url != m.base_url:
                self.add(
                    "base-url-changed",
                    "spec",
                    "",
                    f"base URL {was.base_url} → {m.base_url}",
                    m.place,
                    old=was.base_url,
                    new=m.base_url,
                )
            if was.title != m.title:
                self.add(
                    "title-changed",
                    "spec",
                    m.name,
                    f"method title {was.title.en!r} → {m.title.en!r}",
                    m.place,
                    old=was.title.en,
                    new=m.title.en,
                )
        self.encryption()
        self.legend()
        self.errata()

    def encryption(self) -> None:
        old, new = self.old.encryption, self.new.encryption
        for name in ("data", "length", "merchant", "plain", "pairs"):
            was, now = getattr(old, name), getattr(new, name)
            if was != now:
                self.add(
                    "encryption-changed",
                    "spec",
                    name,
                    f"encryption {name}: {_listed(was)} → {_listed(now)}",
                    new.place,
                    old=list(was) if isinstance(was, tuple) else was,
                    new=list(now) if isinstance(now, tuple) else now,
                )

    def legend(self) -> None:
        old_c = {c.name: (c.regex, c.excludes) for c in self.old.legend.character_classes}
        new_c = {c.name: (c.regex, c.excludes) for c in self.new.legend.character_classes}
        # Only definitions in both versions: a new one is used by nothing old, and
        # one in use cannot go away without the spec failing to load.
        for name in sorted(old_c.keys() & new_c.keys()):
            if old_c[name] != new_c[name]:
                self.add(
                    "character-class-changed",
                    "spec",
                    name,
                    f"character class {name}: {_cls(old_c.get(name))} → {_cls(new_c.get(name))}",
                    Place("legend.yaml", 0, 0),
                    old=_cls(old_c.get(name)),
                    new=_cls(new_c.get(name)),
                )
        old_f = {f.name: (f.classes, f.pattern) for f in self.old.legend.formats}
        new_f = {f.name: (f.classes, f.pattern) for f in self.new.legend.formats}
        for name in sorted(old_f.keys() & new_f.keys()):
            if old_f[name] != new_f[name]:
                self.add(
                    "character-class-changed",
                    "spec",
                    name,
                    f"format letter {name}: {_letter(old_f.get(name))} → "
                    f"{_letter(new_f.get(name))}",
                    Place("legend.yaml", 0, 0),
                    old=_letter(old_f.get(name)),
                    new=_letter(new_f.get(name)),
                )

    def errata(self) -> None:
        old_e = {e.id: e for e in self.old.errata}
        new_e = {e.id: e for e in self.new.errata}
        for e in self.new.errata:
            was = old_e.get(e.id)
            if was is None:
                self.add(
                    "erratum-added",
                    "spec",
                    e.id,
                    f"erratum {e.id} recorded ({e.place_text}): {e.decision.en}",
                    e.place,
                )
            elif (was.vendor, was.decision, was.acknowledges, was.place_text) != (
                e.vendor,
                e.decision,
                e.acknowledges,
                e.place_text,
            ):
                self.add(
                    "erratum-changed",
                    "spec",
                    e.id,
                    f"erratum {e.id} changed: {e.decision.en}",
                    e.place,
                )
        for e in self.old.errata:
            if e.id not in new_e:
                self.add(
                    "erratum-removed",
                    "spec",
                    e.id,
                    f"erratum {e.id} dropped ({e.place_text})",
                    e.place,
                    "old",
                )

    # --- operations and messages ---

    def operation(self, was: Operation, op: Operation) -> None:
        if was.endpoint != op.endpoint:
            self.add(
                "endpoint-changed",
                op.id,
                "",
                f"{op.id}: endpoint {was.endpoint} → {op.endpoint}",
                op.place,
                old=was.endpoint,
                new=op.endpoint,
            )
        if was.transport != op.transport:
            self.add(
                "transport-changed",
                op.id,
                "",
                f"{op.id}: transport {was.transport} → {op.transport}",
                op.place,
                old=was.transport,
                new=op.transport,
            )
        if (was.title, was.section) != (op.title, op.section):
            self.add(
                "title-changed",
                op.id,
                "",
                f"{op.id}: title {was.title.en!r} → "
                f"{op.title.en!r}, section {was.section!r} → {op.section!r}",
                op.place,
                old=was.title.en,
                new=op.title.en,
            )
        self.message(was.request, op.request)
        self.message(was.result, op.result)

    def message(self, old: Message, new: Message) -> None:
        m = new.id
        result = new.role == "result"
        fold: Callable[[str], str] = str.lower if result else str
        old_p = {fold(p.key): p for p in old.parameters}
        new_p = {fold(p.key): p for p in new.parameters}
        removed = [p for p in old.parameters if fold(p.key) not in new_p]
        added = [p for p in new.parameters if fold(p.key) not in old_p]
        renames = self.renames(old, new, removed, added, fold)
        renamed_old = {fold(a.key) for a, _ in renames}
        renamed_new = {fold(b.key) for _, b in renames}
        key_map = {a.key: b.key for a, b in renames}
        for (a, b), evidence in renames.items():
            rid = "result-param-renamed" if result else "param-renamed"
            self.add(
                rid,
                m,
                b.key,
                f"{m}: {a.key} was renamed to {b.key}: {evidence}",
                b.row_place,
                old=a.key,
                new=b.key,
            )
        for p in removed:
            if fold(p.key) in renamed_old:
                continue
            if result:
                rid = "result-param-removed" if p.cnd == "M" else "result-optional-param-removed"
            else:
                rid = "param-removed"
            self.add(
                rid,
                m,
                p.key,
                f"{m}: {p.key} ({p.format.raw}, {p.cnd}) is gone",
                p.row_place,
                "old",
                old=p.key,
            )
        for p in added:
            if fold(p.key) in renamed_new:
                continue
            if result:
                rid = "result-param-added"
            else:
                rid = {"M": "param-added-mandatory", "C": "param-added-conditional"}.get(
                    p.cnd, "param-added-optional"
                )
            self.add(
                rid,
                m,
                p.key,
                f"{m}: new parameter {p.key} ({p.format.raw}, {p.cnd})",
                p.row_place,
                new=p.key,
            )
        pairs = [(old_p[fold(p.key)], p) for p in new.parameters if fold(p.key) in old_p]
        pairs += [(a, b) for a, b in renames]
        pairs.sort(key=lambda ab: new.parameters.index(ab[1]))
        for a, b in pairs:
            self.parameter(new, a, b)
        self.moves(old, new, key_map, fold)
        self.headings(old, new)
        self.rules(old, new, key_map)
        matching = (
            ("keys", old.case_insensitive, new.case_insensitive, "case-insensitive", "exact"),
            ("extra_keys", old.strict, new.strict, "error", "kept"),
        )
        for what, was, now, yes, no in matching:
            if was != now:
                before, after = (yes if was else no), (yes if now else no)
                self.add(
                    "key-matching-changed",
                    m,
                    "",
                    f"{m}: {what} {before} → {after}",
                    new.place,
                    old=before,
                    new=after,
                )
        if old.mac_string != new.mac_string:
            self.add(
                "mac-changed",
                m,
                "MAC",
                f"{m}: MAC input {old.mac_string} → {new.mac_string}",
                new.mac_place or new.place,
                old=old.mac_string,
                new=new.mac_string,
            )
        if old.caption != new.caption:
            self.add(
                "caption-changed",
                m,
                "",
                f"{m}: caption {old.caption.en!r} → {new.caption.en!r}",
                new.place,
                old=old.caption.en,
                new=new.caption.en,
            )

    def renames(
        self,
        old: Message,
        new: Message,
        removed: list[Parameter],
        added: list[Parameter],
        fold: Callable[[str], str],
    ) -> dict[tuple[Parameter, Parameter], str]:
        """Removed/added pairs that the evidence shows to be one renamed parameter."""
        old_keys = [fold(p.key) for p in old.parameters]
        new_keys = [fold(p.key) for p in new.parameters]
        scored: list[tuple[float, Parameter, Parameter, str]] = []
        for a in removed:
            i = old_keys.index(fold(a.key))
            for b in added:
                j = new_keys.index(fold(b.key))
                before_a = old_keys[i - 1] if i else None
                before_b = new_keys[j - 1] if j else None
                after_a = old_keys[i + 1] if i + 1 < len(old_keys) else None
                after_b = new_keys[j + 1] if j + 1 < len(new_keys) else None
                same_place = (
                    i == j
                    or (before_a is not None and before_a == before_b)
                    or (after_a is not None and after_a == after_b)
                )
                if not same_place or a.format.raw != b.format.raw:
                    continue
                alike = difflib.SequenceMatcher(None, a.description.en, b.description.en).ratio()
                if alike < RENAME_SIMILARITY:
                    continue
                neighbour = (
                    f"after {new.parameters[j - 1].key}"
                    if before_b is not None and before_a == before_b
                    else f"row {j + 1}"
                )
                evidence = (
                    f"{a.key} is gone and {b.key} stands in its place in the table "
                    f"({neighbour}), with the same format {b.format.raw} and a similar "
                    f"description ({alike:.0%} alike)"
                )
                scored.append((alike, a, b, evidence))
        out: dict[tuple[Parameter, Parameter], str] = {}
        used: set[int] = set()
        for _, a, b, evidence in sorted(scored, key=lambda s: -s[0]):
            if id(a) in used or id(b) in used:
                continue
            used.update((id(a), id(b)))
            out[(a, b)] = evidence
        return out

    def parameter(self, msg: Message, a: Parameter, b: Parameter) -> None:
        """Every difference of one parameter kept (or renamed) between the versions."""
        m = msg.id
        result = msg.role == "result"
        name = b.key if a.key == b.key else f"{b.key} (was {a.key})"
        place = b.row_place

        def add(
            base: str,
            text: str,
            old: str | list[str] | None = None,
            new: str | list[str] | None = None,
        ) -> None:
            rid = f"result-{base}" if result and f"result-{base}" in RULE_BY_ID else base
            self.add(rid, m, b.key, f"{m}: {name}: {text}", place, old=old, new=new)

        # CND
        if a.cnd != b.cnd:
            text = f"CND {a.cnd} → {b.cnd}"
            if result:
                rid = "result-no-longer-mandatory" if a.cnd == "M" else "result-cnd-changed"
            elif b.cnd == "M":
                rid = "became-mandatory"
            elif a.cnd == "M":
                rid = "no-longer-mandatory"
            elif b.cnd == "C":
                rid = "became-conditional"
                text += " (required when a rule of the message says so)"
            else:
                rid = "became-optional"
            self.add(rid, m, b.key, f"{m}: {name}: {text}", place, old=a.cnd, new=b.cnd)
        # Format: what is enforced decides; the published text is reported apart.
        self.formats(a, b, add)
        # Values
        av, bv = a.value_names, b.value_names
        if av and not bv:
            add("enum-removed", f"no longer limited to {', '.join(av)}", old=list(av))
        elif bv and not av:
            add("enum-added", f"now limited to {', '.join(bv)}", new=list(bv))
        else:
            gone = [v for v in av if v not in bv]
            new = [v for v in bv if v not in av]
            if gone:
                add(
                    "enum-value-removed",
                    f"values {', '.join(gone)} removed (now {', '.join(bv)})",
                    old=gone,
                    new=list(bv),
                )
            if new:
                add(
                    "enum-value-added",
                    f"new values {', '.join(new)} (now {', '.join(bv)})",
                    old=list(av),
                    new=new,
                )
            texts_a = {v.value: v.text for v in a.values}
            changed = [
                v.value for v in b.values if v.value in texts_a and texts_a[v.value] != v.text
            ]
            if changed:
                add("value-text-changed", f"text of {', '.join(changed)} changed", new=changed)
        if a.default != b.default:
            add(
                "default-changed",
                f"default {a.default or '(none)'} → {b.default or '(none)'}",
                old=a.default,
                new=b.default,
            )
        fa, fb = set(a.forbidden), set(b.forbidden)
        if fb - fa:
            more = sorted(fb - fa)
            add("forbidden-chars-added", f"now forbids {' '.join(more)}", new=more)
        if fa - fb:
            fewer = sorted(fa - fb)
            add("forbidden-chars-removed", f"no longer forbids {' '.join(fewer)}", old=fewer)
        if a.check != b.check:
            if b.check is None:
                add("check-removed", f"check {a.check} dropped", old=a.check)
            elif a.check is None:
                add("check-added", f"now checked as {b.check}", new=b.check)
            else:
                add("check-added", f"check {a.check} → {b.check}", old=a.check, new=b.check)
        if a.description != b.description:
            lang = "en" if a.description.en != b.description.en else "de"
            before, after = a.description.get(lang), b.description.get(lang)
            label = "description" if lang == "en" else "German description"
            add("description-changed", f"{label} {before!r} → {after!r}", old=before, new=after)

    def formats(self, a: Parameter, b: Parameter, add: _Add) -> None:
        ea, eb = a.enforced, b.enforced
        if (ea.raw, a.pattern) == (eb.raw, b.pattern):
            if a.format.raw != b.format.raw:
                add(
                    "published-format-changed",
                    f"published format {a.format.raw} → "
                    f"{b.format.raw} (enforced {eb.raw} as before)",
                    old=a.format.raw,
                    new=b.format.raw,
                )
            return
        shown = f"format {_fmt(a)} → {_fmt(b)}"
        if ea.kind != eb.kind or a.pattern != b.pattern:
            ca, cb = self.classes(self.old, ea), self.classes(self.new, eb)
            if a.pattern != b.pattern or ca is None or cb is None or not (ca <= cb or cb <= ca):
                # bool, dttm, a pattern, or classes that are neither more nor fewer.
                add("format-changed-kind", shown, old=_fmt(a), new=_fmt(b))
                return
            if cb < ca:
                add(
                    "charset-narrowed",
                    f"{shown}: fewer characters allowed",
                    old=_fmt(a),
                    new=_fmt(b),
                )
            elif cb > ca:
                add(
                    "charset-widened", f"{shown}: more characters allowed", old=_fmt(a), new=_fmt(b)
                )
        big = 1 << 62  # no length limit
        max_a, max_b = ea.max_length or big, eb.max_length or big
        if max_b < max_a:
            add(
                "max-length-decreased",
                f"{shown}: at most {max_b} characters (was {_n(max_a)})",
                old=_fmt(a),
                new=_fmt(b),
            )
        elif max_b > max_a:
            add(
                "max-length-increased",
                f"{shown}: at most {_n(max_b)} characters (was {max_a})",
                old=_fmt(a),
                new=_fmt(b),
            )
        if eb.min_length > ea.min_length:
            add(
                "min-length-increased",
                f"{shown}: at least {eb.min_length} characters (was {ea.min_length})",
                old=_fmt(a),
                new=_fmt(b),
            )
        elif eb.min_length < ea.min_length:
            add(
                "min-length-decreased",
                f"{shown}: at least {eb.min_length} characters (was {ea.min_length})",
                old=_fmt(a),
                new=_fmt(b),
            )

    @staticmethod
    def classes(spec: Spec, fmt: Format) -> frozenset[str] | None:
        """The character classes of a format letter; None for pattern letters (bool, dttm)."""
        letter = spec.legend.format_letter(fmt.kind)
        if letter is None or letter.pattern is not None or not letter.classes:
            return None
        return frozenset(letter.classes)

    def moves(
        self, old: Message, new: Message, key_map: dict[str, str], fold: Callable[[str], str]
    ) -> None:
        new_keys = [fold(p.key) for p in new.parameters]
        old_keys = [fold(key_map.get(p.key, p.key)) for p in old.parameters]
        common_old = [k for k in old_keys if k in new_keys]
        common_new = [k for k in new_keys if k in old_keys]
        sm = difflib.SequenceMatcher(None, common_old, common_new, autojunk=False)
        stayed = {
            k for blk in sm.get_matching_blocks() for k in common_new[blk.b : blk.b + blk.size]
        }
        for p in new.parameters:
            k = fold(p.key)
            if k in common_new and k not in stayed:
                self.add(
                    "param-moved",
                    new.id,
                    p.key,
                    f"{new.id}: {p.key} moved in the table",
                    p.row_place,
                )

    def headings(self, old: Message, new: Message) -> None:
        ho = [e.text for e in old.entries if isinstance(e, Heading)]
        hn = [e.text for e in new.entries if isinstance(e, Heading)]
        if ho != hn:
            place = next((e.place for e in new.entries if isinstance(e, Heading)), new.place)
            self.add(
                "heading-changed",
                new.id,
                "",
                f"{new.id}: headings {[h.en for h in ho]} → {[h.en for h in hn]}",
                place,
                old=[h.en for h in ho],
                new=[h.en for h in hn],
            )

    def rules(self, old: Message, new: Message, key_map: dict[str, str]) -> None:
        m = new.id
        result = new.role == "result"

        def mapped(r: Rule) -> Rule:
            """The old rule in the new names: a renamed key is not a change of the rule."""
            return replace(
                r,
                keys=tuple(key_map.get(k, k) for k in r.keys),
                when_key=key_map.get(r.when_key, r.when_key) if r.when_key else None,
            )

        originals = {r.id: r for r in old.rules}  # for messages in the old names
        olds = [mapped(r) for r in old.rules]
        by_id = {r.id: r for r in olds}
        by_shape = {(r.kind, r.keys): r for r in olds}
        matched: set[str] = set()
        for r in new.rules:
            was = by_id.get(r.id) or by_shape.get((r.kind, r.keys))
            if was is not None and was.id in matched:
                was = None
            sentence = rule_sentence(r).en
            if was is None:
                rid = "result-rule-changed" if result else "rule-added"
                self.add(rid, m, r.id, f"{m}: rule {r.id} added: {sentence}", r.place)
                continue
            matched.add(was.id)
            same = (was.kind, was.keys, was.when_key, was.when_in) == (
                r.kind,
                r.keys,
                r.when_key,
                r.when_in,
            )
            if not same:
                if result:
                    rid = "result-rule-changed"
                else:
                    rid = "rule-relaxed" if _relaxed(was, r) else "rule-changed"
                before = rule_sentence(originals[was.id]).en
                named = r.id if was.id == r.id else f"{r.id} (was {was.id})"
                self.add(
                    rid,
                    m,
                    r.id,
                    f"{m}: rule {named}: {before!r} → {sentence!r}",
                    r.place,
                    old=before,
                    new=sentence,
                )
            elif was.condition != r.condition and r.condition is not None:
                self.add(
                    "description-changed",
                    m,
                    r.id,
                    f"{m}: rule {r.id}: condition text → {r.condition.en!r}",
                    r.place,
                    old=was.condition.en if was.condition else None,
                    new=r.condition.en,
                )
        for r in olds:
            if r.id not in matched:
                rid = "result-rule-changed" if result else "rule-removed"
                before = rule_sentence(originals[r.id]).en
                self.add(rid, m, r.id, f"{m}: rule {r.id} dropped: {before}", r.place, "old")


def _relaxed(old: Rule, new: Rule) -> bool:
    """True when every call that met the old rule meets the new one."""
    if old.kind != new.kind:
        return False
    if old.kind == "required-if":
        return (
            old.when_key == new.when_key
            and set(new.when_in) <= set(old.when_in)
            and set(new.keys) <= set(old.keys)
        )
    if old.kind == "merchant-decides":
        return set(new.keys) <= set(old.keys)
    return False  # all-or-none: fewer keys together may still require one not required before


def _fmt(p: Parameter) -> str:
    return p.enforced.raw + (f" /{p.pattern}/" if p.pattern else "")


def _n(n: int) -> str:
    return "no limit" if n >= 1 << 62 else str(n)


def _cls(c: tuple[str | None, str | None] | None) -> str:
    if c is None:
        return "(none)"
    regex, excludes = c
    return f"[{regex}]" if regex is not None else f"[^{excludes}]"


def _letter(f: tuple[tuple[str, ...], str | None] | None) -> str:
    if f is None:
        return "(none)"
    classes, pattern = f
    return f"/{pattern}/" if pattern else "+".join(classes) or "(no classes)"


def diff_specs(old: Spec, new: Spec, old_label: str = "", new_label: str = "") -> list[Change]:
    """Every change from ``old`` to ``new``; labels prefix the places (e.g. "spec")."""
    return _Diff(old, new, old_label, new_label).run()


def _listed(value: str | tuple[str, ...]) -> str:
    return ", ".join(value) or "(none)" if isinstance(value, tuple) else value
