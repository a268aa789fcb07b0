"""Shared helpers of the generator tests: paths, the spec model, values built from it.

Valid and invalid values come from the model (format, values, check) and from
independent oracles: the character rules as README.md states them, and the
ISO 4217 / ISO 3166 libraries. Nothing here reads the generated code.
"""

from __future__ import annotations

import importlib.util
import re

# The regex parser (private, stable since 3.11) yields sample strings for a pattern.
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from itertools import product
from pathlib import Path
from types import ModuleType
from typing import Any

import iso4217
import pycountry

from generator.spec.loader import load_spec
from generator.spec.model import Format, Message, Parameter, Spec

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
GOLDEN_COMMAND = (
    "paygate generate --spec tests/fixtures/golden/spec --output tests/fixtures/golden/expected"
)

ABSENT = object()  # "leave the key out" in a test case


@cache
def real_spec() -> Spec:
    return load_spec(ROOT / "spec")


@cache
def golden_spec() -> Spec:
    return load_spec(GOLDEN / "spec")


def copy_project(dest: Path) -> Path:
    """A copy of what `paygate generate` and `check` read and write."""
    for name in ("spec", "templates", "generated"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under a folder with its bytes and mode, and every folder's mode."""
    out: dict[str, tuple[bytes, int]] = {".": (b"", folder.stat().st_mode)}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = (p.read_bytes() if p.is_file() else b"", p.stat().st_mode)
    return out


def write_files(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


@contextmanager
def imported_package(folder: Path, name: str) -> Iterator[ModuleType]:
    """Import ``folder/paygate`` under another name (the installed paygate stays as it is)."""
    init = folder / "paygate" / "__init__.py"
    module_spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(init.parent)]
    )
    assert module_spec is not None and module_spec.loader is not None
    package = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = package
    try:
        module_spec.loader.exec_module(package)
        yield package
    finally:
        for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[mod]


def words(text: str) -> str:
    """Text with its whitespace normalised: docstrings are wrapped, words are kept."""
    return " ".join(text.split())


# --- character rules, as README.md states them --------------------------------

# Characters to build values from, by the legend's class names.
SAMPLES = {"letters": "AbZy", "digits": "0947", "special": " ä中-/.:#😀_"}
# Characters that some format refuses: control characters (C0, DEL, C1), the
# pair separator '&', and one of each class.
BAD_CHARS = ("\n", "\x00", "\x7f", "\x85", "&", "1", "A", "ä", " ")


def char_class_of(c: str) -> str | None:
    """letters, digits, special, or None for characters no format allows."""
    if c.isascii() and c.isalpha():
        return "letters"
    if c.isascii() and c.isdigit():
        return "digits"
    if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "&":
        return None
    return "special"


def letter_classes(spec: Spec, fmt: Format) -> tuple[str, ...]:
    letter = spec.legend.format_letter(fmt.kind)
    assert letter is not None
    return letter.classes


def char_ok(spec: Spec, p: Parameter, c: str) -> bool:
    return char_class_of(c) in letter_classes(spec, p.enforced)


def pattern_of(spec: Spec, p: Parameter) -> str | None:
    letter = spec.legend.format_letter(p.enforced.kind)
    assert letter is not None
    return p.pattern or letter.pattern


def good_chars(spec: Spec, p: Parameter) -> str:
    classes = letter_classes(spec, p.enforced)
    return "".join(c for n in classes for c in SAMPLES[n] if c not in p.forbidden)


def fill(chars: str, n: int) -> str:
    return (chars * (n // len(chars) + 1))[:n]


def length_ok(fmt: Format, value: str) -> bool:
    if fmt.length is None:
        return len(value) > 0
    return 0 < len(value) <= fmt.length if fmt.variable else len(value) == fmt.length


# --- ISO data from the libraries ----------------------------------------------


@cache
def currencies() -> tuple[str, ...]:
    return tuple(sorted(c.code for c in iso4217.Currency))


@cache
def countries() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


def iso_set(check: str | None) -> tuple[str, ...] | None:
    if check == "iso4217":
        return currencies()
    if check == "iso3166-alpha2":
        return countries()
    return None


def not_in_iso(p: Parameter) -> list[str]:
    """Values of the right shape that the ISO list lacks: the first free code, and lower case."""
    known = iso_set(p.check)
    assert known is not None
    n = len(known[0])
    free = next(
        "".join(t)
        for t in product("ABCDEFGHIJKLMNOPQRSTUVWXYZ", repeat=n)
        if "".join(t) not in known
    )
    return [free, known[0].lower()]


# --- pattern samples -----------------------------------------------------------


def pattern_sample(pattern: str, pick: int = 0) -> str:
    """A string the pattern matches in full: the first (pick=0) or last (pick=-1) choices.

    Walks the parsed regex; supports the constructs the legend and errata use
    (literals, classes, ranges, repeats, groups, alternation).
    """

    def first(items: Any) -> str:
        out = ""
        for op, av in items:
            if op is sre_c.LITERAL:
                out += chr(av)
            elif op is sre_c.IN:
                choices = []
                for o, a in av:
                    if o is sre_c.LITERAL:
                        choices.append(chr(a))
                    elif o is sre_c.RANGE:
                        choices.extend((chr(a[0]), chr(a[1])))
                    else:
                        raise NotImplementedError(f"class item {o} in {pattern!r}")
                out += choices[pick]
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                lo, _hi, sub = av
                out += first(sub) * max(lo, 1 if pick else lo)
            elif op is sre_c.SUBPATTERN:
                out += first(av[-1])
            elif op is sre_c.BRANCH:
                out += first(av[1][pick])
            else:
                raise NotImplementedError(f"{op} in {pattern!r}")
        return out

    sample = first(sre_parse.parse(pattern))
    assert re.fullmatch(pattern, sample), (pattern, sample)
    return sample


# --- values of one parameter ---------------------------------------------------


def valid_values(spec: Spec, p: Parameter) -> list[str]:
    """Values that pass every rule of the parameter: from values, check or format."""
    if p.values:
        return list(p.value_names)
    known = iso_set(p.check)
    if known is not None:
        return [c for c in (known[0], known[-1]) if length_ok(p.enforced, c)]
    pattern = pattern_of(spec, p)
    if pattern is not None:
        return sorted({pattern_sample(pattern, 0), pattern_sample(pattern, -1)})
    chars, fmt = good_chars(spec, p), p.enforced
    assert fmt.length is not None
    if fmt.variable:
        return [fill(chars, 1), fill(chars, fmt.length)]
    return [fill(chars, fmt.length), fill(chars[::-1], fmt.length)]


def valid_value(spec: Spec, p: Parameter) -> str:
    return valid_values(spec, p)[-1]


def expected_rules(spec: Spec, p: Parameter, value: str) -> set[str]:
    """The rules a string value breaks, by the oracles (not by the generated code).

    Where one broken rule implies another, only the more specific counts: a
    character both forbidden and outside the class is a forbidden character;
    a value of the wrong length or characters is not also missing from the ISO
    list (whose codes all have the right length and characters).
    """
    if p.values:
        return set() if value in p.value_names else {"enum"}
    rules = set()
    if not length_ok(p.enforced, value) and p.enforced.length is not None:
        rules.add("length")
    pattern = pattern_of(spec, p)
    if pattern is not None:
        if re.fullmatch(pattern, value) is None:
            rules.add("format")
    elif not all(char_ok(spec, p, c) or c in p.forbidden for c in value):
        rules.add("charset")
    if any(c in p.forbidden for c in value):
        rules.add("forbidden")
    known = iso_set(p.check)
    if known is not None and value not in known:
        codes_fit = all(
            length_ok(p.enforced, c) and all(char_ok(spec, p, x) for x in c) for c in known
        )
        if not (codes_fit and rules & {"length", "charset"}):
            rules.add("enum")
    return rules


def failing_cases(spec: Spec, p: Parameter) -> list[tuple[str, object, set[str]]]:
    """(case name, value, the rules it breaks) for every constraint of a parameter."""
    cases: list[tuple[str, object, set[str]]] = []
    if p.mandatory:
        cases.append(("missing", ABSENT, {"missing"}))
    cases.append(("type-int", 42, {"type"}))
    cases.append(("type-none", None, {"type"}))
    if p.values:
        for v in p.value_names:
            for bad in (v.lower(), v + v[-1], v + "\n"):
                if bad not in p.value_names:
                    cases.append((f"enum-{bad!r}", bad, {"enum"}))
        return cases
    good = valid_value(spec, p)
    fmt = p.enforced
    # length: one too many, and empty; a fixed length one too few as well
    if fmt.length is not None:
        long = good + good[-1]
        cases.append(("length-long", long, expected_rules(spec, p, long)))
        cases.append(("length-empty", "", expected_rules(spec, p, "")))
        if not fmt.variable and fmt.length > 1:
            cases.append(("length-short", good[:-1], expected_rules(spec, p, good[:-1])))
    # characters: the last character replaced, so the length stays right
    for c in (*BAD_CHARS, *p.forbidden):
        value = good[:-1] + c
        rules = expected_rules(spec, p, value)
        if rules:
            cases.append((f"char-{c!r}", value, rules))
    # a trailing newline (Python's "$" would accept it)
    cases.append(("newline-at-end", good + "\n", expected_rules(spec, p, good + "\n")))
    if p.check:
        for bad in not_in_iso(p):
            cases.append((f"iso-{bad!r}", bad, expected_rules(spec, p, bad)))
    return cases


def full_params(spec: Spec, msg: Message) -> dict[str, object]:
    """Every parameter of a message with a valid value: satisfies every rule."""
    return {p.key: valid_value(spec, p) for p in msg.parameters}


def mandatory_params(spec: Spec, msg: Message) -> dict[str, object]:
    return {p.key: valid_value(spec, p) for p in msg.parameters if p.mandatory}


def js_regex_tests(cases: list[tuple[str, str]]) -> list[bool | str] | None:
    """For each (pattern, text): does JavaScript's RegExp(pattern, "u") find a match?

    A pattern JavaScript refuses yields its error message. None when node is missing.
    """
    import json
    import subprocess

    node = shutil.which("node")
    if node is None:
        return None
    script = (
        "const cs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(cs.map(([p, t]) => {"
        "  try { return new RegExp(p, 'u').test(t); } catch (e) { return String(e); } })));"
    )
    proc = subprocess.run(
        [node, "-e", script], input=json.dumps(cases), capture_output=True, text=True, check=True
    )
    result: list[bool | str] = json.loads(proc.stdout)
    return result
