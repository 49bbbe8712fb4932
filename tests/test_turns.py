"""Requests made ready in one pass of the loop start in the order their connections were last
answered (idp/serving/turns.py)."""

from __future__ import annotations

import asyncio

from idp.serving import turns
from tests.support import loop


def test_the_connection_answered_longest_ago_goes_first_and_new_ones_keep_their_order():
    async def one_pass():
        ordered = turns.of_running_loop()
        first, second = ordered.answered(), ordered.answered()
        started = []

        async def request(name, last_answer):
            await ordered.wait(last_answer)
            started.append(name)

        # as the kernel reported them: the latest answered first, two new connections between
        await asyncio.gather(
            request("answered second", second),
            request("new a", 0),
            request("answered first", first),
            request("new b", 0),
        )
        return started

    assert loop.run(one_pass()) == ["new a", "new b", "answered first", "answered second"]


def test_a_request_whose_client_went_away_is_skipped():
    async def one_pass():
        ordered = turns.of_running_loop()
        gone = ordered.wait(0)
        staying = ordered.wait(ordered.answered())
        gone.cancel()
        await staying
        return gone.cancelled(), staying.done()

    assert loop.run(one_pass()) == (True, True)


def test_each_loop_has_its_own_turns():
    async def current():
        return turns.of_running_loop()

    assert loop.run(current()) is not loop.run(current(), runner=asyncio.run)
