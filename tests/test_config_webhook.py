"""Config of webhook mode ([telegram] mode, webhook_url, webhook_secret, listen, webhook_path):
defaults, the secret from the environment, one-line errors naming the key, no secret leaks."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.test_cli import TOKEN, loket

SECRET = "Rahasia_webhook-2026"
WEBHOOK = {
    "LOKET_TELEGRAM__MODE": "webhook",
    "LOKET_TELEGRAM__WEBHOOK_URL": "https://loket.example.go.id/telegram",
    "LOKET_TELEGRAM__WEBHOOK_SECRET": SECRET,
    "LOKET_TELEGRAM__LISTEN": "127.0.0.1:8443",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_polling_is_the_default_and_needs_no_webhook_keys() -> None:
    telegram = load_config(None, environ={}).telegram
    assert telegram.mode == "polling"
    assert telegram.webhook_url == "" and telegram.webhook_secret is None
    assert telegram.listen == "" and telegram.webhook_path == "/telegram"


def test_webhook_mode_from_the_file_with_the_secret_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[telegram]
mode = "webhook"
webhook_url = "https://loket.example.go.id/hook/telegram"
listen = "0.0.0.0:8080"
webhook_path = "/hook/telegram"
webhook_max_connections = 10
""",
    )
    config = load_config(path, environ={"LOKET_TELEGRAM__WEBHOOK_SECRET": SECRET})
    telegram = config.telegram
    assert telegram.mode == "webhook"
    assert telegram.webhook_url == "https://loket.example.go.id/hook/telegram"
    assert telegram.webhook_secret is not None
    assert telegram.webhook_secret.get_secret_value() == SECRET
    assert telegram.host_port == ("0.0.0.0", 8080)
    assert telegram.webhook_path == "/hook/telegram"
    assert telegram.webhook_max_connections == 10
    assert SECRET not in repr(config) and SECRET not in str(config.model_dump())


@pytest.mark.parametrize("missing", ["WEBHOOK_SECRET", "WEBHOOK_URL", "LISTEN"])
def test_webhook_mode_without_a_needed_key_is_one_line_naming_it(missing: str) -> None:
    environ = {k: v for k, v in WEBHOOK.items() if k != f"LOKET_TELEGRAM__{missing}"}
    with pytest.raises(ConfigError) as info:
        load_config(None, environ=environ)
    message = str(info.value)
    assert message.startswith(f"telegram.{missing.lower()}: needed in webhook mode")
    assert "\n" not in message and "more problem" not in message


def test_an_empty_secret_in_the_environment_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match=r"^telegram\.webhook_secret: needed in webhook mode"):
        load_config(None, environ={**WEBHOOK, "LOKET_TELEGRAM__WEBHOOK_SECRET": ""})


@pytest.mark.parametrize(
    "secret",
    ["kata sandi", "rahasia!", "x" * 257, "sandi\u00e9"],
    ids=["space", "punctuation", "too-long", "non-ascii"],
)
def test_a_secret_telegram_would_refuse_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, environ={**WEBHOOK, "LOKET_TELEGRAM__WEBHOOK_SECRET": secret})
    message = str(info.value)
    assert message == (
        "telegram.webhook_secret: use 1-256 characters A-Z, a-z, 0-9, _ and - "
        "(from LOKET_TELEGRAM__WEBHOOK_SECRET)"
    )
    assert secret not in message


def test_the_longest_secret_telegram_takes_is_taken() -> None:
    secret = "A-z_9" * 51 + "x"  # 256 characters
    config = load_config(None, environ={**WEBHOOK, "LOKET_TELEGRAM__WEBHOOK_SECRET": secret})
    assert config.telegram.webhook_secret is not None
    assert config.telegram.webhook_secret.get_secret_value() == secret


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://loket.example.go.id/telegram", True),
        ("https://203.0.113.7:8443/telegram", True),
        ("http://127.0.0.1:8080/telegram", True),  # loopback: a local Bot API or emulator
        ("http://localhost:8080/telegram", True),
        ("http://[::1]:8080/telegram", True),
        ("http://loket.example.go.id/telegram", False),
        ("http://10.1.2.3/telegram", False),
        ("http://127.0.0.1.example.com/telegram", False),
        ("loket.example.go.id/telegram", False),
        ("https://loket example/telegram", False),
    ],
)
def test_webhook_url_is_https_except_on_loopback(url: str, accepted: bool) -> None:
    environ = {**WEBHOOK, "LOKET_TELEGRAM__WEBHOOK_URL": url}
    if accepted:
        assert load_config(None, environ=environ).telegram.webhook_url == url
    else:
        with pytest.raises(ConfigError, match=r"^telegram\.webhook_url: "):
            load_config(None, environ=environ)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("LISTEN", "8080", 'telegram.listen: use "host:port"'),
        ("LISTEN", "127.0.0.1:99999", 'telegram.listen: use "host:port"'),
        ("WEBHOOK_PATH", "telegram", "telegram.webhook_path: a URL path"),
        ("WEBHOOK_PATH", "/healthz", "telegram.webhook_path: /healthz is the health check"),
        ("MODE", "push", "telegram.mode: Input should be 'polling' or 'webhook'"),
        ("WEBHOOK_MAX_CONNECTIONS", "101", "telegram.webhook_max_connections: "),
    ],
)
def test_bad_webhook_values_are_one_line_naming_the_key(
    key: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, environ={**WEBHOOK, f"LOKET_TELEGRAM__{key}": value})
    assert str(info.value).startswith(expected), str(info.value)


WHATSAPP = {
    "LOKET_WHATSAPP__ENABLED": "true",
    "LOKET_WHATSAPP__PHONE_NUMBER_ID": "1098765432",
    "LOKET_WHATSAPP__ACCESS_TOKEN": "EAAsecret-token",
    "LOKET_WHATSAPP__APP_SECRET": "app-secret",
    "LOKET_WHATSAPP__VERIFY_TOKEN": "verify",
}


def test_whatsapp_on_the_same_address_shares_the_server_on_another_path() -> None:
    shared = {**WEBHOOK, **WHATSAPP, "LOKET_WHATSAPP__LISTEN": WEBHOOK["LOKET_TELEGRAM__LISTEN"]}
    assert load_config(None, environ=shared).shares_web_server
    apart = {**WEBHOOK, **WHATSAPP, "LOKET_WHATSAPP__LISTEN": "127.0.0.1:8081"}
    assert not load_config(None, environ=apart).shares_web_server
    polling = {**WHATSAPP, "LOKET_WHATSAPP__LISTEN": "127.0.0.1:8443"}
    assert not load_config(None, environ=polling).shares_web_server
    clash = {**shared, "LOKET_WHATSAPP__PATH": "/telegram"}
    with pytest.raises(ConfigError) as info:
        load_config(None, environ=clash)
    assert str(info.value).startswith("whatsapp.path: the same as telegram.webhook_path")


def test_config_check_shows_the_mode_without_the_secret(tmp_path: Path) -> None:
    config = write(tmp_path, f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/loket.db"\n')
    polling = loket("config", "check", "--config", str(config), cwd=tmp_path)
    assert polling.returncode == 0, polling.stderr
    assert "telegram polling" in polling.stdout
    webhook = loket("config", "check", "--config", str(config), env=WEBHOOK, cwd=tmp_path)
    assert webhook.returncode == 0, webhook.stderr
    assert (
        "telegram webhook https://loket.example.go.id/telegram "
        "(listen 127.0.0.1:8443/telegram, secret set)"
    ) in webhook.stdout
    assert SECRET not in webhook.stdout + webhook.stderr
    no_secret = {k: v for k, v in WEBHOOK.items() if not k.endswith("SECRET")}
    refused = loket("config", "check", "--config", str(config), env=no_secret, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith(
        "loket: config error: telegram.webhook_secret: needed in webhook mode"
    )
    assert len(refused.stderr.strip().splitlines()) == 1


def test_webhook_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write(
            tmp_path,
            f'[telegram]\napi_base = "http://127.0.0.1:9"\n'
            f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/loket.db"\n',
        )
        env = {**WEBHOOK, "LOKET_TELEGRAM__TOKEN": TOKEN}
        env["LOKET_TELEGRAM__LISTEN"] = f"127.0.0.1:{port}"
        result = loket("run", "--config", str(config), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"loket: cannot listen for webhooks on 127.0.0.1:{port} (telegram.listen)"
    )
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout
