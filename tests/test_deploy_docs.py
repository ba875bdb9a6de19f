"""docs/deploy.md's configurations are the ones that work: its nginx site passes `nginx -t`
(with a throw-away certificate standing for the real one) and holds the failover settings
tests/nginx.py proves, and its systemd unit passes `systemd-analyze verify`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.nginx import Nginx, require_nginx

DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def block(language: str, contains: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if contains in b]
    assert len(found) == 1, f"one {language} block with {contains!r} in {DOC}"
    return found[0]


def test_the_nginx_site_of_the_docs_passes_nginx_t(tmp_path: Path) -> None:
    nginx = require_nginx()
    site = block("nginx", "upstream loket")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [*openssl, "-subj", "/CN=loket.example.go.id", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    live = "/etc/letsencrypt/live/loket.example.go.id/"
    assert f"{live}fullchain.pem" in site and f"{live}privkey.pem" in site
    (tmp_path / "site.conf").write_text(site.replace(live, f"{tmp_path}/"), encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    conf, log = tmp_path / "nginx.conf", tmp_path / "error.log"
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(log)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_the_docs_nginx_fails_over_as_the_tested_config_does(tmp_path: Path) -> None:
    site = block("nginx", "upstream loket")
    tested = Nginx(tmp_path, ["127.0.0.1:8101", "127.0.0.1:8102"]).config()
    failover = re.search(r"proxy_next_upstream [^;]*;", tested)
    assert failover is not None
    assert site.count(failover.group(0)) == 2  # /telegram and /whatsapp
    for line in ("max_fails=1 fail_timeout=5s", "client_max_body_size", "proxy_http_version 1.1"):
        assert line in site and line in tested


def test_the_systemd_unit_of_the_docs_verifies(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = block("ini", "[Service]\nType=exec")
    assert "ExecStart=/opt/loket/.venv/bin/loket run" in unit
    # The unit's paths stand for a production host: here the binary is this checkout's.
    loket = Path(shutil.which("loket") or "/bin/true")
    text = unit.replace("/opt/loket/.venv/bin/loket", str(loket))
    text = text.replace("EnvironmentFile=/etc/loket/loket.env", f"EnvironmentFile={tmp_path}/env")
    (tmp_path / "env").write_text("LOKET_TELEGRAM__TOKEN=1:x\n", encoding="utf-8")
    path = tmp_path / "loket@.service"
    path.write_text(text, encoding="utf-8")
    instance = tmp_path / "loket@8101.service"
    instance.symlink_to(path)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(instance)],
        capture_output=True,
        text=True,
    )
    # verify exits 0 even for an unknown key or a bad value: it says so on stderr.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_the_readme_rehearsal_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    nginx = require_nginx()
    conf = DOC.parent / "deploy" / "nginx-rehearsal.conf"
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", "error.log"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    tested = Nginx(tmp_path, ["127.0.0.1:8101"]).config()
    failover = re.search(r"proxy_next_upstream [^;]*;", tested)
    assert failover is not None and failover.group(0) in conf.read_text(encoding="utf-8")


def test_the_replica_configuration_of_the_docs_loads(tmp_path: Path) -> None:
    from bot.config import load_config

    text = block("toml", 'mode = "webhook"')
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    env = {
        "LOKET_TELEGRAM__TOKEN": "123456789:AAFakeTokenForTests_abcdefghijklmno",
        "LOKET_TELEGRAM__WEBHOOK_SECRET": "a" * 64,
        "LOKET_TELEGRAM__LISTEN": "127.0.0.1:8101",  # what the unit sets per instance
    }
    config = load_config(path, env)
    assert config.telegram.mode == "webhook"
    assert config.database.url.startswith("postgresql+asyncpg://")
    assert config.redis.url and config.outbox.claim_lease == "5m"
