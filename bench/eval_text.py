"""Text understanding figures on the labelled fixtures: `python -m bench.eval_text`.

For each of tests/fixtures/messages_{dev,holdout}.jsonl (help messages with needs, counts and
places), tests/fixtures/places_{dev,holdout}.jsonl (help messages and non-requests from every
province group, written around place-name failures) and tests/fixtures/intents_{dev,holdout}.jsonl
(requests mixed with offers, information, questions and status questions) and
tests/fixtures/extra_dev.jsonl (a second development part in the places_* format, written later
from other disasters, mostly to widen the non-requests and the ways places are named) and
tests/fixtures/places2_dev.jsonl (the same format, measured once as a holdout on 2026-12-06,
then used for tuning) and tests/fixtures/intents2_dev.jsonl (the intents_* format, written for
round three before its intent rules were changed) and tests/fixtures/places{4,5,8,9,10,11}_dev.jsonl
(the places_* format, measured as holdouts on 2026-12-06, then used for tuning) and
tests/fixtures/places{3,6,7,12,13,14,20,23,26,27,29,30}_holdout.jsonl (the same format, never used for tuning; places15_dev was
measured as one before round eleven, places16_dev before round twelve, places17_dev before round
thirteen, places18_dev before round fourteen, places19_dev before round fifteen,
places21_dev before round sixteen, places22_dev before round seventeen,
places24_dev before round eighteen, places25_dev before round nineteen, places28_dev before round
twenty, places31_dev before round twenty-one), prints:

- needs micro-F1 of parse_help_message (messages_*, places_*: every record; intents_*: the
  records labelled "request", the only ones with needs labels);
- needs micro-F1 of the aid requests, over every record: the needs of the AidRequest that
  core.conversation.decide emits for a new SMS (none for a message it does not take as a
  request), against the labels (none for a non-request). This is what issue 13 checks through
  the webhook; the parser figure above also counts goods that offers, announcements and
  questions name, which never reach a dispatch;
- place (messages_*, places_*; the intents fixtures carry no place labels): resolved exactly as
  labelled (same Kemendagri code, or the same unresolved status), and "within reach": exact,
  or resolved within REACH_KM of the labelled place's point;
- confident-wrong places: resolved more than WRONG_KM from the labelled place, over all
  records with a place code and over those tagged "parent_named" (the message names a parent,
  so the answer should never be far off), plus the records labelled "ambiguous" (a good
  system asks) that were resolved anyway;
- place within reach per province group, for records tagged with one (places_*);
- non-requests taken as requests and requests lost, judged on what core.conversation.decide
  really does with a new SMS from an unknown phone (an aid request event or not);
  messages_*, places_*: a record without needs is a non-request; intents_*: intent != "request";
- the mean time per message of understand() (parser + gazetteer), after a warm-up;
- when run on the default files: the same figures over all dev files together and over all
  holdout files together;
- for tests/fixtures/reports/reports_{dev,holdout}.jsonl (invented resident flood reports, each
  with where its writer stood): of the places resolved from the text, how many lie more than
  25 km from the reporter (bench/real_reports.py, issue 13's target for real reports).

Holdout files are never used for tuning; their figures estimate accuracy on new messages.
Pass fixture names as arguments to evaluate only those; --dev evaluates the dev files only (and
prints their combined figures), which is what tuning should run; -v lists the ids behind the misses;
--learn replays each file in its order with incident areas learned from the messages so far, as the
service does (geo/active_areas.py); without it no area is used, so the figures stay comparable.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench import real_reports
from siaga.core.conversation import Inbound, Understanding, decide, understand
from siaga.core.text import parse_help_message
from siaga.core.text.gazetteer import lookup_code
from siaga.geo.active_areas import AreaLearner
from siaga.schemas.events import AidRequest

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
DEFAULT_FILES = ("messages_dev.jsonl", "messages_holdout.jsonl",
                 "places_dev.jsonl", "places_holdout.jsonl",
                 "intents_dev.jsonl", "intents_holdout.jsonl", "extra_dev.jsonl", "places2_dev.jsonl",
                 "places3_holdout.jsonl", "intents2_dev.jsonl", "places4_dev.jsonl",
                 "places5_dev.jsonl", "places6_holdout.jsonl", "places7_holdout.jsonl", "places8_dev.jsonl",
                 "places9_dev.jsonl", "places10_dev.jsonl", "places11_dev.jsonl", "places12_holdout.jsonl", "places13_holdout.jsonl",
                 "places14_holdout.jsonl", "places15_dev.jsonl", "places16_dev.jsonl",
                 "places17_dev.jsonl", "places18_dev.jsonl",
                 "places19_dev.jsonl", "places20_holdout.jsonl",
                 "places21_dev.jsonl", "places22_dev.jsonl",
                 "places23_holdout.jsonl", "places24_dev.jsonl", "places25_dev.jsonl",
               "places26_holdout.jsonl", "places27_holdout.jsonl",
               "places28_dev.jsonl", "places29_holdout.jsonl",
               "places30_holdout.jsonl", "places31_dev.jsonl",
               "places32_dev.jsonl", "places33_holdout.jsonl",
               "places34_holdout.jsonl", "places35_dev.jsonl",
               "places36_dev.jsonl", "places37_holdout.jsonl",
               "places38_holdout.jsonl", "places39_holdout.jsonl",
               "places40_holdout.jsonl", "places41_holdout.jsonl",
               "places42_holdout.jsonl", "places43_dev.jsonl",
               "places44_holdout.jsonl", "places45_dev.jsonl",
               "places46_holdout.jsonl", "places47_dev.jsonl",
               "places48_dev.jsonl", "places49_holdout.jsonl",
               "places50_holdout.jsonl", "places51_holdout.jsonl",
               "places52_holdout.jsonl", "places53_dev.jsonl",
               "places54_holdout.jsonl", "places55_holdout.jsonl",
               "places56_holdout.jsonl", "places57_dev.jsonl",
               "places58_holdout.jsonl", "places59_holdout.jsonl",
               "places60_holdout.jsonl", "places61_dev.jsonl",
               "places62_dev.jsonl", "places63_holdout.jsonl",
               "places64_holdout.jsonl", "places65_dev.jsonl",
               "places66_holdout.jsonl", "places67_dev.jsonl", "places68_dev.jsonl")
DEV_FILES = tuple(name for name in DEFAULT_FILES if name.endswith("_dev.jsonl"))
REACH_KM = 10.0   # a volunteer can still find a place this far from the labelled one
WRONG_KM = 50.0   # a confident answer this far off sends volunteers to another town
PROVINCE_GROUPS = ("sumatera", "jawa", "bali_nusa_tenggara", "kalimantan", "sulawesi", "maluku_papua")
NOW = datetime(2026, 11, 20, 8, 30, tzinfo=timezone.utc)


@dataclass
class Figures:
    name: str
    total: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    req_tp: int = 0               # needs of the aid requests decide() emits, every record
    req_fp: int = 0
    req_fn: int = 0
    place_total: int = 0
    place_exact: int = 0
    place_reach: int = 0
    coded_total: int = 0          # records labelled with a place code
    wrong_far: int = 0            # ... resolved more than WRONG_KM from it
    parent_total: int = 0         # records labelled with a code and tagged parent_named
    parent_wrong_far: int = 0
    ask_total: int = 0            # records labelled "ambiguous"
    ask_resolved: int = 0         # ... resolved anyway
    group_total: Counter[str] = field(default_factory=Counter)
    group_reach: Counter[str] = field(default_factory=Counter)
    non_requests: int = 0
    false_requests: int = 0
    requests: int = 0
    lost_requests: int = 0
    understand_ms: float = 0.0
    false_ids: list[str] = field(default_factory=list)
    lost_ids: list[str] = field(default_factory=list)
    place_miss_ids: list[str] = field(default_factory=list)
    wrong_far_ids: list[str] = field(default_factory=list)
    ask_resolved_ids: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        return _f1(self.tp, self.fp, self.fn)

    @property
    def request_f1(self) -> float:
        return _f1(self.req_tp, self.req_fp, self.req_fn)


def _f1(tp: int, fp: int, fn: int) -> float:
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return 2 * p * r / (p + r) if p + r else 0.0


def load(name: str) -> list[dict[str, Any]]:
    path = FIXTURES / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def is_request_label(rec: dict[str, Any]) -> bool:
    if "intent" in rec:
        return rec["intent"] == "request"
    return bool(rec["needs"])


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass(frozen=True, slots=True)
class PlaceOutcome:
    exact: bool
    reach: bool
    km: float | None    # distance of a resolved answer from the labelled place (code labels only)


def _place(want: dict[str, str], u: Understanding) -> PlaceOutcome:
    got = u.located
    if "status" in want:
        same = got.status == want["status"]
        return PlaceOutcome(same, same, None)
    if got.status != "resolved":
        return PlaceOutcome(False, False, None)
    if got.admin_code == want["code"]:
        return PlaceOutcome(True, True, 0.0)
    target = lookup_code(want["code"])
    if target is None or got.lat is None or got.lon is None:
        return PlaceOutcome(False, False, None)
    km = _km((got.lat, got.lon), (target.lat, target.lon))
    return PlaceOutcome(False, km <= REACH_KM, km)


def _group(rec: dict[str, Any]) -> str | None:
    return next((t for t in rec.get("tags", ()) if t in PROVINCE_GROUPS), None)


def evaluate(name: str, learn: bool = False) -> Figures:
    """``learn``: learn incident areas from the clearly placed messages so far, in the file's
    order, as the service does from its record (geo/active_areas.py)."""
    learner = AreaLearner() if learn else None
    records = load(name)
    fig = Figures(name, total=len(records))
    for rec in records[:5]:            # warm-up: stemmer, gazetteer, caches
        understand(rec["text"])
    elapsed = 0.0
    for i, rec in enumerate(records):
        t0 = time.perf_counter()
        u = understand(rec["text"], incidents=learner.areas if learner else ())
        elapsed += time.perf_counter() - t0
        if learner is not None and u.located.placed_clearly:
            learner.add(u.located.lat, u.located.lon)  # type: ignore[arg-type]
        wanted_request = is_request_label(rec)
        if "intent" not in rec or wanted_request:
            want = set(rec["needs"])
            got = {str(n) for n in parse_help_message(rec["text"]).needs}
            fig.tp += len(want & got)
            fig.fp += len(got - want)
            fig.fn += len(want - got)
        if isinstance(rec.get("place"), dict):
            _count_place(fig, rec, u)
        msg = Inbound(message_sid=f"SMeval{i:05d}", channel="sms", phone="+6281200000000",
                      text=rec["text"], received_at=NOW)
        out = decide(msg, u, volunteer=None, conversation=None)
        asked = [e.event for e in out.events if isinstance(e.event, AidRequest)]
        count_requests(fig, rec, {str(n) for a in asked for n in a.needs}, bool(asked))
    fig.understand_ms = 1000 * elapsed / max(1, len(records))
    return fig


def count_requests(fig: Figures, rec: dict[str, Any], got: set[str], became_request: bool) -> None:
    """What came of one labelled message: the needs of its aid requests (none for a non-request)
    against the labels, and whether a request was lost or a non-request taken as one. Shared by
    the in-process figures and those through the running stack (bench/webhook_eval.py)."""
    wanted_request = is_request_label(rec)
    want = set(rec["needs"]) if wanted_request else set()
    fig.req_tp += len(want & got)
    fig.req_fp += len(got - want)
    fig.req_fn += len(want - got)
    if wanted_request:
        fig.requests += 1
        if not became_request:
            fig.lost_requests += 1
            fig.lost_ids.append(rec["id"])
    else:
        fig.non_requests += 1
        if became_request:
            fig.false_requests += 1
            fig.false_ids.append(rec["id"])


def _count_place(fig: Figures, rec: dict[str, Any], u: Understanding) -> None:
    want = rec["place"]
    out = _place(want, u)
    fig.place_total += 1
    fig.place_exact += out.exact
    fig.place_reach += out.reach
    if not out.reach:
        fig.place_miss_ids.append(rec["id"])
    group = _group(rec)
    if group is not None:
        fig.group_total[group] += 1
        fig.group_reach[group] += out.reach
    if "code" in want:
        far = out.km is not None and out.km > WRONG_KM
        fig.coded_total += 1
        fig.wrong_far += far
        if far:
            fig.wrong_far_ids.append(f"{rec['id']} ({out.km:.0f} km)")
        if "parent_named" in rec.get("tags", ()):
            fig.parent_total += 1
            fig.parent_wrong_far += far
    elif want.get("status") == "ambiguous":
        fig.ask_total += 1
        if u.located.status == "resolved":
            fig.ask_resolved += 1
            fig.ask_resolved_ids.append(rec["id"])


def combine(name: str, parts: list[Figures]) -> Figures:
    """The figures of several files as if they were one (counts add up, time is weighted)."""
    fig = Figures(name)
    for part in parts:
        for attr in ("total", "tp", "fp", "fn", "req_tp", "req_fp", "req_fn", "place_total", "place_exact", "place_reach",
                     "coded_total", "wrong_far", "parent_total", "parent_wrong_far", "ask_total",
                     "ask_resolved", "non_requests", "false_requests", "requests", "lost_requests"):
            setattr(fig, attr, getattr(fig, attr) + getattr(part, attr))
        fig.group_total.update(part.group_total)
        fig.group_reach.update(part.group_reach)
        fig.understand_ms += part.understand_ms * part.total
        for attr in ("false_ids", "lost_ids", "place_miss_ids", "wrong_far_ids", "ask_resolved_ids"):
            getattr(fig, attr).extend(getattr(part, attr))
    fig.understand_ms /= max(1, fig.total)
    return fig


def _share(n: int, total: int) -> str:
    return f"{n}/{total}" + (f"  ({n / total:.1%})" if total else "")


def report(fig: Figures, verbose: bool = False) -> str:
    lines = [f"== {fig.name} ({fig.total} messages)",
             f"  needs micro-F1                 {fig.f1:.3f}  (tp {fig.tp}, fp {fig.fp}, fn {fig.fn})",
             f"  ... of the aid requests        {fig.request_f1:.3f}  "
             f"(tp {fig.req_tp}, fp {fig.req_fp}, fn {fig.req_fn})"]
    if fig.place_total:
        lines.append(f"  place exact                    {fig.place_exact / fig.place_total:6.1%}  "
                     f"({fig.place_exact}/{fig.place_total})")
        lines.append(f"  place within {REACH_KM:.0f} km              {fig.place_reach / fig.place_total:6.1%}  "
                     f"({fig.place_reach}/{fig.place_total})")
        lines.append(f"  confident-wrong > {WRONG_KM:.0f} km        {_share(fig.wrong_far, fig.coded_total)}")
        lines.append(f"    ... parent named             {_share(fig.parent_wrong_far, fig.parent_total)}")
        if fig.ask_total:
            lines.append(f"  resolved, label says ask       {_share(fig.ask_resolved, fig.ask_total)}")
        for group in PROVINCE_GROUPS:
            if fig.group_total[group]:
                lines.append(f"  within {REACH_KM:.0f} km, {group:<20s}"
                             f"{fig.group_reach[group] / fig.group_total[group]:6.1%}  "
                             f"({fig.group_reach[group]}/{fig.group_total[group]})")
    else:
        lines.append("  place                          n/a (no place labels)")
    lines.append(f"  non-requests taken as requests {_share(fig.false_requests, fig.non_requests)}")
    lines.append(f"  requests lost                  {_share(fig.lost_requests, fig.requests)}")
    lines.append(f"  understand() mean              {fig.understand_ms:.2f} ms/message")
    if verbose:
        if fig.false_ids:
            lines.append(f"  taken as requests: {', '.join(fig.false_ids)}")
        if fig.lost_ids:
            lines.append(f"  lost: {', '.join(fig.lost_ids)}")
        if fig.place_miss_ids:
            lines.append(f"  place missed: {', '.join(fig.place_miss_ids)}")
        if fig.wrong_far_ids:
            lines.append(f"  confident-wrong: {', '.join(fig.wrong_far_ids)}")
        if fig.ask_resolved_ids:
            lines.append(f"  resolved instead of asking: {', '.join(fig.ask_resolved_ids)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval_text", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="fixture files in tests/fixtures (default: all of them)")
    parser.add_argument("--dev", action="store_true", help="the dev files only (no holdout figure printed)")
    parser.add_argument("--learn", action="store_true",
                        help="learn incident areas from the messages so far, as the service does")
    parser.add_argument("-v", action="store_true", help="list the ids of the misses")
    args = parser.parse_args(argv)
    verbose, dev_only, chosen = args.v, args.dev, list(args.files)
    names = chosen or list(DEV_FILES if dev_only else DEFAULT_FILES)
    done: dict[str, Figures] = {}
    for name in names:
        if not (FIXTURES / name).exists():
            print(f"== {name}: missing, skipped")
            continue
        done[name] = evaluate(name, learn=args.learn)
        print(report(done[name], verbose))
    if not chosen:
        for part in ("dev", "holdout"):
            parts = [fig for name, fig in done.items() if name.endswith(f"_{part}.jsonl")]
            if len(parts) > 1:
                print(report(combine(f"all {part} files", parts)))
        for part in ("dev",) if dev_only else ("dev", "holdout"):
            print(report_reports(REPORTS / f"reports_{part}.jsonl", verbose and part == "dev"))
    return 0


REPORTS = FIXTURES / "reports"


def report_reports(path: Path, verbose: bool = False) -> str:
    """Far places among those resolved from invented resident reports (no incident area)."""
    if not path.exists():
        return f"== {path.name}: missing, skipped"
    c = real_reports.measure(real_reports.fixture(path))
    lines = [f"== {path.name} ({c.reports} resident reports, no incident area declared)",
             f"  resolved from the text         {c.resolved}",
             f"  > {real_reports.FAR_KM:.0f} km from the reporter      "
             f"{_share(c.far, c.resolved)}  (of which low confidence: {c.far_low})"]
    if verbose and c.far_ids:
        lines.append(f"  far: {', '.join(c.far_ids)}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
