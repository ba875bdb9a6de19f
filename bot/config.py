"""Typed, validated, frozen configuration from bot.toml and LOKET_* variables (pydantic-settings).

Every key can be overridden as LOKET_<SECTION>__<KEY> (nested tables add more ``__`` parts,
e.g. LOKET_TELEGRAM__LIMITS__GLOBAL_PER_SECOND). Errors are reported as one line naming the
key, never echoing the value (the token must not leak into logs or terminals).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from bot.core.calendar import OfficeCalendar, parse_ranges
from bot.core.durations import parse_duration

ENV_PREFIX = "LOKET_"
CONFIG_ENV = "LOKET_CONFIG"
DEFAULT_API_BASE = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///loket.db"
# The load balancers' health check on the webhook server (webhook mode).
HEALTH_PATH = "/healthz"
# A bot token is "<bot id>:<secret>", see https://core.telegram.org/bots/api#authorizing-your-bot
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{6,}$")


def _check_duration(value: str) -> str:
    parse_duration(value)  # its ValueError names the value and the accepted forms
    return value


def _check_optional_duration(value: str) -> str:
    return _check_duration(value) if value else value


# "30s", "15m", "2h", "1d" or "10wd", checked at start and kept as written ("" = off, where
# the Optional variant is used).
DurationText = Annotated[str, AfterValidator(_check_duration)]
OptionalDurationText = Annotated[str, AfterValidator(_check_optional_duration)]


class ConfigError(Exception):
    """A configuration problem, with a one-line message that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _split_list(value: Any) -> Any:
    # Environment overrides may give lists as "1,2,3"; TOML gives real lists.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int | float | date):  # a one-item list from the environment: "42"
        return [value]
    return value


class TelegramLimits(_Section):
    global_per_second: float = Field(30.0, gt=0)
    private_per_second: float = Field(1.0, gt=0)
    group_per_minute: float = Field(20.0, gt=0)


def _check_host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if value and (not sep or not host or not port.isdigit() or not 0 < int(port) < 65536):
        raise ValueError('use "host:port", e.g. "0.0.0.0:8080"')
    return value


def _split_host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def _check_url_path(value: str) -> str:
    if not value.startswith("/") or any(ch.isspace() for ch in value):
        raise ValueError('a URL path such as "/telegram"')
    return value


# Loopback hosts: the only ones a plain-http webhook URL may name (tests, a local emulator).
_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])$", re.IGNORECASE)


def webhook_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook URL, or None. Telegram delivers webhooks over HTTPS
    only (https://core.telegram.org/bots/api#setwebhook); plain http is accepted for loopback
    addresses alone, where the local Bot API emulator delivers in tests."""
    match = re.match(r"^(https?)://([^/?#\s]+)(/[^\s]*)?$", url)
    if match is None:
        return "must be an https:// URL such as https://loket.example.go.id/telegram"
    scheme, authority = match.group(1), match.group(2)
    host = authority.rpartition("@")[2]
    if host.startswith("["):  # an IPv6 address: [::1]:8443
        host = host.partition("]")[0] + "]"
    else:
        host = host.partition(":")[0]
    if scheme == "http" and not _LOOPBACK.match(host):
        return "Telegram delivers webhooks over HTTPS only: use an https:// URL"
    return None


# The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token: 1-256 characters
# A-Z, a-z, 0-9, _ and - (https://core.telegram.org/bots/api#setwebhook).
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramConfig(_Section):
    token: SecretStr | None = None
    api_base: str = DEFAULT_API_BASE
    staff_group_id: int | None = None
    polling_timeout: int = Field(25, ge=1, le=50)
    # "polling": one process long-polls getUpdates. "webhook": Telegram pushes updates to
    # webhook_url; every replica behind the load balancer serves them (Telegram allows only
    # one getUpdates consumer per bot, so replicas need webhooks).
    mode: Literal["polling", "webhook"] = "polling"
    # The public URL registered with setWebhook (the load balancer's, ending in webhook_path).
    webhook_url: str = Field("", validate_default=True)
    # Sent to setWebhook as secret_token and checked on every delivery; normally from
    # LOKET_TELEGRAM__WEBHOOK_SECRET, never logged.
    webhook_secret: SecretStr | None = Field(None, validate_default=True)
    # "host:port" this replica's HTTP server binds in webhook mode.
    listen: str = Field("", validate_default=True)
    webhook_path: str = "/telegram"
    # Deliveries Telegram keeps in flight at once to the webhook (1-100).
    webhook_max_connections: int = Field(40, ge=1, le=100)
    limits: TelegramLimits = TelegramLimits()

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str, info: ValidationInfo) -> str:
        if value and (problem := webhook_url_problem(value)) is not None:
            raise ValueError(problem)
        if not value and info.data.get("mode") == "webhook":
            raise ValueError("needed in webhook mode (the public https:// URL of webhook_path)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET_RE.match(value.get_secret_value()):
            # Never include the value.
            raise ValueError("use 1-256 characters A-Z, a-z, 0-9, _ and -")
        if value is None and info.data.get("mode") == "webhook":
            raise ValueError(
                "needed in webhook mode: set LOKET_TELEGRAM__WEBHOOK_SECRET "
                "(1-256 characters A-Z, a-z, 0-9, _ and -)"
            )
        return value

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str, info: ValidationInfo) -> str:
        _check_host_port(value)
        if not value and info.data.get("mode") == "webhook":
            raise ValueError('needed in webhook mode: "host:port" to serve webhooks on')
        return value

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        _check_url_path(value)
        if value == HEALTH_PATH:
            raise ValueError(f"{HEALTH_PATH} is the health check's path")
        return value

    @property
    def host_port(self) -> tuple[str, int]:
        """Where the webhook server binds (webhook mode only)."""
        return _split_host_port(self.listen)

    @field_validator("token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value()):
            # Never include the value: it may be a real token with a typo.
            raise ValueError("not a valid bot token (expected <digits>:<secret> from BotFather)")
        return value

    @field_validator("api_base")
    @classmethod
    def _api_base_is_http(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("staff_group_id")
    @classmethod
    def _group_id_negative(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("a group id is negative (supergroups look like -100...)")
        return value


DEFAULT_WHATSAPP_API_BASE = "https://graph.facebook.com/v21.0"


class WhatsAppLimits(_Section):
    # The Cloud API's default throughput per business number is 80 messages a second; one user
    # gets at most about one a second in bursts (error 131056 beyond that, then retried).
    global_per_second: float = Field(80.0, gt=0)
    per_chat_per_second: float = Field(1.0, gt=0)


class WhatsAppConfig(_Section):
    """The WhatsApp Cloud API channel: citizens on WhatsApp, officers still on Telegram."""

    enabled: bool = False
    api_base: str = DEFAULT_WHATSAPP_API_BASE
    phone_number_id: str = ""
    access_token: SecretStr | None = None
    # Signs every webhook (X-Hub-Signature-256); without it no webhook is trusted.
    app_secret: SecretStr | None = None
    # Echoed back when Meta verifies the webhook URL (hub.verify_token).
    verify_token: SecretStr | None = None
    listen: str = "127.0.0.1:8080"
    path: str = "/whatsapp"
    # An approved message template sent instead of a free-form message once the citizen's
    # 24-hour customer-service window has closed; its one body variable is the ticket number.
    # Empty: the officers are told in the ticket's topic instead.
    window_template: str = ""
    window_template_language: str = "id"
    limits: WhatsAppLimits = WhatsAppLimits()

    @field_validator("access_token", "app_secret", "verify_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("api_base")
    @classmethod
    def _api_base_is_http(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://graph.facebook.com/v21.0")
        return value.rstrip("/")

    @field_validator("phone_number_id")
    @classmethod
    def _digits(cls, value: str) -> str:
        if value and not value.isdigit():
            raise ValueError("the phone number id is the numeric id from the Meta app dashboard")
        return value

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError('use "host:port", e.g. "0.0.0.0:8080"')
        return value

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/") or any(ch.isspace() for ch in value):
            raise ValueError('a URL path such as "/whatsapp"')
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> WhatsAppConfig:
        if self.enabled:
            needed = {
                "phone_number_id": self.phone_number_id,
                "access_token": self.access_token,
                "app_secret": self.app_secret,
                "verify_token": self.verify_token,
            }
            missing = [key for key, value in needed.items() if not value]
            if missing:
                raise ValueError(f"enabled, but {', '.join(missing)} not set")
        return self

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def _check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta)") from None
    return value


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Shift(_Section):
    """Who is on duty when: officers on these days within these hours (office time zone)."""

    officers: tuple[int, ...]
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    )
    hours: str = "08:00-16:00"

    _split = field_validator("officers", "days", mode="before")(_split_list)

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        parse_ranges(value)
        return value


class StaffConfig(_Section):
    officers: tuple[int, ...] = ()
    coordinators: tuple[int, ...] = ()
    shifts: tuple[Shift, ...] = ()

    _split = field_validator("officers", "coordinators", mode="before")(_split_list)


class WeeklyHours(_Section):
    """Opening hours per weekday: "08:00-16:00" or several ranges "08:00-12:00, 13:00-16:00";
    a missing day is closed."""

    mon: str | None = "08:00-16:00"
    tue: str | None = "08:00-16:00"
    wed: str | None = "08:00-16:00"
    thu: str | None = "08:00-16:00"
    fri: str | None = "08:00-16:00"
    sat: str | None = None
    sun: str | None = None

    @field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    @classmethod
    def _ranges(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_ranges(value)
        return value

    def as_mapping(self) -> dict[str, str]:
        return {day: getattr(self, day) for day in DAYS if getattr(self, day)}


class HoursConfig(_Section):
    timezone: str = "Asia/Jakarta"
    # Country code for the `holidays` package (public holidays and cuti bersama); "" = none.
    holidays: str = "ID"
    closed_dates: tuple[date, ...] = ()
    open_dates: tuple[date, ...] = ()
    # UU 14/2008 counts working days from the day after receipt.
    count_from_next_day: bool = True
    weekly: WeeklyHours = WeeklyHours()

    _split = field_validator("closed_dates", "open_dates", mode="before")(_split_list)

    @field_validator("weekly", mode="before")
    @classmethod
    def _missing_days_closed(cls, value: Any) -> Any:
        # Once [hours.weekly] is written, a day it does not list is closed (not the default).
        if isinstance(value, dict):
            return {**{day: None for day in DAYS}, **value}
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)

    def calendar(self) -> OfficeCalendar:
        """The office calendar these settings describe."""
        return OfficeCalendar(
            timezone=self.timezone,
            weekly=self.weekly.as_mapping(),
            holidays_country=self.holidays,
            closed_dates=self.closed_dates,
            open_dates=self.open_dates,
        )

    @model_validator(mode="after")
    def _calendar_builds(self) -> HoursConfig:
        # Overlapping ranges or a date both closed and open only show when the calendar is
        # built: build it once here so the error names the [hours] section at start.
        self.calendar()
        return self

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if not value:
            return value
        import holidays as holidays_lib

        if value.upper() not in holidays_lib.list_supported_countries():
            raise ValueError(f'no holiday calendar for country {value!r} (e.g. ID, or "")')
        return value.upper()


class Escalation(_Section):
    after: DurationText
    notify: Literal["assignee", "duty", "coordinators"]


class SlaConfig(_Section):
    # Target for the first answer, in office (business) time; tickets past it are "overdue".
    first_response: DurationText = "15m"
    escalation: tuple[Escalation, ...] = ()


class ScheduleConfig(_Section):
    # Digest in the staff group at each working day's opening time.
    opening_digest: bool = True
    # Remind a citizen who left the satisfaction question unanswered this long ("" = never).
    rating_reminder_after: OptionalDurationText = "1d"
    # Weekly digest of unanswered FAQ questions, at Monday's opening.
    faq_weekly_digest: bool = True


class TicketsConfig(_Section):
    prefix: str = Field("LC", pattern=r"^[A-Z]{1,8}$")
    # A citizen who writes again this soon after a close reopens the ticket.
    reopen_within: DurationText = "24h"

    @field_validator("reopen_within")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if parse_duration(value).working_days:
            raise ValueError("use a clock duration here (e.g. 24h), not working days")
        return value


class DatabaseConfig(_Section):
    url: str = DEFAULT_DATABASE_URL
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db")
        return value


class FaqConfig(_Section):
    paths: tuple[Path, ...] = ()
    # Seconds between looks at the files for changes (reloaded without a restart); 0 = never.
    watch_interval: float = Field(3.0, ge=0)
    # The office's own concept groups (faq/thesaurus/*.txt format), added to the packaged ones.
    thesaurus: tuple[Path, ...] = ()
    # Phrasings officers taught (/faq) and an editor accepted (`loket faq learned --accept`);
    # default: faq_learned.toml beside the SQLite database (the working directory otherwise).
    learned: Path | None = None

    _split = field_validator("paths", "thesaurus", mode="before")(_split_list)


class DipConfig(_Section):
    # The office's information map (Daftar Informasi Publik): files or folders of [[item]]
    # tables; empty: the packaged example map of the fictitious office.
    paths: tuple[Path, ...] = ()

    _split = field_validator("paths", mode="before")(_split_list)


class OfficeConfig(_Section):
    name: str = "PPID"
    default_language: Literal["id", "en"] = "id"
    # Letterhead of written notices.
    address: str = ""
    city: str = ""


class RequestsConfig(_Section):
    """Formal requests (PI-...) and objections (KB-...) under UU 14/2008."""

    prefix: str = Field("PI", pattern=r"^[A-Z]{1,8}$")
    objection_prefix: str = Field("KB", pattern=r"^[A-Z]{1,8}$")
    # Reminders to the assignee at these working days after receipt; the coordinators hear on
    # the due day (10 working days) and every working day it stays undecided.
    reminder_days: tuple[int, ...] = (5, 8)
    # The office's own wording of the written notices (a TOML file laid over the defaults).
    notice_texts: Path | None = None
    # A request moved to another office of the network (/alihkan <office>): "keep" counts the
    # receiving office's deadline from the original receipt date; "restart" counts it anew
    # from the transfer, with a written notice that the other office holds the information.
    transfer_deadline: Literal["keep", "restart"] = "keep"

    _split = field_validator("reminder_days", mode="before")(_split_list)

    @field_validator("reminder_days")
    @classmethod
    def _within_deadline(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= day < 10 for day in value):
            raise ValueError("reminder days are working days 1..9 (the decision is due on day 10)")
        return value


DEFAULT_DOCUMENT_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class LimitsConfig(_Section):
    max_text_length: int = Field(4000, ge=1, le=100_000)
    messages_per_minute: int = Field(20, ge=1)
    open_tickets_per_citizen: int = Field(3, ge=1)
    # Bots may download files up to 20 MB (https://core.telegram.org/bots/api#getfile).
    max_document_mb: float = Field(20.0, gt=0, le=20.0)
    document_types: tuple[str, ...] = DEFAULT_DOCUMENT_TYPES

    _split = field_validator("document_types", mode="before")(_split_list)


class RetentionConfig(_Section):
    """How long personal data is kept (UU 27/2022), in calendar days; the registers the law
    requires (UU 14/2008) are kept whole."""

    # Payloads of handled inbound updates and of sent (or given-up) outgoing messages, with
    # the PDFs of the notices sent.
    payload_days: int = Field(30, ge=1)
    # Message text of live chats closed this long ago (the rows, times and counts stay).
    transcript_days: int = Field(365, ge=1)
    # A request's NIK (masked to its last four digits) and ID-card scan, counted from the day
    # the request is finished: decided, the objection window and any Komisi Informasi window
    # passed, every objection decided.
    identity_days: int = Field(30, ge=0)


_OFFICE_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class NetworkOffice(_Section):
    """One office of a network ([[offices]]): its staff group, people, calendar, knowledge,
    letterhead and numbering; what it leaves out is the shared configuration's."""

    id: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1)
    staff_group_id: int
    officers: tuple[int, ...] = ()
    coordinators: tuple[int, ...] = ()
    shifts: tuple[Shift, ...] = ()
    # Other names citizens type for it ("kab smg", "semarang"), searched with the name and id.
    places: tuple[str, ...] = ()
    # The coordinating office (the provincial PPID): its coordinators see this office's work.
    parent: str | None = None
    # Overrides of the shared [hours]: opening hours, time zone, and local holidays added to
    # the shared ones (a regency's anniversary), or dates open although shared ones are closed.
    timezone: str | None = None
    hours: WeeklyHours | None = None
    holidays: tuple[date, ...] = ()
    open_dates: tuple[date, ...] = ()
    # Its own escalation ladder (else the shared [sla]).
    escalation: tuple[Escalation, ...] | None = None
    # Extra knowledge-base files laid over the shared ones (the same id replaces an entry).
    faq_paths: tuple[Path, ...] = ()
    # Its own information-map files laid over the shared [dip] map (the same id replaces an
    # item: the office holds it elsewhere or exempts it), published under its own name.
    dip_paths: tuple[Path, ...] = ()
    # Letterhead of its written notices.
    address: str = ""
    city: str = ""
    # In its numbers: "KDS" gives PI-KDS-2026-000123, LC-KDS-..., KB-KDS-...
    number_prefix: str = Field(pattern=r"^[A-Z0-9]{1,6}$")

    _split = field_validator(
        "officers",
        "coordinators",
        "places",
        "holidays",
        "open_dates",
        "faq_paths",
        "dip_paths",
        mode="before",
    )(_split_list)

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not _OFFICE_ID_RE.match(value):
            raise ValueError(
                "an office id is short kebab-case: lower-case letters, digits and single "
                "hyphens (e.g. kab-kudus)"
            )
        return value

    @field_validator("staff_group_id")
    @classmethod
    def _group_id_negative(cls, value: int) -> int:
        if value >= 0:
            raise ValueError("a group id is negative (supergroups look like -100...)")
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _missing_days_closed(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {**{day: None for day in DAYS}, **value}
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)

    def calendar(self, shared: HoursConfig) -> OfficeCalendar:
        """The shared calendar with this office's overrides."""
        return OfficeCalendar(
            timezone=self.timezone or shared.timezone,
            weekly=(self.hours or shared.weekly).as_mapping(),
            holidays_country=shared.holidays,
            closed_dates=(*shared.closed_dates, *self.holidays),
            open_dates=(*shared.open_dates, *self.open_dates),
        )


def _check_network(offices: tuple[NetworkOffice, ...]) -> tuple[NetworkOffice, ...]:
    """Ids, staff groups and number prefixes are each one office's; references name offices."""
    ids = [office.id for office in offices]
    for key in ("id", "staff_group_id", "number_prefix"):
        seen: dict[object, int] = {}
        for index, office in enumerate(offices):
            value = getattr(office, key)
            if value in seen:
                raise ValueError(
                    f"offices.{index}.{key}: the same as offices.{seen[value]}.{key} "
                    "(each office needs its own)"
                )
            seen[value] = index
    for index, office in enumerate(offices):
        if office.parent is not None and office.parent not in ids:
            raise ValueError(f"offices.{index}.parent: no office with id {office.parent!r}")
        if office.parent == office.id:
            raise ValueError(f"offices.{index}.parent: an office cannot coordinate itself")
    return offices


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class InboxConfig(_Section):
    # Tries of an update whose handler raises, with backoff, before it is set aside.
    max_attempts: int = Field(5, ge=1, le=50)


# A send may wait up to a group's 60 s rate-limit window, plus the send itself.
MIN_CLAIM_LEASE = timedelta(minutes=2)


class OutboxConfig(_Section):
    # Replicas on PostgreSQL: a row claimed for sending longer ago than this belongs to a
    # replica that died, and another one settles it (bot/outbox.py). Far longer than a send
    # takes, its wait for a rate-limit slot included (up to a minute for a group).
    claim_lease: DurationText = "5m"

    @field_validator("claim_lease")
    @classmethod
    def _clock_lease(cls, value: str) -> str:
        duration = parse_duration(value)
        if duration.working_days:
            raise ValueError("use a clock duration here (e.g. 5m), not working days")
        # Shorter, another replica would settle sends still waiting for a group's slot.
        if duration.delta < MIN_CLAIM_LEASE:
            raise ValueError("at least 2m: a send may wait a minute for a group's rate limit")
        return value


class SurveyConfig(_Section):
    # "single": one 1-4 question after a closed chat; "ikm": the nine elements of the IKM
    # survey (PermenPANRB 14/2017) after a written decision and, with after_chat, a closed chat.
    mode: Literal["single", "ikm"] = "single"
    after_chat: bool = False


class MetricsConfig(_Section):
    # Prometheus metrics at http://host:port/metrics; empty: none served.
    listen: str = ""

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if value and (not sep or not host or not port.isdigit() or not 0 < int(port) < 65536):
            raise ValueError('use "host:port", e.g. "127.0.0.1:9108", or "" for none')
        return value

    @property
    def host_port(self) -> tuple[str, int] | None:
        if not self.listen:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


class RedisConfig(_Section):
    """Shared fast state of several replicas: the send limiter all of them count against."""

    # redis://[:password@]host:port/db (or rediss://, unix://); empty: not used (one process,
    # or replicas that each keep to their share of the limits, see ``replicas``).
    url: str = ""
    # How many replicas share the bot: while Redis is unreachable each replica keeps to this
    # share of the limits (1/replicas of them), so together they still stay within them.
    replicas: int = Field(2, ge=1, le=64)

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError('use "redis://host:6379/0" (or rediss://, unix://), or "" for none')
        return value


class Config(BaseSettings):
    """The whole configuration: bot.toml, overridden by LOKET_<SECTION>__<KEY> variables."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        case_sensitive=False,
    )

    office: OfficeConfig = OfficeConfig()
    telegram: TelegramConfig = TelegramConfig()
    whatsapp: WhatsAppConfig = WhatsAppConfig()
    staff: StaffConfig = StaffConfig()
    hours: HoursConfig = HoursConfig()
    tickets: TicketsConfig = TicketsConfig()
    requests: RequestsConfig = RequestsConfig()
    sla: SlaConfig = SlaConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    database: DatabaseConfig = DatabaseConfig()
    faq: FaqConfig = FaqConfig()
    dip: DipConfig = DipConfig()
    limits: LimitsConfig = LimitsConfig()
    logging: LoggingConfig = LoggingConfig()
    retention: RetentionConfig = RetentionConfig()
    inbox: InboxConfig = InboxConfig()
    outbox: OutboxConfig = OutboxConfig()
    metrics: MetricsConfig = MetricsConfig()
    survey: SurveyConfig = SurveyConfig()
    redis: RedisConfig = RedisConfig()
    # A network of offices on one bot; none: the one office described above.
    offices: Annotated[tuple[NetworkOffice, ...], AfterValidator(_check_network)] = ()

    def office_ids(self) -> tuple[str, ...]:
        return tuple(office.id for office in self.offices)

    @property
    def shares_web_server(self) -> bool:
        """The WhatsApp webhook is served by the Telegram webhook server (the same listen)."""
        tg, wa = self.telegram, self.whatsapp
        return tg.mode == "webhook" and wa.enabled and wa.listen == tg.listen

    @model_validator(mode="after")
    def _distinct_paths(self) -> Config:
        if self.shares_web_server and self.whatsapp.path == self.telegram.webhook_path:
            raise ValueError(
                "whatsapp.path: the same as telegram.webhook_path on the one server both "
                "listen on (whatsapp.listen = telegram.listen): give them different paths"
            )
        return self


def _toml_literal(raw: str) -> Any:
    """The value of ``raw`` read as a TOML literal ("[1, 2]", '"text"', "2026-01-02"), else raw."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _unquote(value: Any) -> Any:
    # A scalar given as a quoted TOML string ("PPID Kota") loses its quotes; numbers and
    # booleans stay text, which pydantic reads by the field's type (so an id stays a string).
    if isinstance(value, dict):
        return {key: _unquote(item) for key, item in value.items()}
    if isinstance(value, str) and value[:1] in ("'", '"'):
        parsed = _toml_literal(value)
        return parsed if isinstance(parsed, str) else value
    return value


class _EnvSource(EnvSettingsSource):
    """LOKET_<SECTION>__<KEY> variables of the given environment.

    Lists and tables are read as TOML literals ("[1, 2]", "{ a = 1 }"); anything else stays
    text, so a list may also be comma-separated ("111,222": the list fields split it).
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        # The caller's environment (os.environ, or a test's), names folded as case_sensitive=False.
        self.env_vars = {name.lower(): value for name, value in environ.items()}

    def decode_complex_value(self, field_name: str, field: FieldInfo | None, value: Any) -> Any:
        return _toml_literal(value) if isinstance(value, str) else value

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        return _unquote(super().prepare_field_value(field_name, field, value, value_is_complex))


class _TomlFile(TomlConfigSettingsSource):
    """The config file; relative FAQ, thesaurus, learned-phrasing and notice-text paths are
    relative to it, not to the working directory."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls, toml_file=path)
        self.base_dir = path.resolve().parent

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        faq = data.get("faq")
        if isinstance(faq, dict):
            faq = dict(faq)
            for key in ("paths", "thesaurus"):
                if isinstance(faq.get(key), list):
                    faq[key] = [self._here(p) if isinstance(p, str) else p for p in faq[key]]
            if isinstance(faq.get("learned"), str) and faq["learned"]:
                faq["learned"] = self._here(faq["learned"])
            data = {**data, "faq": faq}
        dip = data.get("dip")
        if isinstance(dip, dict) and isinstance(dip.get("paths"), list):
            paths = [self._here(p) if isinstance(p, str) else p for p in dip["paths"]]
            data = {**data, "dip": {**dip, "paths": paths}}
        offices = data.get("offices")
        if isinstance(offices, list):
            data = {**data, "offices": [self._office_here(o) for o in offices]}
        requests = data.get("requests")
        if isinstance(requests, dict) and isinstance(requests.get("notice_texts"), str):
            texts = self._here(requests["notice_texts"])
            data = {**data, "requests": {**requests, "notice_texts": texts}}
        return data

    def _office_here(self, office: Any) -> Any:
        """An [[offices]] table with its knowledge-base and map paths relative to this file."""
        if not isinstance(office, dict):
            return office
        for key in ("faq_paths", "dip_paths"):
            if isinstance(office.get(key), list):
                paths = [self._here(p) if isinstance(p, str) else p for p in office[key]]
                office = {**office, key: paths}
        return office

    def _here(self, path: str) -> str:
        return str(path if Path(path).is_absolute() else self.base_dir / path)


def _env_origins(environ: Mapping[str, str]) -> dict[str, str]:
    """Dotted key -> the LOKET_ variable that sets it; a malformed or unknown name stops here."""
    origins = {}
    for name in environ:
        if not name.upper().startswith(ENV_PREFIX) or name.upper() == CONFIG_ENV:
            continue
        parts = tuple(p.lower() for p in name[len(ENV_PREFIX) :].split("__"))
        if len(parts) < 2 or not all(parts):
            raise ConfigError(f"{name}: use LOKET_<SECTION>__<KEY>, e.g. LOKET_TELEGRAM__TOKEN")
        if parts[0] not in Config.model_fields:
            # pydantic-settings only looks for the sections it knows: say so instead of ignoring.
            raise ConfigError(f"{parts[0]}: unknown key (from {name})")
        origins[".".join(parts)] = name
    return origins


def _format_error(err: ValidationError, origins: Mapping[str, str]) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.startswith(f"{key}."):  # a check of a whole list names the item's key itself
        key, _, message = message.partition(": ")
    # The variable that set this key, the list it is in (staff.officers.0) or a key inside it.
    where = next(
        (
            name
            for dotted, name in sorted(origins.items(), key=lambda item: -len(item[0]))
            if f"{key}.".startswith(f"{dotted}.") or dotted.startswith(f"{key}.")
        ),
        None,
    )
    suffix = f" (from {where})" if where else ""
    more = len(err.errors()) - 1
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
    # A check across sections has no key of its own: its message names the keys.
    return f"{key}: {message}{suffix}{tail}" if key else f"{message}{tail}"


def resolve_config_path(
    cli_path: str | os.PathLike[str] | None, environ: Mapping[str, str]
) -> Path | None:
    """--config wins, then LOKET_CONFIG, then ./bot.toml; None means built-in defaults."""
    if cli_path:
        return Path(cli_path)
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    local = Path("bot.toml")
    return local if local.is_file() else None


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load and validate the configuration; raise ConfigError with a one-line message."""
    environ = os.environ if environ is None else environ
    origins = _env_origins(environ)
    sources: list[PydanticBaseSettingsSource] = [_EnvSource(Config, environ)]  # env wins
    if path is not None:
        if not path.is_file():
            reason = "it is a folder" if path.is_dir() else "no such file"
            raise ConfigError(f"cannot read config file {path}: {reason}")
        try:
            sources.append(_TomlFile(Config, path))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Config(_build_sources=(tuple(sources), {}))
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, origins)) from None
    except SettingsError as exc:  # a value no source could read; its text names the key only
        raise ConfigError(str(exc).splitlines()[0]) from None
