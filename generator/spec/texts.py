"""Sentences derived from the model, in English and German.

Validators' "allowed" texts and the docs' rule sentences both come from here,
so a rule reads the same in an error message and in the reference.
"""

from __future__ import annotations

from .model import Format, Message, Parameter, Rule, Spec, Text


def join_or(items: list[str], lang: str) -> str:
    word = "or" if lang == "en" else "oder"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def join_and(items: list[str], lang: str) -> str:
    word = "and" if lang == "en" else "und"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def length_text(fmt: Format) -> Text:
    if fmt.length is None:
        return Text("any length", "beliebige Länge")
    if fmt.variable:
        return Text(f"1 to {fmt.length} characters", f"1 bis {fmt.length} Zeichen")
    return Text(f"exactly {fmt.length} characters", f"genau {fmt.length} Zeichen")


def charset_text(spec: Spec, fmt: Format) -> Text:
    letter = spec.legend.format_letter(fmt.kind)
    assert letter is not None
    classes = {c.name: c.text for c in spec.legend.character_classes}
    parts = [classes[n] for n in letter.classes]
    en = f"{fmt.kind} ({letter.text.en}): " + join_and([p.en for p in parts], "en")
    de = f"{fmt.kind} ({letter.text.de}): " + join_and([p.de for p in parts], "de")
    return Text(en, de)


def allowed(spec: Spec, msg: Message, p: Parameter) -> dict[str, Text]:
    """What each rule allows for one parameter."""
    out = {
        "missing": Text("mandatory (CND M)", "Pflicht (CND M)"),
        "type": Text("a string", "eine Zeichenkette"),
        "length": length_text(p.enforced),
        "forbidden": Text(
            "none of " + " ".join(p.forbidden), "keines der Zeichen " + " ".join(p.forbidden)
        ),
    }
    letter = spec.legend.format_letter(p.enforced.kind)
    if p.pattern is not None:
        out["format"] = Text(f"the pattern {p.pattern}", f"das Muster {p.pattern}")
    elif letter is not None and letter.pattern is not None:
        out["format"] = letter.text
    else:
        out["charset"] = charset_text(spec, p.enforced)
    if p.values:
        names = [v.value for v in p.values]
        out["enum"] = Text("one of " + join_or(names, "en"), "einer von " + join_or(names, "de"))
    elif p.check == "iso4217":
        out["enum"] = Text(
            "an ISO 4217 currency code such as EUR", "ein ISO-4217-Währungscode wie EUR"
        )
    elif p.check == "iso3166-alpha2":
        out["enum"] = Text(
            "an ISO 3166 alpha-2 country code such as DE", "ein ISO-3166-Alpha-2-Ländercode wie DE"
        )
    return out


def rule_sentence(rule: Rule) -> Text:
    """The rule behind conditional rows, as one sentence per language."""
    if rule.kind == "required-if":
        assert rule.when_key is not None
        vals = list(rule.when_in)
        keys_en, keys_de = join_and(list(rule.keys), "en"), join_and(list(rule.keys), "de")
        verb_en = "is" if len(rule.keys) == 1 else "are"
        verb_de = "ist" if len(rule.keys) == 1 else "sind"
        return Text(
            f"{keys_en} {verb_en} mandatory when {rule.when_key} is {join_or(vals, 'en')}.",
            f"{keys_de} {verb_de} Pflicht, wenn {rule.when_key} gleich {join_or(vals, 'de')} ist.",
        )
    if rule.kind == "all-or-none":
        keys = list(rule.keys)
        return Text(
            f"{join_and(keys, 'en')} are sent together or not at all: "
            "if one of them is present, the others are mandatory.",
            f"{join_and(keys, 'de')} werden zusammen oder gar nicht gesendet: "
            "ist einer davon vorhanden, sind die anderen Pflicht.",
        )
    assert rule.condition is not None
    keys = list(rule.keys)
    verb_en = "is" if len(keys) == 1 else "are"
    verb_de = "ist" if len(keys) == 1 else "sind"
    return Text(
        f"{join_and(keys, 'en')} {verb_en} mandatory when {rule.condition.en} "
        "(a business condition the validator cannot see; checked as optional).",
        f"{join_and(keys, 'de')} {verb_de} Pflicht, wenn {rule.condition.de} "
        "(eine geschäftliche Bedingung, die der Validator nicht sehen kann; als optional geprüft).",
    )


def default_sentence(p: Parameter) -> Text:
    assert p.default is not None
    return Text(
        f"{p.key} is optional; when it is not sent, {p.default} applies.",
        f"{p.key} ist optional; wird er nicht gesendet, gilt {p.default}.",
    )


def conditions_of(msg: Message, key: str) -> list[Text]:
    """Every sentence that explains when a conditional key is required."""
    out = [rule_sentence(r) for r in msg.rules if key in r.keys]
    p = msg.parameter(key)
    if p is not None and p.default is not None:
        out.append(default_sentence(p))
    return out
