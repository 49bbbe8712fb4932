"""A Lua script as Redis runs it: called by its SHA1, its source sent where Redis lacks it.

Both Redis clients of the request path use it: the event loop's (idp/store/loop_redis.py)
and the threads' (idp/store/redis_direct.py)."""

from __future__ import annotations

import hashlib


class Script:
    """A Lua script, called by its SHA1; its client sends the source when Redis lacks it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()  # Redis names scripts so

    def __call__(self, keys: list[str], args: list[str]) -> tuple:
        """The command that runs the script on `keys` and `args`."""
        return ("EVALSHA", self.sha, len(keys), *keys, *args)

    def whole(self, command: tuple) -> tuple:
        """`command` (made by this script) with the source instead of the SHA1, for a Redis
        that does not know the script yet; EVAL also makes it known."""
        return ("EVAL", self.source, *command[2:])
