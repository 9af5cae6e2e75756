"""The Python package against the pipeline and a real store.

The store tests need the `vigie` command (``VIGIE_BIN``, which ``scripts/test-python``
sets) to ingest the repository's bundled examples.
"""

import json
import os
import pathlib
import subprocess

import pytest

import vigie

REPO = pathlib.Path(__file__).resolve().parents[3]
SENTENCE = "Les forces irakiennes ont bombardé Mossoul mardi."


def spanned(text, span):
    """The text at a code-point span (Python strings index code points too)."""
    return text[span[0] : span[1]]


def test_a_french_sentence_gives_an_assault_on_mosul_with_its_evidence():
    doc = vigie.analyze(SENTENCE, published="2026-03-05", source="Agence Exemple")
    assert doc["schema"] == "vigie/1"
    assert doc["language"] == "fr"
    event = doc["events"][0]
    assert event["type"] == "ASSAULT"
    assert spanned(doc["text"], event["trigger"]["span"]) == event["trigger"]["text"] == "bombardé"
    assert event["place"]["name"] == "Mosul"
    assert spanned(doc["text"], event["place"]["span"]) == "Mossoul"
    # "mardi" before Thursday 5 March 2026: Tuesday the 3rd.
    assert event["date"]["value"] == "2026-03-03"


def test_the_document_is_what_the_command_line_writes():
    command = os.environ.get("VIGIE_BIN")
    if not command:
        pytest.skip("VIGIE_BIN is not set")
    written = subprocess.run(
        [command, "analyze", "-", "--fast", "--published", "2026-03-05"],
        input=SENTENCE, capture_output=True, text=True, check=True,
    ).stdout
    from_cli = json.loads(written)
    from_python = vigie.analyze(SENTENCE, published="2026-03-05", id=from_cli["id"])
    for field in ["text", "language", "entities", "places", "events", "signals"]:
        assert from_python[field] == from_cli[field], field


def test_bad_input_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="text"):
        vigie.analyze("   ")
    with pytest.raises(ValueError, match="lang"):
        vigie.Analyzer(lang="de")
    with pytest.raises(ValueError, match="models"):
        vigie.Analyzer(encoder="data/encoder/multilingual-e5-small")


def test_many_articles_keep_their_order_and_a_bad_one_does_not_stop_the_rest():
    texts = [
        "Des manifestants ont été dispersés à Bamako par la police.",
        "Iraqi forces shelled Mosul on Tuesday.",
        "",
        {"id": "r1", "text": SENTENCE, "published": "2026-03-05", "source": "Agence Exemple"},
    ]
    docs = vigie.analyze_many(texts, jobs=2)
    assert len(docs) == 4
    assert docs[0]["language"] == "fr" and docs[1]["language"] == "en"
    assert docs[1]["events"][0]["type"] == "ASSAULT"
    assert docs[2]["id"] == "item 2" and "error" in docs[2]
    assert docs[3]["id"] == "r1"
    assert docs[3]["events"] == vigie.analyze(SENTENCE, published="2026-03-05")["events"]
    with pytest.raises(ValueError, match="item 0"):
        vigie.analyze_many([42])


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    command = os.environ.get("VIGIE_BIN")
    if not command:
        pytest.skip("VIGIE_BIN is not set")
    db = tmp_path_factory.mktemp("store") / "vigie.db"
    subprocess.run(
        [command, "ingest", str(REPO / "examples"), "--db", str(db), "--fast", "--quiet"],
        check=True,
    )
    return db


def test_events_of_a_store_have_the_export_columns_and_filter(store):
    events = vigie.read_events(str(store))
    assert events and all(list(e) == vigie.EXPORT_COLUMNS for e in events)
    assaults = vigie.read_events(str(store), type="ASSAULT", limit=5)
    assert 0 < len(assaults) <= 5
    assert all(e["plover_type"] == "ASSAULT" for e in assaults)
    in_mali = vigie.read_events(str(store), country="ML")
    assert in_mali and all(e["country"] == "ML" for e in in_mali)
    with pytest.raises(ValueError, match="unknown filter"):
        vigie.read_events(str(store), colour="red")
    with pytest.raises(ValueError, match="no such database"):
        vigie.read_events(str(store.parent / "missing.db"))


def test_events_frame_is_a_dataframe_with_the_export_columns(store):
    pandas = pytest.importorskip("pandas")
    frame = vigie.events_frame(str(store), type="ASSAULT")
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == vigie.EXPORT_COLUMNS
    assert len(frame) == len(vigie.read_events(str(store), type="ASSAULT"))
    assert set(frame["plover_type"]) == {"ASSAULT"}
