"""The worked examples: recomputed from what the pages print.

The MACs are recomputed with the standard library's hmac and the documented
test key; Data is decrypted with plain Blowfish ECB from `cryptography`. The
payment's request MAC is also checked against the vendor's own published
known answer. The Python shown is read back with ``ast``: its arguments must
be what Data carries, and the installed client must read the printed answer
to the typed result printed.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import inspect
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from docs_helpers import LANGS, copy_templates, docs, html_page, labels, spec
from markupsafe import escape as html_escape

from generator.emit.docs import emit_docs
from generator.emit.errors import GenerateError
from generator.spec.model import Message

OPERATIONS = [op.id for op in spec().operations]

# Computop's published example (developer.computop.com pageId=37193623): the
# request MAC of a new payment under the key "mySecret".
VENDOR_MAC_INPUT = "*TID-4453732122167114558*yourMerchantId*1234*EUR"
VENDOR_MAC = "38ced807e293fc634a6c36ffaea7bd2687038d40615781918aef2de7bb9a9903"


@dataclass
class Printed:
    """The worked example as one Markdown page prints it."""

    hmac_key: str
    blowfish_key: str
    mac_inputs: list[str]  # request, result
    macs: list[str]
    python: list[str]  # the call, [reading the callback,] the typed result
    text: list[str]  # sent fields, Data's parameters, the answer, its Data's parameters


def printed(lang: str, op_id: str) -> Printed:
    text = docs()[f"docs/{lang}/{op_id}.md"]
    example = text[text.index(f"{labels(lang)['example']}\n") :]

    def values(label_key: str) -> list[str]:
        label = re.escape(labels(lang)[label_key])
        return re.findall(rf"^- {label}: `([^`]*)`$", example, re.MULTILINE)

    (hmac_key,) = values("hmac_key")
    (blowfish_key,) = values("blowfish_key")
    blocks = re.findall(r"^```(\w+)\n(.*?)\n```$", example, re.MULTILINE | re.DOTALL)
    python = [b for info, b in blocks if info == "python"]
    plain = [b for info, b in blocks if info == "text"]
    return Printed(hmac_key, blowfish_key, values("mac_input"), values("mac_value"), python, plain)


def pairs(lines: str, sep: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines.split(sep))


def mac_input(msg: Message, params: dict[str, str]) -> str:
    """The MAC input as the vendor defines it: fields joined with *, keys case-insensitive."""
    folded = {k.lower(): v for k, v in params.items()}
    return "*".join(folded.get(f.lower(), "") if f else "" for f in msg.mac)


def hmac_sha256(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest().upper()


def blowfish_decrypt(key: str, data: str, length: int) -> str:
    decryptor = Cipher(Blowfish(key.encode()), modes.ECB()).decryptor()
    raw = decryptor.update(bytes.fromhex(data)) + decryptor.finalize()
    return raw[:length].decode("utf-8")


def blowfish_encrypt(key: str, plaintext: str) -> str:
    raw = plaintext.encode("utf-8")
    raw += b"\0" * (-len(raw) % 8)  # Computop's zero padding
    encryptor = Cipher(Blowfish(key.encode()), modes.ECB()).encryptor()
    return (encryptor.update(raw) + encryptor.finalize()).hex().upper()


def call_arguments(python: str) -> tuple[str, dict[str, object], dict[str, object]]:
    """The client method a snippet calls, its arguments, and the Config's arguments."""
    tree = ast.parse(python)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    config = next(c for c in calls if isinstance(c.func, ast.Name) and c.func.id == "Config")
    method = next(
        c
        for c in calls
        if isinstance(c.func, ast.Attribute)
        and isinstance(c.func.value, ast.Name)
        and c.func.value.id == "client"
    )
    assert isinstance(method.func, ast.Attribute)
    args = {k.arg: ast.literal_eval(k.value) for k in method.keywords if k.arg}
    config_args = {
        k.arg: (
            ast.literal_eval(k.value.args[0]) if isinstance(k.value, ast.Call) else k.value.value
        )
        for k in config.keywords
        if k.arg and isinstance(k.value, (ast.Call, ast.Constant))
    }
    return method.func.attr, args, config_args


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_request_mac_recomputes_with_the_documented_key(op_id: str) -> None:
    op = spec().operation(op_id)
    ex = printed("en", op_id)
    params = pairs(ex.text[1], "\n")
    assert ex.mac_inputs[0] == mac_input(op.request, params)
    assert ex.macs[0] == hmac_sha256(ex.hmac_key, ex.mac_inputs[0])
    assert params["MAC"] == ex.macs[0]


def test_payment_mac_is_the_vendors_known_answer() -> None:
    ex = printed("en", "alipayplus.payment")
    assert ex.hmac_key == "mySecret"
    assert ex.mac_inputs[0] == VENDOR_MAC_INPUT
    assert ex.macs[0] == VENDOR_MAC.upper()


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_data_decrypts_to_the_documented_plaintext(op_id: str) -> None:
    ex = printed("en", op_id)
    sent, params = pairs(ex.text[0], "\n"), pairs(ex.text[1], "\n")
    plaintext = "&".join(ex.text[1].split("\n"))
    assert list(sent) == ["MerchantID", "Len", "Data"]
    assert sent["MerchantID"] == params["MerchantID"]
    assert int(sent["Len"]) == len(plaintext.encode("utf-8"))
    assert blowfish_decrypt(ex.blowfish_key, sent["Data"], int(sent["Len"])) == plaintext
    # ECB with zero padding is deterministic: the same plaintext gives the same Data.
    assert blowfish_encrypt(ex.blowfish_key, plaintext) == sent["Data"]


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_the_python_shown_makes_the_parameters_sent(op_id: str) -> None:
    # The snippet's arguments, and the merchant ID of its Config, are what Data carries;
    # the method exists on the generated client and takes exactly these arguments.
    from paygate.client import Client

    ex = printed("en", op_id)
    method, args, config = call_arguments(ex.python[0])
    params = pairs(ex.text[1], "\n")
    assert {k: str(v) for k, v in args.items()} | {"MerchantID": config["merchant_id"]} == {
        k: v for k, v in params.items() if k != "MAC"
    }
    assert config["hmac_key"] == ex.hmac_key and config["cipher_key"] == ex.blowfish_key
    inspect.signature(getattr(Client, method)).bind(None, **args)


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_the_answer_decrypts_and_its_mac_recomputes(op_id: str) -> None:
    op = spec().operation(op_id)
    ex = printed("en", op_id)
    answer, result = pairs(ex.text[2], "\n"), pairs(ex.text[3], "\n")
    assert list(answer) == ["MerchantID", "Len", "Data"]
    plaintext = "&".join(ex.text[3].split("\n"))
    assert blowfish_decrypt(ex.blowfish_key, answer["Data"], int(answer["Len"])) == plaintext
    assert ex.mac_inputs[1] == mac_input(op.result, result)
    assert ex.macs[1] == hmac_sha256(ex.hmac_key, ex.mac_inputs[1])
    if op.result.parameter("MAC") is not None:
        assert result["MAC"] == ex.macs[1]
    else:
        assert "MAC" not in result
    # Every mandatory result parameter is there, in the table's order.
    order = [p.key for p in op.result.parameters]
    assert list(result) == sorted(result, key=order.index)
    assert {p.key for p in op.result.parameters if p.mandatory} <= set(result)


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_the_typed_result_is_what_the_client_reads(op_id: str) -> None:
    # The installed client parses the printed answer to the typed values printed.
    from paygate import Secret
    from paygate.client import Client, Config

    ex = printed("en", op_id)
    answer = pairs(ex.text[2], "\n")
    config = Config(
        merchant_id=answer["MerchantID"],
        hmac_key=Secret(ex.hmac_key),
        cipher_key=Secret(ex.blowfish_key),
    )
    with Client(config) as client:
        result = client.parse_result(op_id, answer)
    typed = dict(line.split("  # ", 1) for line in ex.python[-1].split("\n"))
    assert typed.pop("result.ok") == "True" and result.ok
    assert typed.pop("result.Status") == f"Status.{result.Status.name}"
    assert typed, "the typed result shows its fields"
    for name, value in typed.items():
        assert repr(getattr(result, name.removeprefix("result."))) == value


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_both_languages_and_the_html_show_the_same_example(op_id: str) -> None:
    en, de = (printed(lang, op_id) for lang in LANGS)
    assert en == de
    codes = html_page().codes
    assert ("hmac-key", en.hmac_key) in codes
    assert ("blowfish-key", en.blowfish_key) in codes
    for value in en.macs:
        assert ("mac", value) in codes
    for value in en.mac_inputs:
        assert ("mac-input", value) in codes
    html = docs()["docs/index.html"]
    for block in en.python + en.text:
        assert str(html_escape(block)) in html


def test_the_keys_are_labelled_as_test_keys() -> None:
    for lang in LANGS:
        text = docs()[f"docs/{lang}/alipayplus.payment.md"]
        assert f"> **{labels(lang)['test_keys_warning']}**" in text
    assert "test key" in labels("en")["hmac_key"] and "test key" in labels("en")["blowfish_key"]


def test_the_examples_follow_the_client(tmp_path: Path) -> None:
    # Rename a client method in the template: the snippet shown would no longer run,
    # so generation stops and names it instead of publishing a stale call.
    templates = copy_templates(tmp_path)
    client = templates / "python" / "client.py.j2"
    text = client.read_text(encoding="utf-8")
    line = "def {{ op.client_method }}("
    assert text.count(line) == 1
    client.write_text(text.replace(line, "def {{ op.client_method }}_call("))
    with pytest.raises(GenerateError, match="has no method payment_form"):
        emit_docs(spec(), templates)


def test_an_argument_the_client_refuses_stops_generation(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    path = templates / "docs" / "examples.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["operations"]["alipayplus.credit"]["request"]["Amount"] = "five"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(GenerateError, match=r"worked example of alipayplus\.credit fails"):
        emit_docs(spec(), templates)
