"""Type stubs of the extension module ``vigie._vigie``."""

from os import PathLike
from typing import Any, Iterable, Optional, Union

__version__: str
EXPORT_COLUMNS: list[str]
ENCODER_DIR: str

class Analyzer:
    """Analyses articles into ``vigie/1`` documents: the fast path, or the multilingual
    encoder (its folder, built by ``scripts/build-encoder``) with the heads in ``models``."""

    def __init__(
        self,
        *,
        encoder: Optional[Union[str, PathLike[str]]] = None,
        models: Optional[Union[str, PathLike[str]]] = None,
        lang: Optional[str] = None,
    ) -> None: ...
    @property
    def uses_encoder(self) -> bool: ...
    def analyze(
        self,
        text: str,
        *,
        published: Optional[str] = None,
        source: Optional[str] = None,
        url: Optional[str] = None,
        title: Optional[str] = None,
        id: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def analyze_many(
        self, items: Iterable[Union[str, dict[str, Any]]], *, jobs: Optional[int] = None
    ) -> list[dict[str, Any]]: ...

def read_events(db: str, *, limit: Optional[int] = None, **filters: Any) -> list[dict[str, Any]]:
    """The events of a store, one dict per event with the columns of ``vigie export``."""
