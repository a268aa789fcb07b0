"""Every rule of the diff rule table, one minimal spec change each.

Each case copies spec/ into a tmp folder, makes one small change to the YAML
data and asserts that `diff_specs` reports exactly that rule's ID (possibly
more than once, for a shared definition used in several tables) and nothing
else. A case may also prepare both versions first (``setup``) when the rule
needs something the real spec does not have, such as a result parameter
with forbidden characters.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.diff.compare import diff_specs
from generator.diff.rules import RULE_BY_ID, RULES
from generator.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec"

Docs = dict[str, Any]  # file stem -> data: alipayplus, shared, legend, codes
Edit = Callable[[Docs], None]


# --- finding things in the YAML data ---


def op(d: Docs, name: str) -> dict[str, Any]:
    return next(o for o in d["alipayplus"]["operations"] if o["id"] == f"alipayplus.{name}")


def rows(d: Docs, name: str, role: str = "request") -> list[dict[str, Any]]:
    rows_: list[dict[str, Any]] = op(d, name)[role]["parameters"]
    return rows_


def row(d: Docs, name: str, key: str, role: str = "request") -> dict[str, Any]:
    return next(r for r in rows(d, name, role) if r.get("key") == key)


def pay(d: Docs, key: str) -> dict[str, Any]:
    return row(d, "payment", key)


def inq(d: Docs, key: str) -> dict[str, Any]:
    """A row of the status request's result, where the explicit result rows are."""
    return row(d, "inquire", key, "result")


def rules(d: Docs, name: str = "payment", role: str = "request") -> list[dict[str, Any]]:
    rules_: list[dict[str, Any]] = op(d, name)[role].setdefault("rules", [])
    return rules_


def rule(d: Docs, rule_id: str) -> dict[str, Any]:
    return next(r for r in rules(d) if r["id"] == rule_id)


def text(en: str) -> dict[str, str]:
    return {"en": en, "de": en + " (de)"}


def new_row(key: str, cnd: str, fmt: str = "ans..10") -> dict[str, Any]:
    return {"key": key, "format": fmt, "cnd": cnd, "description": text(f"Test parameter {key}")}


def erratum(d: Docs, erratum_id: str) -> dict[str, Any]:
    return next(e for e in d["alipayplus"]["errata"] if e["id"] == erratum_id)


def remove(items: list[dict[str, Any]], pred: Callable[[dict[str, Any]], bool]) -> None:
    hit = [i for i, x in enumerate(items) if pred(x)]
    assert hit, "nothing to remove"
    del items[hit[0]]


def values_of(r: dict[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = r.setdefault("values", [])
    return values


def include_as_row(d: Docs, name: str, include: str, role: str, fmt: str) -> None:
    """Replace `- include: X` by an explicit copy of the shared row with another format."""
    shared = dict(d["shared"]["parameters"][include])
    shared.pop("page", None)
    shared["format"] = fmt
    items = rows(d, name, role)
    i = next(i for i, r in enumerate(items) if r.get("include") == include)
    items[i] = shared


# --- one case per rule: (setup of both versions or None, edit of the new one) ---


def _op_added(d: Docs) -> None:
    copy = json.loads(json.dumps(op(d, "inquire")))
    copy["id"] = "alipayplus.status"
    copy["endpoint"] = "status.aspx"
    d["alipayplus"]["operations"].append(copy)


def _moved(d: Docs) -> None:
    items = rows(d, "payment")
    i = next(i for i, r in enumerate(items) if r.get("key") == "CustomerID")
    items.append(items.pop(i))


def _renamed(d: Docs) -> None:
    pay(d, "CustomerID")["key"] = "CustomerId"


def _result_renamed(d: Docs) -> None:
    inq(d, "ErrorText")["key"] = "ErrorMessage"


def _erratum_removed(d: Docs) -> None:
    remove(d["alipayplus"]["errata"], lambda e: e["id"] == "ostype-stale-text")
    os_type = pay(d, "osType")
    os_type.update(errata=[e for e in os_type["errata"] if e != "ostype-stale-text"])


CASES: dict[str, tuple[Edit | None, Edit]] = {
    "base-url-changed": (None, lambda d: d["alipayplus"].update(base_url="https://x.example/")),
    "character-class-changed": (
        None,
        lambda d: d["legend"]["character_classes"]["digits"].update(regex="0-8"),
    ),
    "encryption-changed": (
        None,
        lambda d: d["shared"]["encryption"].update(plain=["mid"]),
    ),
    "erratum-added": (
        None,
        lambda d: d["alipayplus"]["errata"].append(
            {
                "id": "test-erratum",
                "place": "nowhere",
                "vendor": text("The vendor says x."),
                "decision": text("We do y."),
            }
        ),
    ),
    "erratum-removed": (None, _erratum_removed),
    "erratum-changed": (
        None,
        lambda d: erratum(d, "sdzip-fixed-length").update(decision=text("Another decision.")),
    ),
    "operation-added": (None, _op_added),
    "operation-removed": (
        None,
        lambda d: remove(d["alipayplus"]["operations"], lambda o: o["id"] == "alipayplus.inquire"),
    ),
    "endpoint-changed": (None, lambda d: op(d, "payment").update(endpoint="alipayplus2.aspx")),
    "transport-changed": (None, lambda d: op(d, "inquire").update(transport="browser-form")),
    "title-changed": (None, lambda d: op(d, "inquire").update(title=text("Status query"))),
    "caption-changed": (
        None,
        lambda d: op(d, "credit")["request"].update(caption=text("Parameters for refunds")),
    ),
    "heading-changed": (
        None,
        lambda d: next(r for r in rows(d, "payment") if "heading" in r).update(
            heading=text("Delivery address")
        ),
    ),
    "mac-changed": (None, lambda d: op(d, "inquire")["request"].update(mac="PayID*MerchantID")),
    "key-matching-changed": (None, lambda d: op(d, "inquire")["result"].update(keys="exact")),
    "description-changed": (
        None,
        lambda d: pay(d, "CustomerID").update(description=text("Customer number")),
    ),
    "value-text-changed": (
        None,
        lambda d: values_of(pay(d, "terminalType"))[0].update(text=text("desktop browser")),
    ),
    "param-moved": (None, _moved),
    "published-format-changed": (None, lambda d: pay(d, "sdZip").update(format="ans..32")),
    "param-added-mandatory": (None, lambda d: rows(d, "payment").append(new_row("NewKey", "M"))),
    "param-added-conditional": (
        None,
        lambda d: rows(d, "payment").append(new_row("NewKey", "C")),
    ),
    "param-added-optional": (None, lambda d: rows(d, "payment").append(new_row("NewKey", "O"))),
    "param-removed": (
        None,
        lambda d: remove(rows(d, "payment"), lambda r: r.get("key") == "CustomerID"),
    ),
    "param-renamed": (None, _renamed),
    "became-mandatory": (None, lambda d: pay(d, "CustomerID").update(cnd="M")),
    "became-conditional": (None, lambda d: pay(d, "CustomerID").update(cnd="C")),
    "became-optional": (None, lambda d: pay(d, "CountryCode").update(cnd="O")),
    "no-longer-mandatory": (None, lambda d: pay(d, "OrderDesc").update(cnd="O")),
    "max-length-decreased": (None, lambda d: pay(d, "CustomerID").update(format="ans..32")),
    "max-length-increased": (None, lambda d: pay(d, "CustomerID").update(format="ans..100")),
    "min-length-increased": (None, lambda d: pay(d, "CustomerID").update(format="ans64")),
    "min-length-decreased": (None, lambda d: pay(d, "FxCurrency").update(format="a..3")),
    "charset-narrowed": (None, lambda d: pay(d, "CustomerID").update(format="an..64")),
    "charset-widened": (None, lambda d: pay(d, "FxCurrency").update(format="an3")),
    "format-changed-kind": (None, lambda d: pay(d, "CustomerID").update(format="dttm")),
    "enum-added": (
        None,
        lambda d: pay(d, "CustomerID").update(values=[{"value": "C1", "text": text("one")}]),
    ),
    "enum-removed": (None, lambda d: pay(d, "osType").pop("values")),
    "enum-value-removed": (
        None,
        lambda d: remove(values_of(pay(d, "terminalType")), lambda v: v["value"] == "MINI_APP"),
    ),
    "enum-value-added": (
        None,
        lambda d: values_of(pay(d, "osType")).append({"value": "HARMONY", "text": text("x")}),
    ),
    "default-changed": (None, lambda d: pay(d, "terminalType").update(default="WAP")),
    "forbidden-chars-added": (
        None,
        lambda d: pay(d, "OrderDesc").update(forbidden=[*pay(d, "OrderDesc")["forbidden"], "<"]),
    ),
    "forbidden-chars-removed": (
        None,
        lambda d: pay(d, "OrderDesc").update(
            forbidden=[c for c in pay(d, "OrderDesc")["forbidden"] if c != "+"]
        ),
    ),
    "check-added": (None, lambda d: pay(d, "CustomerID").update(check="iso3166-alpha2")),
    "check-removed": (None, lambda d: pay(d, "FxCurrency").pop("check")),
    "rule-added": (
        None,
        lambda d: rules(d).append(
            {"id": "test-city", "kind": "all-or-none", "keys": ["sdState", "sdCity"]}
        ),
    ),
    "rule-removed": (
        None,
        lambda d: remove(rules(d), lambda r: r["id"] == "shipping-name-all-or-none"),
    ),
    "rule-changed": (
        None,
        lambda d: rule(d, "ostype-for-mobile-terminals")["when"].update(
            **{"in": ["WEB", "WAP", "APP", "MINI_APP"]}
        ),
    ),
    "rule-relaxed": (
        None,
        lambda d: rule(d, "ostype-for-mobile-terminals")["when"].update(**{"in": ["APP"]}),
    ),
    "result-param-added": (
        None,
        lambda d: rows(d, "payment", "result").append(new_row("NewKey", "M")),
    ),
    "result-param-removed": (
        None,
        lambda d: remove(rows(d, "inquire", "result"), lambda r: r.get("include") == "XID"),
    ),
    "result-optional-param-removed": (
        None,
        lambda d: remove(rows(d, "inquire", "result"), lambda r: r.get("key") == "ErrorText"),
    ),
    "result-param-renamed": (None, _result_renamed),
    "result-no-longer-mandatory": (None, lambda d: inq(d, "Status").update(cnd="O")),
    "result-cnd-changed": (None, lambda d: inq(d, "ErrorText").update(cnd="C")),
    "result-max-length-increased": (None, lambda d: inq(d, "ErrorText").update(format="ans..96")),
    "result-max-length-decreased": (None, lambda d: inq(d, "ErrorText").update(format="ans..24")),
    "result-min-length-decreased": (
        None,
        lambda d: include_as_row(d, "inquire", "XID", "result", "an..32"),
    ),
    "result-min-length-increased": (None, lambda d: inq(d, "ErrorText").update(format="ans48")),
    "result-charset-widened": (
        None,
        lambda d: inq(d, "Status").update(enforce={"format": "ans..50"}),
    ),
    "result-charset-narrowed": (None, lambda d: inq(d, "ErrorText").update(format="an..48")),
    "result-format-changed-kind": (None, lambda d: inq(d, "ErrorText").update(format="bool")),
    "result-enum-added": (
        None,
        lambda d: inq(d, "ErrorText").update(values=[{"value": "E1", "text": text("one")}]),
    ),
    "result-enum-removed": (None, lambda d: inq(d, "Status").pop("values")),
    "result-enum-value-added": (
        None,
        lambda d: values_of(inq(d, "Status")).append({"value": "PENDING", "text": text("x")}),
    ),
    "result-enum-value-removed": (
        None,
        lambda d: remove(values_of(inq(d, "Status")), lambda v: v["value"] == "AUTHORIZE_REQUEST"),
    ),
    "result-default-changed": (None, lambda d: inq(d, "ErrorText").update(default="none")),
    "result-forbidden-chars-added": (None, lambda d: inq(d, "ErrorText").update(forbidden=["#"])),
    "result-forbidden-chars-removed": (
        lambda d: inq(d, "ErrorText").update(forbidden=["#", "%"]),
        lambda d: inq(d, "ErrorText").update(forbidden=["#"]),
    ),
    "result-check-added": (None, lambda d: inq(d, "ErrorText").update(check="iso4217")),
    "result-check-removed": (
        lambda d: inq(d, "ErrorText").update(check="iso4217"),
        lambda d: inq(d, "ErrorText").pop("check"),
    ),
    "result-rule-changed": (
        None,
        lambda d: rules(d, "inquire", "result").append(
            {"id": "test-error", "kind": "all-or-none", "keys": ["ErrorText", "RefNr"]}
        ),
    ),
}


def read_docs(folder: Path) -> Docs:
    docs = {}
    for f in sorted(folder.glob("*.yaml")):
        # A JSON round trip unshares YAML anchors (&errortext), so an edit touches one row.
        docs[f.stem] = json.loads(json.dumps(yaml.safe_load(f.read_text(encoding="utf-8"))))
    return docs


def write_docs(folder: Path, docs: Docs) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, data in docs.items():
        (folder / f"{stem}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


def ids_after(tmp_path: Path, setup: Edit | None, edit: Edit) -> list[str]:
    base = tmp_path / "base"
    shutil.copytree(SPEC, base)  # one snapshot for both versions
    docs = read_docs(base)
    if setup is not None:
        setup(docs)
        write_docs(tmp_path / "old", docs)
        old = load_spec(tmp_path / "old")
    else:
        old = load_spec(base)
    edit(docs)
    write_docs(tmp_path / "new", docs)
    return [c.id for c in diff_specs(old, load_spec(tmp_path / "new"))]


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULE_BY_ID)
    assert len(RULES) == len(RULE_BY_ID), "rule IDs are unique"


def test_unchanged_spec_reports_nothing(tmp_path: Path) -> None:
    # The YAML round trip of the test helpers alone changes nothing.
    assert ids_after(tmp_path, None, lambda d: None) == []


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule(rule_id: str, tmp_path: Path) -> None:
    setup, edit = CASES[rule_id]
    reported = ids_after(tmp_path, setup, edit)
    assert reported, f"{rule_id}: no change reported"
    assert set(reported) == {rule_id}, f"{rule_id}: reported {reported}"


def test_removed_mandatory_request_parameter_is_breaking(tmp_path: Path) -> None:
    # The rule's case above removes an optional row; a mandatory one is reported the
    # same way, as breaking: every call built against the old spec still sends it.
    base = tmp_path / "base"
    shutil.copytree(SPEC, base)
    old = load_spec(base)
    order_desc = old.operation("alipayplus.payment").request.parameter("OrderDesc")
    assert order_desc is not None and order_desc.mandatory
    docs = read_docs(base)
    remove(rows(docs, "payment"), lambda r: r.get("key") == "OrderDesc")
    write_docs(tmp_path / "new", docs)
    changes = diff_specs(old, load_spec(tmp_path / "new"))
    assert [(c.id, c.key, c.level) for c in changes] == [("param-removed", "OrderDesc", "breaking")]
