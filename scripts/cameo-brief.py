#!/usr/bin/env python3
"""Writes the brief for a corpus batch driven by the CAMEO codebook: one block per CAMEO code
with its description, its PLOVER 2021 type and mode (from the CAMEO-to-PLOVER table) and
example verb phrases that code it in PETRARCH2's dictionary and in Vigie's French verbs
(data/events/cameo-verbs.tsv). Writers of the corpus's k batches wrote their items from
these blocks, so the provenance of every item is its code.

Usage: scripts/cameo-brief.py --plover CAMEO2PLOVER-2021.txt [--verbs data/events/cameo-verbs.tsv]
       [--parts N] --out DIR      # DIR/brief-1.txt … brief-N.txt, codes dealt in order
"""

import argparse
import importlib.util
import os
import random
import re
from collections import defaultdict


def corpus_modes():
    """The modes the corpus allows for each PLOVER type (from scripts/corpus-check.py)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-check.py")
    spec = importlib.util.spec_from_file_location("corpus_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PLOVER_MODES


def read_table(path):
    """(code, description, type, mode) for every coded line of the CAMEO-to-PLOVER table."""
    modes = corpus_modes()
    codes = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^(\d{3,4}):\s*([^#]*?)\s*#\s*(.*)$", line)
        if not m:
            continue
        fields = [f.strip() for f in m.group(2).split(",")]
        plover = fields[0]
        mode = fields[1] if len(fields) > 1 else ""
        if not plover:
            continue
        if mode not in modes.get(plover, set()):
            mode = ""
        codes.append((m.group(1), m.group(3).strip(), plover, mode))
    return codes


def first_alternatives(words):
    """A pattern part's words, each as its first alternative, in plain spelling."""
    return " ".join(w.split("|")[0].replace("_", " ") for w in words.split())


def read_phrases(path):
    """Example phrases by (language, code): a verb's first form, then a pattern's words."""
    first_form = {}
    phrases = defaultdict(list)
    for line in open(path, encoding="utf-8"):
        row = line.rstrip("\n").split("\t")
        if row[0] == "verb":
            lang, block, forms, code = row[1], row[2], row[3], row[4]
            form = forms.split(",")[0].replace("_", " ")
            first_form.setdefault((lang, block), form)
            if code:
                phrases[(lang, code)].append(form)
        elif row[0] == "pattern":
            lang, block, before, after, code = row[1:6]
            verb = first_form.get((lang, block))
            if not verb:
                continue
            parts = (first_alternatives(before), verb, first_alternatives(after))
            phrase = " ".join(p for p in parts if p)
            phrases[(lang, code)].append(phrase)
    return phrases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plover", required=True)
    parser.add_argument("--verbs", default="data/events/cameo-verbs.tsv")
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    codes = read_table(args.plover)
    phrases = read_phrases(args.verbs)
    random.seed(18)
    os.makedirs(args.out, exist_ok=True)
    parts = [[] for _ in range(args.parts)]
    for i, (code, description, plover, mode) in enumerate(codes):
        lines = [f"CAMEO {code}: {description}", f"  PLOVER type {plover}, mode {mode or 'null'}"]
        for lang in ("en", "fr"):
            examples = sorted(set(phrases.get((lang, code), [])))
            random.shuffle(examples)
            if examples:
                lines.append(f"  {lang} dictionary phrases: " + "; ".join(examples[:10]))
        parts[i % args.parts].append("\n".join(lines))
    for n, blocks in enumerate(parts, 1):
        with open(f"{args.out}/brief-{n}.txt", "w", encoding="utf-8") as f:
            f.write("\n\n".join(blocks) + "\n")
        print(f"{args.out}/brief-{n}.txt: {len(blocks)} codes")


if __name__ == "__main__":
    main()
