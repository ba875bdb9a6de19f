"""The formal information request form (permohonan informasi, UU 14/2008) as a pure state machine.

The chat asks twelve questions in a fixed order, re-asks with a short reason when an answer is
invalid, shows a summary to send, change or cancel, and never touches Telegram or the database:
the caller feeds ``FormInput`` and renders ``FormOutput``. ``to_dict()`` is JSON-able so the app
can store a half-filled form and resume it after a restart with ``from_dict()`` + ``start()``.

Choices made here (documented for the callers):
- Buttons only count on the step that shows them; any other (stale, forged, unknown) data
  re-asks and changes nothing. Button data is not signed: it only selects among the options
  the citizen may pick anyway, so a forged value gains nothing.
- Typed option names ("perorangan", "salinan softcopy", "kirim") work like the buttons, for
  channels or clients without inline keyboards.
- Choosing delivery by email without an email address asks for the address right away; "/kembali"
  there returns to the delivery choice. An email can never be removed while delivery is email.
- Switching the requester type clears name, ID number and ID document (they mean different
  things for a person and a legal entity) and asks them again.
- After "/batal" or "Kirim" the collected personal data (NIK) is dropped from the state; the
  values of a submitted form are handed over once, in ``FormOutput.values``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.core.commands import words as command_words
from bot.core.dto import Button, Reply
from bot.core.formal.form_texts import form_text
from bot.texts import Markup

VERSION = 1
LANGUAGES = ("id", "en")
MAX_CALLBACK_BYTES = 64  # https://core.telegram.org/bots/api#inlinekeyboardbutton

# Summary previews: all fields at their maximum length would pass Telegram's 4096-character
# message limit (https://core.telegram.org/bots/api#sendmessage), so long ones are shortened.
_SUMMARY_PREVIEW = {"information": 1200, "purpose": 600}
_CURRENT_PREVIEW = 300


class Step(StrEnum):
    REQUESTER_KIND = "requester_kind"
    NAME = "name"
    ID_NUMBER = "id_number"
    ID_DOCUMENT = "id_document"
    ADDRESS = "address"
    OCCUPATION = "occupation"
    PHONE = "phone"
    EMAIL = "email"
    INFORMATION = "information"
    PURPOSE = "purpose"
    OBTAIN = "obtain"
    RECEIVE = "receive"
    SUMMARY = "summary"
    EDIT_MENU = "edit_menu"
    # Not a field: the published items of the information map (DIP) close to the information
    # requested, offered before the request goes on (see RequestForm.offer).
    DIP_OFFER = "dip_offer"
    DONE = "done"
    CANCELLED = "cancelled"


FIELD_STEPS: tuple[Step, ...] = (
    Step.REQUESTER_KIND,
    Step.NAME,
    Step.ID_NUMBER,
    Step.ID_DOCUMENT,
    Step.ADDRESS,
    Step.OCCUPATION,
    Step.PHONE,
    Step.EMAIL,
    Step.INFORMATION,
    Step.PURPOSE,
    Step.OBTAIN,
    Step.RECEIVE,
)
# The key of each step's answer in the values dict.
FIELD_OF: dict[Step, str] = {s: s.value for s in FIELD_STEPS} | {
    Step.ID_DOCUMENT: "id_document_file_id"
}
FIELDS: tuple[str, ...] = tuple(FIELD_OF[s] for s in FIELD_STEPS)

REQUESTER_KINDS = ("perorangan", "badan_hukum")
OBTAIN_OPTIONS = (
    "melihat",
    "membaca",
    "mendengarkan",
    "mencatat",
    "salinan_softcopy",
    "salinan_hardcopy",
)
RECEIVE_OPTIONS = ("langsung", "pos", "kurir", "email")
_OPTIONS: dict[Step, tuple[str, tuple[str, ...]]] = {
    Step.REQUESTER_KIND: ("type", REQUESTER_KINDS),
    Step.OBTAIN: ("obtain", OBTAIN_OPTIONS),
    Step.RECEIVE: ("receive", RECEIVE_OPTIONS),
}

# Typed answers on the DIP offer that mean "file the request anyway".
GO_ON_WORDS = frozenset({"lanjut", "tetap", "tetap ajukan", "ajukan", "continue", "file it"})
DIP_GO = "rf:dip:go"
_DIP_TAKE = "rf:dip:"
_BUTTON_TITLE = 48  # a button label's length; Telegram shows about this much on a phone

CANCEL_COMMANDS = command_words("batal")
BACK_COMMANDS = command_words("kembali")
SKIP_WORDS = frozenset({"lewati", "skip"})
NO_EMAIL_WORDS = frozenset({"-", "–", "—", "tidak ada", "none"})

# Fields whose question and label depend on whether the requester is a person or an entity.
_BY_KIND = frozenset({Step.NAME, Step.ID_NUMBER, Step.ID_DOCUMENT, Step.OCCUPATION})
_MULTILINE = frozenset({Step.ADDRESS, Step.INFORMATION, Step.PURPOSE})


# ---------------------------------------------------------------------------------------------
# Validators: each returns the normalized value or raises InvalidAnswer (a ValueError).


class InvalidAnswer(ValueError):
    """An answer a step refuses; ``reason`` names the err_* text, ``params`` fill it in."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def _clean(raw: str, *, multiline: bool) -> str:
    # Control characters (but whitespace, folded below) and lone surrogates go: PostgreSQL
    # refuses NUL in text and JSONB, and the rest only garble the summary and officers' view.
    kept = "".join(ch for ch in raw if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cs"))
    if not multiline:
        return " ".join(kept.split())
    lines = [" ".join(line.split()) for line in kept.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _free_text(raw: str, low: int, high: int, *, multiline: bool = False) -> str:
    value = _clean(raw, multiline=multiline)
    if len(value) < low:
        raise InvalidAnswer("too_short", min=low)
    if len(value) > high:
        raise InvalidAnswer("too_long", length=len(value), max=high)
    if not any(ch.isalpha() for ch in value):
        raise InvalidAnswer("no_letter")
    return value


def validate_name(raw: str) -> str:
    return _free_text(raw, 3, 200)


def validate_address(raw: str) -> str:
    return _free_text(raw, 10, 500, multiline=True)


def validate_occupation(raw: str) -> str:
    return _free_text(raw, 2, 100)


def validate_information(raw: str) -> str:
    return _free_text(raw, 10, 2000, multiline=True)


def validate_purpose(raw: str) -> str:
    return _free_text(raw, 5, 1000, multiline=True)


def _ascii_digits(s: str) -> bool:
    # str.isdigit() alone also accepts "١٢" or "²", which no registry number contains.
    return s.isascii() and s.isdigit()


def normalize_nik(raw: str) -> str:
    """16 digits, separators (spaces, dots, dashes) removed."""
    digits = re.sub(r"[\s.\-]", "", raw)
    if digits and not _ascii_digits(digits):
        raise InvalidAnswer("nik_chars")
    if len(digits) != 16:
        raise InvalidAnswer("nik_length", count=len(digits))
    # Province codes run 11..9x, so a leading 0 (e.g. "00") is never a real NIK; a single
    # repeated digit is a placeholder, not an identity.
    if digits[0] == "0" or len(set(digits)) == 1:
        raise InvalidAnswer("nik_invalid")
    return digits


_ENTITY_CHARS = re.compile(r"[A-Za-z0-9./\- ]+")


def normalize_entity_number(raw: str) -> str:
    """A legal-entity registration number (AHU-…, NIB): 5..64 of letters, digits, ./- and
    single spaces (real AHU numbers read like "AHU-0012345.AH.01.04.Tahun 2020")."""
    value = " ".join(_clean(raw, multiline=False).split())
    if value and not _ENTITY_CHARS.fullmatch(value):
        raise InvalidAnswer("entity_chars")
    if not 5 <= len(value) <= 64:
        raise InvalidAnswer("entity_length")
    if not any(ch.isdigit() for ch in value):
        raise InvalidAnswer("entity_no_digit")
    return value


def normalize_phone(raw: str) -> str:
    """An Indonesian mobile number as +628…; raises ValueError (InvalidAnswer) otherwise.

    Accepts 08…, 628… and +628… with spaces, dots, dashes or parentheses, and the common
    "+62 0812…"; the national form (0 + 9..12 digits) must have 10 to 13 digits.
    """
    compact = re.sub(r"[\s.\-()]", "", raw)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits or not _ascii_digits(digits):
        raise InvalidAnswer("phone_chars")
    if digits.startswith("62"):
        rest = digits[2:]
        national = rest if rest.startswith("0") else "0" + rest
    elif plus or not digits.startswith("0"):
        raise InvalidAnswer("phone_prefix")
    else:
        national = digits
    if not national.startswith("08"):
        raise InvalidAnswer("phone_prefix")
    if not 10 <= len(national) <= 13:
        raise InvalidAnswer("phone_length", count=len(national))
    return "+62" + national[1:]


_EMAIL = re.compile(
    r"(?=[^@]{1,64}@)"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def normalize_email(raw: str) -> str | None:
    """An email address (domain lower-cased), or None for "-" (no email)."""
    value = _clean(raw, multiline=False)
    if value.lower() in NO_EMAIL_WORDS:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidAnswer("email")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def mask_nik(nik: str) -> str:
    """All but the last four digits hidden: "3201234567890123" -> "************0123"."""
    digits = re.sub(r"[\s.\-]", "", nik)
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def _fold(text: str) -> str:
    """Typed option names compared loosely: case, emoji, punctuation and "_" do not matter."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("_", " ")))


# ---------------------------------------------------------------------------------------------
# The form.


@dataclass(frozen=True, slots=True)
class Offer:
    """A published DIP item offered on the form: what the form shows and hands back."""

    id: str
    title: str
    format: str


@dataclass(frozen=True, slots=True)
class FormInput:
    """One citizen action: kind is text, button, photo, document or command (anything else,
    such as sticker or voice, is refused politely); button presses carry ``data``."""

    kind: str
    text: str = ""
    data: str | None = None
    file_id: str | None = None


ButtonRows = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True, slots=True)
class FormOutput:
    """What to send back: HTML-safe ``text`` and inline ``buttons`` as (label, data) rows;
    ``done`` once submitted (``values`` then holds every field), ``cancelled`` after /batal."""

    text: str
    buttons: ButtonRows = ()
    done: bool = False
    cancelled: bool = False
    values: dict[str, str | None] = field(default_factory=dict)
    # The DIP item the citizen took instead of filing (the form is then closed, as cancelled).
    deflected: str | None = None

    def as_reply(self) -> Reply:
        return Reply(
            html=self.text,
            buttons=tuple(
                tuple(Button(label, data) for label, data in row) for row in self.buttons
            ),
        )


_COMMAND = re.compile(r"/([A-Za-z0-9_]+)(?:@\w+)?(?:\s.*)?", re.DOTALL)


def _command_of(inp: FormInput) -> str | None:
    """The command name ("batal"), "" for a malformed command, None when it is no command."""
    text = (inp.text or "").strip()
    match = _COMMAND.fullmatch(text)
    if match:
        return match.group(1).lower()
    return "" if inp.kind == "command" else None


class RequestForm:
    """One citizen's form; mutable, cheap, and fully described by ``to_dict()``."""

    def __init__(
        self,
        lang: str = "id",
        step: Step = Step.REQUESTER_KIND,
        values: dict[str, str | None] | None = None,
        editing: bool = False,
        email_for_receive: bool = False,
        offers: tuple[Offer, ...] = (),
        resume: Step | None = None,
    ) -> None:
        self.lang = lang if lang in LANGUAGES else "id"
        self._step = step
        # A key is present once its step is answered; None is a real answer (no email, no
        # document), so presence, not truthiness, tells what is still to be asked.
        self._values: dict[str, str | None] = dict(values or {})
        # Editing from the summary: after an answer, go to the first unanswered step or back
        # to the summary instead of walking through every following question.
        self._editing = editing
        # On the email step because delivery by email was chosen without an address.
        self._email_for_receive = email_for_receive
        # The DIP items offered on Step.DIP_OFFER (kept with the form: it survives a restart).
        self._offers = offers
        # Where the form goes when the citizen files anyway: the step it had reached after the
        # information was answered (the next question, or the summary after an edit).
        self._resume = resume

    # -- construction and persistence ----------------------------------------------------

    @classmethod
    def new(cls, lang: str = "id") -> RequestForm:
        return cls(lang=lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "lang": self.lang,
            "step": self._step.value,
            "values": dict(self._values),
            "editing": self._editing,
            "email_for_receive": self._email_for_receive,
            "offers": [[o.id, o.title, o.format] for o in self._offers],
            "resume": self._resume.value if self._resume is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RequestForm:
        """A form from ``to_dict()`` output; ValueError for anything else (start afresh)."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a request form of a known version")
        try:
            step = Step(str(data.get("step")))
        except ValueError:
            raise ValueError(f"unknown form step {data.get('step')!r}") from None
        values = data.get("values")
        if not isinstance(values, dict) or not set(values) <= set(FIELDS):
            raise ValueError("form values must be a dict of known fields")
        if any(v is not None and not isinstance(v, str) for v in values.values()):
            raise ValueError("form values must be strings or null")
        for s, (_, options) in _OPTIONS.items():
            if values.get(FIELD_OF[s]) not in (None, *options):
                raise ValueError(f"invalid {FIELD_OF[s]}: {values[FIELD_OF[s]]!r}")
        editing = data.get("editing", False)
        email_for_receive = data.get("email_for_receive", False)
        if not isinstance(editing, bool) or not isinstance(email_for_receive, bool):
            raise ValueError("form flags must be booleans")
        if email_for_receive and step is not Step.EMAIL:
            raise ValueError("email_for_receive outside the email step")
        if values.get("receive") == "email" and not values.get("email"):
            raise ValueError("delivery by email without an email address")
        raw_offers = data.get("offers", [])
        if not isinstance(raw_offers, list) or not all(
            isinstance(o, list) and len(o) == 3 and all(isinstance(v, str) for v in o)
            for o in raw_offers
        ):
            raise ValueError("offers must be a list of [id, title, format]")
        offers = tuple(Offer(*o) for o in raw_offers)
        if (step is Step.DIP_OFFER) != bool(offers):
            raise ValueError("DIP offers belong to the offer step, and it needs some")
        if step is Step.DIP_OFFER and "information" not in values:
            raise ValueError("a DIP offer without the information requested")
        resume = None
        if step is Step.DIP_OFFER:
            try:
                resume = Step(str(data.get("resume")))
            except ValueError:
                raise ValueError("a DIP offer without the step to resume") from None
            if resume not in (*FIELD_STEPS, Step.SUMMARY):
                raise ValueError(f"cannot resume a DIP offer at {resume.value!r}")
        form = cls(data.get("lang", "id"), step, values, editing, email_for_receive, offers, resume)
        if step in (Step.SUMMARY, Step.EDIT_MENU) and form._first_missing() is not None:
            raise ValueError("a form at its summary must be complete")
        return form

    # -- public API -------------------------------------------------------------------------

    @property
    def step(self) -> Step:
        return self._step

    @property
    def values(self) -> dict[str, str | None]:
        """The answers so far (a copy)."""
        return dict(self._values)

    def start(self) -> FormOutput:
        """The current question: the first one for a new form, where it left off otherwise."""
        if self._step is Step.REQUESTER_KIND and not self._values and not self._editing:
            out = self._ask()
            return FormOutput(self._t("intro") + out.text, out.buttons)
        return self._ask()

    def handle(self, inp: FormInput) -> FormOutput:
        if self._step in (Step.DONE, Step.CANCELLED):
            # Neither done nor cancelled again: a late message must not submit twice.
            return FormOutput(self._t("closed"))
        command = _command_of(inp) if inp.kind in ("command", "text") else None
        if command is not None:
            if command in CANCEL_COMMANDS:
                return self._cancel()
            if command in BACK_COMMANDS:
                return self._back()
            return self._ask(InvalidAnswer("unknown_command"))
        if self._step is Step.SUMMARY:
            return self._handle_summary(inp)
        if self._step is Step.EDIT_MENU:
            return self._handle_edit_menu(inp)
        if self._step is Step.DIP_OFFER:
            return self._handle_offer(inp)
        try:
            value = self._parse(inp)
        except InvalidAnswer as refused:
            return self._ask(refused)
        return self._store(value)

    def offer(self, offers: tuple[Offer, ...], note: str = "") -> FormOutput:
        """Offer published DIP items close to the information just answered.

        Called by the service right after the information step was answered (the form then
        waits on Step.DIP_OFFER): taking one closes the form with ``deflected`` set, "file the
        request anyway" goes on where the form would have gone. ``note`` is safe HTML shown
        first (an exempt item's explanation).
        """
        if not offers or "information" not in self._values:
            raise ValueError("offers need the information requested")
        self._offers = offers
        self._resume = self._step
        self._step = Step.DIP_OFFER
        out = self._ask()
        return FormOutput(f"{note}\n\n{out.text}" if note else out.text, out.buttons)

    def _handle_offer(self, inp: FormInput) -> FormOutput:
        go_on = (inp.kind == "button" and inp.data == DIP_GO) or (
            inp.kind == "text" and _fold(inp.text) in GO_ON_WORDS | {_fold(self._t("btn_dip_go"))}
        )
        if go_on:
            self._offers = ()
            self._step = self._resume or Step.PURPOSE
            self._resume = None
            return self._ask()
        if inp.kind == "button" and (inp.data or "").startswith(_DIP_TAKE):
            number = (inp.data or "")[len(_DIP_TAKE) :]
            if number.isdigit() and int(number) < len(self._offers):
                taken = self._offers[int(number)]
                self._step = Step.CANCELLED
                self._values.clear()  # nothing filed: no NIK kept
                self._offers, self._resume = (), None
                self._editing = self._email_for_receive = False
                return FormOutput(self._t("dip_taken"), cancelled=True, deflected=taken.id)
            return self._ask(InvalidAnswer("stale_button"))
        return self._ask(InvalidAnswer("choose_button"))

    # -- answers ----------------------------------------------------------------------------

    @property
    def _kind(self) -> str:
        return self._values.get("requester_kind") or "perorangan"

    def _parse(self, inp: FormInput) -> str | None:
        step = self._step
        if step in _OPTIONS:
            return self._choose(inp)
        if step is Step.ID_DOCUMENT:
            return self._document(inp)
        if inp.kind == "button":
            raise InvalidAnswer("stale_button")
        if inp.kind != "text":
            raise InvalidAnswer("text_expected")
        return validate_step(step, inp.text, requester_kind=self._kind)

    def _choose(self, inp: FormInput) -> str:
        choices = self._choices()
        if inp.kind == "button":
            for value, data, _ in choices:
                if inp.data == data:
                    return value
            raise InvalidAnswer("stale_button")
        if inp.kind == "text":
            picked = option_for_text(self._step, inp.text, self._kind)
            if picked is not None:
                return picked
        raise InvalidAnswer("choose_button")

    def _document(self, inp: FormInput) -> str | None:
        if inp.kind in ("photo", "document") and inp.file_id:
            return inp.file_id
        if inp.kind == "button":
            if inp.data == "rf:skip":
                return None
            raise InvalidAnswer("stale_button")
        if inp.kind == "text" and _fold(inp.text) in SKIP_WORDS:
            return None
        raise InvalidAnswer("doc_expected")

    def _store(self, value: str | None) -> FormOutput:
        step = self._step
        if step is Step.EMAIL:
            if value is None and self._email_for_receive:
                return self._ask(InvalidAnswer("email_required"))
            if value is None and self._values.get("receive") == "email":
                return self._ask(InvalidAnswer("email_in_use"))
            self._values["email"] = value
            if self._email_for_receive:
                self._email_for_receive = False
                self._values["receive"] = "email"
                step = Step.RECEIVE  # continue as if delivery had just been answered
        elif step is Step.RECEIVE and value == "email" and not self._values.get("email"):
            self._email_for_receive = True
            self._step = Step.EMAIL
            return self._ask()
        elif step is Step.REQUESTER_KIND and self._values.get("requester_kind") not in (
            None,
            value,
        ):
            for key in ("name", "id_number", "id_document_file_id"):
                self._values.pop(key, None)
            self._values["requester_kind"] = value
        else:
            self._values[FIELD_OF[step]] = value
        return self._advance(step)

    def _advance(self, answered: Step) -> FormOutput:
        index = FIELD_STEPS.index(answered)
        following = None
        if not self._editing and index + 1 < len(FIELD_STEPS):
            following = FIELD_STEPS[index + 1]
        upcoming = following or self._first_missing()
        if upcoming is None:
            return self._show_summary()
        self._step = upcoming
        return self._ask()

    def _first_missing(self) -> Step | None:
        for step in FIELD_STEPS:
            if FIELD_OF[step] not in self._values:
                return step
        return None

    # -- commands -----------------------------------------------------------------------------

    def _cancel(self) -> FormOutput:
        self._step = Step.CANCELLED
        self._values.clear()  # no NIK left behind in stored conversation state
        self._editing = self._email_for_receive = False
        return FormOutput(self._t("cancelled"), cancelled=True)

    def _back(self) -> FormOutput:
        step = self._step
        if step is Step.EDIT_MENU:
            return self._show_summary()
        if step is Step.SUMMARY:
            self._step = Step.RECEIVE
            return self._ask()
        if step is Step.DIP_OFFER:
            # Answered again, the information returns to where the form had reached: the
            # summary when it was being edited from there.
            self._editing = self._editing or self._resume is Step.SUMMARY
            self._offers, self._resume = (), None
            self._step = Step.INFORMATION
            return self._ask()
        if self._email_for_receive:
            self._email_for_receive = False
            self._step = Step.RECEIVE
            return self._ask()
        if self._editing and self._first_missing() is None:
            return self._show_summary()  # leave the edit, the old answer stays
        index = FIELD_STEPS.index(step)
        if index == 0:
            out = self._ask()
            return FormOutput(self._t("first_step") + "\n\n" + out.text, out.buttons)
        self._step = FIELD_STEPS[index - 1]
        return self._ask()

    # -- summary and edit menu ----------------------------------------------------------------

    def _show_summary(self) -> FormOutput:
        self._step = Step.SUMMARY
        self._editing = False
        return self._ask()

    def _handle_summary(self, inp: FormInput) -> FormOutput:
        try:
            action = self._choose(inp)
        except InvalidAnswer as refused:
            return self._ask(refused)
        if action == "cancel":
            return self._cancel()
        if action == "edit":
            self._step = Step.EDIT_MENU
            return self._ask()
        result = {key: self._values.get(key) for key in FIELDS}
        self._step = Step.DONE
        self._values.clear()
        return FormOutput(self._t("submitted"), done=True, values=result)

    def _handle_edit_menu(self, inp: FormInput) -> FormOutput:
        try:
            picked = self._choose(inp)
        except InvalidAnswer as refused:
            return self._ask(refused)
        if picked == "summary":
            return self._show_summary()
        self._step = Step(picked)
        self._editing = True
        return self._ask()

    # -- rendering ------------------------------------------------------------------------------

    def _t(self, key: str, **values: Any) -> str:
        return form_text(key, self.lang, **values)

    def _keyed(self, prefix: str, step: Step) -> str:
        return _keyed(prefix, step, self._kind)

    def _choices(self) -> list[tuple[str, str, str]]:
        return _choices_for(self._step, self._kind, self.lang)

    def _buttons(self) -> ButtonRows:
        choices = [(label, data) for _, data, label in self._choices()]
        step = self._step
        if step is Step.SUMMARY:
            return (tuple(choices),)
        if step is Step.EDIT_MENU:
            *fields, back = choices
            return (*_rows(fields, 2), (back,))
        if step is Step.DIP_OFFER:
            taken = tuple(
                (("📄 " + _short(o.title, _BUTTON_TITLE), f"{_DIP_TAKE}{n}"),)
                for n, o in enumerate(self._offers)
            )
            return (*taken, ((self._t("btn_dip_go"), DIP_GO),))
        return _rows(choices, 1 if step is Step.ID_DOCUMENT else 2)

    def _ask(self, refused: InvalidAnswer | None = None) -> FormOutput:
        """The current step's question, after the reason the last answer was refused."""
        parts = []
        if refused is not None:
            parts.append(self._t(f"err_{refused.reason}", **refused.params))
        parts.append(self._question())
        return FormOutput("\n\n".join(parts), self._buttons())

    def _question(self) -> str:
        step = self._step
        if step is Step.SUMMARY:
            return self._summary()
        if step is Step.EDIT_MENU:
            return self._t("edit_menu")
        if step is Step.DIP_OFFER:
            lines = "\n".join(
                self._t("dip_offer_line", title=o.title, format=o.format) for o in self._offers
            )
            return self._t("dip_offer", items=Markup(lines))
        if step in (Step.DONE, Step.CANCELLED):
            return self._t("closed")
        if step is Step.EMAIL and self._email_for_receive:
            text = self._t("q_email_for_receive")
        else:
            text = self._t(self._keyed("q", step))
        text = self._t("progress", n=FIELD_STEPS.index(step) + 1) + text
        key = FIELD_OF[step]
        if key in self._values and not self._email_for_receive:
            text += self._t("current", value=Markup(self._display(step, _CURRENT_PREVIEW)))
        return text

    def _display(self, step: Step, limit: int | None = None) -> str:
        """The answer of ``step`` as safe HTML: escaped, masked or translated."""
        value = self._values.get(FIELD_OF[step])
        if step is Step.ID_DOCUMENT:
            return self._t("doc_attached" if value else "doc_skipped")
        if value is None:
            return self._t("none")
        if step in _OPTIONS:
            return self._t(f"opt_{_OPTIONS[step][0]}_{value}")
        if step is Step.ID_NUMBER and self._kind == "perorangan":
            value = mask_nik(value)
        suffix = ""
        if limit is not None and len(value) > limit:
            value, suffix = value[:limit].rstrip(), self._t("truncated")
        return html.escape(value, quote=False) + suffix

    def _summary(self) -> str:
        lines = [self._t("summary_title"), ""]
        for step in FIELD_STEPS:
            label = self._t(self._keyed("label", step))
            value = self._display(step, _SUMMARY_PREVIEW.get(step.value))
            sep = "\n" if step in _MULTILINE else " "
            lines.append(f"<b>{label}:</b>{sep}{value}")
        lines += ["", self._t("summary_footer")]
        return "\n".join(lines)


def _keyed(prefix: str, step: Step, kind: str) -> str:
    return f"{prefix}_{step.value}_{kind}" if step in _BY_KIND else f"{prefix}_{step.value}"


def _choices_for(step: Step, kind: str, lang: str) -> list[tuple[str, str, str]]:
    """(value, callback data, label) of the buttons ``step`` offers."""
    if step in _OPTIONS:
        short, options = _OPTIONS[step]
        return [(o, f"rf:{short}:{o}", form_text(f"opt_{short}_{o}", lang)) for o in options]
    if step is Step.SUMMARY:
        return [
            ("send", "rf:send", form_text("btn_send", lang)),
            ("edit", "rf:edit", form_text("btn_edit", lang)),
            ("cancel", "rf:cancel", form_text("btn_cancel", lang)),
        ]
    if step is Step.EDIT_MENU:
        fields = [
            (s.value, f"rf:edit:{s.value}", form_text(_keyed("label", s, kind), lang))
            for s in FIELD_STEPS
        ]
        return [*fields, ("summary", "rf:summary", form_text("btn_summary", lang))]
    if step is Step.ID_DOCUMENT:
        return [("skip", "rf:skip", form_text("btn_skip", lang))]
    return []


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rows(items: list[tuple[str, str]], width: int) -> ButtonRows:
    return tuple(tuple(items[i : i + width]) for i in range(0, len(items), width))


_VALIDATORS = {
    Step.NAME: validate_name,
    Step.ADDRESS: validate_address,
    Step.OCCUPATION: validate_occupation,
    Step.EMAIL: normalize_email,
    Step.PHONE: normalize_phone,
    Step.INFORMATION: validate_information,
    Step.PURPOSE: validate_purpose,
}


def validate_step(step: Step, raw: str, requester_kind: str = "perorangan") -> str | None:
    """The validator of a text step applied to ``raw``; raises InvalidAnswer when refused."""
    if step is Step.ID_NUMBER:
        if requester_kind == "badan_hukum":
            return normalize_entity_number(raw)
        return normalize_nik(raw)
    return _VALIDATORS[step](raw)


def option_for_text(step: Step, raw: str, requester_kind: str = "perorangan") -> str | None:
    """The option a typed answer names on a button step ("salinan softcopy"), in either
    language, else None."""
    typed = _fold(raw)
    if not typed:
        return None
    for lang in LANGUAGES:
        for value, _, label in _choices_for(step, requester_kind, lang):
            if typed in (_fold(value), _fold(label)):
                return value
    return None
