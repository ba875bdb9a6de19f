"""The IKM satisfaction survey ([survey] mode = "ikm"): the nine elements of PermenPANRB
14/2017 asked one after another with 1-4 buttons and a skip button, each answer stored as it
comes (a survey left half way still counts the elements answered)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.callbacks import CallbackCodec
from bot.core.clock import Clock
from bot.core.dto import Button
from bot.core.ikm import ELEMENTS
from bot.core.postman import Postman
from bot.texts import t
from storage.models import Citizen, SurveyAnswer, Ticket

ACTION = "s"
SKIP = "0"


class SurveyService:
    def __init__(self, *, clock: Clock, postman: Postman, codec: CallbackCodec) -> None:
        self.clock = clock
        self.postman = postman
        self.codec = codec

    async def offer(self, session: AsyncSession, citizen: Citizen, ticket: Ticket) -> None:
        """The survey's first question, after the ticket's decision or close."""
        await self._ask(session, citizen, ticket, 0)

    async def _ask(self, session: AsyncSession, citizen: Citizen, ticket: Ticket, n: int) -> None:
        assert ticket.id is not None
        lang = citizen.language
        _, name_id, name_en = ELEMENTS[n]
        ticket_id, index = str(ticket.id), str(n)

        def button(label: str, score: str) -> tuple[Button]:
            return (Button(label, self.codec.pack(ACTION, ticket_id, index, score)),)

        buttons = (
            *(button(t(f"rating_{score}", lang), str(score)) for score in (4, 3, 2, 1)),
            button(t("survey_skip", lang), SKIP),
        )
        text = t(
            "survey_question",
            lang,
            n=n + 1,
            of=len(ELEMENTS),
            element=name_en if lang == "en" else name_id,
        )
        await self.postman.to_citizen(session, citizen, text, buttons=buttons, ticket=ticket)

    async def answer(self, session: AsyncSession, citizen: Citizen, args: tuple[str, ...]) -> bool:
        """A survey button (signed data: ticket, element, score or skip). False when the data
        is not a survey's, or not this citizen's ticket."""
        if len(args) != 3 or not all(a.isdigit() for a in args):
            return False
        ticket_id, n, score = int(args[0]), int(args[1]), int(args[2])
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.citizen_id != citizen.id or not 0 <= n < len(ELEMENTS):
            return False
        if score == 0:
            await self.postman.to_citizen(session, citizen, t("survey_skipped", citizen.language))
            return True
        if not 1 <= score <= 4:
            return False
        element = ELEMENTS[n][0]
        answered = await session.exec(
            select(SurveyAnswer).where(
                SurveyAnswer.ticket_id == ticket_id, SurveyAnswer.element == element
            )
        )
        if answered.first() is not None:
            return True  # a button pressed twice: the first answer stands, nothing asked again
        session.add(
            SurveyAnswer(
                ticket_id=ticket_id, element=element, score=score, created_at=self.clock.now()
            )
        )
        if n + 1 < len(ELEMENTS):
            await self._ask(session, citizen, ticket, n + 1)
        else:
            await self.postman.to_citizen(session, citizen, t("survey_thanks", citizen.language))
        return True
