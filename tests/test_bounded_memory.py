"""Per-chat state held in memory forgets what no longer matters (issue 13, item 10): the send
limiter's windows and the WhatsApp sender's progress of long rows."""

from __future__ import annotations

from bot.channels.progress import PartProgress
from bot.ratelimit import SendLimiter, SlidingWindow


def test_a_window_forgets_keys_whose_events_left_it() -> None:
    window = SlidingWindow(1, 1.0)
    for chat in range(1000):
        window.record(chat, 0.5)
    assert len(window) == 1000  # all still limit the next send to their chat
    assert window.wait_time(7, 1.0) > 0
    window.record("late", 1.6)  # every earlier event is now more than a window old
    assert len(window) == 1
    assert window.wait_time(7, 1.6) == 0  # forgetting changed no answer


def test_a_window_keeps_a_key_with_an_event_still_inside_it() -> None:
    window = SlidingWindow(2, 10.0)
    window.record("old", 0.0)
    window.record("busy", 0.0)
    window.record("busy", 9.0)
    window.record("other", 10.5)  # "old" left the window, "busy" has one event inside
    assert len(window) == 2
    assert window.wait_time("busy", 10.5) == 0 and window.room("busy", 10.5) == 1


def test_the_limiter_holds_as_many_chats_as_were_sent_to_within_a_window() -> None:
    limiter = SendLimiter(global_per_second=30, private_per_second=1, group_per_minute=20)
    now = 0.0
    for chat in range(100_000):  # a long day of one message to each of many citizens
        now += 0.05
        limiter.record(str(chat), now)
    assert len(limiter.private_window) <= 2 * 1.03 / 0.05 + 1
    assert len(limiter.global_window) == 1


def test_progress_of_a_long_row_is_forgotten_when_done_or_when_stale() -> None:
    clock = [0.0]
    progress = PartProgress(ttl=3600.0, now=lambda: clock[0])
    progress.delivered(1, 2, "wamid.a")
    progress.delivered(2, 1, "wamid.b")
    assert progress.get(1) == (2, "wamid.a")
    progress.finished(1)
    assert progress.get(1) == (0, "") and len(progress) == 1
    # Row 2 failed for good and is never retried: once stale it goes with the next write.
    clock[0] = 3600.0
    progress.delivered(3, 1, "wamid.c")
    assert progress.get(2) == (0, "") and len(progress) == 1
    assert progress.get(3) == (1, "wamid.c")
