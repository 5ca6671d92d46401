"""The CI vulnerability gate (.ci/audit.py) judging pip-audit reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

VULN = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fix_versions": ["2.0.1"],
        "description": "request smuggling"}


def judge(tmp_path: Path, deps: list[dict[str, object]]) -> tuple[int, str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": deps, "fixes": []}))
    done = subprocess.run([sys.executable, str(REPO / ".ci" / "audit.py"), "--report", str(report)],
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stdout


def test_a_known_vulnerability_fails_ci_naming_the_fix(tmp_path: Path) -> None:
    code, out = judge(tmp_path, [{"name": "fastapi", "version": "0.1", "vulns": []},
                                 {"name": "h11", "version": "0.9", "vulns": [VULN]}])
    assert code == 1
    assert "h11 0.9: PYSEC-2099-1 CVE-2099-0001 — fixed in 2.0.1" in out


def test_a_clean_audit_passes(tmp_path: Path) -> None:
    code, out = judge(tmp_path, [{"name": "fastapi", "version": "0.1", "vulns": []}])
    assert code == 0 and "1 audited" in out and "0 known vulnerabilities" in out


def test_an_unreachable_service_is_reported_not_failed(tmp_path: Path) -> None:
    skipped = [{"name": n, "skip_reason": f"Dependency not found on PyPI and could not be audited: {n}"}
               for n in ("fastapi", "h11")]
    code, out = judge(tmp_path, skipped)
    assert code == 0
    assert "NOT AUDITED" in out and "Not failing CI" in out
