#!/usr/bin/env python3
"""PLOVER gold-standard records as training items for `vigie train events`, split into folds.

Each record (one sentence, its 2016 PLOVER type, source and target actors, the event's
words, sometimes a mode) becomes a corpus line (the format of `data/corpus/README.md`)
whose one event carries a trigger, a type, a mode when the record gives one, and the
first source and target as actor and recipient. Its ACLED type and modality are not
annotated, so the line's event has no `modality`: the trainer then leaves both unsaid.

Spans are found in the text, the same way in both languages: the trigger is the longest
run of the record's `eventText` words, from its first, written together in the sentence
("offered to hand over suspected" -> "offered to hand over"); an actor is the first
occurrence of its `actorText`.

A record belongs to fold `md5(id) mod N`; a translation has its original's id, so both
languages of one record fall in the same fold. `--fold K` writes the training items of
every other fold and, with `--held-out-prefix P`, the fold's own records as gold files
P.<lang>.json for `vigie eval events`. Without `--fold`, every record is a training item
(for the heads that ship). `--repeat N` writes each training item N times, which weighs
the records against a corpus some thirty times their number.

    scripts/plover-records.py --gold ../shared/data/events/plover_gsr.dev.json \
        --gold data/events/plover_gsr.dev.fr.json --folds 4 --fold 0 \
        --train-out /tmp/records.jsonl --held-out-prefix /tmp/fold0
"""

import argparse
import hashlib
import json
import re
import sys

# 2016 PLOVER names whose 2021 type differs (as `vigie eval events` maps them).
TYPE_2021 = {
    "DEMAND": "REQUEST",
    "DISAPPROVE": "ACCUSE",
    "INVESTIGATE": "ACCUSE",
    "FIGHT": "ASSAULT",
    "YIELD": "CONCEDE",
}
TYPES_2021 = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}


def vigie_mode(mode):
    """A gold mode in Vigie's names, as `vigie eval events` normalises it."""
    renamed = {"strike-hun": "hunger", "strike-gen": "boycott", "detain": "arrest"}
    if mode in renamed:
        return renamed[mode]
    if mode.startswith("demo-") or mode.startswith("riot-"):
        return mode[:4]
    return mode


def fold_of(record_id, folds):
    return int(hashlib.md5(record_id.encode()).hexdigest(), 16) % folds


def actor_texts(value):
    if isinstance(value, list):
        return [t for item in value for t in actor_texts(item)]
    if isinstance(value, dict) and value.get("actorText"):
        return [value["actorText"]]
    return []


def span(text, start, end):
    return {"text": text[start:end], "start": start, "end": end}


def find_phrase(text, phrase):
    """The first occurrence of `phrase` in `text` on word boundaries, as (start, end)."""
    match = re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text)
    return (match.start(), match.end()) if match else None


def trigger_span(text, event_text):
    words = event_text.replace("}", " ").split()
    for count in range(len(words), 0, -1):
        found = find_phrase(text, " ".join(words[:count]))
        if found:
            return found
    return None


def training_item(record):
    """The corpus line of `record`, or None (no text, unknown type, trigger not found)."""
    text = record.get("text")
    plover = TYPE_2021.get(record.get("event"), record.get("event"))
    if not text or plover not in TYPES_2021:
        return None
    trigger = trigger_span(text, record.get("eventText", ""))
    if trigger is None:
        return None
    event = {"trigger": span(text, *trigger), "plover": plover}
    if record.get("mode"):
        event["mode"] = vigie_mode(record["mode"])
    for role, field in (("actor", "source"), ("recipient", "target")):
        for actor in actor_texts(record.get(field)):
            found = find_phrase(text, actor)
            if found:
                event[role] = span(text, *found)
                break
    # A code-point offset is a Python str index: the spans above are already in code points.
    return {
        "id": record["id"] + ("" if record.get("language", "en") == "en" else "-fr"),
        "lang": record.get("language", "en"),
        "text": text,
        "made": {"how": "converted from a PLOVER gold-standard record by scripts/plover-records.py"},
        "events": [event],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", action="append", required=True, help="PLOVER records (JSON)")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--fold", type=int, help="the fold held out (default: none)")
    parser.add_argument("--train-out", required=True)
    parser.add_argument("--held-out-prefix")
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="write each training item this many times, under its one id (a weight: the "
        "copies fall on the same side of the development fifth)",
    )
    args = parser.parse_args()
    train, held_out, skipped = [], {}, 0
    for path in args.gold:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
        for record in records:
            if not record.get("text"):
                continue
            record_id = record.get("translatedFrom", record["id"])
            if args.fold is not None and fold_of(record_id, args.folds) == args.fold:
                held_out.setdefault(record.get("language", "en"), []).append(record)
                continue
            item = training_item(record)
            if item is None:
                skipped += 1
            else:
                train.append(item)
    with open(args.train_out, "w", encoding="utf-8") as f:
        for item in train:
            line = json.dumps(item, ensure_ascii=False) + "\n"
            f.write(line * args.repeat)
    if args.held_out_prefix:
        for lang, records in held_out.items():
            with open(f"{args.held_out_prefix}.{lang}.json", "w", encoding="utf-8") as f:
                json.dump(records, f, ensure_ascii=False, indent=1)
    counts = ", ".join(f"{len(r)} {lang}" for lang, r in sorted(held_out.items()))
    print(
        f"{len(train)} training items ({skipped} records skipped)"
        + (f"; held out: {counts}" if held_out else ""),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
