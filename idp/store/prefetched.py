"""A store that answers a request's reads from what was read ahead of it, and nothing else.

On the event loop a request must not wait on a socket without awaiting it, yet
Authlib's endpoints and our hooks are plain functions. So the reads a request
will make are named first (`StoreRead`s), made on the loop in one round trip
(`Store.read_ahead`), and the request is then judged against this store, which
returns exactly those results. Any other call, a write above all, raises
`WouldBlock` before it happens, and the request is answered again on a thread.
"""

from __future__ import annotations

from idp.store.base import Store, StoreRead, WouldBlock


class Prefetched(Store):
    def __init__(self, reads: list[StoreRead], results: list) -> None:
        self._results = dict(zip(reads, results, strict=True))

    def _answer(self, read: StoreRead):
        try:
            return self._results[read]
        except KeyError:
            raise WouldBlock(read.method) from None

    def get(self, key):
        return self._answer(StoreRead("get", (key,)))

    def mget(self, keys):
        return self._answer(StoreRead("mget", (tuple(keys),)))

    def mget_following(self, keys, field, prefix):
        return self._answer(StoreRead("mget_following", (tuple(keys), field, prefix)))

    def _refuse(self, *args, **kwargs):
        raise WouldBlock("not read ahead")

    set = getdel = getdel_following = delete = incr = ttl = ping = clear = _refuse
    count_in_window = add_member = remove_member = members = _refuse

    async def read_ahead(self, reads):
        raise WouldBlock("read ahead of a read ahead")
