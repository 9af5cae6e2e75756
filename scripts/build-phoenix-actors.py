#!/usr/bin/env python3
"""Build data/actors/phoenix.tsv from the PETRARCH2/Phoenix actor dictionaries.

Sources (MIT, Open Event Data Alliance; openeventdata/petrarch2 at commit
676801cd9cb2924bbbad09f86d15c9323e7097bf, see data/actors/PHOENIX-LICENSE):

  * Phoenix.Countries.actors.txt — office holders and offices with their
    date-bounded CAMEO codes (the country-level entries themselves are left to
    the gazetteer and the hand-written dictionary: their synonyms are places);
  * Phoenix.International.actors.txt — international organisations, NGOs and
    media (companies, MNC codes, are left out: many are ordinary words);
  * Phoenix.MilNonState.actors.txt — armed non-state groups (START TOPS names);
  * Phoenix.agents.txt — generic agents (police, rebels, students …), mapped to
    the generic rows of data/actors/actors.tsv or to new generic rows.

French forms written by Vigie helper sessions and checked in a second pass are
merged from data/actors/agents-fr.tsv (agents) and data/actors/phoenix-fr.tsv
(organisations and groups); only rows whose review column reads `ok` or
`corrected` are taken.

Usage:
  python3 scripts/build-phoenix-actors.py [--source DIR] [--out FILE]

`--source` defaults to ../shared/data/events/open/petrarch2 (a copy of the
repository's data/dictionaries folder); the output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "Countries": "Phoenix.Countries.actors.txt",
    "International": "Phoenix.International.actors.txt",
    "MilNonState": "Phoenix.MilNonState.actors.txt",
}
# Dates written with two digits: a year up to this one is 20YY, else 19YY (the
# dictionaries were generated in 2014).
TWO_DIGIT_CENTURY_PIVOT = 20

# CAMEO role codes → (Vigie kind, sector). The first role after the country
# (or after IGO/NGO/IMG) decides.
ROLES = {
    "GOV": ("STATE", "government"), "ELI": ("STATE", "government"),
    "LEG": ("STATE", "government"), "JUD": ("STATE", "government"),
    "MIL": ("STATE", "military"), "COP": ("STATE", "police"),
    "SPY": ("STATE", "intelligence"),
    "REB": ("GROUP", "rebel"), "INS": ("GROUP", "rebel"), "SEP": ("GROUP", "rebel"),
    "UAF": ("GROUP", "militia"),
    "OPP": ("ORG", "party"), "PTY": ("ORG", "party"),
    "MED": ("MEDIA", "media"),
    "NGO": ("ORG", "ngo"), "HRI": ("ORG", "ngo"),
}

# Phoenix agent roles → the generic row of data/actors/actors.tsv (or a new
# generic row below) that carries their forms.
AGENT_ROWS = {
    "GOV": "GOVERNMENT", "MIL": "MILITARY", "REB": "REBELS", "INS": "REBELS",
    "UAF": "MILITANTS", "COP": "POLICE", "OPP": "OPPOSITION", "CVL": "CIVILIANS",
    "REF": "CIVILIANS", "LAB": "WORKERS", "AGR": "WORKERS", "EDU": "EDUCATION",
    "JUD": "JUDICIARY", "LEG": "LEGISLATURE", "CRM": "CRIMINALS",
    "BUS": "BUSINESS", "HLH": "HEALTH", "MED": "JOURNALISTS", "SPY": "INTELLIGENCE",
    "REL": "CLERGY", "MUS": "CLERGY", "CHR": "CLERGY", "JEW": "CLERGY",
    "HIN": "CLERGY", "BUD": "CLERGY", "PTY": "PARTIES", "NGO": "NGOS",
    "HRI": "NGOS",
}
# Generic rows that data/actors/actors.tsv does not have: code → (name, kind, sector).
NEW_GENERIC_ROWS = {
    "EDUCATION": ("Education (generic)", "ORG", "civilian"),
    "JUDICIARY": ("Judiciary (generic)", "STATE", "government"),
    "LEGISLATURE": ("Legislature (generic)", "STATE", "government"),
    "CRIMINALS": ("Criminals (generic)", "GROUP", "militia"),
    "BUSINESS": ("Business (generic)", "ORG", "civilian"),
    "HEALTH": ("Health workers (generic)", "ORG", "civilian"),
    "JOURNALISTS": ("Journalists (generic)", "MEDIA", "media"),
    "INTELLIGENCE": ("Intelligence services (generic)", "STATE", "intelligence"),
    "CLERGY": ("Religious figures (generic)", "ORG", "civilian"),
    "PARTIES": ("Political parties (generic)", "ORG", "party"),
    "NGOS": ("Non-governmental organisations (generic)", "ORG", "ngo"),
}

SMALL_WORDS = {"OF", "THE", "AND", "FOR", "IN", "ON", "TO", "AT", "BY", "DE", "DU", "DES", "LA", "LE", "ET"}
# Short words of names that are not acronyms.
NAME_PARTICLES = {"AL", "EL", "BIN", "IBN", "ABU", "BEN", "VAN", "VON", "DA", "DI", "DOS", "MR", "MRS", "DR", "SAN", "SAO", "LEE", "KIM", "LI", "WU", "HU", "MAO", "NEW"}
# Words of a title or an office: a person's alias holding one ("President Barack Obama",
# "Obama administration") would stretch the name beyond the person.
TITLE_WORDS = {
    "PRESIDENT", "PRESIDENT-ELECT", "MR", "MR.", "MRS", "MRS.", "MS", "MS.", "DR", "DR.",
    "SENATOR", "SEN.", "PRIME", "MINISTER", "KING", "QUEEN", "PRINCE", "PRINCESS", "GENERAL",
    "GEN.", "SECRETARY", "SECRETARY-GENERAL", "CHANCELLOR", "ADMINISTRATION", "GOVERNMENT",
    "US", "U.S.", "AMERICAN", "UNITED", "STATES", "UN", "U.N.", "LEADER", "CHAIRMAN", "VICE",
    "FORMER", "THE", "COLONEL", "COL.", "PREMIER", "GOVERNOR", "GOV.", "AMBASSADOR", "EMIR",
    "SULTAN", "POPE", "CARDINAL", "JUDGE", "JUSTICE", "MAYOR", "SPEAKER", "ADMIRAL", "MARSHAL",
}
# An agent phrase ending in one of these is a pattern fragment ("ambassador to"), not a name.
PREPOSITIONS = {"at", "to", "for", "of", "in", "on", "with", "from"}
PAREN = re.compile(r"\(([^()]*)\)")
RESTRICTION = re.compile(r"\[\s*([A-Z~][A-Z0-9~]*)\s*([^\]]*)\]")
BRACKETS = re.compile(r"\[[^\]]*\]")
REVIEWED = {"ok", "corrected"}


def die(message: str) -> None:
    print(f"build-phoenix-actors: ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def fold(text: str) -> str:
    """Lower case without accents, single spaces: the key two aliases are equal by."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def date_bound(token: str) -> str:
    """YYMMDD or YYYYMMDD as YYYY-MM-DD; two-digit years pivot at 2020."""
    token = token.strip()
    if len(token) == 6:
        year = int(token[:2])
        century = 2000 if year <= TWO_DIGIT_CENTURY_PIVOT else 1900
        token = f"{century + year}{token[2:]}"
    if len(token) != 8 or not token.isdigit():
        raise ValueError(token)
    return f"{token[:4]}-{token[4:6]}-{token[6:]}"


def restriction(text: str) -> tuple[str, str] | None:
    """A date restriction ("<date", ">date", "date-date", "") as a `from..to` range."""
    text = text.strip()
    try:
        if not text:
            return ("", "")
        if text.startswith("<"):
            return ("", date_bound(text[1:]))
        if text.startswith(">"):
            return (date_bound(text[1:]), "")
        start, end = text.split("-")
        return (date_bound(start), date_bound(end))
    except ValueError:
        return None


def display(phrase: str, acronyms: bool = True) -> str:
    """`ABU_NIDAL_ORGANIZATION` → `Abu Nidal Organization`; acronyms stay upper case, and
    with `acronyms` so does a name of one word of up to four letters (`ETA`, `FARC`)."""
    if acronyms and phrase.isalpha() and len(phrase) <= 4:
        return phrase
    words = []
    for index, word in enumerate(phrase.split()):
        letters = [c for c in word if c.isalpha()]
        if index > 0 and word in SMALL_WORDS:
            words.append(word.lower())
        elif "." in word or word not in NAME_PARTICLES | SMALL_WORDS and (
            len(letters) <= 2 or len(letters) == 3 and not set(letters) & set("AEIOU")
        ):
            words.append(word)  # an acronym: "UN", "NLF", "U.N."
        else:
            words.append("-".join(part[:1] + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


def phrases(raw: str) -> list[str]:
    """The surface phrases of one dictionary phrase: `_` joins words, a bracketed
    acronym is a phrase of its own, a stray `+` separates two phrases."""
    found = []
    for part in raw.split("+"):
        part = part.replace("_", " ")
        # A bracketed acronym is a name of its own; a bracketed qualifier
        # ("(SOUTH AFRICA)") is not.
        found += [a for a in PAREN.findall(part) if " " not in a.strip() and len(a) <= 8]
        part = PAREN.sub(" ", part)
        found.append(part)
    return [" ".join(p.split()) for p in found if len(" ".join(p.split())) >= 2]


def entries(path: Path):
    """Phoenix actor records: (key, line, phrases, default code, dated codes, note)."""
    record = None
    for number, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        content, _, comment = line.partition("#")
        content, _, semicolon = content.partition(";")
        note = (comment or semicolon).strip()
        if line[0] in " \t" and content.strip().startswith("["):
            if record is not None:
                for code, bound in RESTRICTION.findall(content):
                    dates = restriction(bound)
                    if not bound.strip():
                        record["default"] = record["default"] or code
                    elif dates is not None:
                        record["dated"].append((code, *dates))
            continue
        text = content.strip()
        inline = RESTRICTION.findall(text)
        text = BRACKETS.sub(" ", text).strip()
        if line.startswith("+"):
            if record is not None:
                record["phrases"] += phrases(text[1:])
            continue
        if record is not None:
            yield record
        record = {"key": text.split()[0] if text else "", "line": number,
                  "phrases": phrases(text), "default": "", "dated": [], "note": note}
        for code, bound in inline:
            if bound.strip():
                dates = restriction(bound)
                if dates is not None:
                    record["dated"].append((code, *dates))
            else:
                record["default"] = code
    if record is not None:
        yield record


def country_codes(countries: Path) -> dict[str, str]:
    """CAMEO country code → ISO 3166-1 alpha-2, by the Phoenix country entry's names
    looked up among the gazetteer's country rows."""
    names = {}
    with gzip.open(ROOT / "data/gazetteer/places.tsv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["feature_code"] in {"PCLI", "PCLD", "PCLF", "PCLS", "PCLIX", "PCL", "TERR"}:
                for name in [row["name"], *row["alternate_names"].split("|")]:
                    names.setdefault(fold(name), row["country_code"])
    codes = {}
    for record in entries(countries):
        code = record["default"]
        if len(code) == 3 and code.isalpha() and not record["dated"]:
            for phrase in record["phrases"][:3]:
                if fold(phrase) in names:
                    codes[code] = names[fold(phrase)]
                    break
    return codes


def kind_and_sector(code: str, country_of: dict[str, str]) -> tuple[str, str, str]:
    """Vigie kind, sector and home country (alpha-2 or "") of a CAMEO actor code."""
    prefix, rest = code[:3], code[3:]
    country = country_of.get(prefix, "")
    if prefix == "IGO":
        return "IGO", "igo", ""
    if prefix == "NGO":
        return "ORG", "ngo", ""
    if prefix == "IMG":
        return "GROUP", "militia", ""
    if prefix == "MED":
        return "MEDIA", "media", ""
    for start in range(0, len(rest), 3):
        role = rest[start:start + 3]
        if role in ROLES:
            kind, sector = ROLES[role]
            return kind, sector, country
    return "STATE", "government", country


def has_role(code: str) -> bool:
    """True when a CAMEO code names one of the roles of `ROLES` after its country."""
    return any(code[start:start + 3] in ROLES for start in range(3, len(code), 3))


def alias_list(surfaces, taken: set[str]) -> list[str]:
    """Surfaces not yet taken by an earlier actor (by folded form), in order."""
    kept = []
    for surface in surfaces:
        key = fold(surface)
        if len(key) < 2 or key in taken or "|" in surface or "\t" in surface:
            continue
        taken.add(key)
        kept.append(surface)
    return kept


def hand_written_aliases() -> tuple[set[str], set[str]]:
    """Folded aliases and codes of data/actors/actors.tsv (hand-written rows win)."""
    aliases, codes = set(), set()
    for line in (ROOT / "data/actors/actors.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("code\t") or not line.strip():
            continue
        fields = line.split("\t")
        codes.add(fields[0])
        for alias in fields[5].split("|"):
            aliases.add(fold(alias.lstrip("~")))
    return aliases, codes


def reviewed_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a helper-written TSV whose second pass accepted them."""
    if not path.exists():
        return []
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if l and not l.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r for r in rows if (r.get("review") or "").split(":")[0].strip() in REVIEWED]


def plural(word: str) -> str:
    """English regular plural of a noun."""
    if word.endswith(("IES", "MEN")) or word.endswith("S") and not word.endswith("SS"):
        return word
    if word.endswith("MAN"):
        return word[:-3] + "MEN"
    if word.endswith(("S", "X", "CH", "SH")):
        return word + "ES"
    if word.endswith("Y") and word[-2:-1] not in set("AEIOU"):
        return word[:-1] + "IES"
    return word + "S"


def agent_forms(source: Path, every_role: bool = False) -> dict[str, list[str]]:
    """Generic row code → English agent forms (singular and plural), for the roles of
    the new generic rows, or for every role."""
    macros = {}
    forms = defaultdict(list)
    for line in (source / "Phoenix.agents.txt").read_text(encoding="latin-1").splitlines():
        line = line.split("#")[0].rstrip()
        if not line.strip():
            continue
        if re.match(r"^!\w+! *=", line):
            name, _, values = line.partition("=")
            macros[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
            continue
        match = re.match(r"^([^\[{]+?)\s*(\{[^}]*\})?\s*\[~([A-Z]+)\]", line)
        if not match:
            continue
        phrase, irregular, code = match.group(1).strip(), match.group(2), match.group(3)
        row = AGENT_ROWS.get(code[:3], code[:3] if every_role else None)
        if row not in NEW_GENERIC_ROWS and not every_role:
            continue
        variants = [phrase]
        for macro, values in macros.items():
            if macro in phrase:
                variants = [v.replace(macro, "_" + value) for v in variants for value in values]
        for variant in variants:
            variant = variant.replace("MINIST_", "MINISTER_") if variant.endswith("MINIST") else variant
            words = variant.replace("_", " ").split()
            # A title names one person ("president", "foreign minister"): the people
            # stage reads it with the name it precedes.
            if not words or words[-1].lower() in PREPOSITIONS or set(words) & TITLE_WORDS:
                continue
            forms[row].append(" ".join(words).lower())
            if irregular is None:
                forms[row].append(" ".join(words[:-1] + [plural(words[-1])]).lower())
            elif irregular.strip("{} "):
                forms[row].append(irregular.strip("{} ").replace("_", " ").lower())
    return forms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path,
                        default=ROOT.parent / "shared/data/events/open/petrarch2")
    parser.add_argument("--out", type=Path, default=ROOT / "data/actors/phoenix.tsv")
    parser.add_argument(
        "--agents", action="store_true",
        help="also add Phoenix's generic agents (measured to cost participants; see "
             "docs/EVALUATION.md, not in the shipped table)")
    args = parser.parse_args()
    for name in [*FILES.values(), "Phoenix.agents.txt"]:
        if not (args.source / name).exists():
            die(f"{args.source / name} not found (give --source, the PETRARCH2 dictionaries folder)")

    taken, hand_codes = hand_written_aliases()
    country_of = country_codes(args.source / FILES["Countries"])
    french = defaultdict(list)
    for row in reviewed_rows(ROOT / "data/actors/phoenix-fr.tsv"):
        french[(row["file"], row["key"])].append(row["french"])

    common_nouns = {
        form for forms in agent_forms(args.source, every_role=True).values() for form in forms
        if " " not in form
    }
    rows = []
    counts = defaultdict(int)
    for label, name in FILES.items():
        for record in entries(args.source / name):
            codes = [record["default"]] + [code for code, _, _ in record["dated"]]
            codes = [c for c in codes if c]
            if not codes or not record["phrases"]:
                continue
            if label == "International" and all(c.startswith("MNC") for c in codes):
                continue
            main_code = record["default"] or codes[-1]
            kind, sector, country = kind_and_sector(main_code, country_of)
            # An office holder: a CountryInfo name, or an entry whose state or
            # international office changes with the date.
            person = "CountryInfo" in record["note"] or bool(record["dated"]) and kind in {"STATE", "IGO"}
            # From the countries file only office holders and groups with a role (rebels,
            # parties …): a country's own entry (a bare country code) or a region's lists
            # places, which the gazetteer resolves.
            if label == "Countries" and (
                any(len(c) == 3 for c in codes)
                or not person
                and not has_role(main_code)
                and not main_code.startswith(("IMG", "IGO", "NGO"))
            ):
                continue
            surfaces = french.get((label, record["key"]), [])
            for phrase in record["phrases"]:
                surface = display(re.sub(r"^THE ", "", phrase), acronyms=not person)
                if not person or not set(surface.upper().split()) & TITLE_WORDS:
                    surfaces.append(surface)
            # A lone common noun ("Senate", "Parliament") names an institution of any
            # country, not the one of this entry.
            surfaces = [s for s in surfaces if " " in s or s.lower() not in common_nouns]
            aliases = alias_list(surfaces, taken)
            if not aliases:
                continue
            if person:
                kind = "PER"
            dated = "|".join(f"{code}:{start}..{end}" for code, start, end in record["dated"])
            rows.append([record["default"], display(record["phrases"][0], acronyms=not person),
                         kind, country, sector, "|".join(aliases), dated,
                         f"{label}:{record['line']}"])
            counts[label] += 1

    agents = agent_forms(args.source) if args.agents else {}
    for row in reviewed_rows(ROOT / "data/actors/agents-fr.tsv") if args.agents else []:
        generic = AGENT_ROWS.get(row["code"].lstrip("~")[:3])
        if generic in NEW_GENERIC_ROWS:
            agents[generic].append(row["french"])
    for generic in sorted(agents):
        aliases = alias_list(agents[generic], taken)
        if not aliases:
            continue
        name, kind, sector = NEW_GENERIC_ROWS[generic]
        rows.append([generic, name, kind, "", sector, "|".join(aliases), "", "agents"])
        counts["agents"] += len(aliases)

    header = [
        "# Actors from the PETRARCH2/Phoenix dictionaries, with French forms written by Vigie.",
        "# GENERATED by scripts/build-phoenix-actors.py — do not edit; edit the script or the",
        "# French files (agents-fr.tsv, phoenix-fr.tsv) and run it again.",
        "# Source: openeventdata/petrarch2 commit 676801cd9cb2924bbbad09f86d15c9323e7097bf,",
        "# petrarch2/data/dictionaries/Phoenix.{Countries,International,MilNonState}.actors.txt and",
        "# Phoenix.agents.txt. Copyright (c) 2014 Open Event Data Alliance; MIT licence, see",
        "# data/actors/PHOENIX-LICENSE. Non-state group names come from the START TOPS database.",
        "#",
        "# Columns: code, name, kind, country, sector and aliases as in actors.tsv (kind PER for",
        "# office holders; a row whose code actors.tsv already has adds aliases to that actor and",
        "# leaves name, kind and sector empty); roles: date-bounded codes",
        "# CODE:FROM..TO (ISO dates, either end open), chosen by the article's publication date;",
        "# the code column is used when no role's dates hold (empty: the actor then has no code);",
        "# source: the Phoenix file and line, or `agents`.",
        "code\tname\tkind\tcountry\tsector\taliases\troles\tsource",
    ]
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(header) + "\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"wrote {args.out}: {len(rows)} rows ({summary}); "
          f"{len(country_of)} country codes mapped to ISO alpha-2")


if __name__ == "__main__":
    main()
