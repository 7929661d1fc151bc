"""The doctor's report verdict, and the scopes it requires matching manifest.yml."""

from __future__ import annotations

import io
from pathlib import Path

import yaml

from bot.doctor import Report
from bot.doctor._slack import GROUP_SCOPE, REQUIRED_SCOPES

ROOT = Path(__file__).resolve().parents[2]


def test_warnings_and_skips_do_not_fail() -> None:
    """Exit 0 with warnings and skips; the verdict counts the warning."""
    out = io.StringIO()
    report = Report(out)
    report.ok("fine")
    report.warn("odd", fix="look")
    report.skip("not here")
    assert report.finish() == 0
    assert out.getvalue().rstrip().endswith("All checks passed, with 1 warning.")
    assert "    fix: look" in out.getvalue()


def test_any_failure_fails_and_lists_details() -> None:
    """One ✗ makes the exit status 1; details are listed under the check."""
    out = io.StringIO()
    report = Report(out)
    report.fail("broken", fix="mend it", details=("first", "second"))
    assert report.finish() == 1
    lines = out.getvalue().splitlines()
    assert lines[:4] == ["  ✗ broken", "      - first", "      - second", "    fix: mend it"]
    assert "1 check failed" in lines[-1]


def test_manifest_grants_every_scope_doctor_checks() -> None:
    """An app created from manifest.yml passes the scope check and can read its channel."""
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {*REQUIRED_SCOPES, GROUP_SCOPE, "channels:read", "groups:read"} <= scopes
