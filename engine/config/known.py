"""Records validated elsewhere than in validation's loop: by the parse worker that parsed their
file (config/parse_pool.py, :class:`~syncset.config.parse_pool.FileCheck`), or by an earlier
run, which a warm plan takes from the parse cache instead of rendering and validating its
unchanged files again (config/parse_cache.py says what is stored and when it is trusted;
config/validate.py asks here first, document by document)."""

from __future__ import annotations

from syncset.config.load import Document
from syncset.config.parse_cache import ParseCache, Validated, context_of
from syncset.model import Origin, Record
from syncset.schemas import CATALOG


class KnownRecords:
    """Records validated where their file was parsed (``checked``, this run's), or by an
    earlier run, from the parse cache: a file whose documents came from the cache and were
    stored under the same environment.yaml, mappings.yaml and code is not rendered and
    validated again (config/parse_cache.py says what is never stored). Without a cache,
    only the first; with one, what was checked this run is stored in it too."""

    def __init__(
        self,
        cache: ParseCache | None,
        config: Document | None,
        mappings: Document | None,
        checked: dict[str, Validated] | None = None,
    ):
        self._cache = cache
        self._checked = checked or {}
        self._context = (
            context_of(config.data if config else None, mappings.data if mappings else None)
            if cache is not None
            else b""
        )
        self._stored: dict[str, dict[int, Record]] = {}
        self._fresh: dict[str, Validated | None] = {}

    def record(self, doc: Document) -> Record | None:
        """``doc``'s record as validated where it was parsed or as stored, if it was."""
        stored = self._stored.get(doc.path)
        if stored is None:
            validated = self._checked.get(doc.path)
            if self._cache is not None:
                if validated is not None:  # a clean file: stored as if validated here
                    self._fresh[doc.path] = list(validated)
                else:
                    validated = self._cache.validated(doc.path, self._context)
            validated = validated or []
            stored = self._stored[doc.path] = {
                index: Record(kind, record_id, fields, Origin(doc.path, index))
                for index, kind, record_id, fields in validated
            }
        record = stored.get(doc.index)
        data = doc.data
        if record is None or not isinstance(data, dict):
            return None
        if (data.get("kind"), str(data.get("id"))) != record.key or record.kind not in CATALOG:
            return None  # not what this document declares: validated again
        return record

    def validated(self, doc: Document, record: Record | None, clean: bool) -> None:
        """``doc`` was validated now: its file is stored only if every document of it was
        ``clean`` (no problem, no secret). Nothing is kept without a cache to store it in."""
        if self._cache is None or (doc.path in self._fresh and self._fresh[doc.path] is None):
            return
        if record is None or not clean or record.secrets:
            self._fresh[doc.path] = None
            return
        fresh = self._fresh.setdefault(doc.path, [])
        assert fresh is not None
        fresh.append((doc.index, record.kind, record.id, record.fields))

    def store(self) -> None:
        if self._cache is None:  # (nothing was kept)
            return
        for shown, validated in self._fresh.items():
            if validated is not None:
                self._cache.store_validated(shown, self._context, validated)
