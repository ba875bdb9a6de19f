"""Recognizes a citizen asking for a person instead of the bot ("mau bicara dengan petugas")."""

from __future__ import annotations

import re

from faq import normalize

# A wish (talk/contact/connect/ask for) next to a person word, in either order, within a few
# words; normalized text, so slang such as "mo ngomong sm admin" is already folded.
_PERSON = (
    r"(petugas|admin|operator|orang|manusia|pegawai|staf|staff|cs|customer service|"
    r"human|agent|person|officer|someone|somebody|representative|live agent)"
)
_WISH = (
    r"(bicara|berbicara|ngomong|ngobrol|chat|hubungi|menghubungi|dihubungkan|sambungkan|"
    r"disambungkan|minta|mau|ingin|pengen|butuh|perlu|talk|speak|contact|connect|need|want)"
)
_RE = re.compile(
    rf"\b{_WISH}\b(\s+\S+){{0,3}}\s+\b{_PERSON}\b|\b{_PERSON}\b(\s+\S+){{0,2}}\s+\b(tolong|please|dong)\b"
)
_EXACT = {"petugas", "admin", "operator", "cs", "human", "agent", "officer"}
# Questions *about* becoming an officer or supervisor are FAQ questions, not a wish to talk.
_ABOUT_JOBS = re.compile(
    r"\b(jadi|menjadi|daftar|mendaftar|pendaftaran|rekrutmen|seleksi|lowongan|sebagai|"
    r"become|apply|job|recruit\w*)\b"
)


def wants_person(text: str) -> bool:
    """True for "mau bicara dengan petugas", "min sambungkan ke admin", "talk to a human"."""
    normalized = normalize(text)
    plain = " ".join(re.findall(r"[a-z]+", text.lower()))
    if plain in _EXACT or normalized in _EXACT:
        return True
    if _ABOUT_JOBS.search(normalized) or _ABOUT_JOBS.search(plain):
        return False
    return bool(_RE.search(normalized) or _RE.search(plain))
