"""Validation of ``POST /{phone_number_id}/messages`` bodies, with Meta's limits and codes.

Structural problems answer code 100 ("Invalid parameter"), a missing field inside a message
object 131008 ("Required parameter is missing") and a value past a documented limit 131009
("Parameter value is not valid"), each with a human ``error_data.details`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import SentWaMessage, StoredMedia, WaApiError

TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTON_BODY_MAX = 1024
LIST_BODY_MAX = 4096
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
MAX_SECTIONS = 10
MAX_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24

MESSAGE_TYPES = frozenset(
    {
        "text",
        "interactive",
        "document",
        "image",
        "template",
        "audio",
        "video",
        "sticker",
        "location",
        "contacts",
        "reaction",
    }
)


def invalid(details: str) -> WaApiError:
    return WaApiError(100, "Invalid parameter", details)


def missing(details: str) -> WaApiError:
    return WaApiError(131008, "Required parameter is missing", details)


def not_valid(details: str) -> WaApiError:
    return WaApiError(131009, "Parameter value is not valid", details)


def _object(parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        raise missing(f"Param {where}['{key}'] is required.")
    if not isinstance(value, dict):
        raise invalid(f"Param {where}['{key}'] must be a JSON object.")
    return value


def _string(
    parent: Mapping[str, Any],
    key: str,
    where: str,
    *,
    max_len: int | None = None,
    required: bool = True,
) -> str | None:
    value = parent.get(key)
    if value is None or value == "":
        if required:
            raise missing(f"Param {where}['{key}'] is required.")
        return None
    if not isinstance(value, str):
        raise invalid(f"Param {where}['{key}'] must be a string.")
    if max_len is not None and len(value) > max_len:
        raise not_valid(f"Param {where}['{key}'] must be at most {max_len} characters long.")
    return value


def _length_rule(value: str, what: str, max_len: int) -> None:
    if not 1 <= len(value) <= max_len:
        raise not_valid(f"{what} length invalid. Min length: 1, Max length: {max_len}")


def normalize_recipient(to: Any) -> str:
    """``to`` may carry ``+``, spaces or dashes; Meta keeps only the digits as ``wa_id``."""
    if not isinstance(to, str | int) or isinstance(to, bool):
        raise invalid("Param to must be a string.")
    digits = "".join(ch for ch in str(to) if ch.isdigit())
    if not 8 <= len(digits) <= 15:
        raise invalid(f"Param to is not a valid WhatsApp phone number: {to!r}")
    return digits


def parse_message(
    body: Mapping[str, Any],
    media: Mapping[str, StoredMedia],
    templates: Mapping[str, set[str]],
) -> SentWaMessage:
    """Validate a send request; returns the record (``wamid`` still empty) or raises."""
    if body.get("messaging_product") != "whatsapp":
        if "messaging_product" not in body:
            raise invalid("The parameter messaging_product is required.")
        raise invalid("Param messaging_product must be 'whatsapp'.")
    recipient_type = body.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid(f"Param recipient_type must be 'individual', not {recipient_type!r}.")
    if "to" not in body:
        raise invalid("The parameter to is required.")
    to = normalize_recipient(body["to"])
    kind = body.get("type", "text")
    if kind not in MESSAGE_TYPES:
        raise invalid(f"Param type must be one of {sorted(MESSAGE_TYPES)}, not {kind!r}.")
    sent = SentWaMessage(to=to, type=kind, wamid="", payload=dict(body))
    context = body.get("context")
    if context is not None:
        if not isinstance(context, dict) or not isinstance(context.get("message_id"), str):
            raise invalid("Param context['message_id'] must be a message id string.")
        sent.context_wamid = context["message_id"]
    content = _object(body, kind, "")
    if kind == "text":
        text = _string(content, "body", "text")
        assert text is not None
        if len(text) > TEXT_MAX:
            raise invalid(f"Param text['body'] must be at most {TEXT_MAX} characters long.")
        sent.text = text
    elif kind == "interactive":
        _parse_interactive(content, sent)
    elif kind in ("document", "image", "audio", "video", "sticker"):
        _parse_media(kind, content, sent, media)
    elif kind == "template":
        _parse_template(content, sent, templates)
    elif kind == "location":
        for key in ("latitude", "longitude"):
            if not isinstance(content.get(key), int | float | str):
                raise missing(f"Param location['{key}'] is required.")
    elif kind == "reaction":
        _string(content, "message_id", "reaction")
    return sent


def _parse_interactive(content: dict[str, Any], sent: SentWaMessage) -> None:
    itype = content.get("type")
    if itype not in ("button", "list", "cta_url"):
        raise invalid(f"Param interactive['type'] must be button, list or cta_url, not {itype!r}.")
    sent.interactive_type = itype
    body = _object(content, "body", "interactive")
    body_max = BUTTON_BODY_MAX if itype == "button" else LIST_BODY_MAX
    sent.text = _string(body, "text", "interactive['body']", max_len=body_max)
    header = content.get("header")
    if header is not None:
        if not isinstance(header, dict) or "type" not in header:
            raise invalid("Param interactive['header'] must have a type.")
        if header["type"] == "text":
            sent.header = _string(header, "text", "interactive['header']", max_len=HEADER_TEXT_MAX)
        elif itype != "button":
            raise invalid(f"Param interactive['header']['type'] must be text for {itype}.")
    footer = content.get("footer")
    if footer is not None:
        if not isinstance(footer, dict):
            raise invalid("Param interactive['footer'] must be a JSON object.")
        sent.footer = _string(footer, "text", "interactive['footer']", max_len=FOOTER_MAX)
    action = _object(content, "action", "interactive")
    if itype == "button":
        _parse_buttons(action, sent)
    elif itype == "list":
        _parse_list(action, sent)


def _parse_buttons(action: dict[str, Any], sent: SentWaMessage) -> None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise missing("Param interactive['action']['buttons'] is required.")
    if len(buttons) > MAX_BUTTONS:
        raise not_valid(
            f"Param interactive['action']['buttons'] has {len(buttons)} elements; "
            f"max allowed: {MAX_BUTTONS}"
        )
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") != "reply":
            raise invalid("Param interactive['action']['buttons'][]['type'] must be 'reply'.")
        reply = _object(button, "reply", "interactive['action']['buttons'][]")
        button_id = _string(reply, "id", "buttons[]['reply']")
        title = _string(reply, "title", "buttons[]['reply']")
        assert button_id is not None and title is not None
        _length_rule(title, "Button title", BUTTON_TITLE_MAX)
        _length_rule(button_id, "Button id", BUTTON_ID_MAX)
        sent.buttons.append({"id": button_id, "title": title})
    ids = sent.button_ids
    if len(set(ids)) != len(ids):
        raise not_valid("Duplicate buttons: button ids must be unique.")
    titles = [button["title"] for button in sent.buttons]
    if len(set(titles)) != len(titles):
        raise not_valid("Duplicate buttons: button titles must be unique.")


def _parse_list(action: dict[str, Any], sent: SentWaMessage) -> None:
    label = _string(action, "button", "interactive['action']")
    assert label is not None
    _length_rule(label, "Button label", LIST_BUTTON_MAX)
    sent.list_button = label
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise missing("Param interactive['action']['sections'] is required.")
    if len(sections) > MAX_SECTIONS:
        raise not_valid(f"Too many sections: {len(sections)}; max allowed: {MAX_SECTIONS}")
    for section in sections:
        if not isinstance(section, dict):
            raise invalid("Param interactive['action']['sections'][] must be a JSON object.")
        title = _string(
            section, "title", "sections[]", max_len=SECTION_TITLE_MAX, required=len(sections) > 1
        )
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise missing("Param sections[]['rows'] is required.")
        for row in rows:
            if not isinstance(row, dict):
                raise invalid("Param sections[]['rows'][] must be a JSON object.")
            row_id = _string(row, "id", "rows[]")
            row_title = _string(row, "title", "rows[]")
            assert row_id is not None and row_title is not None
            _length_rule(row_title, "Row title", ROW_TITLE_MAX)
            _length_rule(row_id, "Row id", ROW_ID_MAX)
            entry = {"id": row_id, "title": row_title}
            description = _string(
                row, "description", "rows[]", max_len=ROW_DESCRIPTION_MAX, required=False
            )
            if description is not None:
                entry["description"] = description
            if title is not None:
                entry["section"] = title
            sent.rows.append(entry)
    if len(sent.rows) > MAX_ROWS:
        raise not_valid(f"Total row count exceed max allowed count: {MAX_ROWS}")
    ids = sent.row_ids
    if len(set(ids)) != len(ids):
        raise not_valid("Row ids must be unique across all sections.")


def _parse_media(
    kind: str, content: dict[str, Any], sent: SentWaMessage, media: Mapping[str, StoredMedia]
) -> None:
    link, media_id = content.get("link"), content.get("id")
    if (link is None) == (media_id is None):
        raise invalid(f"Param {kind} must have exactly one of 'link' or 'id'.")
    if link is not None and (
        not isinstance(link, str) or not link.startswith(("http://", "https://"))
    ):
        raise invalid(f"Param {kind}['link'] must be a valid http(s) URL.")
    stored = None
    if media_id is not None:
        stored = media.get(str(media_id))
        if stored is None:
            raise invalid(f"Param {kind}['id'] is not a valid media id: {media_id!r}")
        sent.media_data = stored.data
    if kind in ("audio", "sticker") and "caption" in content:
        raise invalid(f"Param {kind}['caption'] is not supported for {kind} messages.")
    caption = _string(content, "caption", kind, max_len=CAPTION_MAX, required=False)
    sent.text = caption
    info = dict(content)
    if kind == "document":
        _string(content, "filename", "document", max_len=240, required=False)
        if stored is not None:
            info.setdefault("mime_type", stored.mime_type)
        sent.document = info
    else:
        if "filename" in content:
            raise invalid(f"Param {kind}['filename'] is not supported for {kind} messages.")
        if stored is not None:
            info.setdefault("mime_type", stored.mime_type)
        if kind == "image":
            sent.image = info
        else:
            sent.media = info


def _parse_template(
    content: dict[str, Any], sent: SentWaMessage, templates: Mapping[str, set[str]]
) -> None:
    name = _string(content, "name", "template", max_len=512)
    language = _object(content, "language", "template")
    code = _string(language, "code", "template['language']")
    components = content.get("components")
    if components is not None and not isinstance(components, list):
        raise invalid("Param template['components'] must be an array.")
    if templates:
        if name not in templates:
            raise WaApiError(
                132001,
                "Template name does not exist in the translation",
                f"template name ({name}) does not exist in {code}",
            )
        if code not in templates[name]:
            raise WaApiError(
                132001,
                "Template name does not exist in the translation",
                f"template name ({name}) does not exist in {code}",
            )
    sent.template = dict(content)
