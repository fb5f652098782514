"""The Dockerfile's structure (no Docker engine here to build it): slim Python 3.11, multi-stage,
offline install of wheels, non-root, /data volume, health check, `oec-chatops serve`."""

from __future__ import annotations

import fnmatch
import re

from oec_chatops.cli import _parser
from oec_chatops.config import CREDENTIALS, Settings
from tests.support.ops_helpers import (
    ROOT,
    Dockerfile,
    Stage,
    dockerignore_patterns,
    parse_dockerfile,
)

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - inside a container the port mapping is the boundary
SECRET_VARIABLES = set(CREDENTIALS)


def dockerfile() -> Dockerfile:
    return parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))


def final() -> Stage:
    return dockerfile().stages[-1]


def test_two_stages_on_slim_python_311() -> None:
    d = dockerfile()
    assert len(d.stages) == 2
    for stage in d.stages:
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", d.resolve(stage.base))
    build = d.stages[0]
    assert build.name == "build"
    assert any("pip wheel" in i.args for i in build.all("RUN"))


def test_the_runtime_installs_the_built_wheels_offline() -> None:
    installs = [i for i in final().all("RUN") if "pip install" in i.args]
    assert len(installs) == 1
    install = installs[0]
    assert "--no-index" in install.args  # nothing fetched at this stage: only the wheels
    assert "from=build" in install.flags().get("mount", "")
    assert "oec-chatops" in install.args


def test_no_build_tools_or_curl_in_the_image() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "curl" not in text
    assert "wget" not in text
    for run in final().all("RUN"):
        assert "apt-get install" not in run.args
        assert "gcc" not in run.args


def test_runs_as_a_non_root_user_after_installing() -> None:
    keywords = [i.keyword for i in final().instructions]
    users = final().all("USER")
    assert users
    user = users[-1].args.split(":")[0]
    assert user not in {"root", "0"}
    last_run = max(i for i, k in enumerate(keywords) if k == "RUN")
    assert keywords.index("USER") > last_run
    assert any(f"--uid {user}" in r.args and "useradd" in r.args for r in final().all("RUN"))


def test_the_database_lives_on_the_data_volume_owned_by_the_user() -> None:
    stage = final()
    assert stage.env()["OEC_CHATOPS_DB"] == "/data/oec-chatops.db"
    volumes = [v for i in stage.all("VOLUME") for v in i.exec_form()]
    assert volumes == ["/data"]
    keywords = [i.keyword for i in stage.instructions]
    chown = [i for i, ins in enumerate(stage.instructions) if "chown oec:oec /data" in ins.args]
    assert chown
    assert chown[0] < keywords.index("VOLUME")


def test_health_check_uses_python_not_curl() -> None:
    checks = final().all("HEALTHCHECK")
    assert len(checks) == 1
    command = checks[0].exec_form()
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2]
    assert "/healthz" in command[2]
    flags = checks[0].flags()
    assert {"interval", "timeout", "start-period", "retries"} <= set(flags)


def test_command_is_serve_on_all_interfaces_and_the_cli_accepts_it() -> None:
    cmd = final().all("CMD")[-1].exec_form()
    assert cmd == ["oec-chatops", "serve", "--host", ALL_INTERFACES]
    args = _parser().parse_args(cmd[1:])
    assert (args.command, args.host) == ("serve", ALL_INTERFACES)
    assert not final().all("ENTRYPOINT")
    assert final().all("STOPSIGNAL")[-1].args == "SIGTERM"


def test_exposed_port_is_the_one_the_bot_listens_on() -> None:
    stage = final()
    exposed = {int(p.split("/")[0]) for i in stage.all("EXPOSE") for p in i.args.split()}
    port = int(stage.env()["PORT"])
    assert exposed == {port}
    assert Settings.model_fields["port"].default == port


def test_configuration_only_through_the_environment() -> None:
    """No secret has a value in the image, and no config file is copied in."""
    d = dockerfile()
    for stage in d.stages:
        assert not SECRET_VARIABLES & set(stage.env())
        for arg in stage.all("ARG"):
            assert arg.args.split("=")[0] not in SECRET_VARIABLES
    assert not SECRET_VARIABLES & set(d.args)
    copied = [w for i in d.stages[0].all("COPY") for w in i.args.split()[:-1]]
    assert sorted(copied) == ["README.md", "pyproject.toml", "src"]


def test_copied_files_exist_and_are_not_ignored() -> None:
    patterns = dockerignore_patterns()
    for source in ("pyproject.toml", "README.md", "src"):
        assert (ROOT / source).exists()
        assert not any(fnmatch.fnmatch(source, p) for p in patterns), source
    assert 'readme = "README.md"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    patterns = set(dockerignore_patterns())
    assert {".git", ".env", ".venv", "*.db", "*.db-wal", "tests"} <= patterns
