#!/usr/bin/env python3
"""Convert Vigie's open-licence NER corpora into one JSONL format.

One sentence per line:
  {"source": str, "lang": "en"|"fr", "tokens": [...], "tags": ["B-PER", "I-PER", "O", ...],
   "id": str, "annotated_types": ["LOC", "ORG", "PER"(, "MISC")]}

`source`, `lang`, `tokens`, `tags` are the agreed format.  Two extra keys:
  id               -- source file + sentence index (GUM: its sent_id), for tracing and doc-level splits
  annotated_types  -- the types this source annotates at all.  BTC, UNER, Europeana (and, in
                      effect, WNUT-17) never mark MISC-like names (nationalities, events, laws...),
                      so an `O` there does not mean "not MISC".  A trainer may mask the loss for
                      MISC on those sources instead of teaching them as O.

Tags are BIO2 with exactly PER, ORG, LOC, MISC.  Mapping:
  CoNLL-style sets (wikigold, UNER, BTC, Europeana): identity (PER/ORG/LOC/MISC).
  WNUT-17: person->PER, location->LOC, corporation->ORG, group->ORG,
           product->MISC, creative-work->MISC.
  GUM (entity layer in dep/*.conllu MISC `Entity=`): GUM marks every mention (pronouns and
           common nouns too) and has no named/non-named flag, so name-ness is derived: a mention
           is named when its syntactic head (the token whose head lies outside the span) is
           upos PROPN or xpos NNP/NNPS, or, for persons, when the head is a title noun with a
           `flat` PROPN dependent ("attorney John Martin").  The span is cut down to the
           proper-name core around that head (capitalised words plus inner of/and/&/de/...;
           no determiners, titles, possessive 's, appositions, relative clauses).
           person->PER, place->LOC, organization->ORG, time->O, any other type
           (event, object, abstract, substance, animal, plant)->MISC; outermost core wins.
           Dropped: title-only cores ("President", "My Lords"), numbered labels ("Figure 1").
           CoNLL adjustments: organisation cores equal to a Wikified GUM place name -> LOC
           (countries as teams/governments); "the state of [Texas]" -> LOC; person demonyms
           ("Americans", "the Moriori") -> MISC; demonym/religion adjectives outside any name
           ("Australian children") -> MISC.

Inputs are read from ../shared (the repository's sibling folder); nothing is written there.
Usage: scripts/ner-open-data.py [--shared ../shared] [--out target/ner-open]
                          [--europeana-lexicon /usr/share/dict/french]
With --europeana-lexicon, an extra file europeana_fr_bnf.clean.jsonl holds only the
sentences with no suspected OCR error (see europeana_suspect()).
"""
import argparse
import collections
import glob
import json
import os
import re
import sys
import unicodedata

# --------------------------------------------------------------------------- generic helpers

def read_two_col(path):
    """token<TAB>tag files, blank line between sentences."""
    sents, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if cur:
                    sents.append(cur)
                    cur = []
                continue
            tok, tag = line.split("\t")
            cur.append((tok, tag))
    if cur:
        sents.append(cur)
    return sents


def clean_token(tok):
    tok = unicodedata.normalize("NFC", tok)
    tok = re.sub(r"\s+", "_", tok.strip())
    return tok or "_"


def to_bio2(tags):
    """Repair: I-X after O or after another type becomes B-X."""
    out, prev = [], "O"
    for t in tags:
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def map_tags(tags, mapping):
    out = []
    for t in tags:
        if t == "O":
            out.append("O")
            continue
        p, typ = t.split("-", 1)
        new = mapping[typ]
        out.append("O" if new is None else f"{p}-{new}")
    return to_bio2(out)


def spans(tags):
    """BIO2 tags -> list of (start, end_exclusive, type)."""
    res, start, typ = [], None, None
    for i, t in enumerate(tags + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != typ):
            if start is not None:
                res.append((start, i, typ))
                start, typ = None, None
            if t != "O":
                start, typ = i, t[2:]
    return res


def record(source, lang, sid, tokens, tags, types):
    assert len(tokens) == len(tags) and tokens
    for t in tags:
        assert t == "O" or re.fullmatch(r"[BI]-(PER|ORG|LOC|MISC)", t), t
    assert to_bio2(tags) == tags
    return {"source": source, "lang": lang, "tokens": tokens, "tags": tags,
            "id": sid, "annotated_types": types}


CONLL = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}
WNUT = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG",
        "product": "MISC", "creative-work": "MISC"}


def convert_two_col(path, source, lang, mapping, types, prefix):
    out = []
    for i, sent in enumerate(read_two_col(path)):
        toks = [clean_token(t) for t, _ in sent]
        tags = map_tags([g for _, g in sent], mapping)
        out.append(record(source, lang, f"{prefix}:{i}", toks, tags, types))
    return out

# --------------------------------------------------------------------------- Europeana OCR check

_ALPHA = re.compile(r"[^\W\d_]")


def _norm(w):
    return unicodedata.normalize("NFC", w).lower().replace("\u2019", "'")


def load_lexicon(path, shared):
    lex = set()
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            lex.update(_norm(w.strip()) for w in f)
    for p in glob.glob(os.path.join(shared, "data/syntax/ud_french_*/*.conllu")):
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                c = line.split("\t")
                if c[0].isdigit():
                    lex.add(_norm(c[1]))
    return lex


def _weird(tok):
    """Letters mixed with digits, odd symbols or a lower->upper switch: typical OCR damage."""
    return bool(_ALPHA.search(tok)) and bool(
        re.search(r"\d", tok) or re.search(r"[^\w'\u2019\-.]", tok)
        or re.search(r"[a-zà-ÿ][A-ZÀ-Þ]", tok))


def europeana_suspect(tokens, tags, lex):
    """Number of suspect tokens: lowercase-initial O words missing from the lexicon
    (after splitting French elisions), or any token that looks OCR-damaged."""
    n = 0
    for t, g in zip(tokens, tags):
        if _weird(t):
            n += 1
        elif g == "O" and t[:1].islower() and _ALPHA.search(t):
            w = _norm(t)
            m = re.match(r"^(l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'(.+)$", w)
            if m:
                w = m.group(2)
            if w not in lex and w.strip(".-'") not in lex:
                n += 1
    return n

# --------------------------------------------------------------------------- GUM

def gum_read_doc(path):
    sents, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# sent_id = "):
                cur = {"id": line[len("# sent_id = "):], "toks": []}
                continue
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur and cur["toks"]:
                    sents.append(cur)
                cur = None
                continue
            c = line.split("\t")
            if not c[0].isdigit():      # multiword-token ranges / empty nodes
                continue
            misc = dict(kv.split("=", 1) for kv in c[9].split("|") if "=" in kv)
            cur["toks"].append({"form": c[1], "lemma": c[2], "upos": c[3], "xpos": c[4],
                                "head": int(c[6]), "deprel": c[7], "misc": misc})
    if cur and cur["toks"]:
        sents.append(cur)
    return sents


def gum_entity_events(val):
    """Parse an Entity= value: '(12-person-new-...-Wiki_Id' opens, '12)' closes, '(...)' both."""
    out, i = [], 0
    while i < len(val):
        if val[i] == "(":
            j = i + 1
            while j < len(val) and val[j] not in "()":
                j += 1
            fields = val[i + 1:j].split("-")
            if j < len(val) and val[j] == ")":
                out.append(("single", fields[0], fields))
                i = j + 1
            else:
                out.append(("open", fields[0], fields))
                i = j
        else:
            j = i
            while j < len(val) and val[j] != ")":
                j += 1
            out.append(("close", val[i:j], None))
            i = j + 1
    return out


def gum_mentions(sents):
    """[(sent_index, start, end_inclusive, etype, identity)] from the Entity= brackets
    (global.Entity = GRP-etype-infstat-salience-centering-minspan-link-identity; the
    identity (Wikipedia title) is written on an entity's first mention only)."""
    res, stack, ident = [], collections.defaultdict(list), {}
    for si, s in enumerate(sents):
        for ti, t in enumerate(s["toks"]):
            v = t["misc"].get("Entity")
            if not v:
                continue
            for kind, eid, fields in gum_entity_events(v):
                if kind != "close" and len(fields) >= 8 and fields[7]:
                    ident[eid] = "-".join(fields[7:])
                if kind == "single":
                    res.append((si, ti, ti, fields[1], eid))
                elif kind == "open":
                    stack[eid].append((si, ti, fields[1]))
                else:
                    si0, ti0, et = stack[eid].pop()
                    if si0 == si:       # mentions never cross sentences in GUM; be safe
                        res.append((si, ti0, ti, et, eid))
    return [(si, a, b, et, ident.get(eid)) for si, a, b, et, eid in res]


PERSON_TITLES = {
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "dr", "dr.", "prof", "prof.", "professor",
    "president", "vice", "sen", "sen.", "senator", "rep", "rep.", "representative", "gov",
    "gov.", "governor", "mayor", "minister", "prime", "secretary", "chancellor", "judge",
    "justice", "sir", "dame", "lord", "lady", "king", "queen", "prince", "princess", "pope",
    "saint", "st", "st.", "rev", "rev.", "reverend", "father", "general", "gen", "gen.",
    "colonel", "col", "col.", "captain", "capt", "capt.", "lieutenant", "lt", "lt.",
    "sergeant", "sgt", "sgt.", "officer", "detective", "chief", "emperor", "empress",
    "ambassador", "chairman", "ceo", "coach", "uncle", "aunt", "grandma", "grandpa",
    "doctor", "nurse", "agent", "commissioner", "senior", "junior", "archbishop", "bishop",
    "cardinal", "sheikh", "ayatollah", "imam", "rabbi", "admiral", "major", "private",
    "corporal", "attorney", "councillor", "councilman", "councilwoman", "congressman",
    "congresswoman", "deputy", "speaker", "tsar", "czar", "sultan", "shah", "pharaoh",
    "caliph", "duke", "duchess", "earl", "baron", "marquis", "emir", "pastor", "brother",
    "sister", "mother", "madam", "madame", "mister", "mademoiselle", "monsieur",
}
# words that may sit inside a name between two capitalised words ("Bank of America",
# "Procter & Gamble"); "at"/"in"/"on" are left out so that "Museum at Skidmore College in
# Saratoga Springs" stays three names.  Person names only take the particles.
CONNECTORS = {"of", "the", "and", "&", "for", "de", "du", "des", "la", "le", "von", "van",
              "der", "den", "da", "di", "del", "y", "-", ".", "'", "al", "bin", "ibn", "el"}
PERSON_CONNECTORS = {"the", "de", "du", "des", "la", "le", "von", "van", "der", "den", "da",
                     "di", "del", "y", "-", ".", "'", "al", "bin", "ibn", "el"}

# Demonyms / religions / political groups that CoNLL-2003 tags MISC when used on their own.
DEMONYM_RE = re.compile(
    r"^(?:[A-Z][a-zà-ÿ]+(?:ian|ean|an|ese|ish|i|ch|ek|ai|ab)"
    r"|Buddhist|Calvinist|Baptist|Methodist|Marxist|Zionist|Islamist|Maoist|Leninist|Shiite"
    r"|Israelite|Maronite|Mennonite|Nazi|Taliban"
    r"|Greek|Thai|Swiss|Jewish|Jew|Hindu|Sikh|Jain|Maori|Inuit|Latino|Latina|Roma|Creole|Basque"
    r"|Catholic|Protestant|Orthodox|Sunni|Shia|Shiite|Kurd|Arab|Turk|Czech|Slovak|Serb|Croat|Pole"
    r"|Scot|Brit|Dane|Finn|Swede|Welsh|Irish|Dutch|French|English|Scottish|Flemish|Walloon"
    r"|Zulu|Hausa|Yoruba|Igbo|Pashtun|Uzbek|Tajik|Kazakh|Kyrgyz|Tatar|Uyghur|Rohingya|Jóola"
    r"|Briton|Saxon|Cypriot|Spaniard|Savoyard|Filipino|Filipina|Argentine|Philippine|Byzantine"
    r"|Florentine|Levantine|Andean|Orthodox"
    r"|Democrat|Republican|Conservative|Labour|Liberal|Tory|Socialist|Communist|Libertarian)s?$")
NOT_DEMONYM = {
    "Black", "White", "Red", "New", "Great", "Grand", "Main", "Major", "Chief", "Prime", "Open",
    "Royal", "National", "International", "Global", "Central", "Public", "Civil", "Civic",
    "Digital", "Creative", "Special", "Historic", "Linguistic", "Invisible", "Broken", "Angelic",
    "Second", "First", "Middle", "Western", "Eastern", "Northern", "Southern", "Pacific",
    "Atlantic", "Arctic", "Antarctic", "Academic", "Electric", "Magic",
    "Classic", "Gothic", "Titanic", "Fantastic", "Scientific", "Economic",
    "Republic", "Organic", "Romantic", "Baroque", "Medieval", "Victorian", "Ian",
    "Don", "Ron", "Ion", "Moon", "Sun", "Supreme", "Native", "Indigenous", "Lion", "Queen",
    "Human", "Urban", "Korean_War", "Ocean", "Mean", "Clean", "Wan", "Van",
}
# Adjectives from a religion/state that CoNLL also tags MISC although they end in -ic:
DEMONYM_EXTRA = {"Islamic", "Catholic", "Arabic", "Hispanic", "Baltic", "Nordic", "Slavic",
                 "Germanic", "Celtic", "Semitic", "Hellenic", "Icelandic", "Democratic",
                 "Olympic", "Paralympic"}


def is_demonym(word):
    if word in DEMONYM_EXTRA:
        return True
    return bool(DEMONYM_RE.match(word)) and word not in NOT_DEMONYM


def _propn(t):
    # GUM keeps PTB tags: name-internal words often have xpos NNP even when upos is VERB/ADJ
    # ("United/VERB/NNP States", "New/ADJ/NNP York").
    return t["upos"] == "PROPN" or t["xpos"] in ("NNP", "NNPS")


def _name_like(t):
    return _propn(t) or (t["upos"] == "ADJ" and t["form"][:1].isupper() and t["lemma"][:1].isupper())


NON_NAME_TITLES = PERSON_TITLES | {"madam", "lords", "lordship", "majesty", "highness",
                                   "honour", "honor", "petitioner", "respondent", "appellant",
                                   "plaintiff", "defendant", "claimant", "mom", "mum", "dad",
                                   "grandmother", "grandfather", "sister", "brother", "mother"}
NUMBERED_LABEL = re.compile(
    r"^(Figure|Fig|Table|Factor|Q|Wave|Section|Chapter|Appendix|Step|Part|Title|Exhibit|Article|"
    r"Session|Phase|Study|Experiment|Model|Hypothesis|Condition|Group|Level|Class|Type|Round|"
    r"Week|Day|Lesson|Unit|Question|Box|Equation|Eq|Line|Page|Verse|Rule|Stage|Task|Item)\b"
    r"\.? ?[\dIVXivx]")


def gum_core(toks, a, b, etype):
    """Proper-name core (lo, hi) of mention [a, b], or None when it is not a named mention."""
    ids = range(a, b + 1)
    heads = [i for i in ids if not (a <= toks[i]["head"] - 1 <= b)]
    heads = [i for i in heads if toks[i]["upos"] != "PUNCT"] or heads
    propn_heads = [i for i in heads if _propn(toks[i])]
    if not propn_heads:
        # "attorney John Martin", "schoolteacher John Dalton": UD hangs the name on the
        # title noun with `flat`; the name is then the flat dependent.
        propn_heads = [i for i in ids if _propn(toks[i]) and toks[i]["deprel"] == "flat"
                       and toks[i]["head"] - 1 in heads and toks[toks[i]["head"] - 1]["upos"] == "NOUN"]
        if etype != "person" or not propn_heads:
            return None
    h = propn_heads[0]
    conn = PERSON_CONNECTORS if etype == "person" else CONNECTORS
    lo = hi = h
    j = h + 1                                   # grow right
    while j <= b:
        if _name_like(toks[j]) or (toks[j]["upos"] == "NUM" and _name_like(toks[j - 1])):
            hi = j
            j += 1
            continue
        k = j
        while k <= b and toks[k]["form"].lower() in conn and toks[k]["form"] != "The":
            k += 1
        if j < k <= b and _name_like(toks[k]):
            hi = k
            j = k + 1
            continue
        break
    j = h - 1                                   # grow left
    while j >= a:
        if _name_like(toks[j]):
            lo = j
            j -= 1
            continue
        k = j
        while k >= a and toks[k]["form"].lower() in conn and toks[k]["form"] != "The":
            k -= 1
        if a <= k < j and _name_like(toks[k]):
            lo = k
            j = k - 1
            continue
        break
    if etype == "person":                       # CoNLL leaves titles out: "President [Obama]"
        while lo < hi and toks[lo]["form"].lower().rstrip(".") in {x.rstrip(".") for x in PERSON_TITLES}:
            lo += 1
        if toks[lo]["form"].lower() in CONNECTORS:
            return None                         # "Emperor [of the United States]": title only
    while hi > lo and toks[hi]["upos"] == "PUNCT":
        hi -= 1
    while lo < hi and toks[lo]["upos"] == "PUNCT":
        lo += 1
    words = [toks[i]["form"] for i in range(lo, hi + 1)]
    text = " ".join(words)
    if not any(ch.isupper() for ch in text):   # "( ( it ) )"
        return None
    if all(w.lower().rstrip(".") in NON_NAME_TITLES for w in words):
        return None                             # "President", "My Lords", "Madam Speaker"
    if lo == hi and lo > a and toks[lo - 1]["xpos"] == "PRP$":
        return None                             # "our Nation"
    if NUMBERED_LABEL.match(text):
        return None                             # "Figure 1", "Wave 4", "Q 3"
    return lo, hi


GUM_TYPE = {"person": "PER", "place": "LOC", "organization": "ORG", "time": None}


def gum_sentence_tags(s, mentions, place_names=frozenset()):
    toks = s["toks"]
    cands = []
    for a, b, et in mentions:
        core = gum_core(toks, a, b, et)
        if core is None:
            continue
        lo, hi = core
        typ = GUM_TYPE.get(et, "MISC")
        if typ is None:
            continue
        text = " ".join(t["form"] for t in toks[lo:hi + 1])
        if et == "person" and lo == hi and (
                (toks[lo]["xpos"] == "NNPS" and is_demonym(toks[lo]["form"]))
                or (lo > a and toks[lo - 1]["form"].lower() == "the")):
            typ = "MISC"        # "Americans", "the Moriori": peoples are CoNLL MISC
        if et == "organization" and text in place_names:
            typ = "LOC"         # countries acting as teams/governments: CoNLL tags LOC
        cands.append((lo, hi, typ))
    # "the state of [Texas]", "the city of [York]": GUM marks one place mention headed by the
    # common noun; the proper name after "of" is the CoNLL LOC.
    covered = {(a, b) for a, b, _ in mentions}
    for a, b, et in mentions:
        if et != "place":
            continue
        heads = [i for i in range(a, b + 1) if not (a <= toks[i]["head"] - 1 <= b)]
        if not heads or _propn(toks[heads[0]]):
            continue
        h = heads[0]
        for i in range(a, b + 1):
            t = toks[i]
            if (_propn(t) and t["head"] - 1 == h and t["deprel"].startswith("nmod")
                    and any(toks[k]["form"].lower() == "of" and toks[k]["head"] - 1 == i
                            for k in range(a, i))
                    and not any(a <= a2 <= i <= b2 <= b and (a2, b2) != (a, b) for a2, b2 in covered)):
                sub = [k for k in range(a, b + 1) if k >= i and (k == i or toks[k]["head"] - 1 == i)
                       and _name_like(toks[k])]
                lo, hi = i, max(sub)
                if all(_name_like(toks[k]) for k in range(lo, hi + 1)):
                    cands.append((lo, hi, "LOC"))
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[0]))   # outermost first
    tags = ["O"] * len(toks)
    for lo, hi, typ in cands:
        if all(tags[i] == "O" for i in range(lo, hi + 1)):
            tags[lo] = "B-" + typ
            for i in range(lo + 1, hi + 1):
                tags[i] = "I-" + typ
    # stand-alone demonym / religion adjectives (CoNLL MISC), e.g. "Australian children"
    for i, t in enumerate(toks):
        if tags[i] == "O" and is_demonym(t["form"]) and (
                (t["upos"] == "ADJ" and t["lemma"][:1].isupper()) or t["xpos"] == "NNPS"):
            tags[i] = "B-MISC"          # "Australian children", "a lot of Americans"
    return to_bio2(tags)


def gum_splits(path):
    split, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"## (\w+)", line)
            if m:
                cur = m.group(1)
            m = re.match(r"\s*\*\s+(GUM_\S+)", line)
            if m and cur:
                split[m.group(1)] = cur
    return split


def convert_gum(gum_dir):
    split = gum_splits(os.path.join(gum_dir, "splits.md"))
    docs = []
    place_names = set()
    for path in sorted(glob.glob(os.path.join(gum_dir, "dep", "*.conllu"))):
        doc = os.path.basename(path)[:-len(".conllu")]
        sents = gum_read_doc(path)
        per_sent = collections.defaultdict(list)
        for si, a, b, et, identity in gum_mentions(sents):
            per_sent[si].append((a, b, et))
            if et == "place" and identity:       # Wikified places only: "Sweden", not "Court"
                core = gum_core(sents[si]["toks"], a, b, et)
                if core:
                    place_names.add(" ".join(t["form"] for t in sents[si]["toks"][core[0]:core[1] + 1]))
        docs.append((doc, sents, per_sent))
    out = collections.defaultdict(list)
    for doc, sents, per_sent in docs:
        for si, s in enumerate(sents):
            tags = gum_sentence_tags(s, per_sent[si], place_names)
            toks = [clean_token(t["form"]) for t in s["toks"]]
            out[split.get(doc, "train")].append(
                record("gum", "en", s["id"], toks, tags, ["LOC", "MISC", "ORG", "PER"]))
    return out

# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--shared", default=os.path.join(repo, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(repo, "target", "ner-open"))
    ap.add_argument("--europeana-lexicon", default=None,
                    help="French word list (e.g. /usr/share/dict/french from Debian wfrench); "
                         "enables europeana_fr_bnf.clean.jsonl")
    args = ap.parse_args()
    open_dir = os.path.join(args.shared, "data/ner/open")
    os.makedirs(args.out, exist_ok=True)
    three = ["LOC", "ORG", "PER"]
    four = ["LOC", "MISC", "ORG", "PER"]
    outputs = {}   # file name -> records

    outputs["europeana_fr_bnf.jsonl"] = convert_two_col(
        os.path.join(open_dir, "europeana_fr_bnf/enp_FR.bnf.conll"),
        "europeana_fr_bnf", "fr", CONLL, three, "europeana_fr_bnf/enp_FR.bnf.conll")
    if args.europeana_lexicon:
        lex = load_lexicon(args.europeana_lexicon, args.shared)
        outputs["europeana_fr_bnf.clean.jsonl"] = [
            r for r in outputs["europeana_fr_bnf.jsonl"]
            if len(r["tokens"]) >= 6 and europeana_suspect(r["tokens"], r["tags"], lex) == 0]
    outputs["wikigold_en.jsonl"] = convert_two_col(
        os.path.join(open_dir, "wikigold_en/wikigold.conll"), "wikigold", "en", CONLL, four,
        "wikigold_en/wikigold.conll")
    for split in ("dev", "test"):
        outputs[f"uner_en_ewt.{split}.jsonl"] = convert_two_col(
            os.path.join(open_dir, f"uner_en_ewt/{split}.conll"), "uner_en_ewt", "en", CONLL,
            three, f"uner_en_ewt/{split}.conll")
    outputs["uner_en_pud.test.jsonl"] = convert_two_col(
        os.path.join(open_dir, "uner_en_pud/test.conll"), "uner_en_pud", "en", CONLL, three,
        "uner_en_pud/test.conll")
    for part in "abefgh":
        outputs[f"btc_en.{part}.jsonl"] = convert_two_col(
            os.path.join(open_dir, f"btc_en/{part}.conll"), "btc", "en", CONLL, three,
            f"btc_en/{part}.conll")
    for split in ("train", "dev", "test"):
        outputs[f"wnut17_en.{split}.jsonl"] = convert_two_col(
            os.path.join(open_dir, f"wnut17_en/{split}.conll"), "wnut17", "en", WNUT, four,
            f"wnut17_en/{split}.conll")
    gum_dir = os.path.join(args.shared, "data/syntax/gum")
    if os.path.isdir(gum_dir):
        for split, recs in convert_gum(gum_dir).items():
            outputs[f"gum_en.{split}.jsonl"] = recs

    print(f"{'file':32} {'sents':>7} {'tokens':>8} {'PER':>6} {'ORG':>6} {'LOC':>6} {'MISC':>6} {'total':>6}")
    tot = collections.Counter()
    for name, recs in outputs.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        c = collections.Counter(t for r in recs for _, _, t in spans(r["tags"]))
        ntok = sum(len(r["tokens"]) for r in recs)
        print(f"{name:32} {len(recs):7d} {ntok:8d} {c['PER']:6d} {c['ORG']:6d} {c['LOC']:6d} "
              f"{c['MISC']:6d} {sum(c.values()):6d}")
        if not name.endswith(".clean.jsonl"):
            tot.update(c)
            tot["_sents"] += len(recs)
            tot["_tokens"] += ntok
    print(f"{'TOTAL (without .clean subset)':32} {tot['_sents']:7d} {tot['_tokens']:8d} {tot['PER']:6d} "
          f"{tot['ORG']:6d} {tot['LOC']:6d} {tot['MISC']:6d} "
          f"{tot['PER'] + tot['ORG'] + tot['LOC'] + tot['MISC']:6d}")


if __name__ == "__main__":
    sys.exit(main())
