"""Config parsing: defaults, the public keys, env overrides, one-line errors, no token leaks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import DEFAULT_API_BASE, DEFAULT_DATABASE_URL, ConfigError, load_config

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmno"
REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    config = load_config(None, environ={})
    assert config.telegram.token is None
    assert config.telegram.api_base == DEFAULT_API_BASE
    assert config.database.url == DEFAULT_DATABASE_URL
    assert config.staff.officers == () and config.faq.paths == ()
    assert config.telegram.limits.global_per_second == 30


def test_example_bot_toml_is_valid() -> None:
    config = load_config(REPO / "bot.toml", environ={})
    assert config.database.url == DEFAULT_DATABASE_URL


def test_public_keys_are_read(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    path = write(
        tmp_path,
        f"""
[telegram]
token = "{TOKEN}"
api_base = "http://127.0.0.1:8081/"
staff_group_id = -1001234567890
[staff]
officers = [11, 12]
coordinators = [13]
[database]
url = "postgresql+asyncpg://loket@127.0.0.1/loket"
[faq]
paths = ["kb", "/abs/faq.toml"]
""",
    )
    config = load_config(path, environ={})
    assert config.telegram.token is not None and config.telegram.token.get_secret_value() == TOKEN
    assert config.telegram.api_base == "http://127.0.0.1:8081"
    assert config.telegram.staff_group_id == -1001234567890
    assert config.staff.officers == (11, 12) and config.staff.coordinators == (13,)
    assert config.database.url.startswith("postgresql+asyncpg://")
    # relative FAQ paths are relative to the config file
    assert config.faq.paths == (tmp_path / "kb", Path("/abs/faq.toml"))


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\napi_base = "https://example.invalid"\n')
    env = {
        "LOKET_TELEGRAM__TOKEN": TOKEN,
        "LOKET_TELEGRAM__API_BASE": "http://127.0.0.1:9000",
        "LOKET_TELEGRAM__STAFF_GROUP_ID": "-100777",
        "LOKET_STAFF__OFFICERS": "1, 2,3",
        "LOKET_STAFF__COORDINATORS": "[4]",
        "LOKET_TELEGRAM__LIMITS__GLOBAL_PER_SECOND": "10",
        "LOKET_CONFIG": "ignored-here",
    }
    config = load_config(path, environ=env)
    assert config.telegram.api_base == "http://127.0.0.1:9000"
    assert config.telegram.staff_group_id == -100777
    assert config.staff.officers == (1, 2, 3) and config.staff.coordinators == (4,)
    assert config.telegram.limits.global_per_second == 10


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("[telegram]\ntokn = 'x'\n", {}, "telegram.tokn: unknown key"),
        ("[telegrm]\ntoken = 'x'\n", {}, "telegrm: unknown key"),
        ("[telegram]\nstaff_group_id = 'abc'\n", {}, "telegram.staff_group_id:"),
        ("[telegram]\nstaff_group_id = 5\n", {}, "telegram.staff_group_id: a group id is negative"),
        ("[staff]\nofficers = ['x']\n", {}, "staff.officers.0:"),
        ("[database]\nurl = 'mysql://x'\n", {}, "database.url:"),
        ("[telegram]\napi_base = 'ftp://x'\n", {}, "telegram.api_base:"),
        (
            "",
            {"LOKET_TELEGRAM__NOPE": "1"},
            "telegram.nope: unknown key (from LOKET_TELEGRAM__NOPE)",
        ),
        ("", {"LOKET_TOKEN": "1"}, "LOKET_TOKEN: use LOKET_<SECTION>__<KEY>"),
        ("[telegram\n", {}, "not valid TOML"),
    ],
)
def test_bad_config_fails_with_one_line_naming_the_key(
    tmp_path: Path, toml: str, env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, toml), environ=env)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_malformed_token_is_reported_without_echoing_it(tmp_path: Path) -> None:
    secret = "123456789 AAsecretpart-with-a-typo"
    with pytest.raises(ConfigError) as info:
        load_config(None, environ={"LOKET_TELEGRAM__TOKEN": secret})
    assert "telegram.token" in str(info.value)
    assert "AAsecretpart" not in str(info.value)


def test_token_not_in_repr() -> None:
    config = load_config(None, environ={"LOKET_TELEGRAM__TOKEN": TOKEN})
    assert TOKEN.split(":")[1] not in repr(config)


def test_config_is_frozen() -> None:
    config = load_config(None, environ={})
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type
        config.telegram.api_base = "x"  # type: ignore[misc]


@given(st.text(max_size=40))
def test_any_env_value_loads_or_fails_with_one_line(value: str) -> None:
    if "\x00" in value:
        return
    try:
        load_config(None, environ={"LOKET_TELEGRAM__STAFF_GROUP_ID": value})
    except ConfigError as exc:
        assert str(exc).startswith("telegram.staff_group_id")
        assert "\n" not in str(exc)


@given(st.lists(st.integers(min_value=1, max_value=2**40), max_size=5))
def test_officer_lists_round_trip_through_env(ids: list[int]) -> None:
    for raw in (",".join(map(str, ids)), "[" + ", ".join(map(str, ids)) + "]"):
        config = load_config(None, environ={"LOKET_STAFF__OFFICERS": raw})
        assert config.staff.officers == tuple(ids)


def test_whatsapp_section_with_secrets_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[whatsapp]\nenabled = true\nphone_number_id = "1098765432"\nlisten = "0.0.0.0:8443"\n',
    )
    secrets = {
        "LOKET_WHATSAPP__ACCESS_TOKEN": "EAAsecret-token",
        "LOKET_WHATSAPP__APP_SECRET": "app-secret",
        "LOKET_WHATSAPP__VERIFY_TOKEN": "verify",
    }
    config = load_config(path, environ=secrets)
    wa = config.whatsapp
    assert wa.enabled and wa.api_base == "https://graph.facebook.com/v21.0"
    assert wa.path == "/whatsapp" and wa.host_port == ("0.0.0.0", 8443)
    assert wa.access_token is not None and wa.access_token.get_secret_value() == "EAAsecret-token"
    assert "EAAsecret-token" not in repr(config) and "app-secret" not in repr(config)
    assert load_config(None, environ={}).whatsapp.enabled is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[whatsapp]\nenabled = true\n", "whatsapp: enabled, but phone_number_id, access_token"),
        ('[whatsapp]\nlisten = "8080"\n', 'whatsapp.listen: use "host:port"'),
        (
            '[whatsapp]\nphone_number_id = "+62 811"\n',
            "whatsapp.phone_number_id: the phone number id is the numeric",
        ),
        ('[whatsapp]\npath = "whatsapp"\n', "whatsapp.path: a URL path"),
        ('[whatsapp]\napi_base = "graph.facebook.com"\n', "whatsapp.api_base: must be an http"),
    ],
)
def test_broken_whatsapp_section_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), environ={})
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_environment_values_read_as_toml_literals_or_plain_text() -> None:
    env = {
        "LOKET_OFFICE__NAME": '"PPID Kota Kenanga"',  # a quoted TOML string loses its quotes
        "LOKET_OFFICE__CITY": "Kenanga, Jawa",  # plain text stays as written, comma and all
        "LOKET_WHATSAPP__PHONE_NUMBER_ID": "1098765432",  # digits for a text key stay text
        "LOKET_DATABASE__ECHO": "true",
        "LOKET_HOURS__CLOSED_DATES": "2026-12-24, 2026-12-31",
        "LOKET_HOURS__OPEN_DATES": "[2026-12-26]",
        "LOKET_HOURS__WEEKLY__SAT": "08:00-12:00",
        "LOKET_TELEGRAM__LIMITS": "{ global_per_second = 5 }",
        "LOKET_STAFF__SHIFTS": '[{ officers = [7], days = ["sat"], hours = "08:00-12:00" }]',
        "LOKET_SLA__ESCALATION": '[{ after = "1h", notify = "duty" }]',
        "LOKET_REQUESTS__REMINDER_DAYS": "4",
    }
    config = load_config(None, environ=env)
    assert config.office.name == "PPID Kota Kenanga"
    assert config.office.city == "Kenanga, Jawa"
    assert config.whatsapp.phone_number_id == "1098765432"
    assert config.database.echo is True
    assert config.hours.closed_dates == (date(2026, 12, 24), date(2026, 12, 31))
    assert config.hours.open_dates == (date(2026, 12, 26),)
    # as in the file: once [hours.weekly] is given, a day it does not list is closed
    assert config.hours.weekly.as_mapping() == {"sat": "08:00-12:00"}
    assert config.telegram.limits.global_per_second == 5
    assert config.telegram.limits.private_per_second == 1  # the rest of the table keeps defaults
    assert config.staff.shifts[0].officers == (7,) and config.staff.shifts[0].days == ("sat",)
    assert config.sla.escalation[0].notify == "duty"
    assert config.requests.reminder_days == (4,)


def test_environment_merges_into_the_file_key_by_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[office]\nname = "PPID A"\ncity = "Kenanga"\n[staff]\nofficers = [1]\n')
    config = load_config(path, environ={"LOKET_OFFICE__NAME": "PPID B"})
    assert config.office.name == "PPID B" and config.office.city == "Kenanga"
    assert config.staff.officers == (1,)


def test_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOKET_TELEGRAM__STAFF_GROUP_ID", "-100555")
    monkeypatch.setenv("LOKET_TELEGRAM__TOKEN", TOKEN)
    config = load_config(None)
    assert config.telegram.staff_group_id == -100555
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LOKET_TELEGRM__TOKEN": "x"}, "telegrm: unknown key (from LOKET_TELEGRM__TOKEN)"),
        ({"LOKET_TELEGRAM": "x"}, "LOKET_TELEGRAM: use LOKET_<SECTION>__<KEY>"),
        ({"LOKET_TELEGRAM____TOKEN": "x"}, "LOKET_TELEGRAM____TOKEN: use LOKET_<SECTION>__<KEY>"),
        (
            {"LOKET_TELEGRAM__LIMITS__NOPE": "1"},
            "telegram.limits.nope: unknown key (from LOKET_TELEGRAM__LIMITS__NOPE)",
        ),
        (
            {"LOKET_STAFF__OFFICERS": "1, x"},
            "staff.officers.1: Input should be a valid integer",
        ),
        (
            {"LOKET_TELEGRAM__POLLING_TIMEOUT": "99"},
            "telegram.polling_timeout: Input should be less than or equal to 50"
            " (from LOKET_TELEGRAM__POLLING_TIMEOUT)",
        ),
        ({"LOKET_TELEGRAM__LIMITS": "{ nope = 1 }"}, "telegram.limits.nope: unknown key"),
        ({"LOKET_HOURS__CLOSED_DATES": "2026-02-30"}, "hours.closed_dates.0:"),
    ],
)
def test_bad_environment_fails_with_one_line_naming_the_key(
    env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, environ=env)
    assert str(info.value).startswith(expected), str(info.value)
    assert "\n" not in str(info.value)


def test_secrets_from_the_environment_never_in_errors() -> None:
    secrets = {
        "LOKET_TELEGRAM__TOKEN": "123456789:AAsecret-token-value",
        "LOKET_WHATSAPP__ACCESS_TOKEN": "EAAsecret-access",
        "LOKET_WHATSAPP__APP_SECRET": "app-secret-value",
        "LOKET_WHATSAPP__ENABLED": "true",
    }
    with pytest.raises(ConfigError) as info:
        load_config(None, environ=secrets)
    message = str(info.value)
    assert message.startswith("whatsapp: enabled, but phone_number_id, verify_token not set")
    assert not any(value in message for value in secrets.values())


@pytest.mark.parametrize("lease", ["0s", "10s", "119s"])
def test_a_claim_lease_shorter_than_a_group_send_can_wait_is_refused(
    tmp_path: Path, lease: str
) -> None:
    # Under the lease another replica would settle a send still waiting for a group's slot.
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, f'[outbox]\nclaim_lease = "{lease}"\n'), environ={})
    assert str(info.value).startswith("outbox.claim_lease"), str(info.value)
    assert "\n" not in str(info.value)
    config = load_config(write(tmp_path, '[outbox]\nclaim_lease = "2m"\n'), environ={})
    assert config.outbox.claim_lease == "2m"
