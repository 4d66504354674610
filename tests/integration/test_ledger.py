"""The donation ledger against the running stack: who may write what, the chain and its signed
checkpoints, tampering in PostgreSQL caught by the verifier, receipts with inclusion proofs,
exports with no personal data."""
from __future__ import annotations

import base64
from contextlib import closing
import csv
import io
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_map_support import stack, wait_for  # noqa: E402,F401

from siaga.core.ledger import merkle  # noqa: E402
from siaga.core.ledger.checkpoint import parse_checkpoint  # noqa: E402

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PARK = 10**9   # moves a row out of the way while two rows swap places
DONOR_PHONE = "+6281377700" + str(secrets.randbelow(100)).zfill(2)


def make_campaign(stack, verified: bool = False) -> str:
    slug = f"uji-{secrets.token_hex(4)}"
    with closing(stack.signed_in()) as c:
        r = c.post("/api/v1/organisers", json={"name": f"Komunitas Uji {slug}", "kind": "community"})
        assert r.status_code == 201, r.text
        oid = r.json()["organiser_id"]
        r = c.post("/api/v1/campaigns", json={
            "slug": slug, "title": f"Banjir Uji {slug}", "incident": "Banjir bandang uji", "organiser_id": oid,
            "goal_idr": 100_000_000, "account": "BRI 0123-01-000000-30-1 a.n. Komunitas Uji",
            "permit_pub": None, "opex_declared": 5, "area": "Kabupaten Sleman"})
        assert r.status_code == 201, r.text
    if verified:
        with closing(stack.signed_in("admin")) as a:
            r = a.post(f"/api/v1/organisers/{oid}/verification",
                       json={"verification": "verified", "document": "Akta notaris No. 12/2025"})
            assert r.status_code == 200, r.text
    return slug


def entries(stack, slug: str) -> list[dict]:
    with stack.db() as conn:
        rows = conn.execute("SELECT seq, body::jsonb FROM ledger_entries WHERE body::jsonb ->> 'campaign' = %s "
                            "ORDER BY seq", (slug,)).fetchall()
    return [b for _s, b in rows]


def wait_entries(stack, slug: str, n: int, timeout: float = 60) -> list[dict]:
    wait_for(lambda: len(entries(stack, slug)) >= n, timeout, f"{n} ledger entries of {slug}")
    return entries(stack, slug)


def wait_checkpointed(stack, timeout: float = 60) -> None:
    def signed():
        with stack.db() as conn:
            size = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
            cp = conn.execute("SELECT max(size) FROM ledger_checkpoints").fetchone()[0]
        return cp is not None and cp == size
    wait_for(signed, timeout, "a checkpoint of the whole ledger")


def verify(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siaga", "verify-ledger", stack.api, *args],
                          capture_output=True, text=True, timeout=120, cwd=REPO)


def test_anonymous_claims_of_money_are_refused_and_totals_do_not_move(stack):
    slug = make_campaign(stack)
    with stack.client() as c:
        before = c.get("/api/v1/public/summary").json()["donations_received_idr"]
        r = c.post("/api/v1/donations", json={"kind": "received", "money": {"amount_idr": 5_000_000_000},
                                              "campaign": slug})
        assert r.status_code == 403 and "payment gateway" in r.json()["error"], r.text
        r = c.post("/api/v1/donations", json={"kind": "disbursed", "money": {"amount_idr": 1_000_000},
                                              "campaign": slug, "purpose": {"category": "food"}})
        assert r.status_code == 401 and "treasurer" in r.json()["error"], r.text
        r = c.post("/api/v1/donations", json={"kind": "received", "goods": {"category": "water", "quantity": 5,
                                                                              "unit": "galon"}, "campaign": slug})
        assert r.status_code == 401, r.text
        r = c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 7_000_000_000},
                                              "campaign": slug, "donor_name": "Penipu", "donor_public": True})
        assert r.status_code == 202, r.text
        r = c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 1}, "campaign": "tidak-ada"})
        assert r.status_code == 422 and "campaign" in r.text
        r = c.post("/api/v1/donations", json={"kind": "pledged", "campaign": slug})
        assert r.status_code == 422 and "money or goods" in r.text
        r = c.post("/api/v1/donations", json={"kind": "pledged", "campaign": slug, "money": {"amount_idr": 1},
                                              "goods": {"category": "water", "quantity": 1, "unit": "galon"}})
        assert r.status_code == 422
    with closing(stack.signed_in()) as coordinator:   # a coordinator without the treasurer role
        r = coordinator.post("/api/v1/donations", json={"kind": "disbursed", "money": {"amount_idr": 1_000},
                                                        "campaign": slug, "purpose": {"category": "food"}})
        assert r.status_code == 403 and "treasurer" in r.json()["error"]
    got = wait_entries(stack, slug, 1)
    assert [e["kind"] for e in got] == ["pledged"] and got[0]["source"] == "public"
    with stack.client() as c:
        assert c.get("/api/v1/public/summary").json()["donations_received_idr"] == before
        totals = c.get(f"/api/v1/campaigns/{slug}").json()["totals"]
    assert totals["pledged_idr"] == 7_000_000_000 and totals["received_idr"] == 0 and totals["balance_idr"] == 0


def test_treasurer_entries_name_their_actor_and_a_disbursement_names_its_purpose(stack):
    slug = make_campaign(stack)
    with closing(stack.signed_in("treasurer")) as t:
        r = t.post("/api/v1/donations", json={"kind": "disbursed", "money": {"amount_idr": 500_000}, "campaign": slug})
        assert r.status_code == 422 and "purpose" in r.text
        r = t.post("/api/v1/donations", json={"kind": "received", "goods": {
            "category": "water", "item": "air mineral", "quantity": 120, "unit": "galon"}, "campaign": slug,
            "donor_name": "Toko Makmur", "donor_public": True})
        assert r.status_code == 202, r.text
        r = t.post("/api/v1/donations", json={"kind": "disbursed", "goods": {
            "category": "water", "quantity": 40.5, "unit": "galon"}, "campaign": slug,
            "purpose": {"category": "water", "area": "Kecamatan Prambanan"}})
        assert r.status_code == 202, r.text
        got = wait_entries(stack, slug, 2)
        assert {e["actor"] for e in got} == {t.username} and {e["source"] for e in got} == {"treasurer"}
        first = next(e for e in got if e["kind"] == "received")
        assert first["donor"] == "Toko Makmur" and first["goods"]["quantity"] == "120"
        # A correction replaces the entry it names in the totals; the original stays in the chain.
        r = t.post("/api/v1/donations", json={"kind": "received", "goods": {
            "category": "water", "item": "air mineral", "quantity": 100, "unit": "galon"}, "campaign": slug,
            "corrects": first["entry_id"], "note": "salah hitung: 100, bukan 120"})
        assert r.status_code == 202, r.text
        wait_entries(stack, slug, 3)
        goods = t.get(f"/api/v1/campaigns/{slug}").json()["totals"]["goods"]
    assert goods == [{"category": "water", "unit": "galon", "received": 100.0, "disbursed": 40.5}]


def test_the_verifier_passes_an_untouched_ledger_and_names_rows_changed_in_postgresql(stack):
    slug = make_campaign(stack)
    with closing(stack.signed_in("treasurer")) as t:
        for i in range(3):
            r = t.post("/api/v1/donations", json={"kind": "received", "goods": {
                "category": "food", "item": "beras", "quantity": 10 + i, "unit": "kg"}, "campaign": slug})
            assert r.status_code == 202, r.text
    got = wait_entries(stack, slug, 3)
    with stack.db() as conn, pytest.raises(psycopg.Error, match="append-only"):
        conn.execute("UPDATE ledger_entries SET body = body WHERE seq = %s", (got[0]["seq"],))
    wait_checkpointed(stack)
    ok = verify(stack)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # Entries land in the order the ledger writer saw them, not the order they were posted.
    seq_a = next(e["seq"] for e in got if e["goods"]["quantity"] == "10")
    seq_b = next(e["seq"] for e in got if e["seq"] != seq_a)

    def tampered(sql: list[tuple[str, tuple]]) -> subprocess.CompletedProcess:
        """Apply the change as someone with database access would, run the verifier, undo it."""
        with stack.db() as conn:
            saved = conn.execute("SELECT * FROM ledger_entries WHERE seq IN (%s, %s) ORDER BY seq",
                                 (seq_a, seq_b)).fetchall()
            receipts = conn.execute("SELECT code, entry_id FROM ledger_receipts r JOIN ledger_entries e "
                                    "USING (entry_id) WHERE e.seq IN (%s, %s)", (seq_a, seq_b)).fetchall()
            conn.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
            try:
                for q, params in sql:
                    conn.execute(q, params)
                return verify(stack)
            finally:
                conn.execute("DELETE FROM ledger_receipts r USING ledger_entries e "
                             "WHERE r.entry_id = e.entry_id AND e.seq IN (%s, %s)", (seq_a, seq_b))
                conn.execute("DELETE FROM ledger_entries WHERE seq IN (%s, %s)", (seq_a, seq_b))
                for row in saved:
                    conn.execute("INSERT INTO ledger_entries VALUES (%s, %s, %s, %s, %s, %s, %s)", row)
                for code, eid in receipts:
                    conn.execute("INSERT INTO ledger_receipts VALUES (%s, %s)", (code, eid))
                conn.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only")

    changed = tampered([("UPDATE ledger_entries SET body = replace(body, '\"quantity\":\"10\"', "
                         "'\"quantity\":\"1000\"') WHERE seq = %s", (seq_a,))])
    assert changed.returncode == 1 and f"entry {seq_a}" in changed.stdout, changed.stdout
    deleted = tampered([("DELETE FROM ledger_receipts r USING ledger_entries e WHERE r.entry_id = e.entry_id "
                         "AND e.seq = %s", (seq_a,)), ("DELETE FROM ledger_entries WHERE seq = %s", (seq_a,))])
    assert deleted.returncode == 1 and str(seq_a) in deleted.stdout, deleted.stdout
    swapped = tampered([
        ("UPDATE ledger_entries SET seq = seq + %s WHERE seq IN (%s, %s)", (PARK, seq_a, seq_b)),
        ("UPDATE ledger_entries SET seq = %s WHERE seq = %s", (seq_b, seq_a + PARK)),
        ("UPDATE ledger_entries SET seq = %s WHERE seq = %s", (seq_a, seq_b + PARK))])
    assert swapped.returncode == 1 and (f"entry {seq_a}" in swapped.stdout or f"entry {seq_b}" in swapped.stdout), \
        swapped.stdout
    again = verify(stack)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_pledge_gets_a_receipt_code_by_sms_whose_page_proves_inclusion(stack):
    slug = make_campaign(stack, verified=True)
    with stack.client() as c:
        r = c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 250_000}, "campaign": slug,
                                              "donor_name": "Ibu Sari Rahasia", "donor_phone": DONOR_PHONE})
        assert r.status_code == 202, r.text
        entry_id = r.json()["entry_id"]
    wait_entries(stack, slug, 1)
    wait_checkpointed(stack)

    def receipt_sms():
        with stack.client() as c:
            msgs = c.get(f"{stack.env['TWILIO_BASE_URL']}/_local/messages").json()["messages"]
        return [m for m in msgs if m["to"] == DONOR_PHONE and "/ledger/receipt/" in m["body"]]
    wait_for(receipt_sms, 60, "the receipt SMS")
    sms = receipt_sms()
    assert len(sms) == 1 and sms[0]["body"].startswith("Siaga: Terima kasih")
    code = sms[0]["body"].rsplit("/ledger/receipt/", 1)[1].split()[0]
    with stack.client() as c:
        r = c.get(f"/api/v1/ledger/receipts/{code}")
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["body"]["entry_id"] == entry_id and got["body"]["donor"] is None   # not public
        cp = parse_checkpoint(got["checkpoint"])
        leaf = bytes.fromhex(got["proof"]["leaf_hash"])
        assert merkle.verify_inclusion(leaf, got["seq"], cp.size, [bytes.fromhex(h) for h in got["proof"]["path"]],
                                       cp.root)
        assert not merkle.verify_inclusion(leaf, got["seq"] ^ 1, cp.size,
                                           [bytes.fromhex(h) for h in got["proof"]["path"]], cp.root)
        page = c.get(f"/ledger/receipt/{code}")
        assert page.status_code == 200 and code in page.text and got["proof"]["path"][0] in page.text
        assert "Sari" not in page.text and DONOR_PHONE not in page.text and DONOR_PHONE[3:] not in page.text
        assert c.get("/ledger/receipt/ZZZZZZZZZZ").status_code == 404


def test_exports_and_public_pages_carry_no_personal_data(stack):
    slug = make_campaign(stack)
    secret_name = f"Pak Rahasia {secrets.token_hex(3)}"
    with stack.client() as c:
        r = c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 75_000}, "campaign": slug,
                                              "donor_name": secret_name, "donor_public": False,
                                              "donor_phone": DONOR_PHONE})
        assert r.status_code == 202, r.text
    wait_entries(stack, slug, 1)
    with stack.client() as c:
        plain = c.get(f"/api/v1/ledger/export.csv?campaign={slug}")
        hxl = c.get(f"/api/v1/ledger/export.hxl.csv?campaign={slug}")
        page = c.get(f"/campaigns/{slug}")
        index = c.get("/campaigns?lang=en")
        entries_json = c.get("/api/v1/ledger/entries?limit=1000").text
        assert c.get("/api/v1/ledger/export.csv?campaign=x%22%0d%0aSet-Cookie").status_code == 422
    rows = list(csv.reader(io.StringIO(hxl.text)))
    assert rows[1][0].startswith("#") and {"#org", "#value", "#currency", "#date", "#sector", "#adm2+name"} <= set(rows[1])
    assert list(csv.reader(io.StringIO(plain.text)))[1][2] == "pledged"
    for text in (plain.text, hxl.text, page.text, index.text, entries_json):
        assert secret_name not in text and DONOR_PHONE not in text and DONOR_PHONE[1:] not in text
    assert page.status_code == 200 and "BELUM diverifikasi" in page.text and "Rp 75.000" in page.text
    assert index.status_code == 200 and "NOT verified" in index.text


def test_campaigns_are_created_by_coordinators_and_organisers_verified_by_admins(stack):
    with stack.client() as c:
        r = c.post("/api/v1/organisers", json={"name": "Yayasan Siluman", "kind": "foundation"})
        assert r.status_code == 401
        r = c.post("/api/v1/campaigns", json={"slug": "palsu"})
        assert r.status_code in (401, 422)
    slug = make_campaign(stack)
    with stack.client() as c:
        oid = c.get(f"/api/v1/campaigns/{slug}").json()["organiser"]["organiser_id"]
    with closing(stack.signed_in()) as coordinator:
        r = coordinator.post(f"/api/v1/organisers/{oid}/verification",
                             json={"verification": "verified", "document": "surat"})
        assert r.status_code == 403
    with closing(stack.signed_in("admin")) as admin:
        r = admin.post(f"/api/v1/organisers/{oid}/verification",
                       json={"verification": "verified", "document": "Izin PUB 123/HUK/2026"})
        assert r.status_code == 200, r.text
    with stack.client() as c:
        org = c.get(f"/api/v1/campaigns/{slug}").json()["organiser"]
        assert org["verification"] == "verified" and org["verified_document"] == "Izin PUB 123/HUK/2026"
        page = c.get(f"/campaigns/{slug}").text
        assert "Terverifikasi oleh" in page and "BELUM" not in page
        r = c.post(f"/campaigns/{slug}/report", data={"reason": "fake", "details": "nomor rekening pribadi"})
        assert r.status_code == 202 and "koordinator" in r.text
    with closing(stack.signed_in()) as coordinator:
        reports = coordinator.get("/api/v1/campaign-reports").json()["reports"]
        mine = next(x for x in reports if x["slug"] == slug and x["reason"] == "fake")
        assert coordinator.post(f"/api/v1/campaign-reports/{mine['report_id']}/handled").status_code == 200
        assert coordinator.post(f"/api/v1/campaign-reports/{mine['report_id']}/handled").status_code == 404
        assert coordinator.post(f"/api/v1/campaigns/{slug}/status", json={"status": "closed"}).status_code == 200
    with stack.client() as c:
        assert c.get("/api/v1/campaign-reports").status_code == 401
        assert c.post(f"/api/v1/campaigns/{slug}/status", json={"status": "open"}).status_code == 401
        r = c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 10_000}, "campaign": slug})
        assert r.status_code == 422 and "closed" in r.text
        assert c.post(f"/api/v1/campaigns/{slug}/donate", json={"amount_idr": 50_000}).status_code == 404
        page = c.get(f"/campaigns/{slug}").text
        assert "sudah ditutup" in page and 'id="donate"' not in page


def test_ledger_head_names_its_key_and_checkpoints_verify_with_it(stack):
    slug = make_campaign(stack)
    with stack.client() as c:
        assert c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 10_000},
                                                 "campaign": slug}).status_code == 202
    wait_entries(stack, slug, 1)
    wait_checkpointed(stack)
    with stack.client() as c:
        head = c.get("/api/v1/ledger").json()
        name, key_id, key = head["verifier_key"].split("+", 2)
        assert name == head["origin"] and len(base64.b64decode(key)) == 33
        ok = verify(stack, "--key", head["verifier_key"])
        assert ok.returncode == 0, ok.stdout
        forged = head["verifier_key"][:-8] + ("A" * 7 + "=")
        bad = verify(stack, "--key", forged)
        assert bad.returncode == 1, bad.stdout
        size = head["checkpoint_size"]
        proof = c.get(f"/api/v1/ledger/proof/consistency?first=1&second={size}").json()
        assert proof["second"] == size


def receive_goods(stack, slug: str, pickup: tuple[float, float], pickup_name: str, **goods) -> None:
    """A treasurer records goods received at a pickup point (they become a supply)."""
    with closing(stack.signed_in("treasurer")) as t:
        r = t.post("/api/v1/donations", json={
            "kind": "received", "campaign": slug, "pickup": {"lat": pickup[0], "lon": pickup[1]},
            "pickup_name": pickup_name, "goods": goods})
        assert r.status_code == 202, r.text


def test_goods_with_a_pickup_point_are_delivered_to_a_nearby_need_and_disbursed_in_the_ledger(stack):
    """Goods received at a pickup point become a delivery the dispatch engine gives to a volunteer
    with a vehicle; their "done" becomes goods disbursed, linked to the need, on the public page."""
    from test_map_support import unique_point

    lat, lon = unique_point(-1.2, 123.0)          # an area no other test uses
    slug = make_campaign(stack)
    # The need: water and medical care; medical comes first, and no medic is near, so it waits.
    need = stack.post_request(needs=["medical", "water"], people=12, text="butuh air dan obat",
                              name="Nama Penerima Rahasia", location={"lat": lat + 0.03, "lon": lon})
    stack.wait_stored(need["request_id"])
    rider = stack.volunteer(lat + 0.002, lon + 0.002, name="Relawan Motor")
    receive_goods(stack, slug, (lat, lon), "Posko Balai Desa", category="water", item="air mineral",
                  quantity=60, unit="galon")

    def delivery_offer():
        with stack.db() as conn:
            return conn.execute(
                "SELECT x.offer_id::text, d.delivery_id::text FROM deliveries d JOIN dispatches x "
                "ON x.request_id = d.delivery_id WHERE d.for_request = %s AND x.volunteer_id = %s "
                "AND x.status = 'offered'", (need["request_id"], rider)).fetchone()
    offer_id, delivery_id = wait_for(delivery_offer, 90, "the delivery offered to the volunteer with a vehicle")
    with stack.client() as c:
        assert c.post(f"/api/v1/offers/{offer_id}/accept").status_code == 202

        def accepted():
            with stack.db() as conn:
                return conn.execute("SELECT 1 FROM dispatches WHERE offer_id = %s AND status IN "
                                    "('accepted', 'on_the_way')", (offer_id,)).fetchone()
        wait_for(accepted, 60, "the delivery accepted")
        assert c.post(f"/api/v1/offers/{offer_id}/done").status_code == 202

    def disbursed():
        return [e for e in entries(stack, slug) if e["kind"] == "disbursed"]
    got = wait_for(disbursed, 90, "the delivery recorded as goods disbursed")
    assert len(got) == 1
    e = got[0]
    assert e["source"] == "dispatch" and e["purpose"]["requests"] == [need["request_id"]]
    assert e["goods"]["quantity"] == "60" and e["purpose"]["dispatches"] == [offer_id]
    with stack.client() as c:
        goods = c.get(f"/api/v1/campaigns/{slug}").json()["totals"]["goods"]
        page = c.get(f"/campaigns/{slug}").text
    assert goods == [{"category": "water", "unit": "galon", "received": 60.0, "disbursed": 60.0}]
    assert "1 permintaan terlayani" in page and "Nama Penerima Rahasia" not in page
    assert f"{lat:.4f}" not in page and "Balai Desa" not in page   # the pickup is not public
    with stack.db() as conn:
        assert conn.execute("SELECT remaining FROM supplies s JOIN deliveries d ON d.supply_entry_id = s.entry_id "
                            "WHERE d.delivery_id = %s", (delivery_id,)).fetchone()[0] == 0


def test_the_treasurer_page_records_entries_without_javascript(stack):
    slug = make_campaign(stack)
    with stack.client(follow_redirects=False) as c:
        r = c.get("/treasurer")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with closing(stack.signed_in()) as coordinator:
        assert coordinator.get("/treasurer").status_code == 403
    with closing(stack.signed_in("treasurer")) as t:
        page = t.get("/treasurer")
        assert page.status_code == 200 and slug in page.text and "Bendahara" in page.text
        bad = t.post("/treasurer", data={"campaign": slug, "kind": "disbursed", "amount_idr": "50000"})
        assert bad.status_code == 422 and "purpose" in bad.text
        ok = t.post("/treasurer", data={"campaign": slug, "kind": "received", "goods_category": "food",
                                        "goods_item": "mi instan", "quantity": "30", "unit": "dus",
                                        "donor_name": "Warung Bu Tini", "donor_public": "true"})
        assert ok.status_code == 202 and "Tercatat" in ok.text, ok.text
        username = t.username
    got = wait_entries(stack, slug, 1)
    assert got[0]["actor"] == username and got[0]["goods"] == {"category": "food", "item": "mi instan",
                                                               "quantity": "30", "unit": "dus"}
    assert got[0]["donor"] == "Warung Bu Tini"


def test_a_group_carries_a_delivery_as_one_unit_and_the_ledger_names_every_dispatch(stack):
    """Issue 11 item 3: a drivers' group takes a delivery of donated goods as one unit. The
    leader, offered the delivery, answers "YA <code> 3" by SMS; two members are held for it;
    each reports done; one goods-disbursed entry names the need and all three dispatches."""
    from test_map_support import unique_point
    from test_webhooks_support import Stack as Webhooks, read_env

    hooks = Webhooks(read_env())
    lat, lon = unique_point(-1.2, 124.0)          # an area no other test uses
    slug = make_campaign(stack)
    need = stack.post_request(needs=["medical", "food"], people=40, location={"lat": lat + 0.03, "lon": lon})
    stack.wait_stored(need["request_id"])
    leader = stack.volunteer(lat + 0.002, lon + 0.002, name="Ketua Ojol Peduli")
    members = [stack.volunteer(lat + 0.05 + 0.001 * i, lon, name=f"Anggota Ojol {i}") for i in range(2)]
    with closing(stack.signed_in()) as coord:
        r = coord.post("/api/v1/coordinator/groups", json={"name": "Ojol Peduli", "leader_id": leader,
                                                          "member_ids": members})
        assert r.status_code == 202, r.text
    with stack.db() as conn:
        phone = conn.execute("SELECT phone FROM volunteers WHERE volunteer_id = %s", (leader,)).fetchone()[0]
    wait_for(lambda: stack.db().execute("SELECT count(*) FROM volunteers WHERE group_name = 'Ojol Peduli' "
                                        "AND volunteer_id::text = ANY(%s)", ([leader, *members],)).fetchone()[0] == 3,
             30, "the group stored")
    receive_goods(stack, slug, (lat, lon), "Gudang Posko", category="food", item="beras", quantity=300, unit="kg")

    def delivery_code():   # the offer of this delivery (not another need's) to the leader
        with stack.db() as conn:
            row = conn.execute(
                "SELECT x.offer_code FROM deliveries d JOIN dispatches x ON x.request_id = d.delivery_id "
                "WHERE d.for_request = %s AND x.volunteer_id = %s AND x.status = 'offered'",
                (need["request_id"], leader)).fetchone()
        return row[0] if row else None
    code = wait_for(delivery_code, 90, "the delivery offered to the leader")
    wait_for(lambda: any("Grup Ojol Peduli" in m["body"] and f"YA {code}" in m["body"] for m in hooks.messages(phone)),
             30, "the leader asked by SMS whether the group comes")
    hooks.inbound(f"YA {code} 3", frm=phone)

    def crew():
        with stack.db() as conn:
            return conn.execute(
                "SELECT x.volunteer_id::text, x.offer_id::text FROM deliveries d JOIN dispatches x "
                "ON x.request_id = d.delivery_id WHERE d.for_request = %s AND x.status = 'accepted'",
                (need["request_id"],)).fetchall()
    held = wait_for(lambda: (c := crew()) and len(c) == 3 and c, 90, "the leader and two members on the delivery")
    assert {v for v, _o in held} == {leader, *members}
    with stack.client() as c:
        for _v, offer_id in held:
            assert c.post(f"/api/v1/offers/{offer_id}/done").status_code == 202

    def disbursed():
        return [e for e in entries(stack, slug) if e["kind"] == "disbursed"]
    got = wait_for(disbursed, 90, "the group's delivery recorded as goods disbursed")
    assert len(got) == 1   # one delivery, one entry, however many carried it
    assert got[0]["purpose"]["requests"] == [need["request_id"]]
    assert sorted(got[0]["purpose"]["dispatches"]) == sorted(o for _v, o in held)
