"""Answers that take as long whatever they found.

Recovery, «Отправить еще раз?» and registration do more work when the login
belongs to a cabinet (a code, an SMS in the outbox, an account and its consents)
than when it does not; the words are the same, so the time must be too. Each
such answer is held until IDP_EVEN_ANSWER_SECONDS after the request began,
which covers the slower path with room to spare. Wall time on purpose, not the
project clock: this is about what a stopwatch outside sees.
"""

from __future__ import annotations

import functools
import time

from idp.services import settings


def even_time(view):
    @functools.wraps(view)
    def held(*args, **kwargs):
        started = time.perf_counter()
        try:
            return view(*args, **kwargs)
        finally:
            left = settings().even_answer_seconds - (time.perf_counter() - started)
            if left > 0:
                time.sleep(left)

    return held
