"""The published rule table of `paygate diff`: every change's stable ID and level.

Levels are judged from a merchant's integration:

- requests: would a call that worked before fail now (breaking), might it
  behave differently or fail in some cases (warning), or is it unaffected (info)?
- results: would a parser that worked before break (breaking), might it meet
  values it was not written for (warning), or is it unaffected (info)?

Result parameters get their own IDs (``result-…``) where the level differs
from the request side: a longer maximum length lets old requests pass but can
overflow an old parser's storage. ``rules_markdown`` writes docs/diff-rules.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
encryption-changed breaking spec
    The envelope of encrypted calls (data, length, merchant) or the keys Paygate sends
    unencrypted beside Data (plain, pairs) changed (shared.yaml encryption).
    = Calls and results are read differently: a typed result field may stay empty, a key
    may move to extra, or a call may not be understood.
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

# Evidence needed before a removed key and an added key count as one rename.
RENAME_SIMILARITY = 0.6


def at_or_above(level: str, threshold: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(threshold)


def cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def rules_markdown() -> str:
    """docs/diff-rules.md: the published rule table, made from ``RULES``."""
    lines = [
        "# `paygate diff` rules",
        "",
        "<!-- Written by generator/diff/rules.py (rules_markdown); "
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
            f'| <a id="{r.id}"></a>`{r.id}` | {r.level} | {r.applies} | {cell(r.meaning)} '
            f"| {cell(r.why)} |"
        )
    return "\n".join(lines) + "\n"


def docs_path(root: Path) -> Path:
    return root / "docs" / "diff-rules.md"
