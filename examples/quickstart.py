"""A whole Alipay+ payment against the local sandbox: pay, inquire, credit, reverse.

Start the sandbox in another terminal (no configuration: the demo merchant),
then run this file:

    paygate sandbox --memory
    python examples/quickstart.py                # the customer's clicks are scripted
    python examples/quickstart.py --browser      # you press "Pay" in your browser

Give the sandbox's URL as the last argument when it is not http://127.0.0.1:8080/.
"""

import queue
import re
import sys
import threading
from decimal import Decimal
from urllib.parse import urljoin
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests
from paygate import AnyResult, CreditResult, DeclinedError, to_minor_units
from paygate.callbacks import notify_app, read_callback
from paygate.client import Client
from paygate.demo import SANDBOX_URL, sandbox_config

browser = "--browser" in sys.argv
args = [a for a in sys.argv[1:] if a != "--browser"]
client = Client(sandbox_config(args[0] if args else SANDBOX_URL))

# --- the shop: URLSuccess and URLFailure (the customer's browser), URLNotify (Paygate) ---
returned: queue.Queue[AnyResult] = queue.Queue()  # results the browser brought back


def shop(environ, start_response):
    if environ["PATH_INFO"] == "/notify":
        return notify_app(client, lambda r: print("  notify:", r.Status.value, r.PayID))(
            environ, start_response
        )
    size = int(environ.get("CONTENT_LENGTH") or 0)
    result = read_callback(  # decrypted and MAC-checked; raises if forged
        client,
        environ["REQUEST_METHOD"],
        environ.get("QUERY_STRING", ""),
        environ["wsgi.input"].read(size),
        environ.get("CONTENT_TYPE", ""),
    )
    returned.put(result)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Thank you!\n" if result.ok else b"The payment failed.\n"]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server("127.0.0.1", 0, shop, handler_class=QuietHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
shop_url = f"http://127.0.0.1:{server.server_port}/"


def pay(trans_id, amount):
    """One payment: the form, the customer in the wallet, the result at URLSuccess."""
    form = client.payment_form(
        TransID=trans_id,
        Amount=to_minor_units(Decimal(amount), "EUR"),
        Currency="EUR",
        FxCurrency="EUR",
        OrderDesc="Green tea",
        URLSuccess=shop_url + "success",
        URLFailure=shop_url + "failure",
        URLNotify=shop_url + "notify",
    )
    if browser:
        print(f"Open this in your browser and press Pay:\n  {form.redirect_url}")
    else:  # what the customer's browser does: open the wallet page, press "Pay"
        wallet = requests.get(form.redirect_url, timeout=10)
        action = re.search(r'<form method="post" action="([^"]+)"', wallet.text)[1]
        requests.post(urljoin(wallet.url, action), data={"action": "pay"}, timeout=10)
    result = returned.get(timeout=300)
    print(f"{trans_id}: {result.Status.value} {result.Code} at URLSuccess, PayID {result.PayID}")
    assert result.ok  # Code 00000000 decides, never the URL it came to
    return result.PayID


pay_id = pay("order-1001", "12.34")  # PayID comes from the URLSuccess callback

status = client.inquire(PayID=pay_id)
print("inquire:", status.Status.value, status.Description)

refund = client.credit(PayID=pay_id, TransID="order-1001", Amount=500, Currency="EUR")
print("credit 5.00:", refund.Status.value, refund.Description)

try:  # 7.34 are left: crediting 10.00 more is refused, and nothing is credited
    client.credit(PayID=pay_id, TransID="order-1001", Amount=1000, Currency="EUR")
except DeclinedError as refused:  # Code says it failed, Description says why
    assert isinstance(refused.result, CreditResult)
    print("credit 10.00 refused:", refused.code, refused.result.Description)

second = pay("order-1002", "20.00")
reversal = client.reverse(PayID=second, TransID="order-1002", Amount=2000, Currency="EUR")
print("reverse:", reversal.Status.value, reversal.Description)
server.shutdown()
