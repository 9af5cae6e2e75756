"""Vigie: news reporting in French and English into verifiable event data.

Who did what to whom, where (GeoNames), when (resolved against the publication date),
according to whom, in what mode, and how far to trust it; every field points back to its
evidence span in the text (Unicode code points).

    >>> import vigie
    >>> doc = vigie.analyze("Les forces irakiennes ont bombardé Mossoul mardi.",
    ...                     published="2026-03-03")
    >>> doc["events"][0]["type"]
    'ASSAULT'

``analyze`` and ``analyze_many`` run the fast path (embedded dictionaries and tagger).
For the multilingual encoder and its trained heads, make an ``Analyzer(encoder=...,
models=...)``. ``read_events`` and ``events_frame`` read a store written by
``vigie ingest``.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Union

from ._vigie import ENCODER_DIR, EXPORT_COLUMNS, Analyzer, __version__, read_events

__all__ = [
    "Analyzer",
    "ENCODER_DIR",
    "EXPORT_COLUMNS",
    "__version__",
    "analyze",
    "analyze_many",
    "events_frame",
    "read_events",
]

_default: Optional[Analyzer] = None


def _analyzer() -> Analyzer:
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def analyze(
    text: str,
    *,
    published: Optional[str] = None,
    source: Optional[str] = None,
    url: Optional[str] = None,
    title: Optional[str] = None,
    id: Optional[str] = None,
) -> dict[str, Any]:
    """Analyse one article (plain text or HTML) into its ``vigie/1`` document.

    ``published`` (ISO 8601 date) anchors relative dates such as "mardi"; ``source``
    names the outlet, whose profile then appears among the signals. Raises
    ``ValueError`` when the text cannot be analysed (empty, binary).
    """
    return _analyzer().analyze(
        text, published=published, source=source, url=url, title=title, id=id
    )


def analyze_many(
    items: Iterable[Union[str, dict[str, Any]]], *, jobs: Optional[int] = None
) -> list[dict[str, Any]]:
    """Analyse many articles on every core (or ``jobs`` threads), keeping their order.

    Each item is a text, or a dict with the fields of a JSONL record (``text`` or
    ``html``, ``id``, ``title``, ``url``, ``published``, ``source``). An item that cannot
    be analysed gives ``{"id": "item N", "error": reason}``; the others go on.
    """
    return _analyzer().analyze_many(items, jobs=jobs)


def events_frame(db: str, *, limit: Optional[int] = None, **filters: Any) -> Any:
    """The events of a store as a pandas DataFrame with the columns of ``vigie export``.

    Filters as in ``read_events``. Needs pandas (``pip install pandas``).
    """
    try:
        import pandas
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("vigie.events_frame needs pandas: pip install pandas") from error
    rows = read_events(db, limit=limit, **filters)
    return pandas.DataFrame.from_records(rows, columns=EXPORT_COLUMNS)
