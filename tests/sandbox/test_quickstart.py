"""The quickstart (examples/quickstart.py) runs as written against a sandbox with no configuration.

The sandbox is `paygate sandbox --memory` in a child process with no PAYGATE_
setting; the quickstart runs as a user runs it, ``python examples/quickstart.py
URL``. Its claims are checked against the sandbox afterwards (through the
client's own inquire), not against its output alone.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urljoin

from paygate import Status, demo
from paygate.client import Client
from sandbox_support import CliSandbox, WalletPage, http

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.py"
PAID = re.compile(r"(order-100[12]): OK 00000000 at URLSuccess, PayID ([0-9a-f]{32})")


def run_quickstart(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-u", str(QUICKSTART), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def check_what_it_did(sandbox: CliSandbox, output: str) -> None:
    pay_ids = dict(PAID.findall(output))
    assert set(pay_ids) == {"order-1001", "order-1002"}, output
    client = Client(demo.sandbox_config(sandbox.url))
    first = client.inquire(PayID=pay_ids["order-1001"])
    assert (first.Status, first.TransID) == (Status.OK, "order-1001")
    assert first.Description.endswith("; 500 of 1234 credited")  # the refused credit added nothing
    second = client.inquire(PayID=pay_ids["order-1002"])
    assert (second.Status, second.Description.endswith("; reversed")) == (Status.OK, True)
    # What it printed: the refusal with its Code and the reason Paygate gave.
    refused = next(line for line in output.splitlines() if "refused" in line)
    assert "20160004" in refused
    assert "Amount: 1000 would credit more than the payment; 734 of 1234 left" in refused
    # The shop heard of both payments at URLNotify; the sandbox's console shows each delivery.
    for pay_id in pay_ids.values():
        assert f"  notify: OK {pay_id}" in output
        assert any(
            line.startswith(f"notify PayID {pay_id} attempt 1 of 5 to http://127.0.0.1:")
            and line.endswith(": delivered (HTTP 200)")
            for line in sandbox.console
        ), sandbox.console


def test_the_readme_shows_the_quickstart_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- examples/quickstart.py -->\n```python\n(.*?)```\n", readme, re.S)
    assert block is not None
    assert block[1] == QUICKSTART.read_text(encoding="utf-8")


def test_the_quickstart_runs_against_a_sandbox_with_no_configuration(tmp_path: Path) -> None:
    with CliSandbox("--memory", cwd=str(tmp_path)) as sandbox:
        assert "TEST ONLY" in "\n".join(sandbox.banner)
        proc = run_quickstart(sandbox.url)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, out + err
        assert err == ""
        check_what_it_did(sandbox, out)


def test_the_quickstart_waits_for_a_real_browser_with_browser(tmp_path: Path) -> None:
    with CliSandbox("--memory", cwd=str(tmp_path)) as sandbox:
        proc = run_quickstart("--browser", sandbox.url)
        assert proc.stdout is not None
        lines: list[str] = []
        errors: list[str] = []
        reader = threading.Thread(target=lambda: errors.extend(proc.stderr or ()), daemon=True)
        reader.start()
        try:
            for line in proc.stdout:
                lines.append(line)
                if line.startswith("Open this in your browser and press Pay:"):
                    url = next(proc.stdout).strip()
                    lines.append(url + "\n")
                    # The customer: open the wallet, press Pay, land on the shop's URLSuccess.
                    browser = http()
                    wallet = browser.get(url, timeout=10)
                    page = WalletPage.parse(wallet.text)
                    assert "pay" in page.buttons
                    landing = browser.post(
                        urljoin(wallet.url, page.action), data={"action": "pay"}, timeout=10
                    )
                    assert landing.status_code == 200 and landing.text == "Thank you!\n"
            assert proc.wait(timeout=60) == 0, "".join(lines + errors)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert sum(line.startswith("Open this in your browser") for line in lines) == 2
        check_what_it_did(sandbox, "".join(lines))
