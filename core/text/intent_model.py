"""A small trained intent model, scored in pure Python: how likely a message is a request.

The rules of core/text/intent.py were written from the dev fixtures and reach 0 non-requests
taken as requests there, but about 12% on messages nobody tuned on: they fit the phrasings they
were written from. This linear model (logistic regression over the words, word pairs and
character 3-5-grams of the normalised text) was trained on the same dev fixtures by
data/lexicon/train_intent.py and exported as data, lexicons/intent_model.json. Cross-validated
by fixture file (docs/messaging.md, "A trained intent model"), it generalises to phrasings it
has not seen better than the rules do, and the intent rules consult it in one place only (see
core/text/intent.py, classify_intent).

features(tokens) is shared with the training script, so training and run time see the same
features of the same normalised text ("tlg" is "tolong" in both). No scikit-learn or numpy at
run time: a dictionary lookup per feature, a few hundred per message.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from siaga.core.text.normalize import Token

MODEL_FILE = "intent_model.json"
CHAR_NGRAMS = (3, 5)      # character n-grams of each word padded with spaces, as sklearn's char_wb


def words(tokens: Sequence[Token]) -> list[str]:
    """The normalised words of a message: token norms (shorthand expanded, lower case), "#" for
    a number, "?" kept (a question mark is evidence), other punctuation dropped."""
    out: list[str] = []
    for t in tokens:
        if t.kind == "word":
            out.extend(t.norm.split())
        elif t.kind == "number":
            out.append("#")
        elif t.norm == "?":
            out.append("?")
    return out


def features(tokens: Sequence[Token]) -> set[str]:
    """Binary features: "w:" word, "b:" word pair, "c:" character n-gram of a word."""
    ws = words(tokens)
    feats = {f"w:{w}" for w in ws}
    feats.update(f"b:{a} {b}" for a, b in zip(ws, ws[1:]))
    lo, hi = CHAR_NGRAMS
    for w in set(ws):
        if w in {"#", "?"}:
            continue
        padded = f" {w} "
        for n in range(lo, hi + 1):
            feats.update(f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    return feats


@dataclass(frozen=True, slots=True)
class IntentModel:
    classes: tuple[str, ...]                       # e.g. ("information", "offer", ..., "request")
    intercepts: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]          # feature -> one weight per class (one for binary)
    meta: dict[str, Any]

    @property
    def binary(self) -> bool:
        return len(self.intercepts) == 1

    def probabilities(self, feats: Iterable[str]) -> dict[str, float]:
        scores = list(self.intercepts)
        for f in feats:
            w = self.weights.get(f)
            if w is not None:
                for k, v in enumerate(w):
                    scores[k] += v
        if self.binary:          # classes[1] is the positive class, as in sklearn
            p = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, scores[0]))))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(scores)        # multinomial: softmax
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps)}

    def p_request(self, tokens: Sequence[Token]) -> float:
        return self.probabilities(features(tokens)).get("request", 0.0)

    def best_non_request(self, tokens: Sequence[Token]) -> tuple[str, float]:
        """The most likely kind other than a request, and the probability of not a request."""
        probs = self.probabilities(features(tokens))
        others = {c: p for c, p in probs.items() if c != "request"}
        kind = max(others, key=others.__getitem__)
        return ("information" if kind == "non_request" else kind), sum(others.values())


def from_dict(data: dict[str, Any]) -> IntentModel:
    return IntentModel(classes=tuple(data["classes"]), intercepts=tuple(data["intercepts"]),
                       weights={f: tuple(w) for f, w in data["weights"].items()}, meta=data.get("meta", {}))


@lru_cache(maxsize=1)
def load() -> IntentModel:
    text = resources.files("siaga.core.text").joinpath("lexicons", MODEL_FILE).read_text(encoding="utf-8")
    return from_dict(json.loads(text))
