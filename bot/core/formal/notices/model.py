"""What a notice is made of: the office, the request or objection, and the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

RequestDecisionKind = Literal["granted", "partly_granted", "rejected", "not_held", "extended"]
ObjectionDecisionKind = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class Office:
    name: str
    address: str = ""
    city: str = ""
    officer_title: str = "Pejabat Pengelola Informasi dan Dokumentasi"


@dataclass(frozen=True)
class RequestInfo:
    number: str
    received: date
    due: date
    requester_name: str
    requester_kind: str  # "perorangan" | "badan_hukum"
    nik_masked: str  # shown as given: the caller masks it
    address: str
    phone: str
    email: str | None
    information: str
    purpose: str
    obtain: str  # melihat | membaca | mendengarkan | mencatat | salinan_softcopy | salinan_hardcopy
    receive: str  # langsung | pos | kurir | email


@dataclass(frozen=True)
class Decision:
    kind: RequestDecisionKind
    decided: date
    officer_name: str
    note: str = ""
    exemption: str | None = None  # Pasal 17 letter "a".."j" (rejected, or the withheld part)
    reason: str = ""
    holder: str = ""  # the body that holds the information (not_held)
    what_given: str = ""
    format: str = ""
    cost: str = ""
    new_due: date | None = None  # extended
    objection_deadline: date | None = None  # 30 working days after the notice
    deliver_by: date | None = None  # when the information reaches the requester, if not now


@dataclass(frozen=True)
class ObjectionInfo:
    number: str
    request_number: str
    received: date
    due: date
    requester_name: str
    ground: str  # Pasal 35 ayat (1) letter "a".."g"
    explanation: str


@dataclass(frozen=True)
class ObjectionDecision:
    kind: ObjectionDecisionKind
    decided: date
    coordinator_name: str
    reason: str
    commission_deadline: date | None = None  # 14 working days, for the Komisi Informasi
