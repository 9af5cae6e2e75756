"""What the Python scripts share about Vigie's corpus (`data/corpus/`): which files are
the corpus, how its items are read, and which items are its development fifth — the same
choices as `vigie eval corpus` and the trainers make (`vigie-eval/src/event_corpus.rs`).

Imported by putting this folder on `sys.path` (`scripts/corpus-acled.py` shows how).
"""

import glob
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def event_files():
    """Every event batch of the corpus (`data/corpus/events-*.jsonl`), without the writers'
    and reviewers' work in progress (`*.draft.jsonl`, `*.review.jsonl`, `*.rewrite.jsonl`)."""
    return sorted(
        f for f in glob.glob(str(ROOT / "data/corpus/events-*.jsonl"))
        if not f.endswith((".draft.jsonl", ".review.jsonl", ".rewrite.jsonl"))
    )


def items(path):
    """The items of a JSON-lines file, blank lines skipped."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def fnv1a64(text):
    """The FNV-1a 64-bit hash of `text`'s UTF-8 bytes (`vigie_core::fnv1a`)."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def in_dev_fifth(item_id):
    """Whether the item is in the corpus's development fifth: its id's hash is divisible by 5."""
    return fnv1a64(item_id) % 5 == 0
