#!/usr/bin/env python3
"""How far two annotations of the same items agree on their events: the ceiling a model
meets on a gold set, measured the way `vigie eval corpus` scores the model.

Both files are in the corpus format with resolved spans (`scripts/corpus-check.py
--write`, or `scripts/real-paragraphs.py materialize` for the stand-off sets), with the
same ids. The first is the reference; the second is scored against it as Vigie's
predictions are: a reference event is found when the second annotation has an event of
its PLOVER type whose trigger overlaps its trigger; of those found, modality and
attribution kind agree or not. The same is printed the other way round, and with the type
left out (an event seen at the same words, whatever its type).

Usage:
  scripts/real-paragraphs.py materialize data/corpus/real/events-real-en.jsonl --out target/events-real-en.jsonl
  scripts/annotator-agreement.py target/events-real-en.jsonl /tmp/second-en.jsonl
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from corpus import items  # noqa: E402  (scripts/lib/corpus.py)


def items_of(path):
    """The items of a JSON-lines file, by id."""
    return {item["id"]: item for item in items(path)}


def overlaps(a, b):
    return a["start"] < b["end"] and b["start"] < a["end"]


def kind(event):
    return (event.get("attribution") or {}).get("kind") or "none"


def score(reference, other, typed=True):
    """Counts of `reference`'s events found in `other` (items matched by id)."""
    counts = {"events": 0, "predicted": 0, "found": 0, "modality": 0, "attribution": 0}
    for key, item in reference.items():
        theirs = other[key]["events"]
        counts["predicted"] += len(theirs)
        for event in item["events"]:
            counts["events"] += 1
            match = next((e for e in theirs if overlaps(e["trigger"], event["trigger"])
                          and (not typed or e["plover"] == event["plover"])), None)
            if match is None:
                continue
            counts["found"] += 1
            counts["modality"] += match.get("modality") == event.get("modality")
            counts["attribution"] += kind(match) == kind(event)
    return counts


def share(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "—"


def report(title, counts):
    print(f"{title}: found {share(counts['found'], counts['events'])} of {counts['events']} "
          f"events ({counts['predicted']} in the other); of those found, modality agrees "
          f"{share(counts['modality'], counts['found'])}, attribution kind "
          f"{share(counts['attribution'], counts['found'])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference")
    parser.add_argument("other")
    args = parser.parse_args()
    reference, other = items_of(args.reference), items_of(args.other)
    if reference.keys() != other.keys():
        missing = sorted(reference.keys() ^ other.keys())
        print(f"the two files hold different items: {', '.join(missing[:5])}…", file=sys.stderr)
        return 1
    both = sum(1 for key in reference if reference[key]["events"] and other[key]["events"])
    neither = sum(1 for key in reference
                  if not reference[key]["events"] and not other[key]["events"])
    print(f"{len(reference)} items: {both} with events in both, {neither} in neither, "
          f"{len(reference) - both - neither} in one only")
    report("second against the reference (type and trigger)", score(reference, other))
    report("reference against the second (type and trigger)", score(other, reference))
    report("second against the reference (trigger only)", score(reference, other, typed=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
