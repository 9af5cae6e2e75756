#!/usr/bin/env python3
"""How new a set's event triggers are to the training corpus: the share of its gold events
whose trigger text (lower-cased, whole) the corpus's training items carry with the same
PLOVER type, and the share whose trigger shares no word stem (first six letters) with any
training trigger of that type.

The heads find events whose trigger they were trained on about as often on real
paragraphs as on corpus text, and new triggers rarely (EVALUATION, "Why the heads miss
real events"), so this measures, before any training, how far a batch widens what the
heads have seen — and how far a gold set lies outside it.

Usage:
  scripts/trigger-novelty.py target/events-real-en.jsonl data/corpus/drafts/events-en-n.jsonl
  (training corpus: every data/corpus/events-*.jsonl outside the dev fifth; --corpus to change)
  scripts/trigger-novelty.py --seen fr     # each type's training triggers, most frequent first
"""

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from corpus import event_files, in_dev_fifth, items  # noqa: E402  (scripts/lib/corpus.py)

WORD = re.compile(r"\w+")


def stems(text):
    return {word[:6] for word in WORD.findall(text.lower())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="gold sets (corpus format, resolved spans)")
    parser.add_argument("--seen", choices=["en", "fr"],
                        help="list each type's training triggers in this language instead")
    parser.add_argument("--corpus", nargs="+", default=event_files())
    args = parser.parse_args()
    exact, stem = defaultdict(Counter), defaultdict(set)
    for path in args.corpus:
        for item in items(path):
            if in_dev_fifth(item["id"]):
                continue
            for event in item["events"]:
                trigger = event["trigger"]["text"].lower()
                exact[item["lang"], event["plover"]][trigger] += 1
                stem[item["lang"], event["plover"]].update(stems(trigger))
    if args.seen:
        for (lang, plover), triggers in sorted(exact.items()):
            if lang == args.seen:
                listed = ", ".join(t for t, _ in triggers.most_common())
                print(f"{plover}: {listed}")
        return 0
    for path in args.sets:
        counts = {"events": 0, "seen": 0, "new stems": 0}
        for item in items(path):
            for event in item["events"]:
                key = item["lang"], event["plover"]
                trigger = event["trigger"]["text"].lower()
                counts["events"] += 1
                counts["seen"] += trigger in exact[key]
                counts["new stems"] += not (stems(trigger) & stem[key])
        events = max(counts["events"], 1)
        print(f"{path}: {counts['events']} events; trigger seen with its type "
              f"{100 * counts['seen'] / events:.1f}%; no stem seen with its type "
              f"{100 * counts['new stems'] / events:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
