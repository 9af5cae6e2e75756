#!/usr/bin/env python3
"""Paragraphs of real news articles, for the event annotations of `data/corpus/real/`.

The articles are development data under `../shared/data/` that the project may read but
not redistribute, so the annotations in the repository are stand-off: each item names its
paragraph (file, article, paragraph, and a hash of its text) and every span is given by
its code-point offsets only. Two commands:

  select       picks paragraphs at random (seeded) for annotators, with their text, into a
               scratch file outside the repository;
  standoff     turns annotated items (corpus format, spans resolved by
               `scripts/corpus-check.py --write`) into stand-off items for the repository:
               the text and every span's text taken out;
  materialize  reads the stand-off items back with their paragraphs' text and every
               span's text filled in, into a file `vigie eval corpus --split all` scores.

Paragraphs come from pools, in equal shares (`--pools`): by default the SemEval-2023 Task 3
training articles (English and French news, `persuasion/*-train-labels-subtask-3.template`:
article id, paragraph number, text) and, for English, GeoWebNews
(`geoparsing/geowebnews.dev.xml`, paragraphs split at blank lines); also the SemEval dev
half here, LGL and TR-News; and open-licence text that a shipped model may learn from
(training data, `data/corpus/open/`): GUM's Wikinews stories and interviews and its
political speeches (`gum-news`, `gum-interview`, `gum-speech`: its `# newpar`
paragraphs) and UD French Sequoia's regional news and parliamentary debates
(`sequoia-news`, `sequoia-europarl`: runs of consecutive sentences), and UD English
EWT's weblogs and newsgroup posts (`ewt-weblog`, `ewt-newsgroup`: its `# newpar`
paragraphs, long ones cut into runs of sentences). A paragraph is kept
when it has 120 to 700 characters and at least 20 words; at most two are taken from one
article (`--per-article`), and none from an article of the files given to `--exclude`.
With `--within`, only the articles of the given files are read, and none of the paragraphs
those files already hold is chosen again (a new test set from the articles of an earlier
one, once a pool's other articles are used up).

Usage:
  scripts/real-paragraphs.py select --lang en --count 160 --seed 1 --out /tmp/real-en.jsonl
  scripts/real-paragraphs.py select --lang en --count 160 --seed 2 --name real-test \
      --pools persuasion-train lgl tr-news --exclude data/corpus/real/events-real-en.jsonl --out /tmp/real-test-en.jsonl
  scripts/real-paragraphs.py select --lang fr --count 120 --seed 3 --name real-test2 \
      --pools persuasion-train persuasion-dev --within data/corpus/real/events-real-test-fr.jsonl --out /tmp/real-test2-fr.jsonl
  scripts/real-paragraphs.py select --lang en --count 1000 --per-article 1000 --seed 7 \
      --name open-gum-news --pools gum-news --out /tmp/gum-news.jsonl
  scripts/real-paragraphs.py standoff /tmp/annotated-en.jsonl --out data/corpus/real/events-real-en.jsonl
  scripts/real-paragraphs.py materialize data/corpus/real/events-real-en.jsonl \\
      --out target/events-real-en.jsonl
"""

import argparse
import hashlib
import json
import random
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
MIN_CHARS, MAX_CHARS, MIN_WORDS = 120, 700, 20


def persuasion(lang, part="train"):
    """(source, text) for each paragraph of the SemEval articles in `lang` (`part`: train,
    or the dev half here)."""
    name = f"persuasion/{lang}-{part}-labels-subtask-3.template"
    for line in (SHARED / name).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            yield {"file": name, "article": parts[0], "paragraph": int(parts[1])}, parts[2].strip()


def geoparsing(corpus):
    """(source, text) for each blank-line paragraph of a geoparsing corpus's articles."""
    name = f"geoparsing/{corpus}.dev.xml"
    root = ET.parse(SHARED / name).getroot()
    for number, article in enumerate(root.iter("article")):
        text = article.findtext("text") or ""
        for paragraph, chunk in enumerate(text.split("\n\n")):
            yield {"file": name, "article": str(number), "paragraph": paragraph}, chunk.strip()


def conllu_sentences(name):
    """(sentence id, text, whether a paragraph starts with it) for each sentence of the
    CoNLL-U file `name`."""
    sentence, new_paragraph = None, False
    for line in (SHARED / name).read_text(encoding="utf-8").splitlines():
        if line == "# newpar" or line.startswith("# newpar "):
            new_paragraph = True
        elif line.startswith("# sent_id = "):
            sentence = line.removeprefix("# sent_id = ")
        elif line.startswith("# text = "):
            yield sentence, line.removeprefix("# text = "), new_paragraph
            new_paragraph = False


def gum_paragraphs(name):
    """(paragraph number, text) for each paragraph (`# newpar`) of one GUM document."""
    paragraphs = []
    for _, text, new_paragraph in conllu_sentences(name):
        if new_paragraph or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(text)
    return enumerate(" ".join(sentences) for sentences in paragraphs)


def gum(genre, name=None):
    """(source, text) for each paragraph of GUM's documents of `genre`, or of the one
    document `name`."""
    names = [name] if name else sorted(
        f"syntax/gum/dep/{path.name}" for path in (SHARED / "syntax/gum/dep").glob(f"GUM_{genre}_*.conllu"))
    for name in names:
        for paragraph, text in gum_paragraphs(name):
            yield {"file": name, "article": Path(name).stem, "paragraph": paragraph}, text


def sequoia(prefix, name=None):
    """(source, text) for the sentences of UD French Sequoia whose id starts with `prefix`,
    as paragraphs of consecutive sentences (ids that follow each other) of at most
    MAX_CHARS characters; the article is the first sentence of its run."""
    names = [name] if name else [f"syntax/ud_french_sequoia/fr_sequoia-ud-{part}.conllu"
                                 for part in ("train", "dev", "test")]
    for name in names:
        article, paragraph, chunk, previous = None, 0, [], None
        for sentence, text, _ in conllu_sentences(name):
            if not sentence.startswith(prefix):
                continue
            number = int(sentence.removeprefix(prefix))
            follows = previous is not None and number == previous + 1
            if chunk and (not follows or len(" ".join(chunk + [text])) > MAX_CHARS):
                yield {"file": name, "article": article, "paragraph": paragraph}, " ".join(chunk)
                paragraph, chunk = paragraph + 1, []
            if not follows:
                article, paragraph = sentence, 0
            chunk.append(text)
            previous = number
        if chunk:
            yield {"file": name, "article": article, "paragraph": paragraph}, " ".join(chunk)


def ewt(genre, name=None):
    """(source, text) for the paragraphs of UD English EWT's documents of `genre` (their ids
    start with it: `weblog`, `newsgroup`), or of the one file `name`: each `# newpar`
    paragraph, cut into runs of consecutive sentences of at most MAX_CHARS characters (some
    documents are one paragraph of forty sentences); the article is the document, whose id
    each sentence id carries before its number."""
    names = [name] if name else [f"syntax/ud_english_ewt/en_ewt-ud-{part}.conllu"
                                 for part in ("dev", "test")]
    for name in names:
        article, paragraph, chunk = None, 0, []
        for sentence, text, new_paragraph in conllu_sentences(name):
            document = sentence.rsplit("-", 1)[0]
            if not document.startswith(genre or ""):
                continue
            if chunk and (new_paragraph or document != article
                          or len(" ".join(chunk + [text])) > MAX_CHARS):
                yield {"file": name, "article": article, "paragraph": paragraph}, " ".join(chunk)
                paragraph, chunk = paragraph + 1, []
            if document != article:
                article, paragraph = document, 0
            chunk.append(text)
        if chunk:
            yield {"file": name, "article": article, "paragraph": paragraph}, " ".join(chunk)


#: The Sequoia sentences of each Sequoia pool, by the start of their ids: L'Est Républicain
#: (regional news) and the European Parliament's debates.
SEQUOIA_PREFIXES = {"sequoia-news": "annodis.er_", "sequoia-europarl": "Europar.550_"}


def pool(name, lang):
    """The paragraphs of the pool `name` (see POOLS)."""
    if name.startswith("persuasion-"):
        return persuasion(lang, name.split("-")[1])
    if name.startswith("gum-"):
        return gum(name.removeprefix("gum-"))
    if name.startswith("sequoia-"):
        return sequoia(SEQUOIA_PREFIXES[name])
    if name.startswith("ewt-"):
        return ewt(name.removeprefix("ewt-"))
    return geoparsing(name)


#: The pools `--pools` may name. GUM's Wikinews stories and interviews and its political
#: speeches, EWT's weblogs and newsgroup posts (English), and Sequoia's regional news and
#: parliamentary debates (French), are text whose licences let a model trained on it ship
#: (data/corpus/README.md, "Open-licence real text").
POOLS = ["persuasion-train", "persuasion-dev", "geowebnews", "lgl", "tr-news", "gum-news",
         "gum-interview", "gum-speech", "ewt-weblog", "ewt-newsgroup", *SEQUOIA_PREFIXES]
#: The pools of each language when `--pools` is not given.
DEFAULT_POOLS = {"en": ["persuasion-train", "geowebnews"], "fr": ["persuasion-train"]}


def fingerprint(text):
    """The first 16 hex digits of the SHA-256 of the paragraph's UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def paragraphs_of(source):
    """Every paragraph of `source`'s file, keyed by (article, paragraph)."""
    file = source["file"]
    if file.startswith("syntax/gum/"):
        reader = gum(None, file)
    elif file.startswith("syntax/ud_english_ewt/"):
        reader = ewt(None, file)
    elif file.startswith("syntax/ud_french_sequoia/"):
        # Each pool's article ids start with its own prefix, so one reader of every
        # prefix finds the paragraph.
        reader = (entry for prefix in SEQUOIA_PREFIXES.values() for entry in sequoia(prefix, file))
    elif file.startswith("geoparsing/"):
        reader = geoparsing(file.split("/")[1].split(".")[0])
    else:
        lang, part = file.split("/")[1].split("-")[:2]
        reader = persuasion(lang, part)
    return {(s["article"], s["paragraph"]): text for s, text in reader}


def sources_of(paths):
    """The `source` of every item of the stand-off files `paths`."""
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            yield json.loads(line)["source"]


def select(args):
    pools = [pool(name, args.lang) for name in args.pools or DEFAULT_POOLS[args.lang]]
    used = {(source["file"], source["article"]) for source in sources_of(args.exclude)}
    held = {(source["file"], source["article"], source["paragraph"])
            for source in sources_of(args.within)}
    within = {(file, article) for file, article, _ in held}

    def allowed(source):
        article = (source["file"], source["article"])
        if article in used:
            return False
        return not args.within or (article in within
                                   and (*article, source["paragraph"]) not in held)

    taken, total = [], 0
    for index, paragraphs in enumerate(pools):
        # The pools share the count equally, the first taking what does not divide.
        share = args.count // len(pools) + (args.count % len(pools) if index == 0 else 0)
        candidates = [(source, text) for source, text in paragraphs
                      if MIN_CHARS <= len(text) <= MAX_CHARS and len(text.split()) >= MIN_WORDS
                      and allowed(source)]
        total += len(candidates)
        random.Random(args.seed).shuffle(candidates)
        per_article, chosen = {}, []
        for source, text in candidates:
            if len(chosen) == share:
                break
            if per_article.get(source["article"], 0) < args.per_article:
                per_article[source["article"]] = per_article.get(source["article"], 0) + 1
                chosen.append((source, text))
        taken += chosen
    with open(args.out, "w", encoding="utf-8") as out:
        for index, (source, text) in enumerate(taken, 1):
            source["sha256"] = fingerprint(text)
            item = {"id": f"{args.name}-{args.lang}-{index:04d}", "lang": args.lang,
                    "source": source, "text": text}
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{args.out}: {len(taken)} paragraphs of {total} candidates")


def strip(span):
    """`span` with its offsets only."""
    if span is None:
        return None
    return {"start": span["start"], "end": span["end"]}


def spans_of(event, change):
    """`event` with `change` applied to each of its spans."""
    for role in ("trigger", "actor", "recipient", "place", "date"):
        event[role] = change(event.get(role))
    attribution = event.get("attribution")
    if attribution:
        for part in ("source", "cue"):
            attribution[part] = change(attribution.get(part))
    return event


def standoff(args):
    with open(args.out, "w", encoding="utf-8") as out:
        for path in args.annotated:
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                if fingerprint(item["text"]) != item["source"]["sha256"]:
                    sys.exit(f"{path}: {item['id']}: the text differs from its paragraph")
                del item["text"]
                item["events"] = [spans_of(event, strip) for event in item["events"]]
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{args.out}: written")


def fill(span, text):
    """`span` with its text taken from `text`."""
    if span is None:
        return None
    return {"text": text[span["start"]:span["end"]], "start": span["start"], "end": span["end"]}


def materialize(args):
    cache, written, failed = {}, 0, 0
    with open(args.out, "w", encoding="utf-8") as out:
        for path in args.standoff:
            for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
                item = json.loads(line)
                source = item["source"]
                if source["file"] not in cache:
                    cache[source["file"]] = paragraphs_of(source)
                text = cache[source["file"]].get((source["article"], source["paragraph"]))
                if text is None or fingerprint(text) != source["sha256"]:
                    print(f"{path}:{number}: {item['id']}: its paragraph is missing or changed",
                          file=sys.stderr)
                    failed += 1
                    continue
                item["text"] = text
                item["events"] = [spans_of(event, lambda span: fill(span, text))
                                  for event in item["events"]]
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
                written += 1
    print(f"{args.out}: {written} items" + (f", {failed} failed" if failed else ""))
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    chosen = commands.add_parser("select")
    chosen.add_argument("--lang", choices=["en", "fr"], required=True)
    chosen.add_argument("--count", type=int, default=160)
    chosen.add_argument("--seed", type=int, default=1)
    chosen.add_argument("--name", default="real", help="the items' ids start with it")
    chosen.add_argument("--per-article", type=int, default=2,
                        help="at most this many paragraphs of one article")
    chosen.add_argument("--pools", nargs="+", choices=POOLS,
                        help="where paragraphs come from, in equal shares")
    chosen.add_argument("--exclude", nargs="*", default=[],
                        help="stand-off files whose articles are not chosen again")
    chosen.add_argument("--within", nargs="*", default=[],
                        help="stand-off files whose articles alone are read, their paragraphs skipped")
    chosen.add_argument("--out", required=True)
    stripped = commands.add_parser("standoff")
    stripped.add_argument("annotated", nargs="+")
    stripped.add_argument("--out", required=True)
    filled = commands.add_parser("materialize")
    filled.add_argument("standoff", nargs="+")
    filled.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "select":
        select(args)
        return 0
    if args.command == "standoff":
        standoff(args)
        return 0
    return materialize(args)


if __name__ == "__main__":
    sys.exit(main())
