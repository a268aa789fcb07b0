"""Build hook: with PAYGATE_MYPYC=1 the generated validators are compiled with mypyc.

    PAYGATE_MYPYC=1 pip install --no-build-isolation .    # needs mypy and a C compiler

The compiled module checks the same rules as the pure-Python one (the test suite
compiles it and compares them); it validates a valid set in about two thirds of
the time (benchmarks/README.md). Without PAYGATE_MYPYC, and for editable installs,
the package is pure Python. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import os

from setuptools import setup

COMPILED = ["generated/paygate/validators.py"]

ext_modules = []
if os.environ.get("PAYGATE_MYPYC") == "1":
    try:
        from mypyc.build import mypycify
    except ImportError as exc:
        raise SystemExit(
            "PAYGATE_MYPYC=1 needs mypy in the build environment: "
            "pip install mypy, then pip install --no-build-isolation ."
        ) from exc
    ext_modules = mypycify(COMPILED, opt_level="3")

setup(ext_modules=ext_modules)
