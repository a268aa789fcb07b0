"""Check parameter sets with the generated validators.

``Checker.check`` interprets one set's envelope (operation, message, name,
params) and runs ``paygate.VALIDATORS`` on its parameters, so CI checks exactly
what the client checks at run time. Every error carries the line of its key.
A set keeps at most ``max_errors`` errors; the rest are counted by rule.

``check`` runs once per set of inputs of any size, so it is kept lean: a set
read plainly from JSON goes to its validator as it was decoded, and only a
set with problems has its values converted (and is checked again) to get
messages for what is not text.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..spec.yaml_reader import Path_
from .input import ENVELOPE_KEYS, MESSAGES, RawSet, convert, shorten
from .report import Error, SetResult, tr


class _Issue(Protocol):
    """What this module uses of the generated ``paygate.Issue``."""

    key: str
    rule: str
    value: object
    allowed_en: str
    allowed_de: str

    def message(self, lang: str = "en") -> str: ...


# --- checking ----------------------------------------------------------------


Validator = Callable[..., list[Any]]


class ValidatorsMissing(Exception):
    """The generated package cannot be imported."""


def load_validators() -> dict[str, Validator]:
    """The generated validators, imported at run time (the package is generated)."""
    try:
        module = importlib.import_module("paygate")
    except Exception as exc:  # a broken generated package: say so, no traceback
        raise ValidatorsMissing(
            f"cannot import the generated package paygate ({exc}); run `paygate generate`"
        ) from exc
    validators: dict[str, Validator] = module.VALIDATORS
    return validators


def operations_of(validators: Mapping[str, Validator]) -> list[str]:
    return sorted({m.rsplit(".", 1)[0] for m in validators})


def converted(params: dict[str, object]) -> dict[str, object]:
    """The values as the validators take them (``input.convert``): most are text already."""
    return {str(k): v if type(v) is str else convert(v) for k, v in params.items()}


class Checker:
    def __init__(
        self,
        validators: Mapping[str, Validator],
        *,
        operation: str | None,
        message: str,
        lang: str,
        with_mac: bool,
        max_errors: int = 0,
    ) -> None:
        self.validators = validators
        self.operations = operations_of(validators)
        self.operation = operation
        self.message = message
        self.lang = lang
        self.with_mac = with_mac
        self.max_errors = max_errors  # 0: no limit
        # (operation, message) -> (message id, validator), filled as sets name them
        self._known: dict[tuple[str, str], tuple[str, Validator]] = {}
        # The validator of bare parameter sets, when the options name a valid one.
        self._bare = self._validator(None, operation, message, [])

    def _own(
        self, line: int, key: str, rule: str, value: object, allowed_key: str, **kw: object
    ) -> Error:
        """An error of the set itself; its allowed text is TEXTS["allowed." + allowed_key]."""
        allowed = tr("allowed." + allowed_key, self.lang, **kw)
        shown = None if value is None else shorten(value)
        parts = [
            f"{key}: {tr('rule.' + rule, self.lang)}" if key else tr("rule." + rule, self.lang)
        ]
        if shown:
            parts.append(f"{tr('label.value', self.lang)} {shown}")
        text = ", ".join(parts) + f"; {tr('label.allowed', self.lang)}: {allowed}"
        return Error(line, key, rule, allowed, text, value)

    def _at_key(
        self, s: RawSet, key: str, rule: str, value: object, allowed_key: str, **kw: object
    ) -> Error:
        """An error of an envelope key (operation, params, name, ...), at that key's line."""
        return self._own(s.key_line((key,)), key, rule, value, allowed_key, **kw)

    def check(self, s: RawSet) -> SetResult:
        errors: list[Error] = []
        result = SetResult(s.file, s.line, s.index, None, None, errors)
        data = s.data
        if type(data) is not dict:
            errors.append(self._own(s.line, "", "set", data, "set"))
            return result
        params: object
        if "params" in data:
            prefix: Path_ = ("params",)
            params = self._envelope(s, data, result)
            found = self._validator(
                s, data.get("operation", self.operation), data.get("message", self.message), errors
            )
        elif "operation" in data or "message" in data:
            # Envelope keys without params: most likely params was forgotten.
            errors.append(self._own(s.line, "params", "set", None, "set"))
            return result
        else:  # the bare parameters: operation and message from the options
            prefix, params = (), data
            found = self._bare or self._validator(s, self.operation, self.message, errors)
        for key, line in s.duplicates:
            errors.append(self._own(line, key, "duplicate", None, "duplicate"))
        if found is None or type(params) is not dict:
            return self._limit(result)
        result.message_id, validate = found
        if s.plain:
            issues: list[_Issue] = validate(params, with_mac=self.with_mac)
            if issues and any(i.rule == "type" for i in issues):
                # A value that is not text (only that is a type error): check again
                # as converted, for true/false and for the messages of the rest.
                issues = validate(converted(params), with_mac=self.with_mac)
        else:
            issues = validate(converted(params), with_mac=self.with_mac)
        if issues:
            self._add(s, result, prefix, params, issues)
        return self._limit(result) if errors else result

    def _envelope(self, s: RawSet, data: dict[str, object], result: SetResult) -> object:
        """The params of a set with an envelope; errors of its other keys into ``result``."""
        errors = result.errors
        for k in data:
            if k not in ENVELOPE_KEYS and not str(k).startswith("x-"):
                errors.append(self._at_key(s, k, "envelope", None, "envelope"))
        params = data["params"]
        if type(params) is not dict:
            errors.append(self._at_key(s, "params", "set", None, "params"))
        name = data.get("name")
        if name is not None and type(name) is not str:
            errors.append(self._at_key(s, "name", "set", None, "name"))
            name = None
        result.name = name
        return params

    def _validator(
        self, s: RawSet | None, op: object, msg: object, errors: list[Error]
    ) -> tuple[str, Validator] | None:
        """The message id and validator of ``op`` and ``msg``; else their errors (of ``s``)."""
        if type(op) is str and type(msg) is str:
            known = self._known.get((op, msg))
            if known is not None:
                return known
        ok = True
        if op is None:
            ok = False
            if s is not None:
                first = self.operations[0]
                errors.append(
                    self._own(s.line, "operation", "operation", None, "no-operation", op=first)
                )
        elif type(op) is not str or op not in self.operations:
            ok = False
            if s is not None:
                ops = ", ".join(self.operations)
                errors.append(self._at_key(s, "operation", "operation", op, "operation", ops=ops))
        if type(msg) is not str or msg not in MESSAGES:
            ok = False
            if s is not None:
                errors.append(self._at_key(s, "message", "message", msg, "message"))
        if not ok:
            return None
        assert type(op) is str and type(msg) is str
        message_id = f"{op}.{msg}"
        known = self._known[(op, msg)] = (message_id, self.validators[message_id])
        return known

    def _add(
        self,
        s: RawSet,
        result: SetResult,
        prefix: Path_,
        params: dict[str, object],
        issues: list[_Issue],
    ) -> None:
        """The validator's issues as errors at the lines of their keys."""
        lang = self.lang
        lines = s.lines
        is_result = str(result.message_id).endswith(".result")
        folded: dict[str, str] | None = None
        for issue in issues:
            if lines is None:
                line = s.line  # JSON Lines: the set is one line
            else:
                path = (*prefix, issue.key)
                if path not in lines and is_result:
                    # Results match keys case-insensitively: find the key as written.
                    if folded is None:
                        folded = {str(k).lower(): str(k) for k in params}
                    path = (*prefix, folded.get(issue.key.lower(), issue.key))
                line = lines.get(path, s.line)
            result.errors.append(
                Error(
                    line,
                    issue.key,
                    issue.rule,
                    issue.allowed_en if lang == "en" else issue.allowed_de,
                    issue.message(lang),
                    issue.value,
                )
            )

    def _limit(self, result: SetResult) -> SetResult:
        """At most max_errors errors (the set's own ones may be many: unknown envelope keys)."""
        if self.max_errors and len(result.errors) > self.max_errors:
            for e in result.errors[self.max_errors :]:
                result.cut = cut = result.cut or {}
                cut[e.rule] = cut.get(e.rule, 0) + 1
            del result.errors[self.max_errors :]
        return result
