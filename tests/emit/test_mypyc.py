"""The validators compiled with mypyc (``PAYGATE_MYPYC=1``, setup.py) report what the pure ones do.

A copy of generated/paygate is compiled in a scratch folder and both modules
check the same sets in a child process: for every parameter of every message,
a value breaking each of its rules, the valid sets, values with newlines and
values of other types. Skipped when no C compiler is at hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from emit_helpers import ABSENT, ROOT, failing_cases, full_params, mandatory_params, real_spec

SPEC = real_spec()

CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import paygate.validators as compiled
assert compiled.__file__.endswith(".so"), compiled.__file__
sys.path[0:1] = [sys.argv[2]]
from emit_helpers import imported_package
with imported_package(__import__("pathlib").Path(sys.argv[3]), "pure_paygate") as pure:
    wrong = []
    cases = json.loads(open(sys.argv[4], encoding="utf-8").read())
    for message_id, params in cases:
        got = [(i.key, i.rule, repr(i.value)) for i in compiled.VALIDATORS[message_id](params)]
        want = [(i.key, i.rule, repr(i.value)) for i in pure.VALIDATORS[message_id](params)]
        if got != want:
            wrong.append([message_id, params, got, want])
print(json.dumps({"cases": len(cases), "wrong": wrong[:5]}))
"""


def cases() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for msg in SPEC.messages():
        full = full_params(SPEC, msg)
        out += [(msg.id, full), (msg.id, mandatory_params(SPEC, msg))]
        for p in msg.parameters:
            for _, value, _ in failing_cases(SPEC, p):
                params = dict(full)
                if value is ABSENT:
                    del params[p.key]
                else:
                    params[p.key] = value
                out.append((msg.id, params))
            out.append((msg.id, {**full, p.key: [full[p.key]]}))
        out.append((msg.id, {**full, "Unknown": "x"}))
    return out


def compiler() -> str | None:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


@pytest.mark.skipif(compiler() is None, reason="no C compiler")
def test_compiled_validators_report_what_the_pure_ones_do(tmp_path: Path) -> None:
    copy = tmp_path / "compiled"
    shutil.copytree(ROOT / "generated" / "paygate", copy / "paygate")
    mypyc = Path(sys.executable).with_name("mypyc")
    build = subprocess.run(
        [str(mypyc), "paygate/validators.py"], cwd=copy, capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    data = tmp_path / "cases.json"
    all_cases = cases()
    data.write_text(json.dumps(all_cases), encoding="utf-8")
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(copy),
            str(Path(__file__).parent),
            str(ROOT / "generated"),
            str(data),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result == {"cases": len(all_cases), "wrong": []}
    assert len(all_cases) > 500
