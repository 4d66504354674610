"""Export every event contract as a JSON Schema file in schemas/json/ (run: python -m siaga.schemas.export).

A test fails when the files are stale, so non-Python Kafka clients can trust them."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from siaga.schemas import events  # noqa: F401  (registers the event types)
from siaga.schemas.envelope import EVENT_TYPES

JSON_DIR = Path(__file__).resolve().parent / "json"


def schema_for(type_name: str) -> dict:
    cls = EVENT_TYPES[type_name]
    schema = cls.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://siaga.example/schemas/{type_name}.v{cls.VERSION}.json"
    schema["title"] = cls.__name__
    props = schema.setdefault("properties", {})
    props["type"] = {"const": cls.TYPE, "title": "Type", "type": "string"}
    props["version"] = {"const": cls.VERSION, "title": "Version", "type": "integer"}
    schema["required"] = sorted(set(schema.get("required", [])) | {"event_id", "type", "version", "occurred_at"})
    return schema


def rendered() -> dict[str, str]:
    out = {}
    for type_name in sorted(EVENT_TYPES):
        out[f"{type_name}.json"] = json.dumps(schema_for(type_name), indent=2, sort_keys=True) + "\n"
    return out


def main() -> int:
    JSON_DIR.mkdir(exist_ok=True)
    files = rendered()
    for stale in JSON_DIR.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (JSON_DIR / name).write_text(text)
    print(f"wrote {len(files)} schemas to {JSON_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
