"""What the sandbox does with a valid, authentic request: the Alipay+ rules.

- Payment: stored as AUTHORIZE_REQUEST until the customer acts in the wallet
  (pay → OK ``00000000``; decline → FAILED ``21000000``; leave pending →
  AUTHORIZE_REQUEST ``60000000``).
- Reversal: the whole payment only (Amount equal to the payment's), of an
  authorised (OK) payment that is neither reversed nor credited, and only
  before the daily reconciliation: 00:15 UTC+8 on the day after the payment
  was authorised (Alipay+'s cancellation rule).
- Credit: partial credits, their total never above the payment's amount,
  of an authorised payment that is not reversed, within a year.
- Inquire: the payment's Status (OK, FAILED or AUTHORIZE_REQUEST) and Code.
- ReqId (per merchant): a repeated ReqId gets the stored result of the first
  request and changes nothing. The check, the action and the stored result
  share one ``BEGIN IMMEDIATE`` transaction, so two requests with one ReqId
  cannot both act. Refused requests (bad MAC, broken rules) never take a ReqId.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Final

from .protocol import (
    ALREADY,
    DECLINED,
    EXPIRED,
    NO_ID,
    NOT_ALLOWED,
    NOT_ALLOWED_VALUE,
    PENDING,
    SUCCESS,
    Merchant,
    Refusal,
    code_for,
    custom_pairs,
    encode_result,
    form_body,
    result_fields,
    usable_trans_id,
    valid_pay_id,
)
from .store import Payment, Store

__all__ = ["ACTIONS", "Clock", "Operations", "reversal_cutoff"]

Clock = Callable[[], datetime]

#: Alipay+ reconciles daily in China Standard Time.
UTC8: Final = timezone(timedelta(hours=8), "UTC+8")
_CUTOFF: Final = time(0, 15)
_CREDIT_PERIOD: Final = timedelta(days=365)

#: The wallet page's buttons: Status, Code, Description each sets.
ACTIONS: Final[dict[str, tuple[str, str, str]]] = {
    "pay": ("OK", SUCCESS, "Payment authorised in the wallet"),
    "decline": ("FAILED", DECLINED, "Payment declined by the customer in the wallet"),
    "pending": (
        "AUTHORIZE_REQUEST",
        PENDING,
        "Waiting for the customer to confirm the payment in the wallet",
    ),
}

# Request values a result returns as they came.
_ECHO: Final = ("RefNr", "UserData")


def reversal_cutoff(authorised_at: datetime) -> datetime:
    """00:15 UTC+8 on the day after ``authorised_at`` (as a UTC+8 date)."""
    local_day: date = authorised_at.astimezone(UTC8).date()
    return datetime.combine(local_day + timedelta(days=1), _CUTOFF, tzinfo=UTC8)


def new_id() -> str:
    """A PayID or XID: 32 hex characters from the OS's random source."""
    return secrets.token_hex(16)


class Operations:
    """The four operations on one Store, for the merchants given."""

    def __init__(self, store: Store, merchants: Mapping[str, Merchant], clock: Clock) -> None:
        self.store = store
        self.merchants = merchants
        self.clock = clock

    def now(self) -> datetime:
        moment = self.clock()
        # A naive clock value is taken as UTC.
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    # -- payment -------------------------------------------------------------------

    def start_payment(self, merchant: Merchant, params: Mapping[str, str]) -> Payment:
        """Store a new payment, or return the one a repeated ReqId names."""
        custom_pairs(params.get("Custom"))  # refuse malformed Custom before storing
        now = self.now().isoformat()
        req_id = params.get("ReqId")
        with self.store.transaction() as conn:
            if req_id:
                seen = Store.req_id(conn, merchant.merchant_id, req_id)
                if seen is not None:
                    operation, pay_id, _ = seen
                    earlier = Store.payment(conn, pay_id) if pay_id else None
                    if operation != "alipayplus.payment" or earlier is None:
                        raise Refusal(
                            code_for(ALREADY, "ReqId"), "ReqId: already used for another call"
                        )
                    return earlier
            status, code, description = ACTIONS["pending"]
            payment = Payment(
                pay_id=new_id(),
                xid=new_id(),
                merchant_id=merchant.merchant_id,
                trans_id=params["TransID"],
                amount=int(params["Amount"]),
                currency=params["Currency"],
                status=status,
                code=code,
                description=description,
                request={k: v for k, v in params.items() if k != "MAC"},
                created_at=now,
                authorised_at=None,
                reversed_at=None,
            )
            Store.insert_payment(conn, payment)
            if req_id:
                Store.insert_req_id(
                    conn,
                    merchant.merchant_id,
                    req_id,
                    "alipayplus.payment",
                    payment.pay_id,
                    None,
                    now,
                )
        return payment

    def payment(self, pay_id: str) -> Payment | None:
        with self.store.connect() as conn:
            return Store.payment(conn, pay_id)

    def decide(self, pay_id: str, action: str) -> tuple[Payment, int | None] | None:
        """The customer's choice in the wallet; None for an unknown PayID.

        Returns the payment and the notify delivery to attempt. A payment that
        already has a final status stays as it is (no second notify).
        """
        status, code, description = ACTIONS[action]
        now = self.now()
        with self.store.transaction() as conn:
            payment = Store.payment(conn, pay_id)
            if payment is None:
                return None
            if payment.status != "AUTHORIZE_REQUEST":
                return payment, None
            authorised = now.isoformat() if status == "OK" else None
            Store.set_payment_status(conn, pay_id, status, code, description, authorised)
            decided = Store.payment(conn, pay_id)
            assert decided is not None
            fields = self.payment_result(decided)
            body = form_body(fields)
            delivery = Store.insert_delivery(
                conn, pay_id, decided.request["URLNotify"], body, now.isoformat(), 0.0
            )
        return decided, delivery

    def payment_result(self, payment: Payment) -> dict[str, str]:
        """The payment's result as sent to URLNotify, URLSuccess and URLFailure."""
        merchant = self.merchants[payment.merchant_id]
        request = payment.request
        fields = result_fields(
            merchant,
            "alipayplus.payment",
            pay_id=payment.pay_id,
            xid=payment.xid,
            trans_id=payment.trans_id,
            status=payment.status,
            code=payment.code,
            description=payment.description,
            echo={k: request[k] for k in _ECHO if k in request},
        )
        plain = {"Plain": request["Plain"]} if "Plain" in request else {}
        plain.update(custom_pairs(request.get("Custom")))
        return encode_result(
            merchant, fields, encrypt=request.get("Response") == "encrypt", plain=plain
        )

    # -- server-to-server ------------------------------------------------------------

    def reverse(self, merchant: Merchant, params: Mapping[str, str]) -> dict[str, str]:
        def act(conn: sqlite3.Connection, payment: Payment, now: datetime) -> str:
            amount = int(params["Amount"])
            if payment.status != "OK":
                raise _not_allowed(f"PayID: the payment is {payment.status}, not authorised (OK)")
            if payment.reversed_at is not None:
                raise Refusal(code_for(ALREADY, "PayID"), "PayID: the payment is already reversed")
            if payment.credited > 0:
                raise _not_allowed("PayID: the payment has credits; credit the rest instead")
            if amount != payment.amount:
                raise Refusal(
                    code_for(NOT_ALLOWED_VALUE, "Amount"),
                    f"Amount: a reversal cancels the whole payment of {payment.amount}",
                )
            assert payment.authorised_at is not None
            cutoff = reversal_cutoff(datetime.fromisoformat(payment.authorised_at))
            if now >= cutoff:
                raise Refusal(
                    code_for(EXPIRED, "PayID"),
                    f"PayID: reversal possible until {cutoff.isoformat()} (daily cutoff); "
                    "credit the payment instead",
                )
            Store.insert_action(
                conn,
                "reversals",
                payment.pay_id,
                merchant.merchant_id,
                params["TransID"],
                amount,
                params.get("ReqId"),
                now.isoformat(),
            )
            return "Payment reversed"

        return self._act(merchant, "alipayplus.reverse", params, act)

    def credit(self, merchant: Merchant, params: Mapping[str, str]) -> dict[str, str]:
        def act(conn: sqlite3.Connection, payment: Payment, now: datetime) -> str:
            amount = int(params["Amount"])
            if payment.status != "OK":
                raise _not_allowed(f"PayID: the payment is {payment.status}, not authorised (OK)")
            if payment.reversed_at is not None:
                raise _not_allowed("PayID: the payment is reversed")
            assert payment.authorised_at is not None
            if now > datetime.fromisoformat(payment.authorised_at) + _CREDIT_PERIOD:
                raise Refusal(
                    code_for(EXPIRED, "PayID"), "PayID: credits are possible for one year"
                )
            if amount <= 0:
                raise Refusal(code_for(NOT_ALLOWED_VALUE, "Amount"), "Amount: must be above 0")
            credited = payment.credited
            if credited + amount > payment.amount:
                raise Refusal(
                    code_for(NOT_ALLOWED_VALUE, "Amount"),
                    f"Amount: {amount} would credit more than the payment; "
                    f"{payment.amount - credited} of {payment.amount} left",
                )
            Store.insert_action(
                conn,
                "credits",
                payment.pay_id,
                merchant.merchant_id,
                params["TransID"],
                amount,
                params.get("ReqId"),
                now.isoformat(),
            )
            return f"Credited {amount}; {credited + amount} of {payment.amount} credited"

        return self._act(merchant, "alipayplus.credit", params, act)

    def inquire(self, merchant: Merchant, params: Mapping[str, str]) -> dict[str, str]:
        payment = self.payment(params["PayID"])
        if payment is None or payment.merchant_id != merchant.merchant_id:
            return self.refused(
                merchant,
                "alipayplus.inquire",
                params,
                Refusal(code_for(NOT_ALLOWED_VALUE, "PayID"), "PayID: no such payment"),
            )
        description = payment.description
        if payment.reversed_at is not None:
            description += "; reversed"
        if payment.credited:
            description += f"; {payment.credited} of {payment.amount} credited"
        return result_fields(
            merchant,
            "alipayplus.inquire",
            pay_id=payment.pay_id,
            xid=payment.xid,
            trans_id=payment.trans_id,
            status=payment.status,
            code=payment.code,
            description=description,
            echo={k: payment.request[k] for k in _ECHO if k in payment.request},
        )

    def refused(
        self,
        merchant: Merchant,
        operation: str,
        params: Mapping[str, str],
        refusal: Refusal,
        payment: Payment | None = None,
        echo: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """A FAILED result for a refused request (placeholders where no payment is known)."""
        pay_id = payment.pay_id if payment is not None else params.get("PayID")
        trans_id = params.get("TransID") or (payment.trans_id if payment is not None else None)
        return result_fields(
            merchant,
            operation,
            pay_id=pay_id if pay_id is not None and valid_pay_id(pay_id) else NO_ID,
            xid=payment.xid if payment is not None else NO_ID,
            trans_id=usable_trans_id(trans_id),
            status="FAILED",
            code=refusal.code,
            description=refusal.description,
            echo=echo if echo is not None else {k: params[k] for k in _ECHO if params.get(k)},
        )

    def _act(
        self,
        merchant: Merchant,
        operation: str,
        params: Mapping[str, str],
        act: Callable[[sqlite3.Connection, Payment, datetime], str],
    ) -> dict[str, str]:
        """ReqId check, the action and the stored result, in one write transaction."""
        req_id = params.get("ReqId")
        now = self.now()
        with self.store.transaction() as conn:
            if req_id:
                seen = Store.req_id(conn, merchant.merchant_id, req_id)
                if seen is not None:
                    seen_operation, _, stored = seen
                    if seen_operation == operation and stored is not None:
                        return stored
                    return self.refused(
                        merchant,
                        operation,
                        params,
                        Refusal(code_for(ALREADY, "ReqId"), "ReqId: already used for another call"),
                    )
            payment = Store.payment(conn, params["PayID"])
            if payment is None or payment.merchant_id != merchant.merchant_id:
                result = self.refused(
                    merchant,
                    operation,
                    params,
                    Refusal(code_for(NOT_ALLOWED_VALUE, "PayID"), "PayID: no such payment"),
                )
            elif payment.currency != params["Currency"]:
                result = self.refused(
                    merchant,
                    operation,
                    params,
                    Refusal(
                        code_for(NOT_ALLOWED_VALUE, "Currency"),
                        f"Currency: the payment is in {payment.currency}",
                    ),
                    payment,
                )
            else:
                try:
                    description = act(conn, payment, now)
                except Refusal as refusal:
                    result = self.refused(merchant, operation, params, refusal, payment)
                else:
                    result = result_fields(
                        merchant,
                        operation,
                        pay_id=payment.pay_id,
                        xid=payment.xid,
                        trans_id=params["TransID"],
                        status="OK",
                        code=SUCCESS,
                        description=description,
                        echo={k: params[k] for k in _ECHO if params.get(k)},
                    )
            if req_id:
                Store.insert_req_id(
                    conn,
                    merchant.merchant_id,
                    req_id,
                    operation,
                    result["PayID"],
                    result,
                    now.isoformat(),
                )
        return result


def _not_allowed(description: str) -> Refusal:
    return Refusal(code_for(NOT_ALLOWED, "PayID"), description)
