"""The payment request (alipayplus.payment.request) as a hand-written pydantic v2 model.

This is what a team would write instead of generating a validator: the same
rules as spec/ and generated/schemas/alipayplus.payment.request.schema.json,
in pydantic's own terms, written for speed the way its documentation advises
(constraints in ``StringConstraints`` so pydantic-core checks them in Rust,
``Literal`` for short value lists, Python only where pydantic has no
declarative form):

- lengths count characters (``min_length``/``max_length``);
- the character classes are the regexes of the schema, with ``$`` instead of
  ``(?![\\s\\S])`` because pydantic's Rust regex engine has no look-ahead (its
  ``$`` already means "end of text", without Python's final-newline leeway);
- OrderDesc's forbidden characters ``# & % +`` are folded into its pattern
  (one error for a forbidden character, as the generated validator reports);
- the ISO 4217 and ISO 3166 lists are the ones frozen into ``paygate._iso``;
- strings only (``strict=True``), unknown keys are errors (``extra='forbid'``);
  an optional key is absent or a string: its default (None) is not validated,
  a None sent is an error, as in the schema and the generated validator;
- osType required for mobile terminals, and the all-or-none shipping name, in
  a wrap ``model_validator`` so that they are reported together with the field
  errors, as the generated validator and jsonschema do (an ``after``
  validator would run only once every field is valid).

pydantic stops at the first broken constraint of a field; the generated
validator reports each (length and charset of the same value).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from paygate._iso import COUNTRIES, CURRENCIES
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = ["PaymentRequest", "validate_payment_request"]

# The schema's character classes (spec/legend.yaml), as Rust regexes.
_ANS = r"^[^\x00-\x1f\x7f-\x9f&]*$"
_ANS_NOT_FORBIDDEN = r"^[^\x00-\x1f\x7f-\x9f&#%+]*$"  # OrderDesc: ans without # & % +
_N = r"^[0-9]*$"
_A = r"^[A-Za-z]*$"
_AN = r"^[A-Za-z0-9]*$"


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError("an ISO 4217 currency code such as EUR")
    return value


def _country(value: str) -> str:
    if value not in COUNTRIES:
        raise ValueError("an ISO 3166 alpha-2 country code such as DE")
    return value


# One alias per format of the table: ans..30 is "1 to 30 characters of class ans".
Ans2Country = Annotated[
    str, StringConstraints(min_length=1, max_length=2, pattern=_ANS), AfterValidator(_country)
]
Ans8 = Annotated[str, StringConstraints(min_length=1, max_length=8, pattern=_ANS)]
Ans30 = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=_ANS)]
Ans32 = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=_ANS)]
Ans50 = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=_ANS)]
Ans64 = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_ANS)]
Ans128 = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_ANS)]
Ans254 = Annotated[str, StringConstraints(min_length=1, max_length=254, pattern=_ANS)]
Ans256 = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=_ANS)]
Ans768NoForbidden = Annotated[
    str, StringConstraints(min_length=1, max_length=768, pattern=_ANS_NOT_FORBIDDEN)
]
Ans1024 = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=_ANS)]
N10 = Annotated[str, StringConstraints(min_length=1, max_length=10, pattern=_N)]
A3Currency = Annotated[
    str, StringConstraints(min_length=3, max_length=3, pattern=_A), AfterValidator(_currency)
]
An64 = Annotated[str, StringConstraints(min_length=64, max_length=64, pattern=_AN)]

# The default of an optional key. Typed Any so that a field stays "str" for the
# type checker; pydantic does not validate defaults, so only a None that is sent
# is checked (and refused: strict strings).
ABSENT: Any = None

_MOBILE_TERMINALS = ("WAP", "APP", "MINI_APP")
_SHIPPING_NAME = ("sdFirstName", "sdLastName", "sdcountryCode")


def _rule_errors(data: dict[str, Any]) -> list[InitErrorDetails]:
    """The two cross-field rules of the table, checked on the raw input."""
    errors: list[InitErrorDetails] = []
    if data.get("terminalType") in _MOBILE_TERMINALS and data.get("osType") is None:
        errors.append(
            {
                "type": PydanticCustomError(
                    "condition", "osType is mandatory when terminalType is WAP, APP or MINI_APP"
                ),
                "loc": ("osType",),
                "input": None,
            }
        )
    present = [k for k in _SHIPPING_NAME if data.get(k) is not None]
    if present and len(present) < len(_SHIPPING_NAME):
        for key in _SHIPPING_NAME:
            if data.get(key) is None:
                errors.append(
                    {
                        "type": PydanticCustomError(
                            "condition",
                            "sdFirstName, sdLastName and sdcountryCode are sent together or not",
                        ),
                        "loc": (key,),
                        "input": None,
                    }
                )
    return errors


class PaymentRequest(BaseModel):
    """Parameters for payments with Alipay+ Cashier Payment (the vendor's names)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    MerchantID: Ans30
    TransID: Ans64
    RefNr: Ans30 = ABSENT
    Amount: N10
    Currency: A3Currency
    CountryCode: Ans2Country = ABSENT
    MAC: An64
    OrderDesc: Ans768NoForbidden
    URLSuccess: Ans256
    URLFailure: Ans256
    Response: Literal["encrypt"] = ABSENT
    URLNotify: Ans256
    UserData: Ans1024 = ABSENT
    ReqId: Ans32 = ABSENT
    CustomerID: Ans64 = ABSENT
    terminalType: Literal["WEB", "WAP", "APP", "MINI_APP"] = ABSENT
    osType: Literal["IOS", "ANDROID"] = ABSENT
    FxCurrency: A3Currency
    sdFirstName: Ans128 = ABSENT
    sdLastName: Ans128 = ABSENT
    sdcountryCode: Ans2Country = ABSENT
    sdState: Ans8 = ABSENT
    sdCity: Ans32 = ABSENT
    sdStreet: Ans254 = ABSENT
    sdStreet2: Ans256 = ABSENT
    sdZip: Ans32 = ABSENT
    Plain: Ans50 = ABSENT
    Custom: Ans1024 = ABSENT

    @model_validator(mode="wrap")
    @classmethod
    def _cross_field_rules(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        rules = _rule_errors(data) if isinstance(data, dict) else []
        if not rules:
            return handler(data)
        # Report the rules together with every field error, not instead of them.
        try:
            handler(data)
        except ValidationError as exc:
            fields: list[InitErrorDetails] = [
                {"type": e["type"], "loc": e["loc"], "input": e["input"], "ctx": e.get("ctx", {})}
                for e in exc.errors(include_url=False)
            ]
            rules = fields + rules
        raise ValidationError.from_exception_data(cls.__name__, rules)


def validate_payment_request(params: dict[str, Any]) -> list[Any]:
    """Every error pydantic finds, as its error dicts; empty when the set is valid."""
    try:
        PaymentRequest.model_validate(params)
    except ValidationError as exc:
        return list(exc.errors(include_url=False))
    return []
