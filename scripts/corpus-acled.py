#!/usr/bin/env python3
"""Writes the ACLED snippets of Vigie's corpus for `vigie eval acled`.

One JSON line per item of the chosen split that has at least one event coded for ACLED:
{"id", "lang", "text", "sub_event_type"}, the sub-event type being that of the item's first
ACLED event (by trigger position), as `vigie eval acled` scores the first event Vigie codes.
The development fifth is the items whose id's FNV-1a 64-bit hash is divisible by 5
(data/corpus/README.md).

Usage: scripts/corpus-acled.py [--split dev|train|all] [--out FILE] [FILE...]
(default: every data/corpus/events-*.jsonl, split dev, standard output)
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from corpus import event_files, in_dev_fifth, items  # noqa: E402  (scripts/lib/corpus.py)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--split", choices=["dev", "train", "all"], default="dev")
    parser.add_argument("--out")
    args = parser.parse_args()
    files = args.files or event_files()
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    for path in files:
        for item in items(path):
            held_out = in_dev_fifth(item["id"])
            if (args.split == "dev" and not held_out) or (args.split == "train" and held_out):
                continue
            coded = [e for e in item.get("events") or [] if e.get("acled")]
            if not coded:
                continue
            first = min(coded, key=lambda e: e["trigger"]["start"])
            record = {
                "id": item["id"],
                "lang": item["lang"],
                "text": item["text"],
                "sub_event_type": first["acled"]["sub_event_type"],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
