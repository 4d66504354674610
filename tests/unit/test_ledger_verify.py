"""core.ledger.canonical and core.ledger.verify, and `python -m siaga verify-ledger` (no servers)."""
from __future__ import annotations

import copy
import io
import json
import math

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from siaga.core.ledger.canonical import GENESIS, canonical, chain_problems, entry_hash
from siaga.core.ledger.checkpoint import Signer, sign_checkpoint, verifier_key
from siaga.core.ledger.merkle import leaf_hash, root
from siaga.core.ledger.verify import verify_ledger
from siaga.__main__ import FetchError, Served, check_served, fetch_ledger, main

ORIGIN = "siaga.example/ledger"
SIZES = [10, 20, 30, 40, 50]
N = 50
SIGNER = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"\x07" * 32))
VKEY = verifier_key(SIGNER)


# ------------------------------------------------------------------ building a ledger
def donation(i: int) -> dict:
    return {"kind": "donation", "campaign": "banjir-demak", "amount_idr": 25_000 * (i + 1),
            "item": "beras", "qty": f"{i % 7}.5", "note": f"donasi ke-{i} untuk posko Sayung"}


def chain(contents: list[dict]) -> list[dict]:
    """Bodies with seq and prev_hash filled in, linked from GENESIS."""
    bodies, prev = [], GENESIS
    for seq, content in enumerate(contents):
        body = {**content, "seq": seq, "prev_hash": prev}
        prev = entry_hash(body)
        bodies.append(body)
    return bodies


def items(bodies: list[dict]) -> list[dict]:
    return [{"seq": b["seq"], "entry_hash": entry_hash(b), "body": b} for b in bodies]


def notes(bodies: list[dict], sizes=SIZES, signer: Signer = SIGNER, origin: str = ORIGIN) -> list[str]:
    leaves = [leaf_hash(canonical(b)) for b in bodies]
    return [sign_checkpoint(signer, origin, s, root(leaves[:s]), [f"time 2025-03-01T{s // 10:02d}:00:00Z"])
            for s in sizes]


BODIES = chain([donation(i) for i in range(N)])
ITEMS = items(BODIES)
NOTES = notes(BODIES)


def fresh() -> list[dict]:
    return copy.deepcopy(ITEMS)


def check(entries, checkpoints=NOTES, previous=None, vkey=VKEY):
    return verify_ledger(entries, checkpoints, vkey, previous, origin=ORIGIN)


# ------------------------------------------------------------------ canonical
def test_canonical_form():
    assert canonical({"b": 1, "a": [True, None, "é"], "c": {"z": "1.50", "y": -3}}) == \
        '{"a":[true,null,"é"],"b":1,"c":{"y":-3,"z":"1.50"}}'.encode()
    assert entry_hash({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
    assert GENESIS == "0" * 64


@pytest.mark.parametrize(("entry", "path"), [
    ({"qty": 1.5}, "qty"),
    ({"x": {"qty": math.nan}}, "x.qty"),
    ({"items": [{"w": math.inf}]}, r"items\[0\].w"),
    ({1: "a"}, "key 1"),
    ({"x": {2: "a"}}, "x: key 2"),
    ({"blob": b"abc"}, "blob"),
    ({"t": (1, 2)}, "t"),
    ({"s": {1, 2}}, "s"),
    ({"amount_idr": 2**60}, "amount_idr"),
    ({"name": "\ud800"}, "name"),
])
def test_canonical_refuses(entry, path):
    with pytest.raises(ValueError, match=path):
        canonical(entry)


def test_canonical_refuses_non_objects():
    with pytest.raises(ValueError):
        canonical([1, 2])  # type: ignore[arg-type]


def test_chain_problems():
    assert chain_problems(BODIES) == []
    assert chain_problems([]) == []
    broken = copy.deepcopy(BODIES)
    broken[7]["amount_idr"] += 1
    assert chain_problems(broken) == ["entry 8: prev_hash does not match entry 7"]
    assert chain_problems(BODIES[:5] + BODIES[8:]) == ["entries missing: seq 5-7"]
    assert chain_problems(BODIES[1:3]) == ["entries missing: seq 0"]
    assert chain_problems([BODIES[0], BODIES[2], BODIES[1]]) == [
        "entries missing: seq 1", "entry 1: out of order or repeated (after entry 2)"]
    bad0 = dict(BODIES[0], prev_hash="f" * 64)
    assert chain_problems([bad0]) == ["entry 0: prev_hash is not the genesis value"]
    assert any("cannot be hashed" in p and "qty" in p for p in chain_problems([dict(BODIES[0], qty=1.5)]))


# ------------------------------------------------------------------ verify_ledger
def test_clean_ledger():
    report = check(ITEMS)
    assert report.ok, report.problems
    assert (report.entries, report.checkpoints_checked, report.latest_size) == (50, 5, 50)
    assert report.latest_root == root([leaf_hash(canonical(b)) for b in BODIES])
    assert report.unsigned_entries == 0


def test_entries_after_the_latest_checkpoint_are_fine():
    report = check(ITEMS, NOTES[:3])
    assert report.ok and report.latest_size == 30 and report.unsigned_entries == 20


def test_changed_field():
    entries = fresh()
    entries[17]["body"]["amount_idr"] = 1_000_000_000
    problems = check(entries).problems
    assert "entry 17: its hash does not match its content" in problems
    assert "entry 18: prev_hash does not match entry 17" in problems
    for size in (20, 30, 40, 50):
        want = f"checkpoint of size {size}: root does not match the entries (first difference within seq 10-{size - 1})"
        assert want in problems
    assert not any("size 10" in p for p in problems)


def test_deleted_entry():
    entries = fresh()
    del entries[17]
    problems = check(entries).problems
    assert "entries missing: seq 17" in problems
    for size in (20, 30, 40, 50):
        assert f"checkpoint of size {size}: cannot be checked: entry 17 is missing or unreadable" in problems
    assert not any("size 10" in p for p in problems)


def test_truncated_ledger():
    problems = check(fresh()[:45]).problems
    assert problems == ["checkpoint of size 50: the ledger has only 45 entries"]


def test_swapped_in_the_listing():
    entries = fresh()
    entries[10], entries[11] = entries[11], entries[10]
    assert check(entries).problems == ["entries out of order: seq 11 served before seq 10"]


def test_swapped_donations():
    # Entries 10 and 11 trade contents (seq and prev_hash stay put; hashes recomputed).
    entries = fresh()
    a, b = entries[10]["body"], entries[11]["body"]
    for key in donation(0):
        a[key], b[key] = b[key], a[key]
    for it in entries[10:12]:
        it["entry_hash"] = entry_hash(it["body"])
    problems = check(entries).problems
    assert "entry 11: prev_hash does not match entry 10" in problems
    assert "entry 12: prev_hash does not match entry 11" in problems
    assert "checkpoint of size 20: root does not match the entries (first difference within seq 10-19)" in problems


def test_rewritten_history_is_caught_by_the_checkpoints():
    # The server changes entry 23 and recomputes every hash and link after it: the chain
    # is perfect, only the signed roots give it away.
    contents = [donation(i) for i in range(N)]
    contents[23]["amount_idr"] = 1
    entries = items(chain(contents))
    assert chain_problems([it["body"] for it in entries]) == []
    problems = check(entries).problems
    assert problems == [
        "checkpoint of size 30: root does not match the entries (first difference within seq 20-29)",
        "checkpoint of size 40: root does not match the entries (first difference within seq 20-39)",
        "checkpoint of size 50: root does not match the entries (first difference within seq 20-49)",
    ]


def test_body_seq_must_match_listing():
    entries = fresh()
    entries[5]["seq"] = 6
    problems = check(entries).problems
    assert "entry 6: listed as seq 6 but its body says seq 5" in problems
    assert "entry 6: served more than once with different content" in problems


def test_duplicate_entry():
    entries = fresh()
    entries.insert(9, copy.deepcopy(entries[8]))
    problems = check(entries).problems
    assert "entry 8: served more than once" in problems


def test_forged_checkpoint_bad_signature():
    # Root replaced, our signature line kept: the signature no longer covers the text.
    checkpoints = list(NOTES)
    lines = checkpoints[3].split("\n")
    lines[2] = NOTES[0].split("\n")[2]
    checkpoints[3] = "\n".join(lines)
    report = check(fresh(), checkpoints)
    assert report.problems == [f"checkpoint of size 40: bad signature by {ORIGIN}+{SIGNER.key_hash.hex()}"]
    assert report.checkpoints_checked == 4


def test_forged_checkpoint_other_key():
    attacker = Signer.generate(ORIGIN)
    contents = [donation(i) for i in range(N)]
    contents[3]["amount_idr"] = 0
    forged = notes(chain(contents), [50], signer=attacker)
    problems = check(fresh(), NOTES[:4] + forged).problems
    assert len(problems) == 1 and problems[0].startswith("checkpoint of size 50: not signed by the trusted key")


def test_wrong_key_trusts_nothing():
    other = verifier_key(Signer.generate(ORIGIN))
    report = check(fresh(), vkey=other)
    assert report.checkpoints_checked == 0
    assert "no checkpoint signed by the trusted key: nothing in this ledger is signed" in report.problems


def test_other_origin():
    problems = check(fresh(), notes(BODIES, [50], origin="elsewhere.example/log")).problems
    assert problems == ["checkpoint of size 50: origin 'elsewhere.example/log' is not this ledger's origin "
                        "'siaga.example/ledger'"]


def test_checkpoints_out_of_order():
    problems = check(fresh(), [NOTES[2], NOTES[1]]).problems
    assert problems == ["checkpoint of size 20: listed after a checkpoint of size 30"]


def test_malformed_checkpoint():
    problems = check(fresh(), NOTES + ["not a checkpoint\n"]).problems
    assert len(problems) == 1 and problems[0].startswith("checkpoint #6: malformed")


def test_previous_checkpoint_same_history():
    report = check(fresh(), previous=NOTES[2])
    assert report.ok and report.previous_size == 30


def test_previous_checkpoint_from_another_history():
    # The log signed a different history of size 30 earlier (a fork shown to this user).
    contents = [donation(i) for i in range(N)]
    contents[12]["item"] = "minyak goreng"
    other = notes(chain(contents), [30])[0]
    report = check(fresh(), previous=other)
    assert report.problems == ["previous checkpoint size 30 is not a prefix of this ledger"]


def test_previous_checkpoint_larger_than_ledger():
    problems = check(fresh()[:45], NOTES[:4], previous=NOTES[4]).problems
    assert problems == ["previous checkpoint size 50 is not a prefix of this ledger: the ledger has only 45 entries"]


def test_previous_checkpoint_bad_signature():
    forged = NOTES[2].replace("\n30\n", "\n31\n")
    problems = check(fresh(), previous=forged).problems
    assert len(problems) == 1 and problems[0].startswith("previous checkpoint: bad signature")


def test_empty_ledger_is_fine():
    report = verify_ledger([], [], VKEY)
    assert report.ok and report.entries == 0 and report.latest_size is None


def test_malformed_items():
    entries = fresh()
    entries[3] = {"seq": "3", "body": {}}
    problems = check(entries).problems
    assert "entry at position 3: malformed (needs integer seq and object body)" in problems
    assert "entries missing: seq 3" in problems


def test_float_in_body_is_reported():
    entries = fresh()
    entries[4]["body"]["qty"] = 2.5
    problems = check(entries).problems
    assert any(p.startswith("entry 4: cannot be hashed") and "qty" in p for p in problems)


# ------------------------------------------------------------------ CLI
def served(entries=None, checkpoints=None, vkey=VKEY, size=N) -> Served:
    cps = NOTES if checkpoints is None else checkpoints
    return Served(ORIGIN, vkey, size, cps[-1] if cps else None, fresh() if entries is None else entries, list(cps))


def run(argv, data=None, fetch=None):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, fetch=fetch or (lambda url, timeout: data), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_clean():
    code, out, _ = run(["verify-ledger", "https://siaga.example"], served())
    assert code == 0
    assert "Entries:      50" in out and "size 50" in out and "OK: no problems found." in out
    assert f"{ORIGIN}+{SIGNER.key_hash.hex()}" in out and "trusted as is" in out


def test_cli_pinned_key():
    code, out, _ = run(["verify-ledger", "https://siaga.example", "--key", VKEY], served())
    assert code == 0 and "yours, from --key" in out


def test_cli_problems_exit_1():
    entries = fresh()
    entries[17]["body"]["amount_idr"] = 1
    code, out, _ = run(["verify-ledger", "https://siaga.example"], served(entries))
    assert code == 1
    assert "  - entry 17: its hash does not match its content" in out


def test_cli_other_key_is_not_trusted():
    attacker = Signer.generate(ORIGIN)
    fake = served(checkpoints=notes(BODIES, SIZES, signer=attacker), vkey=verifier_key(attacker))
    code, out, _ = run(["verify-ledger", "https://siaga.example", "--key", VKEY], fake)
    assert code == 1
    assert "the server's key is not the one you trust" in out
    assert "checkpoint of size 50: not signed by the trusted key" in out


def test_cli_fewer_entries_than_announced():
    report = check_served(served(size=60), None)
    assert report.problems == ["the server says the ledger has 60 entries but served 50"]


def test_cli_latest_checkpoint_is_verified_too():
    s = served(checkpoints=NOTES[:4])
    s.latest_checkpoint = NOTES[4].replace("\n50\n", "\n51\n")
    assert check_served(s, None).problems == ["checkpoint of size 51: bad signature by "
                                              f"{ORIGIN}+{SIGNER.key_hash.hex()}"]


def test_cli_previous_file(tmp_path):
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(NOTES[1], encoding="utf-8")
    code, out, _ = run(["verify-ledger", "https://siaga.example", "--previous", str(saved)], served())
    assert code == 0 and "Previous:     size 20" in out
    contents = [donation(i) for i in range(N)]
    contents[0]["amount_idr"] = 5
    saved.write_text(notes(chain(contents), [20])[0], encoding="utf-8")
    code, out, _ = run(["verify-ledger", "https://siaga.example", "--previous", str(saved)], served())
    assert code == 1 and "previous checkpoint size 20 is not a prefix of this ledger" in out


def test_cli_missing_previous_file(tmp_path):
    code, _, err = run(["verify-ledger", "https://x", "--previous", str(tmp_path / "nope")], served())
    assert code == 2 and "cannot read --previous" in err


def test_cli_unreachable_exit_2():
    def fail(url, timeout):
        raise FetchError("cannot reach https://siaga.example/api/v1/ledger: connection refused")
    code, out, err = run(["verify-ledger", "https://siaga.example"], fetch=fail)
    assert code == 2 and out == "" and "connection refused" in err and "Traceback" not in err


# The real fetcher against an in-process fake API (httpx.MockTransport, no sockets).
def api(page: int = 20, status: int = 200, body: bytes | None = None, entries=None, checkpoints=None):
    entries = fresh() if entries is None else entries
    cps = NOTES if checkpoints is None else checkpoints
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if status != 200 or body is not None:
            return httpx.Response(status, content=body or b"")
        path = request.url.path
        if path == "/api/v1/ledger":
            return httpx.Response(200, json={"origin": ORIGIN, "verifier_key": VKEY, "previous_keys": [],
                                             "size": len(entries), "latest_checkpoint": cps[-1] if cps else None})
        if path == "/api/v1/ledger/entries":
            start = int(request.url.params["start"])
            assert int(request.url.params["limit"]) == 1000
            chunk = entries[start : start + page]  # this fake serves smaller pages than asked
            nxt = start + page if start + page < len(entries) else None
            return httpx.Response(200, json={"size": len(entries), "entries": chunk, "next": nxt})
        if path == "/api/v1/ledger/checkpoints":
            return httpx.Response(200, json={"checkpoints": cps})
        return httpx.Response(404)

    def fetch(url, timeout):
        return fetch_ledger(url, timeout, transport=httpx.MockTransport(handler))
    return fetch, seen


def test_cli_with_mock_transport_pages_through():
    fetch, seen = api(page=20)
    code, out, _ = run(["verify-ledger", "https://siaga.example/", "--timeout", "5"], fetch=fetch)
    assert code == 0, out
    assert [u for u in seen if "entries" in u] == [
        f"https://siaga.example/api/v1/ledger/entries?start={s}&limit=1000" for s in (0, 20, 40)]


def test_cli_with_mock_transport_tampered():
    entries = fresh()
    del entries[30]
    fetch, _ = api(entries=entries)
    code, out, _ = run(["verify-ledger", "https://siaga.example"], fetch=fetch)
    assert code == 1 and "entries missing: seq 30" in out


def test_cli_empty_ledger():
    fetch, _ = api(entries=[], checkpoints=[])
    code, out, _ = run(["verify-ledger", "https://siaga.example"], fetch=fetch)
    assert code == 0 and "Entries:      0" in out


@pytest.mark.parametrize(("status", "body", "message"), [
    (500, None, "HTTP 500"),
    (200, b"<html>not json</html>", "not JSON"),
    (200, b"[1, 2]", "expected a JSON object"),
    (200, json.dumps({"origin": ORIGIN}).encode(), "field 'size'"),
])
def test_cli_bad_server_exit_2(status, body, message):
    fetch, _ = api(status=status, body=body)
    code, _, err = run(["verify-ledger", "https://siaga.example"], fetch=fetch)
    assert code == 2 and message in err


def test_cli_connection_error_exit_2():
    def handler(request):
        raise httpx.ConnectError("connection refused", request=request)

    def fetch(url, timeout):
        return fetch_ledger(url, timeout, transport=httpx.MockTransport(handler))
    code, _, err = run(["verify-ledger", "https://siaga.example"], fetch=fetch)
    assert code == 2 and "cannot reach" in err and "connection refused" in err


def test_cli_pagination_that_does_not_advance():
    def handler(request):
        if request.url.path == "/api/v1/ledger":
            return httpx.Response(200, json={"origin": ORIGIN, "verifier_key": VKEY, "size": 1,
                                             "latest_checkpoint": None})
        return httpx.Response(200, json={"size": 1, "entries": [], "next": 0})

    def fetch(url, timeout):
        return fetch_ledger(url, timeout, transport=httpx.MockTransport(handler))
    code, _, err = run(["verify-ledger", "https://siaga.example"], fetch=fetch)
    assert code == 2 and "does not move past" in err


def test_cli_usage_error_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["verify-ledger"], out=io.StringIO(), err=io.StringIO())
    assert exc.value.code == 2
