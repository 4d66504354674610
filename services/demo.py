"""A small demo around Yogyakarta, loaded through the public API (so it takes the real path:
outbox, relay, topics, workers, PostGIS). Idempotent: loading twice creates nothing new.

    python -m siaga.services.demo    # API_URL, DATABASE_URL (PAYMENT_BASE_URL) from the settings

`make run` (infra/dev/stack.py) runs it as a process of its own, as it runs every other service: the
stack starts services, it does not import them (infra sits below services)."""
from __future__ import annotations

import httpx

from siaga.infra.settings import get_settings
from siaga.services.auth import csrf
from siaga.services.ledger.routes_campaigns import organiser_id

VOLUNTEERS = [
    # name, phone, skills, vehicle, lat, lon, organisation
    ("Budi Santoso", "0812-1000-0001", ["medical"], "motorbike", -7.7829, 110.3671, "PMI Kota Yogyakarta"),
    ("Siti Rahayu", "0812-1000-0002", ["logistics", "driver"], "pickup", -7.7560, 110.3800, "Karang Taruna"),
    ("Agus Wibowo", "0812-1000-0003", ["rescue", "boat"], "boat", -7.8890, 110.3290, "SAR Bantul"),
    ("Dewi Lestari", "0812-1000-0004", ["cooking", "logistics"], "car", -7.8010, 110.3640, "Dapur Umum"),
    ("Rudi Hartono", "0812-1000-0005", ["shelter", "general"], "truck", -7.7170, 110.3550, "Tagana Sleman"),
    ("Nur Aini", "0812-1000-0006", ["medical"], "ambulance", -7.8120, 110.3920, "Puskesmas"),
    ("Eko Prasetyo", "0812-1000-0007", ["logistics"], "motorbike", -7.7450, 110.4120, "Ojol Peduli"),
    ("Wahyu Hidayat", "0812-1000-0008", ["rescue"], "car", -7.7700, 110.4900, "SAR Prambanan"),
    ("Maya Sari", "0812-1000-0009", ["sanitation", "general"], "none", -7.8600, 110.3500, "Relawan Bantul"),
    ("Joko Susilo", "0812-1000-0010", ["power", "driver"], "pickup", -7.7900, 110.4000, "PLN Peduli"),
]
REQUESTS = [
    # needs, people, vulnerable, urgency, lat, lon, place, text
    (["water", "food"], 30, ["infant", "elderly"], "high", -7.8003, 110.3714, "Kelurahan Ngupasan",
     "Butuh air bersih dan makanan untuk 30 orang di posko."),
    (["medical"], 2, ["elderly"], "critical", -7.7770, 110.3880, "Kelurahan Klitren",
     "Lansia sesak napas, perlu dokter segera."),
    (["rescue"], 5, ["toddler"], "critical", -7.9000, 110.3300, "Desa Srigading",
     "Keluarga terjebak banjir di atap rumah."),
    (["shelter", "clothing"], 40, [], "normal", -7.7200, 110.3600, "Desa Wonokerto",
     "Tenda dan selimut untuk pengungsi."),
    (["baby"], 12, ["infant"], "high", -7.8650, 110.3550, "Desa Trirenggo", "Popok dan susu bayi habis."),
    (["power"], 60, [], "normal", -7.7920, 110.4050, "Desa Banguntapan", "Genset untuk dapur umum."),
    (["water"], 100, [], "normal", -7.7480, 110.4150, "Desa Maguwoharjo", "Galon air minum."),
    (["medical"], 1, ["pregnant"], "critical", -7.7600, 110.5000, None, "Ibu hamil akan melahirkan."),
]
CAMPAIGN = {
    "slug": "banjir-yogyakarta-2026", "title": "Banjir Yogyakarta 2026", "incident": "Banjir luapan Kali Code",
    "goal_idr": 120_000_000, "account": "BNI 0123456789 a.n. Posko Relawan Banjir Yogyakarta",
    "permit_pub": "PUB 045/HUK-PS/2026 (contoh)", "opex_declared": 5, "area": "Kota Yogyakarta",
}
ORGANISER = {"name": "Posko Relawan Banjir Yogyakarta", "kind": "community"}
DEMO_ACCOUNT = "demo-admin"   # the demo loader's own account; its password is new each load
TREASURER_ENTRIES = [
    {"kind": "received", "goods": {"category": "water", "item": "air mineral galon", "quantity": 200, "unit": "galon"},
     "donor_name": "Toko Makmur", "donor_public": True},
    {"kind": "disbursed", "goods": {"category": "water", "item": "air mineral galon", "quantity": 40, "unit": "galon"},
     "purpose": {"category": "water", "area": "Kecamatan Gondokusuman"}},
    {"kind": "disbursed", "money": {"amount_idr": 1_500_000},
     "purpose": {"category": "food", "area": "Kecamatan Mergangsan"}, "note": "Nasi bungkus dapur umum, 300 porsi"},
    {"kind": "disbursed", "money": {"amount_idr": 300_000},
     "purpose": {"category": "operations"}, "note": "Bensin mobil logistik"},
]
PLEDGE = {"kind": "pledged", "money": {"amount_idr": 25_000_000}, "donor_name": "Yayasan Peduli Sesama",
          "donor_public": True}
PAYMENT_IDR = 10_000_000


def _demo_account(database_url: str) -> str:
    """A fresh password for the loader's admin account (created on the first load)."""
    import secrets

    import psycopg

    from siaga.services.auth.accounts import AccountExists, create_coordinator_sync, set_password_sync

    password = secrets.token_urlsafe(24)
    with psycopg.connect(database_url, autocommit=True) as conn:
        try:
            create_coordinator_sync(conn, DEMO_ACCOUNT, password, "admin", display_name="Demo", created_by="demo")
        except AccountExists:
            set_password_sync(conn, DEMO_ACCOUNT, password, "admin")
    return password


def load_donations(env: dict[str, str], timeout: float = 10.0) -> str:
    """A campaign with a verified organiser, a pledge, a payment through the (local) gateway,
    goods received and disbursed, and operating costs: the transparency page has something to show."""
    slug = CAMPAIGN["slug"]
    with httpx.Client(base_url=env["API_URL"], timeout=timeout, trust_env=False) as c:
        r = c.post("/api/v1/auth/login", json={"username": DEMO_ACCOUNT, "password": _demo_account(env["DATABASE_URL"])})
        r.raise_for_status()
        csrf.attach(c)
        r = c.post("/api/v1/organisers", json=ORGANISER)
        if r.status_code not in (201, 409):
            r.raise_for_status()
        oid = str(organiser_id(ORGANISER["name"]))
        c.post(f"/api/v1/organisers/{oid}/verification",
               json={"verification": "verified", "document": "Surat keterangan lurah (contoh)"}).raise_for_status()
        r = c.post("/api/v1/campaigns", json={**CAMPAIGN, "organiser_id": oid})
        if r.status_code not in (201, 409):
            r.raise_for_status()
        fresh = r.status_code == 201
        for i, e in enumerate(TREASURER_ENTRIES):
            _loaded_before(c.post("/api/v1/donations", json={**e, "campaign": slug},
                                  headers={"Idempotency-Key": f"demo-ledger-{i}"}))
        c.post("/api/v1/auth/logout")
    with httpx.Client(base_url=env["API_URL"], timeout=timeout, trust_env=False) as c:
        _loaded_before(c.post("/api/v1/donations", json={**PLEDGE, "campaign": slug},
                              headers={"Idempotency-Key": "demo-pledge-0"}))
        if fresh and env.get("PAYMENT_BASE_URL", "").startswith("http://127.0.0.1:"):
            # A donor pays through the local gateway simulator, which sends the signed notification.
            order = c.post(f"/api/v1/campaigns/{slug}/donate", json={"amount_idr": PAYMENT_IDR}).json()
            httpx.post(f"{env['PAYMENT_BASE_URL']}/_local/midtrans/{order['order_id']}/notify",
                       json={"transaction_status": "settlement"}, timeout=timeout, trust_env=False).raise_for_status()
    return f"campaign {slug} with {len(TREASURER_ENTRIES) + 2} ledger entries"


def _loaded_before(r: httpx.Response) -> bool:
    """True if the item was loaded by an earlier demo (its key answered 409: the same key with a
    body an older version of Siaga counted differently); any other error stops the loader."""
    if r.status_code == 409:
        return True
    r.raise_for_status()
    return False


def load_demo(env: dict[str, str], timeout: float = 10.0) -> str:
    api = env["API_URL"]
    with httpx.Client(base_url=api, timeout=timeout, trust_env=False) as c:
        # Volunteers are registered by a coordinator here (people sign up at /relawan/daftar).
        r = c.post("/api/v1/auth/login", json={"username": DEMO_ACCOUNT, "password": _demo_account(env["DATABASE_URL"])})
        r.raise_for_status()
        csrf.attach(c)
        vids = []
        for i, (name, phone, skills, vehicle, lat, lon, org) in enumerate(VOLUNTEERS):
            r = c.post("/api/v1/volunteers", json={"name": name, "phone": phone, "skills": skills,
                                                   "vehicle": vehicle, "organisation": org},
                       headers={"Idempotency-Key": f"demo-volunteer-{i}"})
            if _loaded_before(r):
                continue
            vid = r.json()["volunteer_id"]
            vids.append(vid)
            _loaded_before(c.post(f"/api/v1/volunteers/{vid}/checkins",
                                  json={"location": {"lat": lat, "lon": lon, "accuracy_m": 20},
                                        "available": True, "capacity": 4},
                                  headers={"Idempotency-Key": f"demo-checkin-{i}"}))
        c.post("/api/v1/auth/logout")
        for i, (needs, people, vul, urg, lat, lon, place, text) in enumerate(REQUESTS):
            body = {"client_id": f"demo-request-{i:04d}", "needs": needs, "people": people,
                    "vulnerable": vul, "urgency": urg, "text": text, "preferred_channel": "sms",
                    "phone": f"0813-2000-{i:04d}", "name": f"Pelapor {i + 1}",
                    "location": {"lat": lat, "lon": lon, "accuracy_m": 30, "source": "gps"}}
            if place:
                body["place"] = place
            _loaded_before(c.post("/api/v1/requests", json=body))
    return f"{len(VOLUNTEERS)} volunteers, {len(REQUESTS)} requests; " + load_donations(env, timeout)


def main() -> None:
    s = get_settings()
    print(load_demo({"API_URL": s.api_url, "DATABASE_URL": s.database_url,
                     "PAYMENT_BASE_URL": s.payment_base_url or ""}))


if __name__ == "__main__":
    main()
