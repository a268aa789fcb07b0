"""Parameter sets as `paygate validate` reads them from YAML, JSON and JSON Lines.

A set names what it is inside the file::

    name: payment with shipping address     # optional, shown in reports
    operation: alipayplus.payment
    message: request                        # or result; default: request
    params:
      MerchantID: Test_Shop
      Amount: 100

A file holds one set, a list of sets, or (YAML) several documents; a JSON
Lines file holds one set per line. With ``--operation`` (and ``--message``) a
set may also be the bare parameter mapping; what a set names itself wins.
Keys starting with ``x-`` are free for your own use, such as YAML anchors
that several sets merge (``params: {<<: *base, Amount: 200}``).

Values: every Paygate parameter is text. YAML and JSON whole numbers become
their digits as written (``Amount: 100`` is ``"100"``, ``TransID: 000123`` is
``"000123"``), booleans become ``true``/``false``. Anything else that is not
text (decimals, null, lists, mappings) is reported as a type error. YAML is
read by the YAML 1.2 core rules, so only true/false are booleans: ``NO``
(Norway) and ``on`` stay text, and dates stay text.

Every key keeps the line it stands on, so a report can point at it. A file
that cannot be read or parsed becomes a FileProblem with its line and column.

Sets are read as they are needed (``Source``): a JSON Lines file or stream one
line at a time, so its size does not matter; a YAML stream one document at a
time; a JSON file is one document and is parsed whole. A bad JSON Lines line is
a problem of its own, the other lines still count.
"""

from __future__ import annotations

import bisect
import glob
import json
import os
import re
import reprlib
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..spec.yaml_reader import KeyLines, Path_, ReadError, read_documents

ENVELOPE_KEYS = ("name", "operation", "message", "params")
MESSAGES = ("request", "result")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MAX_DEPTH = 200  # nesting deeper than this is not a parameter set


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be read or parsed, or a name that matched nothing."""

    file: str
    line: int  # 0: the whole file
    column: int
    message: str  # 'code:detail'; the report fills it into its catalogue

    def where(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(slots=True)
class RawSet:
    """One set as read from its file, before its envelope is interpreted."""

    file: str
    line: int
    index: int  # 1-based position in the file
    data: object
    lines: dict[Path_, int] | None  # line of each key by path; None: all on ``line``
    duplicates: tuple[tuple[str, int], ...] = ()
    # True: the values are as json decoded them. The generated validators
    # report every value that is not text (null too) as a type error (a test
    # holds them to it), so the checker converts the values, and checks again,
    # only for a set with a type error; the common valid set goes as it was read.
    plain: bool = False

    def key_line(self, path: Path_) -> int:
        if self.lines is None:
            return self.line
        return self.lines.get(path, self.line)


# --- values ------------------------------------------------------------------


class _Null:
    """A null value: not text, so the validators report it as a type error.

    Passing None would read as "key absent" to the validators and hide the
    mistake (a mandatory key would be "missing", an optional one silently fine).
    """

    def __repr__(self) -> str:
        return "null"

    def __reduce__(self) -> str:
        return "NULL"  # one NULL in every process (results come back from workers)


NULL = _Null()


class Decimal:
    """A number with a fraction or exponent, kept as written (12.50 stays 12.50).

    It is not text, so the validators report it as a type error (an Amount
    is given in the smallest currency unit, 1250, not 12.50).
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring = 2, 4, 4, 30


def shorten(value: object) -> str:
    """A value as shown in a message: a few characters, however large the value."""
    return _SHORT.repr(value)


class Structure:
    """A list or mapping given as a value: not text, shown in a few characters.

    The shown form is bounded, so a YAML alias bomb (lists of aliases of lists)
    cannot make a message explode.
    """

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return shorten(self.value)


def convert(value: object) -> object:
    """A read value as the validators take it: booleans as true/false, null marked."""
    if value is None:
        return NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):  # only from callers that pass Python ints
        return str(value)
    if isinstance(value, list | dict):
        return Structure(value)
    return value


# --- reading -----------------------------------------------------------------


def _split(file: str, data: object, found: KeyLines, base: int) -> list[RawSet]:
    """The sets of one parsed document: the document itself or its list items."""
    lines, dups = found.lines, found.duplicates
    if isinstance(data, list):
        per_item: dict[int, dict[Path_, int]] = {i: {} for i in range(len(data))}
        for path, line in lines.items():
            if path and isinstance(path[0], int) and path[0] in per_item:
                per_item[path[0]][path[1:]] = line
        dups_by: dict[int, list[tuple[str, int]]] = {}
        for path, line in dups:
            if path and isinstance(path[0], int):
                dups_by.setdefault(path[0], []).append((str(path[-1]), line))
        return [
            RawSet(
                file,
                lines.get((i,), 1),
                base + i + 1,
                item,
                per_item[i],
                tuple(dups_by.get(i, ())),
            )
            for i, item in enumerate(data)
        ]
    return [
        RawSet(
            file,
            lines.get((), 1),
            base + 1,
            data,
            lines,
            tuple((str(p[-1]), ln) for p, ln in dups),
        )
    ]


def read_yaml(file: str, text: str) -> Iterator[RawSet]:
    """The sets of each YAML document, one document after the other."""
    count = 0
    for data, found in read_documents(text, number=Decimal, max_depth=MAX_DEPTH):
        sets = _split(file, data, found, count)
        count += len(sets)
        yield from sets


# json's own string decoder (C-accelerated); typeshed does not declare it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(  # noqa: B009
    json.decoder, "scanstring"
)
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


class _JsonReader(KeyLines):
    """A small JSON parser that records the line of every key.

    Python's json module gives no positions; this one gives them and uses
    json's own string decoder, so strings decode exactly as json.loads does.
    Whole numbers become their digits as text.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line_col(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, pos)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, pos - start + 1

    def fail(self, pos: int, reason: str) -> ReadError:
        line, col = self.line_col(pos)
        return ReadError(line, col, f"json:{reason}")

    def ws(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        assert m is not None
        return m.end()

    def parse(self) -> object:
        value, end = self.value(self.ws(0), (), 0)
        end = self.ws(end)
        if end != len(self.text):
            raise self.fail(end, "extra data after the value")
        return value

    def string(self, pos: int) -> tuple[str, int]:
        try:
            return _scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError as exc:
            raise self.fail(exc.pos, exc.msg) from exc

    def value(self, pos: int, path: Path_, depth: int) -> tuple[object, int]:
        if depth > MAX_DEPTH:
            line, col = self.line_col(pos)
            raise ReadError(line, col, "too-deep")
        t = self.text
        c = t[pos : pos + 1]
        if c == "{":
            return self.object(pos, path, depth)
        if c == "[":
            return self.array(pos, path, depth)
        if c == '"':
            return self.string(pos)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if t.startswith(word, pos):
                return val, pos + len(word)
        m = _NUMBER.match(t, pos)
        if m is not None and m.end() > pos:
            if m.group(1) is None and m.group(2) is None:
                return m.group(0), m.end()  # a whole number: its digits as text
            return Decimal(m.group(0)), m.end()
        raise self.fail(pos, "expected a value" if c else "unexpected end of the file")

    def after(self, pos: int, close: str) -> tuple[int, bool]:
        """Past what follows an item: ``(pos, True)`` at the closing bracket, else the comma."""
        pos = self.ws(pos)
        c = self.text[pos : pos + 1]
        if c == close:
            return pos + 1, True
        if c != ",":
            raise self.fail(pos, f"expected ',' or '{close}'")
        return self.ws(pos + 1), False

    def array(self, pos: int, path: Path_, depth: int) -> tuple[object, int]:
        items: list[object] = []
        pos = self.ws(pos + 1)
        if self.text[pos : pos + 1] == "]":
            return items, pos + 1
        done = False
        while not done:
            self.lines[(*path, len(items))] = self.line_col(pos)[0]
            item, pos = self.value(pos, (*path, len(items)), depth + 1)
            items.append(item)
            pos, done = self.after(pos, "]")
        return items, pos

    def object(self, pos: int, path: Path_, depth: int) -> tuple[object, int]:
        t = self.text
        obj: dict[str, object] = {}
        pos = self.ws(pos + 1)
        if t[pos : pos + 1] == "}":
            return obj, pos + 1
        done = False
        while not done:
            if t[pos : pos + 1] != '"':
                raise self.fail(pos, "expected a key in double quotes")
            line = self.line_col(pos)[0]
            key, pos = self.string(pos)
            pos = self.ws(pos)
            if t[pos : pos + 1] != ":":
                raise self.fail(pos, "expected ':' after the key")
            self.note_key(obj, path, key, line)
            obj[key], pos = self.value(self.ws(pos + 1), (*path, key), depth + 1)
            pos, done = self.after(pos, "}")
        return obj, pos


def read_json(file: str, text: str) -> list[RawSet]:
    """The sets of a JSON file; a file of only white space holds none."""
    if not text.strip(" \t\n\r"):
        return []
    r = _JsonReader(text)
    data = r.parse()
    r.lines[()] = r.line_col(r.ws(0))[0]
    return _split(file, data, r, 0)


class Counts:
    """What a reader has done so far: bytes read, sets and problems yielded."""

    def __init__(self) -> None:
        self.pos = 0
        self.sets = 0
        self.problems = 0


Block = tuple[int, bytes, int]  # number of its first line, whole lines, bytes read to its end


def _decoded(block: bytes, first: int, file: str) -> list[str | FileProblem]:
    """The lines of a block that is not all UTF-8: each line, or why it is not text."""
    out: list[str | FileProblem] = []
    for n, raw in enumerate(block.split(b"\n"), first):
        try:
            out.append(raw.decode())
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode(errors="replace")) + 1
            out.append(FileProblem(file, n, column, f"not-utf8:{exc.reason}"))
    return out


def read_jsonl(
    file: str, blocks: Iterable[Block], counts: Counts | None = None
) -> Iterator[RawSet | FileProblem]:
    """One set per line, block by block as they come; a bad line is a problem of its own.

    ``counts`` is kept up to date. This loop runs once per line of files of
    any size, so it decodes a whole block at once and calls json's C scanner
    directly; json's full decoder only sees a line the scanner does not take
    at once, and gives the reason.
    """
    counts = counts if counts is not None else Counts()
    dups: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            for k, _ in items:
                if k in seen:
                    dups.append(k)
                seen.add(k)
        return out

    # Whole numbers stay as written (parse_int=str).
    decoder = json.JSONDecoder(
        object_pairs_hook=pairs, parse_int=str, parse_float=Decimal, parse_constant=Decimal
    )
    scan: Callable[[str, int], tuple[object, int]] = decoder.scan_once  # type: ignore[attr-defined]
    for first, block, end in blocks:
        counts.pos = end
        lines: list[str] | list[str | FileProblem]
        try:
            lines = block.decode().split("\n")
        except UnicodeDecodeError:
            lines = _decoded(block, first, file)
        lines.pop()  # what follows the last newline: nothing
        if first == 1 and lines and isinstance(lines[0], str) and lines[0][:1] == "\ufeff":
            lines[0] = lines[0][1:]
        n = first - 1
        for text in lines:
            n += 1
            if type(text) is not str:
                assert isinstance(text, FileProblem)
                counts.problems += 1
                yield text
                continue
            try:
                data, stop = scan(text, 0)
                if stop != len(text) and text[stop:].strip(" \t\r"):
                    raise ValueError(stop)
            except (StopIteration, ValueError):  # white space first, a blank line, or no JSON
                dups.clear()
                try:
                    data = decoder.decode(text)
                except ValueError as exc:
                    if text.strip(" \t\r"):
                        col = getattr(exc, "colno", 1)
                        counts.problems += 1
                        yield FileProblem(file, n, col, f"json:{getattr(exc, 'msg', str(exc))}")
                    continue
                except RecursionError:
                    counts.problems += 1
                    yield FileProblem(file, n, 1, "too-deep")
                    continue
            except RecursionError:  # json decodes recursively: absurd nesting ends here
                dups.clear()
                counts.problems += 1
                yield FileProblem(file, n, 1, "too-deep")
                continue
            counts.sets += 1
            found: tuple[tuple[str, int], ...] = ()
            if dups:
                found = tuple((k, n) for k in dups)
                dups.clear()
            yield RawSet(file, n, counts.sets, data, None, found, True)


class Source(Counts):
    """The sets of one file (or ``-``, standard input), read as they are needed.

    Iterating yields each RawSet, and a FileProblem where the file or a line
    cannot be read. ``pos`` counts the bytes read so far and ``size`` is the
    file's (None for a stream), for a progress bar; ``sets`` and ``problems``
    count what was yielded.
    """

    def __init__(self, name: str, input_format: str = "auto") -> None:
        self.name = name
        fmt = input_format
        if fmt == "auto":
            fmt = SUFFIXES.get(Path(name).suffix.lower(), "")
        self.format = fmt
        self.size: int | None = None
        super().__init__()

    def __iter__(self) -> Iterator[RawSet | FileProblem]:
        stream = self._open()
        if isinstance(stream, FileProblem):
            self.problems += 1
            yield stream
            return
        try:
            if self.format == "jsonl":
                yield from read_jsonl(self.name, line_blocks(stream, BLOCK), self)
            else:
                for item in self._document(stream.read()):
                    if type(item) is RawSet:
                        self.sets += 1
                    else:
                        self.problems += 1
                    yield item
        except OSError as exc:  # a read that fails half-way
            self.problems += 1
            yield FileProblem(self.name, 0, 0, f"unreadable:{exc.strerror or exc}")
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()

    def _open(self) -> BinaryIO | FileProblem:
        name = self.name
        if not self.format:
            return FileProblem(name, 0, 0, "unknown-suffix")
        if name == "-":
            return sys.stdin.buffer
        try:
            stream = open(name, "rb")  # noqa: SIM115 - the caller closes it
            self.size = os.fstat(stream.fileno()).st_size
        except OSError as exc:
            return FileProblem(name, 0, 0, f"unreadable:{exc.strerror or exc}")
        return stream

    def _document(self, raw: bytes) -> Iterator[RawSet | FileProblem]:
        """A JSON or YAML file, read whole; its sets come document by document."""
        name = self.name
        self.pos = len(raw)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            yield FileProblem(name, line, column, f"not-utf8:{exc.reason}")
            return
        del raw
        try:
            if self.format == "json":
                yield from read_json(name, text)
            else:
                yield from read_yaml(name, text)
        except ReadError as exc:
            yield FileProblem(name, exc.line, exc.column, exc.message)
        except RecursionError:  # a safety net: the readers stop at MAX_DEPTH
            yield FileProblem(name, 0, 0, "too-deep")

    def blocks(self, size: int) -> Iterator[Block | FileProblem]:
        """A JSON Lines file in blocks of whole lines, for ``read_jsonl`` elsewhere."""
        stream = self._open()
        if isinstance(stream, FileProblem):
            yield stream
            return
        try:
            yield from line_blocks(stream, size)
        except OSError as exc:
            yield FileProblem(self.name, 0, 0, f"unreadable:{exc.strerror or exc}")
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()


# Bytes read at a time from a JSON Lines file: a block and its lines stay in
# the processor's cache while they are checked (larger blocks are slower).
BLOCK = 1 << 15


def line_blocks(stream: BinaryIO, size: int, line: int = 1) -> Iterator[Block]:
    """Whole lines in blocks of about ``size`` bytes, each with the number of its first
    line (from ``line``) and the bytes read to its end; the last line ends in a newline.
    The lines of a stream come as soon as they arrive: read1 does not wait for a block.
    """
    read1 = getattr(stream, "read1", stream.read)
    read = 0
    rest: list[bytes] = []
    while True:
        chunk = read1(size)
        if not chunk:
            break
        read += len(chunk)
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            rest.append(chunk)  # a line longer than a block: gather it
            continue
        block = b"".join([*rest, chunk[:cut]]) if rest else chunk[:cut]
        rest = [chunk[cut:]] if cut < len(chunk) else []
        yield line, block, read - len(chunk) + cut
        line += block.count(b"\n")
    if rest:
        yield line, b"".join(rest) + b"\n", read


def expand(args: Iterable[str]) -> tuple[list[str], list[FileProblem]]:
    """File names from arguments: files, folders (searched for known suffixes) and globs."""
    files: list[str] = []
    problems: list[FileProblem] = []
    for arg in args:
        p = Path(arg)
        if arg == "-" or p.is_file():
            files.append(arg)
            continue
        if p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
            )
        else:
            matched = sorted(glob.glob(arg, recursive=True)) if glob.has_magic(arg) else []
            found = [m for m in matched if Path(m).is_file()]
        files.extend(found)
        if not found:
            problems.append(FileProblem(arg, 0, 0, "no-match"))
    return list(dict.fromkeys(files)), problems  # each file once, in order
