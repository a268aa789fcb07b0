"""The immutable, typed in-memory model of the spec.

The loader builds it from spec/*.yaml; every later stage (lint, emitters,
diff, audit) reads only this model and never YAML. Everything here is frozen
and made of tuples, so one model can be shared freely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

FORMAT_RE = re.compile(
    r"(?P<kind>ans|an|as|ns|a|n)(?P<var>\.\.)?(?P<len>[0-9]+)|(?P<word>bool|dttm)"
)


@dataclass(frozen=True)
class Place:
    """Where a definition stands in the spec: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        # Line 0 marks a whole file or folder (for example a missing file).
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Place("<spec>", 0, 0)


@dataclass(frozen=True)
class Text:
    """One text in both languages of the vendor's docs."""

    en: str
    de: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.de


@dataclass(frozen=True)
class Provenance:
    source: str
    de: str  # "vendor" or "translation": whose German text this is
    note: str = ""


@dataclass(frozen=True)
class Format:
    """A vendor format such as ``ans..32`` (variable, at most 32) or ``a3`` (fixed 3)."""

    raw: str
    kind: str  # a, as, n, ns, an, ans, bool, dttm
    length: int | None = None
    variable: bool = False

    @property
    def min_length(self) -> int:
        if self.length is None or self.variable:
            return 1
        return self.length

    @property
    def max_length(self) -> int | None:
        return self.length

    @staticmethod
    def parse(raw: str) -> Format | None:
        m = FORMAT_RE.fullmatch(raw)
        if m is None:
            return None
        if m["word"]:
            return Format(raw, m["word"])
        return Format(raw, m["kind"], int(m["len"]), bool(m["var"]))


@dataclass(frozen=True)
class Value:
    """One allowed value of an enumerated parameter."""

    value: str
    text: Text


@dataclass(frozen=True)
class Parameter:
    """One table row: a parameter of a message, resolved from the library if included."""

    key: str
    format: Format  # as the vendor publishes it
    enforced: Format  # what the project checks (differs only where an erratum says so)
    cnd: str  # M, O or C
    description: Text
    provenance: Provenance
    place: Place
    include: str | None = None  # name of the shared definition, for included rows
    page: str | None = None  # the vendor page the shared definition comes from
    pattern: str | None = None  # a regex that replaces the format's character check
    values: tuple[Value, ...] = ()
    default: str | None = None
    forbidden: tuple[str, ...] = ()
    check: str | None = None  # iso4217 or iso3166-alpha2
    computed: str | None = None  # "mac": filled in by the runtime, not the caller
    amount: bool = False
    idempotency: bool = False
    status: bool = False
    code: bool = False
    errata: tuple[str, ...] = ()
    # For an included row: where the include stands in its table (``place`` is
    # where the shared definition stands in shared.yaml).
    included_at: Place | None = None

    @property
    def row_place(self) -> Place:
        """Where this row stands in its table: the include line or the row itself."""
        return self.included_at or self.place

    @property
    def mandatory(self) -> bool:
        return self.cnd == "M"

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values)


@dataclass(frozen=True)
class Heading:
    """A group heading inside a table, such as "Shipping address"."""

    text: Text
    place: Place


Entry = Parameter | Heading


@dataclass(frozen=True)
class Rule:
    """The machine-readable condition behind C rows.

    kinds: ``required-if`` (keys are mandatory when ``when_key`` has one of
    ``when_in``), ``all-or-none`` (keys are sent together or not at all),
    ``merchant-decides`` (a business condition no validator can see: the keys
    are required when ``condition`` holds, and are checked as optional).
    """

    id: str
    kind: str
    keys: tuple[str, ...]
    place: Place
    when_key: str | None = None
    when_in: tuple[str, ...] = ()
    condition: Text | None = None


@dataclass(frozen=True)
class Message:
    operation: str
    role: str  # "request" or "result"
    excerpt: str
    caption: Text
    mac: tuple[str | None, ...]  # MAC input fields in order; None is an always-empty field
    entries: tuple[Entry, ...]
    rules: tuple[Rule, ...]
    place: Place
    caption_provenance: Provenance = Provenance("", "translation")
    mac_place: Place | None = None  # where the ``mac`` line stands
    case_insensitive: bool = False  # keys match in any case (spec: ``keys: case-insensitive``)
    strict: bool = True  # unknown keys are errors (spec: ``extra_keys: error``), else kept

    @property
    def id(self) -> str:
        return f"{self.operation}.{self.role}"

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(e for e in self.entries if isinstance(e, Parameter))

    def parameter(self, key: str) -> Parameter | None:
        fold = key.lower() if self.case_insensitive else key
        for p in self.parameters:
            if (p.key.lower() if self.case_insensitive else p.key) == fold:
                return p
        return None

    @property
    def mac_string(self) -> str:
        return "*".join(f or "" for f in self.mac)


@dataclass(frozen=True)
class Operation:
    id: str
    section: str
    title: Text
    endpoint: str
    transport: str  # "browser-form" or "server-to-server"
    request: Message
    result: Message
    place: Place
    # The vendor titles its sections in English only; ``section_de`` is a German
    # title, translated by this project unless ``section_provenance`` says otherwise.
    section_de: str | None = None
    section_provenance: Provenance = Provenance("", "translation")

    @property
    def section_title(self) -> Text | None:
        """The section title in both languages, or None when no German title is given."""
        if self.section_de is None:
            return None
        return Text(self.section, self.section_de)

    @property
    def name(self) -> str:
        """The last part of the ID: payment, reverse, credit, inquire."""
        return self.id.rsplit(".", 1)[1]


@dataclass(frozen=True)
class Method:
    name: str
    title: Text
    provenance: Provenance
    base_url: str
    operations: tuple[Operation, ...]
    place: Place


@dataclass(frozen=True)
class Erratum:
    id: str
    place_text: str
    vendor: Text
    decision: Text
    acknowledges: tuple[str, ...]
    place: Place


@dataclass(frozen=True)
class CharClass:
    name: str
    regex: str | None  # positive class content, e.g. "A-Za-z"
    excludes: str | None  # for "special": what is never allowed
    text: Text


@dataclass(frozen=True)
class FormatLetter:
    name: str
    classes: tuple[str, ...]
    pattern: str | None
    text: Text


@dataclass(frozen=True)
class Legend:
    character_classes: tuple[CharClass, ...]
    formats: tuple[FormatLetter, ...]
    lengths: tuple[tuple[str, str, Text], ...]  # (name, example, text)
    cnd: tuple[tuple[str, Text], ...]
    wording: tuple[tuple[str, Text], ...]
    provenance: Provenance

    def format_letter(self, name: str) -> FormatLetter | None:
        return next((f for f in self.formats if f.name == name), None)

    def char_class(self, kind: str) -> str:
        """The regex character class (with brackets) a format letter allows."""
        letter = self.format_letter(kind)
        if letter is None or letter.pattern is not None or not letter.classes:
            raise KeyError(kind)
        classes = {c.name: c for c in self.character_classes}
        used = [classes[n] for n in letter.classes]
        special = [c for c in used if c.excludes is not None]
        if special:
            # Negated class: drop what is never allowed and the plain classes
            # this letter does not include (e.g. digits for "as").
            unused = [c.regex for c in classes.values() if c.regex and c not in used]
            return "[^" + "".join(c.excludes or "" for c in special) + "".join(unused) + "]"
        return "[" + "".join(c.regex or "" for c in used) + "]"

    def cnd_text(self, cnd: str) -> Text:
        return dict(self.cnd)[cnd]


@dataclass(frozen=True)
class Codes:
    success: str
    severities: tuple[tuple[str, Text], ...]
    modules: tuple[tuple[str, Text], ...]
    other_module: Text
    provenance: Provenance


@dataclass(frozen=True)
class Encryption:
    """How an encrypted call travels (``encryption`` in shared.yaml).

    The parameter string is encrypted into ``data`` with its byte length in
    ``length``; ``merchant`` goes unencrypted beside them. ``plain`` are the
    result keys Paygate may send unencrypted beside Data on purpose, ``pairs``
    the request parameters whose pairs come back unencrypted beside Data.
    Nothing else beside Data is protected by the merchant's key.
    """

    data: str
    length: str
    merchant: str
    plain: tuple[str, ...]
    pairs: tuple[str, ...]
    place: Place

    @property
    def envelope(self) -> tuple[str, str, str]:
        """The keys of an encrypted call: merchant, length, data."""
        return (self.merchant, self.length, self.data)


@dataclass(frozen=True)
class Spec:
    legend: Legend
    library: tuple[tuple[str, Parameter], ...]  # shared definitions by include name
    codes: Codes
    methods: tuple[Method, ...]
    errata: tuple[Erratum, ...]
    encryption: Encryption
    sources: tuple[tuple[str, str], ...] = field(default=())  # (file name, sha256)

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(op for m in self.methods for op in m.operations)

    def operation(self, op_id: str) -> Operation:
        for op in self.operations:
            if op.id == op_id:
                return op
        raise KeyError(op_id)

    def messages(self) -> Iterator[Message]:
        for op in self.operations:
            yield op.request
            yield op.result

    def message(self, message_id: str) -> Message:
        for m in self.messages():
            if m.id == message_id:
                return m
        raise KeyError(message_id)

    def erratum(self, erratum_id: str) -> Erratum | None:
        return next((e for e in self.errata if e.id == erratum_id), None)

    def shared(self, name: str) -> Parameter | None:
        return dict(self.library).get(name)

    @property
    def digest(self) -> str:
        """A content hash over every spec file, for generated headers."""
        import hashlib

        h = hashlib.sha256()
        for name, sha in self.sources:
            h.update(f"{name}\0{sha}\n".encode())
        return h.hexdigest()[:16]
