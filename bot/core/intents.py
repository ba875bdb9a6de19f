"""Recognizes a citizen asking for a person instead of the bot ("mau bicara dengan petugas").

A wish to talk to a person is a *request*: a verb of talking or connecting whose object is a
person ("bicara dengan petugas", "sambungkan ke admin", "talk to a human"), or a person word
called out with a request particle ("admin dong", "petugas tolong"). A message that merely
*mentions* officers is a question the knowledge base may answer: "kapan live chat dilayani
oleh petugas?" (the officer is the agent of another verb), "bagaimana cara mengadukan
petugas?" (the officer is the object of a complaint), "berapa jumlah petugas KPPS?". So the
person must follow the talking verb with nothing but prepositions and modifiers between
them, and a message that asks when, why, how much or who is a question unless it also says
"I want" before the talking verb.
"""

from __future__ import annotations

import re

from faq import normalize

_PERSON = (
    r"(petugas|admin|operator|orang|manusia|pegawai|staf|staff|cs|customer service|"
    r"human|humans|agent|person|officer|someone|somebody|representative|live agent|"
    r"people|real person|pelayan|karyawan)"
)
# Verbs of talking, contacting or being put through (not "ask", "report", "complain":
# "lapor ke petugas" is about a procedure).
_TALK = (
    r"(bicara|berbicara|ngomong|ngobrol|mengobrol|chat|chatting|chattingan|hubungi|"
    r"menghubungi|dihubungkan|hubungkan|sambungkan|disambungkan|sambung|tersambung|"
    r"terhubung|dialihkan|alihkan|oper|diteruskan|teruskan|dilayani|talk|speak|chat|"
    r"contact|connect|connected|transfer|transferred|reach|call|panggil|panggilkan|"
    r"panggilin|sambungin|hubungin|terusin)"
)
# What may stand between the verb and the person: prepositions, articles, modifiers.
_LINK = (
    r"(dengan|sama|ke|kepada|pada|dgn|with|to|a|an|the|one|of|your|saya|aku|langsung|"
    r"seorang|salah|satu|yang|asli|beneran|sungguhan|nyata|real|live|actual|saja|aja|"
    r"dong|please|tolong|segera|sekarang|now|me|us|kami|oleh|by|para|bapak|ibu)"
)
_RE_TALK = re.compile(rf"\b{_TALK}\b(\s+{_LINK}\b){{0,3}}\s+{_PERSON}\b")
# "admin dong", "petugas tolong", "operator please", "min tolong".
_RE_CALL = re.compile(rf"^(\S+\s+)?{_PERSON}(\s+\S+)?\s+(tolong|please|dong|plis|pls)\b")
_RE_CALL_FIRST = re.compile(rf"^(tolong|please|plis|pls)\s+{_PERSON}\b")
# A first-person wish: it keeps a message with a question word a request ("kapan saya bisa
# bicara dengan petugas" stays a question, "saya mau bicara dengan petugas kapan saja" not).
_WISH = re.compile(
    r"\b(mau|ingin|pengen|minta|butuh|perlu|tolong|mohon|bisa|boleh|bisakah|bolehkah|"
    r"cara|caranya|want|need|would like|wanna|let me|can i|could i|may i|can you|could you|"
    r"please)\b"
)
# Questions about something else: when, why, how much, who, what, whether the officers do X.
_QUESTION = re.compile(
    r"\b(kapan|jam berapa|berapa|mengapa|kenapa|siapa|siapakah|apa|apakah|bagaimana|"
    r"di mana|ke mana|when|why|how many|how much|what|who|whom|where|which|how|is|are|do|"
    r"does|did)\b"
)
_EXACT = {
    "petugas",
    "admin",
    "operator",
    "cs",
    "human",
    "agent",
    "officer",
    "manusia",
    "orang",
    "staf",
    "staff",
    "human please",
    "real person",
    "live agent",
    "customer service",
}


def wants_person(text: str) -> bool:
    """True for "mau bicara dengan petugas", "min sambungkan ke admin", "talk to a human"."""
    normalized = normalize(text)
    plain = " ".join(re.findall(r"[a-z]+", text.lower()))
    for form in (normalized, plain):
        if form in _EXACT or _RE_CALL.search(form) or _RE_CALL_FIRST.search(form):
            return True
    for form in (normalized, plain):
        talk = _RE_TALK.search(form)
        if talk is None:
            continue
        before = form[: talk.start()]
        question = _QUESTION.search(before)
        # A wish word before the talking verb, after any question word: "mau bicara ...",
        # "bisa chat sama orang asli?", "can I speak to an officer".
        wish = _WISH.search(before[question.end() :] if question else before)
        if question is None or wish is not None:
            return True
    return False
