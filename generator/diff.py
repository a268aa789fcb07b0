"""Compare two versions of the spec: what changed, and what it means for a merchant.

Every change has a stable kebab-case ID and a level from ``RULES``, the
published rule table (docs/diff-rules.md, written by ``rules_markdown``).
Levels are judged from a merchant's integration:

- requests: would a call that worked before fail now (breaking), might it
  behave differently or fail in some cases (warning), or is it unaffected (info)?
- results: would a parser that worked before break (breaking), might it meet
  values it was not written for (warning), or is it unaffected (info)?

Result parameters get their own IDs (``result-…``) where the level differs
from the request side: a longer maximum length lets old requests pass but can
overflow an old parser's storage. The comparison reads only the model: what
the validators enforce (``enforce:`` where an erratum says so), not YAML.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from .model import Format, Heading, Message, Operation, Parameter, Place, Rule, Spec
from .texts import rule_sentence

LEVELS = ("info", "warning", "breaking")  # in rising order


@dataclass(frozen=True)
class DiffRule:
    """One row of the rule table."""

    id: str
    level: str
    applies: str  # spec, operation, message, request, result
    meaning: str
    why: str


# The rule table: "ID level applies-to", then the meaning on indented lines,
# then "= " and why the level is what it is. Read once by _parse_rules.
_TABLE = """
base-url-changed breaking spec
    The Paygate base URL changed.
    = Every call goes to the base URL; calls to the old one fail.
character-class-changed breaking spec
    A character class or format letter of the legend changed (what a, n, s allow).
    = It changes what every parameter of that format accepts; the direction cannot be judged
    from two regular expressions, so it is treated as narrowing.
erratum-added info spec
    A vendor doc erratum was recorded.
    = Errata explain decisions; what is enforced changes only through the parameter, which
    is reported by its own rules.
erratum-removed info spec
    A recorded erratum was dropped.
    = As erratum-added.
erratum-changed info spec
    The text or decision of an erratum changed.
    = As erratum-added.
operation-added info operation
    A new operation.
    = Existing integrations do not call it.
operation-removed breaking operation
    An operation is gone.
    = Integrations that call it fail.
endpoint-changed breaking operation
    The endpoint (the .aspx page) of an operation changed.
    = Calls to the old endpoint fail.
transport-changed breaking operation
    An operation changed between browser form and server-to-server call.
    = The integration sends it a different way.
title-changed info operation
    The title or page section of an operation changed.
    = Documentation only.
caption-changed info message
    The caption of a parameter table changed.
    = Documentation only.
heading-changed info message
    A group heading inside a table (such as Shipping address) was added, removed or renamed.
    = Documentation only.
key-matching-changed breaking message
    How received keys are matched (keys: exact or case-insensitive) or what happens to keys
    the table does not name (extra_keys: error or kept) changed.
    = Parameter sets that passed may now be refused; the direction differs by message, so it
    is treated as breaking.
mac-changed breaking message
    The fields or the order of the MAC input of a message changed.
    = Request MACs computed the old way are rejected; result MACs no longer verify.
description-changed info message
    The description of a parameter, or the condition text of a rule, changed.
    = Text only; a change in what is checked is reported by its own rule.
value-text-changed info message
    The text of an enumeration value changed.
    = Text only.
param-moved info message
    A parameter moved to another place in its table.
    = Parameters are sent as key=value pairs whose order does not matter (the MAC order is
    reported by mac-changed).
published-format-changed info message
    The vendor's published format changed, but what is enforced did not (the project
    enforces a corrected format under an erratum).
    = The validators accept the same values as before.
param-added-mandatory breaking request
    A new mandatory (M) parameter.
    = Existing calls do not send it.
param-added-conditional warning request
    A new conditional (C) parameter.
    = Existing calls fail when its condition holds.
param-added-optional info request
    A new optional (O) parameter.
    = Existing calls need not send it.
param-removed breaking request
    A parameter is gone.
    = Calls that send it are rejected (requests are strict about unknown keys).
param-renamed breaking request
    A parameter was renamed: the old key was removed and the new key added at the same place
    in the table, with the same format and a similar description.
    = Calls that send the old key are rejected.
became-mandatory breaking request
    An O or C parameter became mandatory (M).
    = Calls that leave it out fail.
became-conditional warning request
    An optional (O) parameter became conditional (C).
    = Calls that leave it out fail when the condition holds (see the rule-added change).
became-optional info request
    A conditional (C) parameter became optional (O).
    = Fewer calls need it.
no-longer-mandatory info request
    A mandatory (M) parameter became conditional (C) or optional (O).
    = Calls that send it still pass.
max-length-decreased breaking request
    The maximum length was lowered.
    = Values that were long enough before are now too long.
max-length-increased info request
    The maximum length was raised.
    = Every value that passed before still passes.
min-length-increased breaking request
    The minimum length was raised (for example from variable ..3 to fixed 3).
    = Shorter values that passed before fail.
min-length-decreased info request
    The minimum length was lowered (for example from fixed 32 to variable ..32).
    = Every value that passed before still passes.
charset-narrowed breaking request
    The format allows fewer character classes (for example ans to an).
    = Values with the dropped characters fail.
charset-widened info request
    The format allows more character classes (for example an to ans).
    = Every value that passed before still passes.
format-changed-kind breaking request
    The format changed in a way that is neither wider nor narrower (for example n to bool,
    or a new pattern).
    = Values that passed before may fail.
enum-added breaking request
    A free parameter now takes listed values only.
    = Values outside the list fail.
enum-removed info request
    A parameter no longer restricts its values to a list.
    = Every value that passed before still passes.
enum-value-removed breaking request
    A value was removed from the allowed values.
    = Calls that send it fail.
enum-value-added info request
    A value was added to the allowed values.
    = Existing calls are unaffected.
default-changed warning request
    The value that applies when a parameter is not sent changed, appeared or disappeared.
    = Calls that leave the parameter out keep passing but now mean something else.
forbidden-chars-added breaking request
    More characters are forbidden.
    = Values with them fail.
forbidden-chars-removed info request
    Fewer characters are forbidden.
    = Every value that passed before still passes.
check-added breaking request
    A value check was added (ISO 4217 currency or ISO 3166 country code).
    = Values that are not valid codes fail.
check-removed info request
    A value check was dropped.
    = Every value that passed before still passes.
rule-added breaking request
    A new condition rule (required-if, all-or-none, merchant-decides).
    = Calls that break the new condition fail.
rule-removed info request
    A condition rule was dropped.
    = Every call that passed before still passes.
rule-changed breaking request
    A condition rule changed its kind, keys, or the values that trigger it, in a way that
    can require keys where it did not before.
    = Calls that passed the old condition may fail the new one.
rule-relaxed info request
    A condition rule triggers on fewer values or requires fewer keys.
    = Every call that passed before still passes.
result-param-added info result
    A new result parameter.
    = Parsers must accept additional parameters at any time (vendor's advice).
result-param-removed breaking result
    A mandatory (M) result parameter is gone.
    = Parsers that read it find nothing.
result-optional-param-removed warning result
    An optional or conditional result parameter is gone.
    = Parsers already cope with its absence, but the information is lost.
result-param-renamed breaking result
    A result parameter was renamed (same evidence as param-renamed; keys compare case-
    insensitively).
    = Parsers that read the old key find nothing.
result-no-longer-mandatory breaking result
    A mandatory (M) result parameter became conditional or optional.
    = Parsers that rely on it may find it absent.
result-cnd-changed info result
    Any other CND change of a result parameter (O to C, or to M).
    = Parsers that cope with absence keep working.
result-max-length-increased warning result
    A result parameter may be longer.
    = Parsers or databases sized to the old maximum may truncate or fail.
result-max-length-decreased info result
    A result parameter is shorter at most.
    = Parsers keep working.
result-min-length-decreased warning result
    A result parameter may be shorter (for example fixed 32 became ..32).
    = Parsers that assume the fixed length may fail.
result-min-length-increased info result
    A result parameter is longer at least.
    = Parsers keep working.
result-charset-widened warning result
    A result parameter may hold more kinds of characters.
    = Parsers that check the old characters may reject values.
result-charset-narrowed info result
    A result parameter holds fewer kinds of characters.
    = Parsers keep working.
result-format-changed-kind breaking result
    The format of a result parameter changed in kind.
    = Parsers may not read it.
result-enum-added info result
    A result parameter now has listed values only.
    = Parsers keep working.
result-enum-removed warning result
    A result parameter no longer restricts its values to a list.
    = Parsers that switch on the listed values may meet others.
result-enum-value-added warning result
    A result parameter has a new value (for example a new Status).
    = Parsers that switch on the values may not handle it.
result-enum-value-removed info result
    A result value is no longer sent.
    = Parsers keep working.
result-default-changed info result
    The default of a result parameter changed.
    = Results carry what Paygate sends; a default documents nothing a parser relies on.
result-forbidden-chars-added info result
    A result parameter no longer holds some characters.
    = Parsers keep working.
result-forbidden-chars-removed warning result
    A result parameter may hold characters that were forbidden.
    = Parsers that rely on their absence may fail.
result-check-added info result
    A result value is now a valid ISO code.
    = Parsers keep working.
result-check-removed warning result
    A result value is no longer checked as an ISO code.
    = Parsers that look the code up may meet unknown codes.
result-rule-changed info result
    A condition rule on a result message was added, removed or changed.
    = Rules on results describe which keys Paygate sends together; parsers accept any
    combination.
"""


def _parse_rules(table: str) -> tuple[DiffRule, ...]:
    rules: list[DiffRule] = []
    for block in re.split(r"\n(?=\S)", table.strip()):
        head, _, body = block.partition("\n")
        rid, level, applies = head.split()
        meaning, _, why = " ".join(body.split()).partition(" = ")
        assert level in LEVELS and meaning and why, f"rule {rid} is incomplete"
        rules.append(DiffRule(rid, level, applies, meaning, why))
    return tuple(rules)


RULES: tuple[DiffRule, ...] = _parse_rules(_TABLE)

RULE_BY_ID: dict[str, DiffRule] = {r.id: r for r in RULES}


class _Add(Protocol):
    """Reports one change of a parameter by its base ID (result- added where it exists)."""

    def __call__(
        self,
        base: str,
        text: str,
        old: str | list[str] | None = None,
        new: str | list[str] | None = None,
    ) -> None: ...


# Evidence needed before a removed key and an added key count as one rename.
RENAME_SIMILARITY = 0.6


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


def at_or_above(level: str, threshold: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(threshold)


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
        self.legend()
        self.errata()

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


# --- reports -----------------------------------------------------------------


def counts(changes: list[Change]) -> dict[str, int]:
    return {lv: sum(1 for c in changes if c.level == lv) for lv in reversed(LEVELS)}


def summary(changes: list[Change], fail_on: str) -> str:
    c = counts(changes)
    parts = ", ".join(f"{n} {lv}" for lv, n in c.items())
    return f"{len(changes)} change(s): {parts} (fails on {fail_on} and above)"


def render_text(
    changes: list[Change], fail_on: str, paint: Callable[[str, str], str] | None = None
) -> Iterator[str]:
    """One line per change: level, ID, what changed, and where in the spec."""
    if paint is None:
        paint = lambda text, level: text  # noqa: E731
    width = max((len(c.id) for c in changes), default=0)
    for c in changes:
        yield f"{paint(f'{c.level:<8}', c.level)} {c.id:<{width}}  {c.text}  [{c.place}]"
    yield summary(changes, fail_on)


def render_json(changes: list[Change], fail_on: str, old: str, new: str) -> str:
    failing = [c for c in changes if at_or_above(c.level, fail_on)]
    doc = {
        "old": old,
        "new": new,
        "fail_on": fail_on,
        "failed": bool(failing),
        "counts": counts(changes),
        "changes": [c.as_dict() for c in changes],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(changes: list[Change], fail_on: str, old: str, new: str) -> str:
    lines = [f"## Spec changes: `{old}` → `{new}`", "", summary(changes, fail_on), ""]
    if changes:
        lines += ["| level | ID | where | change |", "|---|---|---|---|"]
        for c in sorted(changes, key=lambda c: -LEVELS.index(c.level)):
            lines.append(f"| {c.level} | `{c.id}` | `{_cell(c.place)}` | {_cell(c.text)} |")
    return "\n".join(lines) + "\n"


def rules_markdown() -> str:
    """docs/diff-rules.md: the published rule table, made from ``RULES``."""
    lines = [
        "# `paygate diff` rules",
        "",
        "<!-- Written by generator/diff.py (rules_markdown); "
        "regenerate with `paygate diff --rules > docs/diff-rules.md`. -->",
        "",
        "`paygate diff OLD [NEW]` compares two versions of the spec and reports each",
        "change with a stable ID and a level. `--fail-on` (default `breaking`) makes the",
        "command exit 1 when a change at or above that level exists.",
        "",
        "Levels are judged from a merchant's integration:",
        "",
        "- **breaking**: a request that passed before now fails, or a parser of results",
        "  that worked before breaks;",
        "- **warning**: existing calls or parsers keep working in most cases, but may fail",
        "  or behave differently in some (a new conditional parameter, a changed default,",
        "  a new Status value);",
        "- **info**: existing integrations are unaffected (documentation, relaxed checks,",
        "  new optional parameters).",
        "",
        "Requests are judged by what breaks existing calls; results by what breaks existing",
        "parsers, which must accept additional parameters at any time and compare keys",
        "case-insensitively (vendor's advice). Where the two sides differ in level, result",
        "parameters have their own `result-` IDs. Formats are compared as enforced by the",
        "validators (`enforce:` under an erratum); a change of the vendor's published text",
        "alone is `published-format-changed`.",
        "",
        "A removed key and an added key in the same table count as one rename",
        "(`param-renamed`, `result-param-renamed`) when the new key stands in the old one's",
        "place (same row, or the same neighbour), has the same published format, and its",
        f"English description is at least {RENAME_SIMILARITY:.0%} alike; the change's text",
        "names this evidence. The renamed parameter is then compared like any other, so a",
        "rename that also changes values reports those too. Rules are matched by ID, or by",
        "kind and keys; a rule that only follows a rename is not a change.",
        "",
        "Not compared: provenance, include names, project annotations (amount, status, ...)",
        "and the Code decoder (codes.yaml).",
        "",
        "Example: the vendor's Alipay+ page shows two versions. From the older",
        "(`tests/fixtures/spec-older`) to the newer (`spec`), `paygate diff` reports",
        "`endpoint-changed` (alipay.aspx → alipayplus.aspx), `param-renamed` (Device →",
        "terminalType) with `enum-value-removed` (Desktop, Mobile), `enum-value-added`",
        "(WEB, WAP) and `default-changed` (Desktop → WEB), `became-conditional` for",
        "sdFirstName, sdLastName and sdcountryCode with `rule-added`",
        "(shipping-name-all-or-none), and `rule-changed` for the osType rule.",
        "",
        "| ID | level | applies to | meaning | why this level |",
        "|---|---|---|---|---|",
    ]
    for r in RULES:
        lines.append(
            f'| <a id="{r.id}"></a>`{r.id}` | {r.level} | {r.applies} | {_cell(r.meaning)} '
            f"| {_cell(r.why)} |"
        )
    return "\n".join(lines) + "\n"


def docs_path(root: Path) -> Path:
    return root / "docs" / "diff-rules.md"
