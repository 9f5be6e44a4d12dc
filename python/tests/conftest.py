"""Shared helpers: the repository root, and the ltlattn binary whose --json every
function of the package is compared with (LTLATTN, else the newer of target/debug and
target/release)."""
from __future__ import annotations

import json
import os
import subprocess
from typing import Any, Dict, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary() -> str:
    if os.environ.get("LTLATTN"):
        return os.environ["LTLATTN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    built = [p for p in (os.path.join(target, d, "ltlattn") for d in ("debug", "release"))
             if os.path.exists(p)]
    if not built:
        pytest.skip("no ltlattn binary (cargo build, or set LTLATTN)")
    return max(built, key=os.path.getmtime)


def cli(*args: str) -> Tuple[Dict[str, Any], int]:
    """The command line's JSON answer (its last line of stdout) and exit code, run
    from the repository root."""
    p = subprocess.run([binary(), *args], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    return (json.loads(lines[-1]) if lines else {}), p.returncode


def cli_text(*args: str) -> Tuple[str, int]:
    p = subprocess.run([binary(), *args], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    return p.stdout, p.returncode


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths (examples/…) mean the same to the package as to the binary."""
    monkeypatch.chdir(ROOT)
