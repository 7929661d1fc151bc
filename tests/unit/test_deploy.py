"""The deployment files: the Dockerfile's promises, compose.yml, and every setting documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# shared/ sits beside the repository, in a developer's workplace and in CI alike
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuations joined."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), " ".join(rest.split())))
    return out


def only(keyword: str) -> str:
    """The arguments of an instruction that must appear exactly once."""
    found = [rest for kw, rest in instructions() if kw == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def test_image_runs_as_a_numeric_non_root_user() -> None:
    """The last USER is a numeric uid other than 0, and it comes after every RUN."""
    keywords = [kw for kw, _ in instructions()]
    users = [rest for kw, rest in instructions() if kw == "USER"]
    assert users, "no USER instruction: the image would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    last_user = max(i for i, kw in enumerate(keywords) if kw == "USER")
    assert all(i < last_user for i, kw in enumerate(keywords) if kw == "RUN")


def test_healthcheck_asks_healthz_without_curl() -> None:
    """HEALTHCHECK calls /healthz through Python's urllib (python:3.11-slim has no curl)."""
    healthcheck = only("HEALTHCHECK")
    assert "/healthz" in healthcheck and "urllib.request" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck
    command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :])
    assert command[:2] == ["python", "-c"]
    compile(command[2], "<healthcheck>", "exec")  # the one-liner is valid Python


def test_image_base_port_command_and_state_volume() -> None:
    """python:3.11-slim, port 3000, `aig-feedback run`, and the SQLite file on the /data volume."""
    assert only("FROM") == "python:3.11-slim"
    assert only("EXPOSE") == "3000"
    assert json.loads(only("CMD")) == ["aig-feedback", "run"]
    assert json.loads(only("VOLUME")) == ["/data"]
    env = " ".join(rest for kw, rest in instructions() if kw == "ENV")
    assert "AIG_DATABASE_URL=sqlite:////data/aig-feedback.db" in env


def test_build_context_leaves_out_secrets_and_local_state() -> None:
    """.dockerignore keeps .env, the venv, git history and local databases out of the image."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    for pattern in (".env", ".venv", ".git", "*.db"):
        assert pattern in ignored
    assert "README.md" not in ignored and "bot" not in ignored  # the build needs them


def test_compose_example_reads_env_file_and_keeps_state_on_a_volume() -> None:
    """compose.yml builds the image, reads .env, and mounts a named volume at /data."""
    compose = yaml.safe_load((ROOT / "compose.yml").read_text())
    (service,) = compose["services"].values()
    assert service["build"] == "." and service["env_file"] == ".env"
    volume, target = service["volumes"][0].split(":")
    assert target == "/data" and volume in compose["volumes"]
    assert service["environment"]["AIG_DATABASE_URL"] == "sqlite:////data/aig-feedback.db"


def design_variables() -> list[str]:
    """Every variable named in DESIGN.md's environment table."""
    if not DESIGN.is_file():
        pytest.skip(f"{DESIGN} is not here to compare against")
    text = DESIGN.read_text()
    table = text[text.index("| variable |") :].split("\n\n", 1)[0]
    names: list[str] = []
    for row in table.splitlines()[2:]:
        first_cell = row.split("|")[1]
        names += re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell)
    assert len(names) > 20, names
    return names


def test_every_design_setting_is_in_env_example() -> None:
    """Each variable of DESIGN.md's table has a line in .env.example."""
    example = (ROOT / ".env.example").read_text()
    missing = [n for n in design_variables() if not re.search(rf"^{n}=", example, re.M)]
    assert missing == []


def test_every_design_setting_is_in_the_readme_settings_table() -> None:
    """Each variable of DESIGN.md's table has its own row in README's settings table."""
    readme = (ROOT / "README.md").read_text()
    rows = readme[readme.index("## Settings") :].split("\n## ", 1)[0]
    missing = [n for n in design_variables() if f"| `{n}` |" not in rows]
    assert missing == []
