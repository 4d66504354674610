/* Siaga map: the coordinators' live map (data-mode="coordinator") and the public map
   (data-mode="public"). Plain browser JavaScript on Leaflet, markercluster and leaflet.heat,
   served from /static/vendor (no CDN). Texts: Bahasa Indonesia first, English second.
   Every string from the server goes into the page as text (never as HTML): requests carry
   free text typed by anyone. */
(function () {
  "use strict";

  const body = document.body;
  const MODE = body.dataset.mode;
  const TILE_URL = body.dataset.tileUrl || "";
  const DEFAULT_VIEW = { center: [-2.5, 118], zoom: 5 };  // Indonesia

  const CAT = {
    water: ["Air bersih", "Water", "A"], food: ["Makanan", "Food", "M"], medical: ["Medis", "Medical", "+"],
    rescue: ["Evakuasi", "Rescue", "E"], shelter: ["Tenda", "Shelter", "T"], clothing: ["Pakaian", "Clothing", "P"],
    baby: ["Bayi", "Baby", "B"], sanitation: ["Sanitasi", "Sanitation", "S"], power: ["Listrik/BBM", "Power", "L"],
    other: ["Lainnya", "Other", "?"],
  };
  const STATUS = {
    received: ["Diterima", "Received"], needs_location: ["Perlu lokasi", "Needs location"],
    open: ["Terbuka", "Open"], offered: ["Ditawarkan", "Offered"], matched: ["Ditangani", "Matched"],
    on_the_way: ["Dalam perjalanan", "On the way"], done: ["Selesai", "Done"], escalated: ["Eskalasi", "Escalated"],
    cancelled: ["Dibatalkan", "Cancelled"], duplicate: ["Duplikat", "Duplicate"],
  };
  const URG = { low: ["Rendah", "Low"], normal: ["Biasa", "Normal"], high: ["Mendesak", "High"], critical: ["Darurat", "Critical"] };
  const VOL = { available: ["Siap", "Available"], busy: ["Bertugas", "Busy"], unavailable: ["Tidak siap", "Unavailable"] };
  const VET = { confirmed: ["Nomor terkonfirmasi", "Phone confirmed"], verified: ["Terverifikasi", "Verified"],
                suspended: ["Ditangguhkan", "Suspended"] };
  const OFFER = {
    offered: ["Ditawarkan", "Offered"], accepted: ["Diterima relawan", "Accepted"], declined: ["Ditolak", "Declined"],
    expired: ["Kedaluwarsa", "Expired"], withdrawn: ["Ditarik", "Withdrawn"], on_the_way: ["Dalam perjalanan", "On the way"],
    done: ["Selesai", "Done"], refused: ["Tidak bisa", "Refused"],
  };
  const ACTIVE = ["received", "needs_location", "open", "offered", "matched", "on_the_way", "escalated"];
  const WAITING = ["received", "needs_location", "open", "offered", "escalated"];
  const URG_WEIGHT = { low: 0.4, normal: 0.6, high: 0.85, critical: 1 };

  const bi = (pair, fallback) => (pair ? pair[0] + " / " + pair[1] : fallback || "");
  const $ = (id) => document.getElementById(id);

  /** Build an element; children are nodes or strings (inserted as text). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  function debounce(fn, ms) {
    let t = null;
    return function (...args) { clearTimeout(t); t = setTimeout(() => fn.apply(this, args), ms); };
  }

  function waitText(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return s + " dtk/s";
    if (s < 3600) return Math.floor(s / 60) + " mnt/min";
    if (s < 86400) return Math.floor(s / 3600) + " j/h " + Math.floor((s % 3600) / 60) + " m";
    return Math.floor(s / 86400) + " hr/d " + Math.floor((s % 86400) / 3600) + " j/h";
  }

  // Every state change carries the CSRF token of the session (services/auth/csrf.py).
  const csrfToken = () => (document.cookie.split("; ").find((c) => c.startsWith("siaga_csrf=")) || "").slice(11);
  const esc = (v) => String(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  /** Tooltip content as DOM text (Leaflet would read a string as HTML). */
  const tip = (...lines) => h("span", {}, lines.map((l, i) => (i ? [h("br"), l] : l)));

  const rupiah = (n) => "Rp " + Number(n || 0).toLocaleString("id-ID");

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401 && MODE === "coordinator") {
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
      throw new Error("signed out");
    }
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.statusText);
    return r.json();
  }

  // ---------------------------------------------------------------- the map itself

  const map = L.map("map", { zoomControl: true, worldCopyJump: false }).setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom);
  const state = { tilesFailed: false, fitted: false, cursor: null };
  window.siagaMap = { map, state };  // for the browser test and for debugging in the console

  if (TILE_URL) {
    // Offline (no tiles): a quiet background and the markers still work.
    let failures = 0;
    L.tileLayer(TILE_URL, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" })
      .on("tileerror", () => {
        failures += 1;
        if (failures === 3 && !state.tilesFailed) {
          state.tilesFailed = true;
          map.getContainer().classList.add("tiles-failed");
          map.getContainer().appendChild(h("div", { class: "offline-note" },
            "Peta dasar tidak tersedia (offline) / Base map unavailable (offline)"));
        }
      })
      .addTo(map);
  } else {
    map.getContainer().classList.add("tiles-failed");
  }

  function bboxParam() {
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    let w = clamp(b.getWest(), -180, 180), e = clamp(b.getEast(), -180, 180);
    let s = clamp(b.getSouth(), -90, 90), n = clamp(b.getNorth(), -90, 90);
    if (e <= w) { w = -180; e = 180; }
    if (n <= s) { s = -90; n = 90; }
    return [w, s, e, n].map((v) => v.toFixed(5)).join(",");
  }

  function fitOnce(extent) {
    if (state.fitted || !extent) return;
    state.fitted = true;
    const [x0, y0, x1, y1] = extent;
    // No animation: a view set while a zoom animation runs is dropped by Leaflet.
    map.fitBounds([[y0, x0], [y1, x1]], { padding: [40, 40], maxZoom: 15, animate: false });
  }

  function categoryBoxes(container, onChange) {
    for (const [key, pair] of Object.entries(CAT)) {
      container.appendChild(h("label", {}, h("input", { type: "checkbox", value: key, checked: true, "data-filter": "category", onchange: onChange }),
        " " + pair[0] + " / " + pair[1]));
    }
  }

  function checkedValues(container) {
    const all = [...container.querySelectorAll("input[type=checkbox]")];
    const on = all.filter((i) => i.checked).map((i) => i.value);
    return { on, all: on.length === all.length };
  }

  function liveIndicator(cls, text) {
    const el = $("live-state");
    el.className = "live " + cls;
    el.textContent = text;
  }

  if (MODE === "coordinator") coordinator(); else publicMap();

  // ================================================================ coordinators

  function coordinator() {
    // animate: false: during a cluster animation the group ignores map moves, so markers of a
    // view reached within ~250 ms of a zoom were never drawn.
    const needsLayer = L.markerClusterGroup({ animate: false, chunkedLoading: true, maxClusterRadius: 45, disableClusteringAtZoom: 16,
                                              showCoverageOnHover: false, spiderfyOnMaxZoom: true });
    const heatLayer = L.heatLayer([], { radius: 22, blur: 18, maxZoom: 14 });
    const volLayer = L.markerClusterGroup({ animate: false, chunkedLoading: true, maxClusterRadius: 35, disableClusteringAtZoom: 14,
                                            showCoverageOnHover: false,
                                            iconCreateFunction: (c) => L.divIcon({ html: "<div><span>" + c.getChildCount() + "</span></div>",
                                              className: "marker-cluster marker-cluster-small", iconSize: L.point(32, 32) }) });
    const lineLayer = L.layerGroup();
    const cellLayer = L.layerGroup();  // zoomed out over many needs: the server's counts per cell
    const needsGroup = L.layerGroup([needsLayer, cellLayer]);
    const areaLayer = L.layerGroup();  // incident areas: declared, and learned from the requests
    needsGroup.addTo(map); lineLayer.addTo(map); volLayer.addTo(map); areaLayer.addTo(map);
    L.control.layers(null, {
      "Kebutuhan / Needs": needsGroup, "Peta panas / Heat": heatLayer,
      "Relawan / Volunteers": volLayer, "Penugasan / Dispatches": lineLayer,
      "Area bencana / Incident areas": areaLayer,
    }, { collapsed: false }).addTo(map);
    legend();

    const needs = new Map();   // request id -> {marker, props}
    const lines = new Map();   // "request:volunteer" -> polyline
    let selected = null;
    window.siagaMap.needs = needs;
    window.siagaMap.lines = lines;

    // ---------- filters
    categoryBoxes($("f-category"), () => reloadNeeds());
    for (const key of ACTIVE.concat(["done"])) {
      $("f-status").appendChild(h("label", {}, h("input", { type: "checkbox", value: key, checked: key !== "done", "data-filter": "status",
        onchange: () => reloadNeeds() }), " " + bi(STATUS[key])));
    }
    $("f-age").addEventListener("change", () => reloadNeeds());

    function noteFilters() {
      const cats = checkedValues($("f-category"));
      const st = checkedValues($("f-status"));
      const on = [!cats.all && "kategori/category", $("f-age").value && "umur/age",
                  (st.on.length !== ACTIVE.length || st.on.includes("done")) && "status"].filter(Boolean);
      $("filter-note").textContent = on.length ? "(" + on.join(", ") + ")" : "";
    }

    function filterParams() {
      noteFilters();
      const p = new URLSearchParams({ bbox: bboxParam() });
      const cats = checkedValues($("f-category"));
      if (!cats.all) p.set("category", cats.on.join(",") || "other");
      const st = checkedValues($("f-status"));
      p.set("status", st.on.join(",") || "open");
      if ($("f-age").value) p.set("age_h", $("f-age").value);
      return p;
    }

    function passesFilters(props) {
      const cats = checkedValues($("f-category")).on;
      const st = checkedValues($("f-status")).on;
      const age = parseFloat($("f-age").value);
      if (!props.needs.some((n) => cats.includes(n))) return false;
      if (!st.includes(props.status)) return false;
      if (age && props.created < Date.now() / 1000 - age * 3600) return false;
      return props.lat !== null && props.lat !== undefined;
    }

    // ---------- needs
    function needIcon(p) {
      const glyph = (CAT[p.needs[0]] || CAT.other)[2];
      return L.divIcon({
        className: "need-icon", iconSize: [22, 22], iconAnchor: [11, 11],
        html: '<span class="need s-' + esc(p.status) + " u-" + esc(p.urgency) + (selected === p.id ? " sel" : "") +
              '" data-id="' + esc(p.id) + '" data-status="' + esc(p.status) + '">' + esc(glyph) + "</span>",
      });
    }

    // A need for several volunteers: how many hold a slot of how many ("2/3 relawan").
    function crewText(p) {
      return p.crew > 1 ? " · " + (p.filled || 0) + "/" + p.crew + " relawan/volunteers" : "";
    }

    function tooltip(p) {
      return tip(p.code + " · " + p.needs.map((n) => bi(CAT[n], n)).join(", ") + " · " + bi(STATUS[p.status], p.status) +
        " · " + bi(URG[p.urgency], p.urgency) + " · " + p.people + " org/people" + crewText(p));
    }

    function upsertNeed(p, seq) {
      if (state.clustered) { reloadNeedsSoon(); return; }
      const have = needs.get(p.id);
      if (have && seq) have.seq = seq;
      if (!passesFilters(p)) {
        if (have) { needsLayer.removeLayer(have.marker); needs.delete(p.id); }
        return;
      }
      if (have) {
        const moved = !have.marker.getLatLng().equals([p.lat, p.lon]);
        have.props = p;
        if (moved) have.marker.setLatLng([p.lat, p.lon]);
        have.marker.setIcon(needIcon(p));
        have.marker.setTooltipContent(tooltip(p));
        if (moved) { needsLayer.removeLayer(have.marker); needsLayer.addLayer(have.marker); }
        return;
      }
      // A need not on the map yet comes with the next snapshot of the view, which is taken
      // after this event: a marker added on its own here was not always drawn by the
      // cluster layer (seen right after the view moved).
      reloadNewNeeds();
    }

    function redrawHeat() {
      if (state.clustered) return;  // the cells drew it
      const pts = [];
      for (const { props } of needs.values()) {
        if (WAITING.includes(props.status)) pts.push([props.lat, props.lon, URG_WEIGHT[props.urgency] || 0.5]);
      }
      heatLayer.setLatLngs(pts);
    }
    const redrawHeatSoon = debounce(redrawHeat, 300);

    let needsSeq = 0;
    async function reloadNeeds() {
      const mine = ++needsSeq;
      const fc = await getJSON("/api/v1/map/needs?" + filterParams().toString());
      if (mine !== needsSeq) return;  // a newer reload is under way
      if (state.cursor === null) state.cursor = fc.cursor;
      state.clustered = !!fc.clustered;
      cellLayer.clearLayers();
      if (fc.clustered) {
        needsLayer.clearLayers();
        needs.clear();
        for (const f of fc.features) cellLayer.addLayer(cellMarker(f));
        heatLayer.setLatLngs(fc.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0], Math.min(1, f.properties.waiting / 10)]));
        body.dataset.needs = "0";
        return fc;
      }
      const seen = new Set();
      const fresh = [];
      for (const f of fc.features) {
        const p = Object.assign({ id: f.id }, f.properties, { lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] });
        seen.add(p.id);
        const have = needs.get(p.id);
        if (have) { upsertNeed(p); continue; }
        const marker = L.marker([p.lat, p.lon], { icon: needIcon(p), title: p.code, riseOnHover: true })
          .bindTooltip(tooltip(p)).on("click", () => openDetail(p.id));
        needs.set(p.id, { marker, props: p });
        fresh.push(marker);
      }
      needsLayer.addLayers(fresh);  // chunked: tens of thousands stay responsive
      const gone = [];
      // A need a live event brought after this snapshot was taken is newer than the snapshot:
      // keep it (the fetch and the event race; the snapshot must not undo the event).
      const snapshot = typeof fc.cursor === "number" ? fc.cursor : Infinity;
      for (const [id, v] of needs) {
        if (!seen.has(id) && !(v.seq > snapshot)) { gone.push(v.marker); needs.delete(id); }
      }
      needsLayer.removeLayers(gone);
      redrawHeat();
      body.dataset.needs = String(needs.size);
      return fc;
    }

    const reloadNeedsSoon = debounce(() => reloadNeeds().catch(() => {}), 2000);
    const reloadNewNeeds = debounce(() => reloadNeeds().catch(() => {}), 200);

    function cellMarker(f) {
      const p = f.properties;
      const size = 26 + Math.min(28, Math.round(Math.sqrt(p.count) * 3));
      const ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      const parts = Object.entries(p.by_category).map(([k, v]) => bi(CAT[k], k) + ": " + v);
      return L.marker(ll, {
        icon: L.divIcon({ className: "cell-icon", iconSize: [size, size],
          html: '<span class="cell' + (p.waiting ? "" : " helped") + '" style="width:' + size + "px;height:" + size + 'px">' + Number(p.count) + "</span>" }),
      }).bindTooltip(tip(p.count + " kebutuhan / needs · menunggu/waiting " + p.waiting + " · mendesak/urgent " + p.urgent +
                         " · ditangani/matched " + p.matched, ...parts))
        .on("click", () => map.setView(ll, Math.min(map.getZoom() + 2, 18)));
    }

    // ---------- volunteers and dispatch lines
    async function reloadVolunteers() {
      const fc = await getJSON("/api/v1/map/volunteers?bbox=" + bboxParam());
      volLayer.clearLayers();
      volLayer.addLayers(fc.features.map((f) => {
        const p = f.properties;
        const marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          icon: L.divIcon({ className: "vol-icon", iconSize: [14, 14], html: '<span class="vol v-' + esc(p.state) + ' vet-' + esc(p.vetting || "confirmed") + '" data-id="' + esc(p.id) + '"></span>' }),
          title: p.name, zIndexOffset: -100,
        }).bindTooltip(tip(p.name + " · " + bi(VOL[p.state]) + " · " + bi(VET[p.vetting || "confirmed"]) + " · " + p.skills.join(", ") + (p.vehicle !== "none" ? " · " + p.vehicle : "")));
        if (MODE === "coordinator") marker.on("click", () => marker.bindPopup(vettingBox(p)).openPopup());
        return marker;
      }));
    }

    // A coordinator verifies (a licence seen, a leader vouched) or suspends a volunteer here.
    function vettingBox(p) {
      const msg = h("div", { class: "vet-msg", "aria-live": "polite" });
      const note = h("input", { type: "text", class: "vet-note", maxlength: 300, placeholder: "catatan / note" });
      async function vet(level) {
        msg.className = "vet-msg"; msg.textContent = "…";
        const r = await fetch("/api/v1/coordinator/volunteers/" + p.id + "/vetting", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
          body: JSON.stringify({ level, note: note.value || null }),
        });
        const out = await r.json().catch(() => ({}));
        msg.className = "vet-msg " + (r.ok ? "ok" : "err");
        msg.textContent = r.ok ? "Tercatat / Recorded: " + bi(VET[level]) + " (" + out.actor + ")" : (out.error || r.statusText);
        if (r.ok) setTimeout(reloadVolunteers, 2000);
      }
      const levels = ["verified", "suspended", "confirmed"].filter((l) => l !== (p.vetting || "confirmed"));
      const label = { verified: "Verifikasi / Verify", suspended: "Tangguhkan / Suspend", confirmed: "Pulihkan / Restore" };
      return h("div", { class: "vet-box", "data-volunteer": p.id },
        h("b", {}, p.name), h("div", { class: "vet-level" }, bi(VET[p.vetting || "confirmed"])), note,
        h("div", { class: "vet-actions" }, ...levels.map((l) => h("button", { type: "button", class: "vet-" + l, onclick: () => vet(l) }, label[l]))),
        msg);
    }

    async function reloadLines() {
      const fc = await getJSON("/api/v1/map/dispatches?bbox=" + bboxParam());
      lineLayer.clearLayers();
      lines.clear();
      for (const f of fc.features) {
        const p = f.properties;
        const latlngs = f.geometry.coordinates.map((c) => [c[1], c[0]]);
        const line = L.polyline(latlngs, { className: "dispatch-line d-" + p.status, interactive: true })
          .bindTooltip(tip((p.volunteer || "") + " → " + (p.code || "") + " · " + bi(OFFER[p.status] || STATUS[p.status], p.status)))
          .on("click", () => openDetail(p.request_id));
        line.addTo(lineLayer);
        if (line.getElement()) line.getElement().setAttribute("data-request", p.request_id);
        lines.set(f.id, line);
      }
      body.dataset.lines = String(lines.size);
    }

    // ---------- counters and queue
    async function reloadSummary() {
      const s = await getJSON("/api/v1/map/summary");
      $("c-open").textContent = s.open; $("c-matched").textContent = s.matched;
      $("c-escalated").textContent = s.escalated; $("c-done").textContent = s.done_today;
      $("c-vol").textContent = s.volunteers_available;
      $("c-don").textContent = rupiah(s.donations_received_idr) + (s.donations_received_goods ? " + " + s.donations_received_goods + " barang/goods" : "");
      return s;
    }

    let queueItems = [];
    let queueLoadedAt = Date.now();
    async function reloadQueue() {
      queueItems = await getJSON("/api/v1/map/queue?limit=200");
      queueLoadedAt = Date.now();
      renderQueue();
    }

    // core/text/locate.py low_confidence: a bare village name, no parent named, far from every incident
    const LOW_PLACE_TITLE = "Lokasi belum pasti: nama desa saja, tanpa kecamatan/kabupaten, jauh dari area bencana; periksa dulu / " +
      "Location uncertain: a bare village name, no district named, away from every incident area; check it first";
    function renderQueue() {
      const ol = $("queue");
      const extra = (Date.now() - queueLoadedAt) / 1000;
      ol.replaceChildren(...queueItems.map((q) => h("li", { class: q.id === selected ? "selected" : null, "data-id": q.id },
        h("button", { type: "button", onclick: () => openDetail(q.id) },
          h("div", { class: "q-top" },
            h("span", {}, h("span", { class: "q-code" }, q.code), " ", h("span", { class: "badge s-" + q.status }, bi(STATUS[q.status], q.status)),
              q.attention ? h("span", { class: "badge s-escalated", title: "SOS / terlambat · overdue" }, "⚠ perlu perhatian / needs attention") : ""),
            h("span", { class: "q-wait", title: "Menunggu / Waiting" }, "tunggu/wait " + waitText(q.waiting_s + extra))),
          h("div", {}, q.needs.map((n) => h("span", { class: "tag" }, bi(CAT[n], n))), " ",
            h("span", { class: "muted" }, bi(URG[q.urgency], q.urgency) + " · " + q.people + " org/people" + crewText(q) +
              (q.vulnerable.length ? " · rentan/vulnerable" : "") + (q.place ? " · " + q.place : "")),
            q.place_confidence === "low" ? h("span", { class: "badge s-escalated", title: LOW_PLACE_TITLE }, "? lokasi belum pasti / location uncertain") : "")))));
      $("queue-count").textContent = "(" + queueItems.length + ")";
    }
    setInterval(renderQueue, 30000);  // waiting times keep counting

    // ---------- details and actions
    async function openDetail(id) {
      selected = id;
      const have = needs.get(id);
      if (have) {
        have.marker.setIcon(needIcon(have.props));
        needsLayer.zoomToShowLayer(have.marker, () => {});
      }
      renderQueue();
      let d;
      try { d = await getJSON("/api/v1/map/requests/" + id); } catch (e) {
        $("detail").hidden = false;
        $("detail").replaceChildren(h("p", { class: "msg err" }, String(e.message)));
        return;
      }
      if (selected !== id) return;
      if (!have && d.location) map.setView([d.location.lat, d.location.lon], Math.max(map.getZoom(), 15));
      renderDetail(d);
    }
    window.siagaMap.openDetail = openDetail;

    const refreshDetailSoon = debounce(() => { if (selected) openDetail(selected); }, 600);

    function row(label, value) { return [h("dt", {}, label), h("dd", {}, value === null || value === undefined || value === "" ? "–" : value)]; }

    function renderDetail(d) {
      const box = $("detail");
      box.hidden = false;
      box.dataset.id = d.id;
      const closed = ["done", "cancelled", "duplicate"].includes(d.status);
      const msg = h("div", { id: "action-msg", "aria-live": "polite" });
      const candList = h("ul", { class: "cand", id: "candidates" });
      const dupInput = h("input", { type: "text", id: "dup-of", placeholder: "kode / code", maxlength: 64 });
      const crewInput = h("input", { type: "number", id: "crew-count", min: 1, max: 50, value: d.crew.needed, style: "width:4em", "aria-label": "Jumlah relawan / Volunteers needed" });

      async function act(action, extra) {
        msg.className = ""; msg.textContent = "…";
        const r = await fetch("/api/v1/coordinator/requests/" + d.id + "/actions", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken(), "Idempotency-Key": crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now() },
          body: JSON.stringify(Object.assign({ action }, extra || {})),
        });
        const out = await r.json().catch(() => ({}));
        if (r.ok) {
          msg.className = "msg ok";
          msg.textContent = "Terkirim: " + action + " (oleh " + out.actor + ") / Sent: " + action + " (by " + out.actor + ")";
          setTimeout(refreshDetailSoon, 1500);
        } else {
          msg.className = "msg err";
          msg.textContent = (out.error || r.statusText);
        }
      }

      async function loadCandidates(action) {
        candList.replaceChildren(h("li", { class: "muted" }, "Mencari relawan terdekat… / Finding nearest volunteers…"));
        const list = await getJSON("/api/v1/map/requests/" + d.id + "/candidates?limit=8");
        if (!list.length) { candList.replaceChildren(h("li", { class: "muted" }, "Tidak ada relawan siap / No available volunteer")); return; }
        candList.replaceChildren(...list.map((c) => h("li", { "data-volunteer": c.id },
          h("span", {}, h("b", {}, c.name), " · ", c.distance_m !== null ? (c.distance_m / 1000).toFixed(1) + " km" : "?",
            h("br"), h("span", { class: "muted" }, c.skills.join(", ") + (c.vehicle !== "none" ? " · " + c.vehicle : "") + " · " + (c.phone || ""))),
          h("button", { type: "button", class: "assign-to", onclick: () => act(action, { volunteer_id: c.id }) },
            action === "assign" ? "Tugaskan / Assign" : "Ganti ke / Reassign"))));
      }

      const actions = closed ? [
        h("button", { type: "button", onclick: () => act("verify") }, "Verifikasi / Verify"),
      ] : [
        h("button", { type: "button", class: "primary", id: "btn-assign", onclick: () => loadCandidates("assign") }, "Tugaskan… / Assign…"),
        h("button", { type: "button", id: "btn-reassign", onclick: () => loadCandidates("reassign") }, "Ganti relawan… / Reassign…"),
        h("button", { type: "button", id: "btn-done", onclick: () => act("done") }, "Selesai / Done"),
        h("button", { type: "button", id: "btn-verify", onclick: () => act("verify") }, "Verifikasi / Verify"),
        h("button", { type: "button", id: "btn-escalate", onclick: () => act("escalate") }, "Eskalasi / Escalate"),
        h("button", { type: "button", id: "btn-cancel", onclick: () => { if (confirm("Batalkan permintaan ini? / Cancel this request?")) act("cancel"); } }, "Batalkan / Cancel"),
        h("span", {}, dupInput, h("button", { type: "button", id: "btn-duplicate", onclick: () => act("duplicate", { duplicate_of: dupInput.value.trim() }) }, "Duplikat dari / Duplicate of")),
        h("span", {}, crewInput, h("button", { type: "button", id: "btn-slots", onclick: () => act("slots", { count: Number(crewInput.value) }) }, "Jumlah relawan / Volunteers needed")),
      ];

      const offers = d.offers.length ? h("ul", { class: "history" }, d.offers.map((o) => h("li", {},
        h("b", {}, o.volunteer.name || o.volunteer.id), " · ", bi(OFFER[o.status], o.status),
        o.distance_m ? " · " + (o.distance_m / 1000).toFixed(1) + " km" : "", " · " + o.code,
        h("ul", {}, o.history.map((x) => h("li", { class: "muted" }, new Date(x.at).toLocaleString("id-ID") + " · " +
          bi(OFFER[x.status], x.status) + (x.actor ? " · " + x.actor : ""))))))) : h("p", { class: "muted" }, "Belum ada tawaran / No offers yet");

      box.replaceChildren(...[
        h("div", { class: "q-top" }, h("h2", {}, d.code + " "), h("button", { type: "button", class: "link", onclick: closeDetail, style: "color:#b3261e" }, "Tutup / Close")),
        h("p", {}, h("span", { class: "badge s-" + d.status, id: "detail-status" }, bi(STATUS[d.status], d.status)), " ",
          d.verified ? h("span", { class: "tag" }, "✓ terverifikasi / verified") : "", " ",
          d.needs.map((n) => h("span", { class: "tag" }, bi(CAT[n], n)))),
        h("dl", {},
          row("Urgensi / Urgency", bi(URG[d.urgency], d.urgency)),
          row("Jiwa / People", String(d.people) + (d.households ? " (" + d.households + " KK)" : "")),
          row("Relawan / Volunteers", d.crew.filled + " / " + d.crew.needed),
          row("Rentan / Vulnerable", d.vulnerable.join(", ")),
          row("Nama / Name", d.contact.name),
          row("HP / Phone", d.contact.phone),
          row("Tempat / Place", d.place),
          row("Lokasi / Location", d.location ? d.location.lat.toFixed(5) + ", " + d.location.lon.toFixed(5) + " (" + (d.location.source || "?") + ")" : null),
          d.location && d.location.confidence === "low" ? row("Kepastian / Certainty", LOW_PLACE_TITLE) : "",
          row("Saluran / Channel", d.channel),
          row("Masuk / Received", new Date(d.created_at).toLocaleString("id-ID")),
          row("Relawan / Volunteer", d.volunteer ? d.volunteer.name + " · " + (d.volunteer.phone || "") : null),
          row("Duplikat dari / Duplicate of", d.duplicate_of ? d.duplicate_of.code : null)),
        d.text ? h("p", { class: "text" }, d.text) : "",
        h("div", { class: "actions" }, actions),
        candList, msg,
        h("h3", {}, "Riwayat tawaran / Offer history"), offers,
        d.actions.length ? [h("h3", {}, "Tindakan koordinator / Coordinator actions"),
          h("ul", { class: "history" }, d.actions.map((a) => h("li", {}, new Date(a.at).toLocaleString("id-ID") + " · " + a.action + " · " + a.actor + (a.note ? " · " + a.note : ""))))] : "",
        d.reports.length > 1 ? [h("h3", {}, "Laporan / Reports (" + d.reports.length + ")"),
          h("ul", { class: "history" }, d.reports.map((r) => h("li", {}, r.channel + " · " + new Date(r.at).toLocaleString("id-ID") + (r.text ? " · " + r.text : ""))))] : "",
        d.timeline.length ? [h("h3", {}, "Linimasa / Timeline"),
          h("ul", { class: "history" }, d.timeline.map((t) => h("li", { class: "muted" }, new Date(t.at).toLocaleString("id-ID") + " · " + t.kind + " · " + (bi(STATUS[t.status]) || t.status))))] : "",
      ].flat(Infinity).filter((x) => x !== ""));
    }

    function closeDetail() {
      const was = selected;
      selected = null;
      $("detail").hidden = true;
      const have = was && needs.get(was);
      if (have) have.marker.setIcon(needIcon(have.props));
      renderQueue();
    }

    // ---------- live
    const refreshSide = debounce(() => { reloadQueue().catch(() => {}); reloadSummary().catch(() => {}); }, 500);
    const refreshLines = debounce(() => { reloadLines().catch(() => {}); reloadVolunteers().catch(() => {}); }, 800);

    function onChange(ev) {
      if (ev.request) upsertNeed(ev.request, ev.seq);
      redrawHeatSoon();
      refreshSide();
      if (ev.kind !== "stored") refreshLines();
      if (selected && ev.request_id === selected) refreshDetailSoon();
    }

    function connectLive() {
      if (window.siagaMap.events) window.siagaMap.events.close();
      const url = "/api/v1/live" + (state.cursor !== null ? "?after=" + state.cursor : "");
      const es = new EventSource(url, { withCredentials: true });
      window.siagaMap.events = es;
      es.addEventListener("open", () => liveIndicator("on", "● Langsung / Live"));
      es.addEventListener("change", (m) => { state.cursor = Number(m.lastEventId); onChange(JSON.parse(m.data)); });
      es.addEventListener("hello", (m) => { state.cursor = Number(m.lastEventId); });
      es.addEventListener("refresh", (m) => {
        const layers = JSON.parse(m.data).layers || [];
        refreshLines();
        refreshSide();
        if (selected && layers.includes("dispatches")) refreshDetailSoon();
      });
      es.addEventListener("signed_out", () => { es.close(); location.href = "/login?next=/map"; });
      window.siagaMap.reconnect = connectLive;  // resumes from the last number seen
      es.addEventListener("error", () => {
        if (es.readyState === EventSource.CLOSED) {
          // Refused (e.g. the session ended): find out why, then try again from the last number.
          liveIndicator("off", "○ Terputus / Disconnected");
          // A 401 sends the page to the sign-in form; anything else (server restarting): retry.
          getJSON("/api/v1/auth/me").then(() => setTimeout(connectLive, 3000)).catch(() => setTimeout(connectLive, 10000));
        } else {
          liveIndicator("off", "○ Menyambung ulang… / Reconnecting…");  // the browser resumes with Last-Event-ID
        }
      });
    }

    // ---------- admins: new accounts
    const accountForm = $("new-account");
    if (accountForm) {
      accountForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const data = Object.fromEntries(new FormData(accountForm).entries());
        const r = await fetch("/api/v1/admin/coordinators", { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() }, body: JSON.stringify(data) });
        const out = await r.json().catch(() => ({}));
        const msg = $("account-msg");
        msg.className = r.ok ? "msg ok" : "msg err";
        msg.textContent = r.ok ? "Akun dibuat / Account created: " + out.username + " (" + out.role + ")" : (out.error || r.statusText);
        if (r.ok) accountForm.reset();
      });
    }

    // ---------- incident areas: a bare place name far from them is asked about
    async function reloadAreas() {
      const fc = await getJSON("/api/v1/map/areas");
      areaLayer.clearLayers();
      for (const f of fc.features) {
        const p = f.properties, [lon, lat] = f.geometry.coordinates;
        const learned = p.kind === "learned";
        const label = learned
          ? "Dipelajari dari permintaan / Learned from requests: " + p.name
            + (p.holds_most ? " (sebagian besar permintaan / most requests)" : "")
          : "Area bencana / Incident area: " + p.name;
        L.circle([lat, lon], { radius: p.radius_km * 1000, color: learned ? "#7a5cc2" : "#c0392b", weight: 2,
                               dashArray: learned ? "6 6" : null, fill: false })
          .bindTooltip(h("span", {}, label))   // an element: names are text, never markup
          .addTo(areaLayer);
      }
      body.dataset.areas = String(fc.features.length);
    }

    // ---------- start
    const reloadView = debounce(() => {
      reloadNeeds().catch(console.error);
      reloadVolunteers().catch(console.error);
      reloadLines().catch(console.error);
    }, 250);
    map.on("moveend", reloadView);

    (async () => {
      const s = await reloadSummary();
      fitOnce(s.extent);
      await reloadNeeds();
      connectLive();
      reloadQueue();
      reloadVolunteers();
      reloadLines();
      await reloadAreas().catch(console.error);
      body.dataset.ready = "1";
    })().catch((e) => console.error(e));
    // Safety net: anything a notification could not carry is picked up within a minute.
    setInterval(() => { reloadNeeds().catch(() => {}); reloadAreas().catch(() => {}); }, 60000);
    setInterval(() => { refreshLines(); refreshSide(); }, 20000);
  }

  function legend() {
    const ctl = L.control({ position: "bottomright" });
    ctl.onAdd = () => {
      const div = h("div", { class: "legend" });
      for (const key of ["open", "offered", "matched", "on_the_way", "escalated", "done"]) {
        div.appendChild(h("div", {}, h("i", { class: "s-" + key }), STATUS[key][0]));
      }
      div.appendChild(h("div", { class: "muted wide" }, "Huruf = kategori / Letter = category · cincin hitam = darurat / black ring = critical"));
      div.appendChild(h("div", {}, h("i", { class: "v-available", style: "border-radius:2px" }), "Relawan siap / available"));
      div.appendChild(h("div", {}, h("i", { class: "v-busy", style: "border-radius:2px" }), "bertugas / busy"));
      return div;
    };
    ctl.addTo(map);
  }

  // ================================================================ public

  function publicMap() {
    const cells = L.markerClusterGroup({
      maxClusterRadius: 50, showCoverageOnHover: false, disableClusteringAtZoom: 15,
      iconCreateFunction: (cluster) => {
        const n = cluster.getAllChildMarkers().reduce((sum, m) => sum + m.options.count, 0);
        const size = 30 + Math.min(30, Math.round(Math.sqrt(n) * 3));
        return L.divIcon({ className: "cell-icon", iconSize: [size, size],
          html: '<span class="cell" style="width:' + size + "px;height:" + size + 'px">' + n + "</span>" });
      },
    });
    const heat = L.heatLayer([], { radius: 24, blur: 18, maxZoom: 14 });
    cells.addTo(map); heat.addTo(map);
    L.control.layers(null, { "Kebutuhan / Needs": cells, "Peta panas / Heat": heat }, { collapsed: false }).addTo(map);
    categoryBoxes($("f-category"), () => reload());

    function cellMarker(f) {
      const p = f.properties;
      const size = 22 + Math.min(26, Math.round(Math.sqrt(p.needs_total) * 4));
      const helped = p.waiting === 0;
      const parts = Object.entries(p.by_category).map(([k, v]) => bi(CAT[k], k) + ": " + v);
      const n = Number(p.needs_total) || 0;
      return L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        count: p.needs_total,
        icon: L.divIcon({ className: "cell-icon", iconSize: [size, size],
          html: '<span class="cell' + (helped ? " helped" : "") + '" style="width:' + size + "px;height:" + size + 'px">' + n + "</span>" }),
      }).bindTooltip(tip(n + " kebutuhan / needs · menunggu/waiting " + p.waiting + " · ditolong/helped " + p.helping, ...parts));
    }

    async function reload() {
      const cats = checkedValues($("f-category"));
      const p = new URLSearchParams({ bbox: bboxParam() });
      if (!cats.all) p.set("category", cats.on.join(",") || "other");
      const fc = await getJSON("/api/v1/public/needs?" + p.toString());
      cells.clearLayers();
      cells.addLayers(fc.features.map(cellMarker));
      heat.setLatLngs(fc.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0], Math.min(1, 0.3 + f.properties.waiting / 5)]));
      body.dataset.cells = String(fc.features.length);
    }

    async function reloadSummary() {
      const s = await getJSON("/api/v1/public/summary");
      $("c-open").textContent = s.waiting; $("c-matched").textContent = s.helping; $("c-done").textContent = s.done_today;
      $("c-vol").textContent = s.volunteers_available; $("c-don").textContent = rupiah(s.donations_received_idr);
      $("by-category").replaceChildren(...Object.entries(s.by_category).sort((a, b) => b[1] - a[1])
        .map(([k, v]) => h("tr", {}, h("td", {}, bi(CAT[k], k)), h("td", { class: "n" }, String(v)))));
      $("updated").textContent = "Diperbarui / Updated " + new Date().toLocaleTimeString("id-ID");
      return s;
    }

    const refresh = debounce(() => { reload().catch(() => {}); reloadSummary().catch(() => {}); }, 1000);
    map.on("moveend", debounce(() => reload().catch(console.error), 250));

    function connectLive() {
      const es = new EventSource("/api/v1/public/live");
      es.addEventListener("open", () => { liveIndicator("on", "● Langsung / Live"); refresh(); });
      es.addEventListener("change", refresh);
      es.addEventListener("error", () => liveIndicator("off", "○ Menyambung ulang… / Reconnecting…"));
    }

    (async () => {
      const s = await reloadSummary();
      fitOnce(s.extent);
      await reload();
      connectLive();
      body.dataset.ready = "1";
    })().catch((e) => console.error(e));
  }
})();
