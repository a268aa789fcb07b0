"""The sandbox room: a local Paygate for Alipay+ on loopback, for merchants' tests.

``server`` is the WSGI app and server (werkzeug); ``operations`` carries out
payment, reverse, credit and inquire by Paygate's rules; ``protocol`` speaks
the wire format (Data, Len, MAC, Codes); ``store`` keeps state in SQLite;
``notify`` delivers results to URLNotify; ``command`` is `paygate sandbox`.

May import: the generated ``paygate`` package, werkzeug, requests, click.
Must not import: any other room of the generator (``spec``, ``emit``, ...):
it plays Paygate as a merchant's client sees it, through the generated code.
"""
