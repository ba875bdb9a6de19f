"""Outgoing rows rendered for WhatsApp: HTML to WhatsApp markup, long texts split, inline
buttons as reply buttons or a list."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, ClassVar

# Limits of the Cloud API's message objects
# (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTON_BODY_MAX = 1024
LIST_BODY_MAX = 4096
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
MAX_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
LIST_BUTTON = {"id": "Pilih", "en": "Choose"}
LIST_MORE = {"id": "Pilihan lainnya:", "en": "More choices:"}


class _Markup(HTMLParser):
    """Telegram's HTML subset to WhatsApp's markup (*bold*, _italic_, ~strike~, ```mono```)."""

    MARKS: ClassVar[dict[str, str]] = {
        "b": "*",
        "strong": "*",
        "i": "_",
        "em": "_",
        "s": "~",
        "strike": "~",
        "del": "~",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.mono = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag in ("code", "pre"):
            if self.mono == 0:
                self.out.append("```")
            self.mono += 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.MARKS:
            self.out.append(self.MARKS[tag])
        elif tag in ("code", "pre") and self.mono:
            self.mono -= 1
            if self.mono == 0:
                self.out.append("```")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.out[start:])
            # Mentions (tg://) mean nothing on WhatsApp; web links stay visible and tappable.
            if href.startswith(("http://", "https://")) and href not in shown:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def whatsapp_text(html: str) -> str:
    """Render a message written for Telegram's parse_mode HTML as WhatsApp text."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return "".join(parser.out).strip()


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Cut at paragraph, line or word breaks so every part fits ``limit``."""
    parts: list[str] = []
    while len(text) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, 0, limit)
            if cut >= limit // 2:
                break
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not parts:
        parts.append(text)
    return parts


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def interactive_messages(
    body: str, buttons: list[list[dict[str, str]]], lang: str
) -> list[tuple[str, dict[str, Any]]]:
    """Messages for a text with buttons: leading plain texts, then the interactive part(s).

    Up to three short choices become reply buttons; anything else becomes a list (ten rows
    per message; a long label is cut in the row title and kept whole in its description).
    Returns (type, object) pairs: ("text", {...}) or ("interactive", {...}).
    """
    choices: list[dict[str, str]] = []
    for row in buttons:
        for button in row:
            if all(c["data"] != button["data"] for c in choices):
                choices.append(button)
    labels = [c["label"] for c in choices]
    as_buttons = (
        len(choices) <= MAX_BUTTONS
        and all(len(label) <= BUTTON_TITLE_MAX for label in labels)
        and len(set(labels)) == len(labels)
    )
    body_max = BUTTON_BODY_MAX if as_buttons else LIST_BODY_MAX
    parts = split_text(body, TEXT_MAX)
    last = parts.pop()
    if len(last) > body_max:
        *more, last = split_text(last, body_max)
        parts.extend(more)
    out: list[tuple[str, dict[str, Any]]] = [("text", {"body": p}) for p in parts if p]
    action: dict[str, Any]
    if as_buttons:
        action = {
            "buttons": [
                {"type": "reply", "reply": {"id": c["data"], "title": c["label"]}} for c in choices
            ]
        }
        out.append(("interactive", {"type": "button", "body": {"text": last}, "action": action}))
        return out
    for start in range(0, len(choices), MAX_ROWS):
        rows = []
        for choice in choices[start : start + MAX_ROWS]:
            item = {"id": choice["data"], "title": _short(choice["label"], ROW_TITLE_MAX)}
            if len(choice["label"]) > ROW_TITLE_MAX:
                item["description"] = _short(choice["label"], ROW_DESCRIPTION_MAX)
            rows.append(item)
        text = last if start == 0 else LIST_MORE.get(lang, LIST_MORE["id"])
        action = {"button": LIST_BUTTON.get(lang, LIST_BUTTON["id"]), "sections": [{"rows": rows}]}
        out.append(("interactive", {"type": "list", "body": {"text": text}, "action": action}))
    return out
