"""The store operations the hot paths lean on, on whichever store this run uses
(the suite runs once on Redis and once on the in-process store)."""

from __future__ import annotations

import asyncio
import json

import pytest

from idp.services import store
from idp.store.base import StoreRead
from tests.support import loop as on_loop


@pytest.fixture
def the_store(app):
    with app.app_context():
        yield store()


def test_mget_following_reads_the_key_a_field_names(the_store):
    the_store.set("tok:1", json.dumps({"account_id": 42}), 60)
    the_store.set("acct:42", "the account", 60)
    assert the_store.mget_following(["tok:1", "mark:1"], "account_id", "acct:") == [
        json.dumps({"account_id": 42}),
        None,
        "the account",
    ]


@pytest.mark.parametrize(
    "first",
    [None, "not json", json.dumps(["a list"]), json.dumps({"other": 42}), json.dumps({"account_id": 7})],
    ids=["absent", "not-json", "not-an-object", "no-field", "followed-key-absent"],
)
def test_mget_following_appends_none_when_there_is_nothing_to_follow(the_store, first):
    if first is not None:
        the_store.set("tok:2", first, 60)
    the_store.set("acct:42", "someone else's account", 60)
    assert the_store.mget_following(["tok:2"], "account_id", "acct:") == [first, None]


ACCOUNT = (("account_id", "acct:"),)


def test_getdel_following_redeems_once_marks_and_reads_the_named_key(the_store):
    code = json.dumps({"account_id": 42})
    the_store.set("code:1", code, 60)
    the_store.set("acct:42", "the account", 60)
    marker = ("used:1", 60)
    assert the_store.getdel_following(None, "code:1", marker, ACCOUNT) == (None, code, ["the account"])
    assert the_store.getdel_following(None, "code:1", marker, ACCOUNT) == (None, None, [None])
    assert the_store.get("used:1") == code
    assert the_store.get("acct:42") == "the account"


def test_getdel_following_without_the_named_key(the_store):
    the_store.set("code:2", json.dumps({"account_id": 7}), 60)
    _, value, followed = the_store.getdel_following(None, "code:2", ("used:2", 60), ACCOUNT)
    assert (json.loads(value), followed) == ({"account_id": 7}, [None])


def test_getdel_following_reads_a_third_key_in_the_same_step(the_store):
    code = json.dumps({"account_id": 42})
    the_store.set("code:3", code, 60)
    the_store.set("acct:42", "the account", 60)
    the_store.set("rl:x", "3:1.0:2.0", 60)
    found = the_store.getdel_following("rl:x", "code:3", ("used:3", 60), ACCOUNT)
    assert found == ("3:1.0:2.0", code, ["the account"])
    again = the_store.getdel_following("rl:none", "code:3", ("used:3", 60), ACCOUNT)
    assert again == (None, None, [None])


def test_getdel_following_follows_several_fields_and_a_field_inside_another(the_store):
    code = json.dumps({"account_id": 42, "grant": {"sid": "s1", "offline": False}})
    the_store.set("code:4", code, 60)
    the_store.set("acct:42", "the account", 60)
    the_store.set("sso:s1", "the session", 60)
    follows = (("account_id", "acct:"), ("grant.sid", "sso:"), ("grant.missing", "sso:"), ("grant", "sso:"))
    found = the_store.getdel_following(None, "code:4", ("used:4", 60), follows)
    assert found == (None, code, ["the account", "the session", None, None])


def test_mget_following_follows_a_field_inside_another(the_store):
    the_store.set("tok:5", json.dumps({"grant": {"sid": "s5"}}), 60)
    the_store.set("sso:s5", "the session", 60)
    assert the_store.mget_following(["tok:5"], "grant.sid", "sso:")[-1] == "the session"


def test_a_set_keeps_its_members_and_the_longest_lifetime(the_store):
    the_store.add_member("set:1", "a", 600)
    the_store.add_member("set:1", "b", 60)
    the_store.add_member("set:1", "a", 60)
    assert the_store.members("set:1") == ["a", "b"]
    assert the_store.ttl("set:1") > 60
    the_store.remove_member("set:1", "a")
    the_store.remove_member("set:absent", "a")
    assert the_store.members("set:1") == ["b"]
    assert the_store.members("set:absent") == []


def test_reads_ahead_give_what_the_reads_give(the_store):
    the_store.set("tok:1", json.dumps({"account_id": 42}), 60)
    the_store.set("tok:2", json.dumps({"account_id": 7}), 60)
    the_store.set("acct:42", "the account", 60)
    the_store.set("rl:1", "3:1.0:2.0", 60)
    reads = [
        StoreRead("get", ("rl:1",)),
        StoreRead("get", ("rl:absent",)),
        StoreRead("mget_following", (("tok:1", "mark:1"), "account_id", "acct:")),
        StoreRead("mget", (("tok:1", "mark:1"),)),
        StoreRead("mget_following", (("tok:2",), "account_id", "acct:")),
        StoreRead("mget_following", (("tok:absent", "mark:1"), "account_id", "acct:")),
    ]
    ahead = on_loop.run(the_store.read_ahead(reads))
    assert ahead == [read.run(the_store) for read in reads]
    assert ahead == [
        "3:1.0:2.0",
        None,
        [json.dumps({"account_id": 42}), None, "the account"],
        [json.dumps({"account_id": 42}), None],
        [json.dumps({"account_id": 7}), None],
        [None, None, None],
    ]


def test_reads_ahead_made_at_once_on_one_loop_each_get_their_own(the_store):
    for n in range(200):
        the_store.set(f"tok:{n}", json.dumps({"account_id": n}), 60)
        the_store.set(f"acct:{n}", f"account {n}", 60)

    def reads(n):
        if n % 2:
            return [StoreRead("mget_following", ((f"tok:{n}",), "account_id", "acct:"))]
        return [StoreRead("get", (f"acct:{n}",)), StoreRead("mget", ((f"tok:{n}", f"acct:{n + 1}"),))]

    async def all_at_once():
        return await asyncio.gather(*(the_store.read_ahead(reads(n)) for n in range(200)))

    for n, got in enumerate(on_loop.run(all_at_once())):
        token = json.dumps({"account_id": n})
        if n % 2:
            assert got == [[token, f"account {n}"]]
        else:
            assert got == [f"account {n}", [token, f"account {n + 1}"]]
