#!/usr/bin/env python3
"""Write the NGEC synthetic stories as weak event examples for `vigie train events --weak`.

Source: the 4,500 machine-written English stories of ahalterman/NGEC-2025 (commit
a3909e2aa02969ccaaa915a9626a5316e1cac0f8, MIT as declared in its packaging), each with a
document-level PLOVER type and mode that came from the headline it was generated from.
The labels are machine pseudo-labels, not gold: Vigie uses them only for the type and
mode of the event whose trigger the trigger tagger finds in a story's lead sentence.

Each output line is {"id", "text", "plover", "mode"}: `text` is the story's first
paragraph (the trainer keeps its first sentence), `mode` is the PLOVER mode in Vigie's
spelling or null when the story has none. Stories whose first paragraph repeats an
earlier one are dropped. The output is deterministic.

Usage:
  python3 scripts/build-ngec-weak.py [--source ZIP] [--out FILE]

`--source` defaults to ../shared/data/events/open/ngec/gpt_synthetic_events_2023-10-19_19.csv.zip.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = (
    ROOT.parent / "shared/data/events/open/ngec/gpt_synthetic_events_2023-10-19_19.csv.zip"
)

# NGEC misspells two modes of the PLOVER codebook Vigie follows.
MODE_SPELLING = {"primative": "primitive", "sieze": "seize"}


def weak_items(source: Path) -> list[dict]:
    """The stories of the zipped CSV as weak items, in file order."""
    with zipfile.ZipFile(source) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".csv")]
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open(name), "utf-8")))
    items, seen = [], set()
    for number, row in enumerate(rows, 1):
        lead = row["text"].strip().split("\n\n")[0].strip()
        if not lead or lead in seen:
            continue
        seen.add(lead)
        mode = row["mode"].strip().lower() or None
        items.append(
            {
                "id": f"ngec-{number:04d}",
                "text": lead,
                "plover": row["label"].strip().upper(),
                "mode": MODE_SPELLING.get(mode, mode),
            }
        )
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, help="output file (default: standard output)")
    args = parser.parse_args()
    if not args.source.is_file():
        print(f"{args.source}: not found (the NGEC stories zip)", file=sys.stderr)
        return 1
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in weak_items(args.source))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
