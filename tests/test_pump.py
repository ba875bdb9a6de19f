"""The loop under the inbox worker and the outbox sender: a stop lets the work in hand finish.

A sender's pass claims its rows (they become "sending") and only then starts their sends. A
stop asked while a pass is between the two must wait for that pass and for the sends it
starts: returning at once left claimed rows "sending" when the process ended, and with
replicas a chat then waited out the whole claim lease (the likely cause of a rolling-restart
test that failed once in CI: some citizens' answers did not come within a minute).
"""

from __future__ import annotations

import asyncio

from bot.pump import Pump


class Claimer(Pump):
    """A pass that waits for its claim to commit, then starts one send per claimed row."""

    def __init__(self) -> None:
        super().__init__()
        self.in_pass = asyncio.Event()
        self.committed = asyncio.Event()
        self.sent: list[int] = []
        self.all_sent = asyncio.Event()
        self.passes = 0

    async def pass_once(self) -> float:
        self.passes += 1
        self.in_pass.set()
        await self.committed.wait()
        for row in (1, 2):
            task = asyncio.create_task(self.send(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return 60.0

    async def send(self, row: int) -> None:
        await asyncio.sleep(0)
        self.sent.append(row)
        if len(self.sent) == 2:
            self.all_sent.set()


async def test_stop_during_a_pass_waits_for_it_and_for_the_sends_it_starts() -> None:
    pump = Claimer()
    runner = asyncio.create_task(pump.run())
    await pump.in_pass.wait()
    stopping = asyncio.create_task(pump.stop())
    await asyncio.sleep(0.01)
    assert not stopping.done()  # the pass in hand has not finished
    pump.committed.set()
    await asyncio.wait_for(stopping, timeout=5)
    assert pump.sent == [1, 2]
    await asyncio.wait_for(runner, timeout=5)  # the loop ends on its own: no pass after a stop
    assert pump.passes == 1


async def test_stop_between_passes_returns_without_another_pass() -> None:
    pump = Claimer()
    pump.committed.set()
    runner = asyncio.create_task(pump.run())
    await pump.in_pass.wait()
    await asyncio.wait_for(pump.all_sent.wait(), timeout=5)  # the loop sleeps till the next pass
    await asyncio.wait_for(pump.stop(), timeout=5)
    await asyncio.wait_for(runner, timeout=5)
    assert pump.passes == 1 and pump.sent == [1, 2]


async def test_stop_of_a_pump_never_run_returns() -> None:
    await asyncio.wait_for(Claimer().stop(), timeout=5)
