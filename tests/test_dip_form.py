"""The request form's offer of published DIP items (pure state machine): take one, file
anyway, go back, survive a restart, refuse stale buttons."""

from __future__ import annotations

import pytest

from bot.core.formal.request_form import (
    DIP_GO,
    FormInput,
    Offer,
    RequestForm,
    Step,
)

NIK = "3271012345678901"
OFFERS = (
    Offer("laporan-keuangan", "Laporan Keuangan 2025", "PDF"),
    Offer("dipa", "DIPA 2026", "PDF"),
)


def text(value: str) -> FormInput:
    return FormInput(kind="text", text=value)


def button(data: str) -> FormInput:
    return FormInput(kind="button", data=data)


def at_information(editing: bool = False) -> RequestForm:
    """A form whose information step was just answered (now on the purpose question)."""
    form = RequestForm.new("id")
    form.start()
    for inp in (
        button("rf:type:perorangan"),
        text("Tono Wijaya"),
        text(NIK),
        text("lewati"),
        text("Jl. Merdeka No. 10, Kota Kenanga"),
        text("Wiraswasta"),
        text("0812-3456-7890"),
        text("-"),
        text("Laporan keuangan Bawaslu tahun 2025"),
    ):
        form.handle(inp)
    assert form.step is Step.PURPOSE
    return form


def test_taking_an_offered_item_closes_the_form_without_personal_data() -> None:
    form = at_information()
    out = form.offer(OFFERS, note="<b>catatan</b>")
    assert form.step is Step.DIP_OFFER
    assert out.text.startswith("<b>catatan</b>\n\n") and "Laporan Keuangan 2025" in out.text
    datas = [data for row in out.buttons for _, data in row]
    assert datas == ["rf:dip:0", "rf:dip:1", DIP_GO]
    taken = form.handle(button("rf:dip:1"))
    assert taken.deflected == "dipa" and taken.cancelled and not taken.done
    assert form.values == {} and form.step is Step.CANCELLED
    # A late press changes nothing and counts nothing.
    late = form.handle(button("rf:dip:0"))
    assert late.deflected is None


@pytest.mark.parametrize("go_on", [button(DIP_GO), text("lanjut"), text("Tetap ajukan permohonan")])
def test_filing_anyway_goes_on_to_the_purpose(go_on: FormInput) -> None:
    form = at_information()
    form.offer(OFFERS)
    out = form.handle(go_on)
    assert form.step is Step.PURPOSE and "(10/12)" in out.text and out.deflected is None
    assert form.values["information"] == "Laporan keuangan Bawaslu tahun 2025"


def test_back_from_the_offer_asks_the_information_again() -> None:
    form = at_information()
    form.offer(OFFERS)
    out = form.handle(text("/kembali"))
    assert form.step is Step.INFORMATION and "(9/12)" in out.text


@pytest.mark.parametrize("inp", [button("rf:dip:7"), button("rf:dip:x"), button("rf:skip")])
def test_stale_or_forged_buttons_on_the_offer_ask_again(inp: FormInput) -> None:
    form = at_information()
    form.offer(OFFERS)
    out = form.handle(inp)
    assert form.step is Step.DIP_OFFER and out.deflected is None
    assert [d for row in out.buttons for _, d in row][-1] == DIP_GO


def test_typed_text_on_the_offer_asks_for_a_button() -> None:
    form = at_information()
    form.offer(OFFERS)
    out = form.handle(text("apa ini"))
    assert form.step is Step.DIP_OFFER and "pilih salah satu tombol" in out.text


def test_the_offer_survives_a_restart() -> None:
    form = at_information()
    form.offer(OFFERS)
    again = RequestForm.from_dict(form.to_dict())
    assert again.step is Step.DIP_OFFER
    assert again.handle(button("rf:dip:0")).deflected == "laporan-keuangan"


def test_a_form_saved_before_offers_existed_still_loads() -> None:
    data = at_information().to_dict()
    del data["offers"]
    assert RequestForm.from_dict(data).step is Step.PURPOSE


@pytest.mark.parametrize(
    "change",
    [
        {"step": "dip_offer", "offers": []},
        {"offers": [["a", "b", "c"]]},
        {"step": "dip_offer", "offers": [["a", "b"]]},
        {"step": "dip_offer", "offers": "x"},
        {"step": "dip_offer", "offers": [["a", "b", "c"]], "resume": "done"},
        {"step": "dip_offer", "offers": [["a", "b", "c"]], "resume": None},
    ],
)
def test_a_damaged_offer_state_is_refused(change: dict[str, object]) -> None:
    data = {**at_information().to_dict(), **change}
    with pytest.raises(ValueError):
        RequestForm.from_dict(data)


def edited_from_the_summary() -> RequestForm:
    form = at_information()
    for inp in (
        text("Bahan kajian"),
        button("rf:obtain:melihat"),
        button("rf:receive:langsung"),
        button("rf:edit"),
        button("rf:edit:information"),
        text("Laporan keuangan Bawaslu tahun 2024"),
    ):
        form.handle(inp)
    return form


# Regression: filing anyway after editing the information from the summary walked the citizen
# through the purpose and every later question again instead of returning to the summary.
def test_filing_anyway_after_editing_the_information_returns_to_the_summary() -> None:
    form = edited_from_the_summary()
    form.offer(OFFERS)
    out = RequestForm.from_dict(form.to_dict()).handle(button(DIP_GO))
    assert "2024" in out.text and "Ringkasan" in out.text


def test_back_from_an_offer_after_an_edit_still_returns_to_the_summary() -> None:
    form = edited_from_the_summary()
    form.offer(OFFERS)
    form.handle(text("/kembali"))
    assert form.step is Step.INFORMATION
    form.handle(text("Laporan keuangan Bawaslu tahun 2023"))
    assert form.step is Step.SUMMARY


def test_the_request_button_after_a_deflection_is_the_desks() -> None:
    from bot.core.desk import REQUEST_CALLBACK
    from bot.core.formal.requests import REQUEST_BUTTON

    assert REQUEST_BUTTON == REQUEST_CALLBACK
