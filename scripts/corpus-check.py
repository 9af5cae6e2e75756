#!/usr/bin/env python3
"""Checks Vigie's annotated news corpus (data/corpus/*.jsonl) and resolves its spans.

Every item is one JSON line (format: data/corpus/README.md). Annotators write each span as the
exact text it covers, or as {"text": ..., "nth": N} when that text occurs more than once in the
item (N counts from 1). With --write, every span is rewritten in place as
{"text": ..., "start": S, "end": E} in Unicode code points, which later runs verify.

Usage: scripts/corpus-check.py [--write] [--stats] FILE...
Exit status 1 when any item is invalid; each problem is printed as FILE:LINE: id: message.
"""

import argparse
import json
import sys
from collections import Counter

NAME_TYPES = {"PER", "ORG", "LOC", "MISC"}
PLOVER_MODES = {
    "AGREE": set(),
    "CONSULT": {"visit", "third-party", "multilateral", "phone"},
    "SUPPORT": set(),
    "CONCEDE": set(),
    "COOPERATE": set(),
    "AID": set(),
    "RETREAT": {"withdraw", "release", "return", "disarm", "ceasefire", "access", "resign"},
    "REQUEST": {"assist", "change", "yield", "meet"},
    "ACCUSE": {"disapprove", "investigate", "allege"},
    "REJECT": {"assist", "change", "yield", "meet"},
    "THREATEN": {"restrict", "ban", "arrest", "relations", "rights", "expel", "territory", "violence"},
    "PROTEST": {"demo", "riot", "strike", "hunger", "boycott", "obstruct"},
    "SANCTION": {"convict", "expel", "withdraw", "discontinue"},
    "MOBILIZE": {"troops", "weapons", "police", "militia"},
    "COERCE": {
        "seize", "restrict", "ban", "censor", "curfew", "arrest", "deport", "withhold",
        "misinformation", "cyber",
    },
    "ASSAULT": {
        "abduct", "beat", "torture", "execute", "sexual", "assassinate", "destroy", "primitive",
        "firearms", "explosives", "suicide-attack", "aerial", "drone", "heavy-weapons",
        "crowd-control", "cleansing", "massacre", "unconventional",
    },
}
ACLED = {
    "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade",
    },
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other",
    },
}
MODALITIES = {"asserted", "claimed", "planned", "threatened", "denied", "hypothetical"}
ATTRIBUTION_KINDS = {"named", "anonymous", "outlet", "none"}
SPAN_FIELDS = ("trigger", "actor", "recipient", "place", "date")


def occurrences(text, needle):
    """Code-point starts of every occurrence of needle in text."""
    starts, at = [], text.find(needle)
    while at >= 0:
        starts.append(at)
        at = text.find(needle, at + 1)
    return starts


def resolve(text, span, problems, what):
    """Returns the span as {"text","start","end"}, or None after recording a problem."""
    if isinstance(span, str):
        span = {"text": span}
    if not isinstance(span, dict) or not isinstance(span.get("text"), str) or not span["text"]:
        problems.append(f"{what}: a span must be a non-empty string or an object with 'text'")
        return None
    needle = span["text"]
    if needle != needle.strip():
        problems.append(f"{what}: span {needle!r} has surrounding spaces")
        return None
    if "start" in span and "end" in span:
        if text[span["start"]:span["end"]] != needle:
            problems.append(f"{what}: [{span['start']},{span['end']}) is not {needle!r}")
            return None
        return {"text": needle, "start": span["start"], "end": span["end"]}
    starts = occurrences(text, needle)
    if not starts:
        problems.append(f"{what}: {needle!r} is not in the text")
        return None
    nth = span.get("nth")
    if nth is None:
        if len(starts) > 1:
            problems.append(f"{what}: {needle!r} occurs {len(starts)} times; give \"nth\"")
            return None
        nth = 1
    if not isinstance(nth, int) or not 1 <= nth <= len(starts):
        problems.append(f"{what}: nth {nth!r} but {needle!r} occurs {len(starts)} times")
        return None
    start = starts[nth - 1]
    return {"text": needle, "start": start, "end": start + len(needle)}


def check_item(item, problems):
    """Validates one item; returns it with resolved spans."""
    for field in ("id", "lang", "text", "made"):
        if not item.get(field):
            problems.append(f"missing {field!r}")
    if item.get("lang") not in ("fr", "en"):
        problems.append(f"lang must be fr or en, not {item.get('lang')!r}")
    text = item.get("text") or ""
    names = []
    for index, name in enumerate(item.get("names", [])):
        if name.get("type") not in NAME_TYPES:
            problems.append(f"names[{index}]: type {name.get('type')!r} not in {sorted(NAME_TYPES)}")
        span = resolve(text, name.get("span"), problems, f"names[{index}]")
        if span:
            names.append({"span": span, "type": name.get("type")})
    spans = sorted((n["span"]["start"], n["span"]["end"]) for n in names)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        if s2 < e1:
            problems.append(f"names overlap at [{s1},{e1}) and [{s2},{e2})")
    events = []
    for index, event in enumerate(item.get("events") or []):
        what = f"events[{index}]"
        plover = event.get("plover")
        if plover not in PLOVER_MODES:
            problems.append(f"{what}: plover {plover!r} unknown")
        mode = event.get("mode")
        if mode is not None and mode not in PLOVER_MODES.get(plover, set()):
            problems.append(f"{what}: mode {mode!r} is not a mode of {plover}")
        acled = event.get("acled")
        if acled is not None:
            kind, sub = acled.get("event_type"), acled.get("sub_event_type")
            if sub not in ACLED.get(kind, set()):
                problems.append(f"{what}: ACLED {kind!r} / {sub!r} unknown")
        if event.get("modality") not in MODALITIES:
            problems.append(f"{what}: modality {event.get('modality')!r} not in {sorted(MODALITIES)}")
        resolved = dict(event)
        for field in SPAN_FIELDS:
            if event.get(field) is not None:
                resolved[field] = resolve(text, event[field], problems, f"{what}.{field}")
            elif field == "trigger":
                problems.append(f"{what}: missing trigger")
        attribution = event.get("attribution") or {}
        if attribution.get("kind") not in ATTRIBUTION_KINDS:
            problems.append(f"{what}.attribution: kind {attribution.get('kind')!r} unknown")
        attribution = dict(attribution)
        for field in ("source", "cue"):
            if attribution.get(field) is not None:
                attribution[field] = resolve(text, attribution[field], problems, f"{what}.attribution.{field}")
        if attribution.get("kind") == "none" and attribution.get("source"):
            problems.append(f"{what}.attribution: kind none with a source")
        if attribution.get("kind") in ("named", "outlet") and not attribution.get("source"):
            problems.append(f"{what}.attribution: kind {attribution.get('kind')} needs its source span")
        resolved["attribution"] = attribution
        events.append(resolved)
    out = dict(item)
    out["names"] = names
    if item.get("events") is not None:
        out["events"] = events
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite spans with code-point offsets")
    parser.add_argument("--stats", action="store_true", help="print counts per label")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    failed = False
    seen_ids = set()
    counts = Counter()
    for path in args.files:
        lines_out = []
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                problems = []
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as error:
                    print(f"{path}:{number}: not JSON: {error}")
                    failed = True
                    continue
                out = check_item(item, problems)
                if item.get("id") in seen_ids:
                    problems.append("duplicate id")
                seen_ids.add(item.get("id"))
                for problem in problems:
                    print(f"{path}:{number}: {item.get('id')}: {problem}")
                failed |= bool(problems)
                lines_out.append(json.dumps(out, ensure_ascii=False))
                lang = item.get("lang")
                counts[f"items {lang}"] += 1
                for name in out["names"]:
                    counts[f"name {lang} {name['type']}"] += 1
                for event in out.get("events") or []:
                    counts[f"plover {event.get('plover')}"] += 1
                    counts[f"mode {event.get('plover')}/{event.get('mode')}"] += 1
                    counts[f"modality {event.get('modality')}"] += 1
                    counts[f"attribution {event.get('attribution', {}).get('kind')}"] += 1
                    if event.get("acled"):
                        counts[f"acled {event['acled'].get('sub_event_type')}"] += 1
        if args.write and not failed:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines_out) + "\n")
    if args.stats:
        for key in sorted(counts):
            print(f"{counts[key]:6d}  {key}")
    if args.write and failed:
        print("nothing written: fix the problems above first", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
