"""The worked examples of the reference: the generated client, run at generation.

For each operation the docs show the Python a merchant writes and what it puts
on the wire. Both come from running that Python: the package is rendered from
the same spec and templates, imported from a scratch folder under a private
name, and the snippet shown is executed with its imports bound to that package.
Server-to-server calls really go over HTTP, to a stand-in for Paygate on
127.0.0.1 that records what the client sent and answers with the example's
result, encrypted and MACed with the documented test keys; the client then
decrypts, verifies and types the answer as it would Paygate's. The only
difference to the code shown is where ``Config`` points (``base_url``).
HMAC and Blowfish/ECB are deterministic, so the output is byte-stable.

The inputs are ``templates/docs/examples.json``: the test keys, the merchant ID,
and per operation the client method's arguments and the result's parameters.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import importlib.util
import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..spec.model import Operation, Spec
from . import cache
from .errors import GenerateError
from .python import call_name, emit_package
from .render import py

EXAMPLES = "examples.json"
SHOWN = f"templates/docs/{EXAMPLES}"
FORM = "application/x-www-form-urlencoded"

Pairs = tuple[tuple[str, str], ...]

# What a snippet imports, as a merchant writes it: (module, names).
IMPORTS = (("paygate", ("Secret",)), ("paygate.client", ("Client", "Config")))
CALLBACK_IMPORTS = (("paygate.callbacks", ("read_callback",)),)


@dataclass(frozen=True)
class Example:
    """The worked example of one operation, as the generated package ran it."""

    imports: str  # the snippet's import lines
    setup: str  # the client, made with the test keys
    call: str  # the call of the client method
    url: str  # where the call goes
    sent: Pairs  # MerchantID, Len, Data: the fields the client sent
    plaintext: str  # Data decrypted with the test key: the parameters and the MAC
    request_mac_input: str
    request_mac: str
    answer: Pairs  # the answer as Paygate sends it: MerchantID, Len, Data
    answer_plaintext: str  # its Data decrypted: the result's parameters
    result_has_mac: bool
    result_mac_input: str
    result_mac: str
    read: str  # how the shop reads a callback (browser-form operations), or ""
    read_imports: str
    result_class: str
    typed: Pairs  # (attribute, Python value) of the typed result

    @property
    def python(self) -> str:
        """The whole snippet of the call, as it can be copied."""
        return f"{self.imports}\n\n{self.setup}\n{self.call}"

    @property
    def params(self) -> Pairs:
        """The parameters inside Data, in the order sent."""
        return tuple(_split(self.plaintext))

    @property
    def answer_params(self) -> Pairs:
        return tuple(_split(self.answer_plaintext))

    @property
    def typed_text(self) -> str:
        """The typed result, one attribute a line with its value as a comment."""
        return "\n".join(f"result.{name}  # {value}" for name, value in self.typed)

    @property
    def answer_body(self) -> str:
        """The answer as a form-encoded body."""
        return urlencode(self.answer)


def _split(text: str) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (pair.partition("=") for pair in text.split("&") if pair)]


def _imports(spec: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return "\n".join(f"from {module} import {', '.join(names)}" for module, names in spec)


def _bind(pkg: ModuleType, spec: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, Any]:
    """The names a snippet imports, taken from the package generated now."""
    out: dict[str, Any] = {}
    for module, names in spec:
        target = pkg.__name__ + module.removeprefix("paygate")
        try:
            mod = importlib.import_module(target)
        except ImportError:
            raise GenerateError(f"the worked examples import {module}, which is gone") from None
        for name in names:
            if not hasattr(mod, name):
                raise GenerateError(
                    f"the worked examples import {name} from {module}, which no longer has it"
                )
            out[name] = getattr(mod, name)
    return out


def _call(target: str, method: str, args: Mapping[str, Any]) -> str:
    lines = [f"{target} = client.{method}("]
    lines += [f"    {k}={py(v)}," for k, v in args.items()]
    return "\n".join([*lines, ")"])


def _setup(merchant_id: str, keys: Mapping[str, str]) -> str:
    return "\n".join(
        [
            "client = Client(",
            "    Config(",
            f"        merchant_id={py(merchant_id)},",
            f"        hmac_key=Secret({py(keys['hmac'])}),",
            f"        cipher_key=Secret({py(keys['blowfish'])}),",
            "    )",
            ")",
        ]
    )


READ = f'result = read_callback(\n    client, "POST", body=request_body, content_type="{FORM}"\n)'


def _shown(value: object) -> str:
    """A typed value as Python shows it; an enum member by its name."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def _typed(result: object) -> Pairs:
    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        raise GenerateError(f"a typed result is no dataclass any more: {type(result).__name__}")
    out = [("ok", _shown(getattr(result, "ok", None)))]
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if value is None or (isinstance(value, Mapping) and not value):
            continue
        out.append((f.name, _shown(value)))
    return tuple(out)


class StandIn:
    """Paygate's endpoints on 127.0.0.1: records each POST, answers with a prepared body."""

    def __init__(self) -> None:
        self.answers: dict[str, str] = {}  # path → form-encoded answer
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size).decode("utf-8")
                stand_in.calls.append((self.path, parse_qsl(body, keep_blank_values=True)))
                answer = stand_in.answers.get(self.path)
                raw = (answer or "").encode("utf-8")
                self.send_response(200 if answer is not None else 404)
                self.send_header("Content-Type", f"{FORM}; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the generator prints nothing of its own examples

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def __enter__(self) -> StandIn:
        # A short poll: shutdown() waits for it, once per generation.
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def generated_package(
    spec: Spec, templates: Path, rendered: Mapping[str, str] | None = None
) -> Iterator[ModuleType]:
    """The package this run generates, imported under a private name.

    The installed ``paygate`` may be older than the spec (it is rewritten only
    after rendering succeeded), so the examples run the code rendered now from
    the same spec and templates (``rendered``, the files the run has rendered,
    else rendered here). The import is removed again afterwards.
    """
    name = f"_paygate_docs_{spec.digest}"
    every = emit_package(spec, templates) if rendered is None else rendered
    files = {rel: text for rel, text in every.items() if rel.startswith("paygate/")}
    with _package_folder(files) as (root, keep_bytecode):
        init = root / "paygate" / "__init__.py"
        module_spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(init.parent)]
        )
        assert module_spec is not None and module_spec.loader is not None
        package = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = package
        dont_write = sys.dont_write_bytecode
        sys.dont_write_bytecode = not keep_bytecode
        try:
            try:
                module_spec.loader.exec_module(package)
                for sub in ("callbacks", "client", "crypto", "secrets"):
                    importlib.import_module(f"{name}.{sub}")
            except Exception as exc:
                raise GenerateError(
                    f"the generated package does not import, so the docs' worked examples "
                    f"cannot run: {type(exc).__name__}: {exc}"
                ) from None
            yield package
        finally:
            sys.dont_write_bytecode = dont_write
            for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[mod]


@contextmanager
def _package_folder(files: Mapping[str, str]) -> Iterator[tuple[Path, bool]]:
    """A folder holding ``files``, and whether its bytecode may be kept there.

    In the per-user cache (``cache``) the folder is named by a hash of the
    files, so a run that renders the same package imports it from bytecode
    compiled by an earlier one; it is filled under another name and renamed
    when complete. Without a cache: a scratch folder, and no bytecode.
    """
    where = cache.subfolder("docs-package")
    if where is None:
        with tempfile.TemporaryDirectory(prefix="paygate-docs-") as tmp:
            _write_tree(Path(tmp), files)
            yield Path(tmp), False
        return
    folder = where / cache.key(*(f"{k}\0{v}" for k, v in sorted(files.items())))[:32]
    if not folder.is_dir():
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=where))
        _write_tree(scratch, files)
        try:
            scratch.rename(folder)
        except OSError:  # another run made it first
            shutil.rmtree(scratch, ignore_errors=True)
    folder.touch()  # in use: the newest, so the last to be pruned
    cache.prune_folders(where, keep=8)
    yield folder, True


def _write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _mac_fields(fields: tuple[str | None, ...], params: Mapping[str, str]) -> list[str | None]:
    folded = {k.lower(): v for k, v in params.items()}
    return [folded.get(f.lower()) if f else None for f in fields]


def _answer(
    pkg: ModuleType, op: Operation, given: Mapping[str, str], merchant_id: str, keys: Any
) -> tuple[dict[str, str], str, bool, str, list[str | None]]:
    """The example's result as Paygate sends it: MACed, joined, encrypted into Data."""
    unknown = sorted(set(given) - {p.key for p in op.result.parameters})
    if unknown:
        raise GenerateError(
            f"{SHOWN}: operations.{op.id}.result has keys its table does not list: "
            f"{', '.join(unknown)}"
        )
    hmac_key, cipher = keys
    fields = _mac_fields(op.result.mac, given)
    mac = pkg.crypto.compute_mac(hmac_key, fields)
    has_mac = any(p.computed == "mac" for p in op.result.parameters)
    params: list[tuple[str, str]] = []
    for p in op.result.parameters:  # the vendor's row order
        if p.computed == "mac" and has_mac:
            params.append((p.key, mac))
        elif p.key in given:
            params.append((p.key, given[p.key]))
    plaintext = "&".join(f"{k}={v}" for k, v in params)
    data, length = cipher.encrypt(plaintext)
    answer = {"MerchantID": merchant_id, "Len": str(length), "Data": data}
    return answer, plaintext, has_mac, mac, fields


def worked_example(
    pkg: ModuleType,
    stand_in: StandIn,
    op: Operation,
    url: str,
    given: Mapping[str, Any],
    merchant_id: str,
    keys: Mapping[str, str],
) -> Example:
    """Run the operation's snippet against the stand-in and record what it did."""
    crypto, secrets = pkg.crypto, pkg.secrets
    hmac_key = secrets.Secret(keys["hmac"])
    cipher = crypto.BlowfishCipher(secrets.Secret(keys["blowfish"]))
    browser = op.transport == "browser-form"
    method = call_name(op)
    if not hasattr(pkg.client.Client, method):
        raise GenerateError(f"{op.id}: the generated Client has no method {method}")
    answer, answer_plaintext, has_mac, result_mac, result_fields = _answer(
        pkg, op, given["result"], merchant_id, (hmac_key, cipher)
    )
    stand_in.answers[f"/{op.endpoint}"] = urlencode(answer)
    setup = _setup(merchant_id, keys)
    call = _call("form" if browser else "result", method, given["request"])
    names = _bind(pkg, IMPORTS)
    names["Config"] = functools.partial(names["Config"], base_url=stand_in.url)
    read_imports = read = ""
    calls = len(stand_in.calls)
    scope: dict[str, Any] = dict(names)
    try:
        exec(compile(f"{setup}\n{call}\n", f"<worked example of {op.id}>", "exec"), scope)
        if browser:
            form = scope["form"]
            if form.url != stand_in.url + op.endpoint:
                raise GenerateError(f"{op.id}: the form goes to {form.url}, not {op.endpoint}")
            sent = dict(form.fields)
            read_imports, read = _imports(CALLBACK_IMPORTS), READ
            scope |= _bind(pkg, CALLBACK_IMPORTS)
            scope["request_body"] = urlencode(answer).encode("utf-8")
            exec(compile(read, f"<worked example of {op.id}: the result>", "exec"), scope)
        else:
            if len(stand_in.calls) != calls + 1:
                raise GenerateError(
                    f"{op.id}: the call did not reach the stand-in for Paygate on "
                    f"{stand_in.url} (is a proxy set for loopback addresses?)"
                )
            path, fields = stand_in.calls[-1]
            if path != f"/{op.endpoint}":
                raise GenerateError(f"{op.id}: the client posted to {path}, not /{op.endpoint}")
            sent = dict(fields)
        result = scope["result"]
    finally:
        if "client" in scope:
            scope["client"].close()

    # Data decrypted again with the documented key: the plaintext shown is the one sent.
    if list(sent) != ["MerchantID", "Len", "Data"]:
        raise GenerateError(f"{op.id}: the client sent {', '.join(sent)}, not MerchantID/Len/Data")
    plaintext = cipher.decrypt(sent["Data"], int(sent["Len"]))
    params = dict(_split(plaintext))
    fields_in = _mac_fields(op.request.mac, params)
    mac = crypto.compute_mac(hmac_key, fields_in)
    if params.get("MAC") != mac:
        raise GenerateError(f"{op.id}: the client's MAC differs from the documented MAC input")
    return Example(
        imports=_imports(IMPORTS),
        setup=setup,
        call=call,
        url=url,
        sent=tuple(sent.items()),
        plaintext=plaintext,
        request_mac_input=crypto.mac_input(fields_in),
        request_mac=mac,
        answer=tuple(answer.items()),
        answer_plaintext=answer_plaintext,
        result_has_mac=has_mac,
        result_mac_input=crypto.mac_input(result_fields),
        result_mac=result_mac,
        read=read,
        read_imports=read_imports,
        result_class=type(result).__name__,
        typed=_typed(result),
    )


def load_examples(templates: Path, spec: Spec) -> dict[str, Any]:
    path = templates / "docs" / EXAMPLES
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GenerateError(f"{SHOWN}: missing (the worked examples' inputs)") from None
    except json.JSONDecodeError as exc:
        raise GenerateError(
            f"{SHOWN}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("test_keys"), dict):
        raise GenerateError(
            f"{SHOWN}: needs 'test_keys' (hmac, blowfish), 'merchant_id' and 'operations'"
        )
    for key in ("hmac", "blowfish"):
        if not isinstance(data["test_keys"].get(key), str):
            problems.append(f"{SHOWN}: test_keys.{key} must be a string")
    if not isinstance(data.get("merchant_id"), str):
        problems.append(f"{SHOWN}: merchant_id must be a string")
    ops = data.get("operations", {})
    known = [op.id for op in spec.operations]
    for op_id in known:
        entry = ops.get(op_id)
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(r), dict) for r in ("request", "result")
        ):
            problems.append(
                f"{SHOWN}: operations.{op_id} needs a 'request' (the client method's "
                "arguments) and a 'result' (result parameters) object"
            )
    for op_id in ops:
        if op_id not in known:
            problems.append(
                f"{SHOWN}: operations.{op_id} is not an operation of the spec "
                f"(known: {', '.join(known)})"
            )
    if problems:
        raise GenerateError("\n".join(problems))
    return data


def worked_examples(
    spec: Spec,
    templates: Path,
    examples: Mapping[str, Any],
    rendered: Mapping[str, str] | None = None,
) -> dict[str, Example]:
    """Operation ID → its worked example, run with the package generated now.

    ``rendered``: the package files this run has rendered, else rendered here.
    """
    out: dict[str, Example] = {}
    with generated_package(spec, templates, rendered) as pkg, StandIn() as stand_in:
        for method in spec.methods:
            for op in method.operations:
                try:
                    out[op.id] = worked_example(
                        pkg,
                        stand_in,
                        op,
                        method.base_url + op.endpoint,
                        examples["operations"][op.id],
                        examples["merchant_id"],
                        examples["test_keys"],
                    )
                except GenerateError:
                    raise
                except Exception as exc:  # the generated code refused the example's input
                    raise GenerateError(
                        f"{SHOWN}: the worked example of {op.id} fails: {type(exc).__name__}: {exc}"
                    ) from None
    return out
