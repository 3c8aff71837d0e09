"""An in-memory search engine for argilla-server, registered as ``memory`` through ``SearchEngine.register``.

Why it exists: argilla-server keeps records in its SQL database but answers searches, filters, progress and
metadata metrics from Elasticsearch or OpenSearch, and neither can be installed on the machines that run these
tests. This engine keeps one document per record (the same document the Elasticsearch engine indexes: fields,
status, metadata, responses, suggestions, vectors) in process memory and evaluates the server's own filter,
sort and query objects over them. Runs in the server's process only (``.venv-argilla``); the server creates an
engine per request, so the documents live on the class.

Semantics follow argilla_server/search_engine/commons.py: terms and range filters on record, metadata,
suggestion and response scopes (a response filter matches when one response satisfies it, for the scoped user
when there is one; ``pending`` means no response), sorts with missing values last, a per-user seeded shuffle
when a user id is given, AND-of-words text search, and cosine similarity search for vectors.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from argilla_server.enums import MetadataPropertyType, ResponseStatusFilter, SimilarityOrder, SortOrder
from argilla_server.models import Dataset, MetadataProperty, Record, Response, Suggestion, User, VectorSettings
from argilla_server.search_engine.base import (
    AndFilter,
    Filter,
    FloatMetadataMetrics,
    IntegerMetadataMetrics,
    MetadataFilterScope,
    MetadataMetrics,
    Order,
    RangeFilter,
    RecordFilterScope,
    ResponseFilterScope,
    SearchEngine,
    SearchResponseItem,
    SearchResponses,
    SuggestionFilterScope,
    TermsFilter,
    TermsMetrics,
    TextQuery,
)

ENGINE_NAME = "memory"
_WORD = re.compile(r"\w+\*?", flags=re.UNICODE)

Document = dict[str, Any]


def _comparable(value: Any, like: Any = None) -> Any:
    """Dates as timestamps and UUIDs as text; an ISO string compared with a stored date is read as a date."""
    if isinstance(value, str) and isinstance(like, datetime):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, UUID):
        return str(value)
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _terms_match(value: Any, values: list[str]) -> bool:
    wanted = {str(item) for item in values}
    return any(str(item) in wanted for item in _as_list(value))


def _range_match(value: Any, ge: Any, le: Any) -> bool:
    for stored in _as_list(value):
        item = _comparable(stored)
        try:
            if (ge is None or item >= _comparable(ge, stored)) and (le is None or item <= _comparable(le, stored)):
                return True
        except TypeError:
            continue  # a text value against a numeric bound: no match, as a typed index would say
    return False


def _field_text(value: Any) -> str:
    """The searchable text of a field value: text as is, a chat as its contents, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_field_text(item.get("content") if isinstance(item, dict) else item) for item in value)
    return str(value)


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


class MemorySearchEngine(SearchEngine):
    """Every index is a dict of documents keyed by record id, in insertion order (Elasticsearch's _doc order)."""

    indexes: ClassVar[dict[UUID, dict[UUID, Document]]] = {}
    record_dataset: ClassVar[dict[UUID, UUID]] = {}

    @classmethod
    async def new_instance(cls) -> MemorySearchEngine:
        return cls()

    async def close(self) -> None:
        pass

    async def ping(self) -> bool:
        return True

    async def info(self) -> dict[str, Any]:
        return {"distribution": ENGINE_NAME, "version": "in-memory test stand-in", "datasets": len(self.indexes)}

    # -- indexing ------------------------------------------------------------------------------------------------
    async def create_index(self, dataset: Dataset) -> None:
        self.indexes.setdefault(dataset.id, {})

    async def delete_index(self, dataset: Dataset) -> None:
        for record_id in self.indexes.pop(dataset.id, {}):
            self.record_dataset.pop(record_id, None)

    async def configure_metadata_property(self, dataset: Dataset, metadata_property: MetadataProperty) -> None:
        pass  # documents are schemaless here; metadata not declared by the dataset is dropped when indexing

    async def configure_index_vectors(self, vector_settings: VectorSettings) -> None:
        pass

    async def index_records(self, dataset: Dataset, records: Iterable[Record]) -> None:
        index = self._index(dataset.id)
        declared = {prop.name for prop in dataset.metadata_properties}
        image_fields = {field.name for field in dataset.fields if field.is_image}
        for record in records:
            document: Document = {
                "id": record.id,
                "external_id": record.external_id,
                "fields": {name: value for name, value in (record.fields or {}).items() if name not in image_fields},
                "status": str(record.status),
                "inserted_at": record.inserted_at,
                "updated_at": record.updated_at,
                "metadata": {
                    name: value
                    for name, value in (record.metadata_ or {}).items()
                    if name in declared and value is not None
                },
                "responses": [self._response_document(response) for response in record.responses],
                "suggestions": {
                    suggestion.question.name: self._suggestion_document(suggestion) for suggestion in record.suggestions
                },
                "vectors": {vector.vector_settings_id: list(vector.value) for vector in record.vectors},
            }
            index[record.id] = document
            self.record_dataset[record.id] = dataset.id

    async def partial_record_update(self, record: Record, **update: Any) -> None:
        document = self._document(record.id)
        document.update({key: str(value) if key == "status" else value for key, value in update.items()})

    async def delete_records(self, dataset: Dataset, records: Iterable[Record]) -> None:
        index = self._index(dataset.id)
        for record in records:
            index.pop(record.id, None)
            self.record_dataset.pop(record.id, None)

    async def update_record_response(self, response: Response) -> None:
        document = self._document(response.record_id)
        kept = [item for item in document["responses"] if item["id"] != response.id]
        document["responses"] = [*kept, self._response_document(response)]

    async def delete_record_response(self, response: Response) -> None:
        document = self._document(response.record_id)
        document["responses"] = [item for item in document["responses"] if item["id"] != response.id]

    async def update_record_suggestion(self, suggestion: Suggestion) -> None:
        document = self._document(suggestion.record_id)
        document["suggestions"][suggestion.question.name] = self._suggestion_document(suggestion)

    async def delete_record_suggestion(self, suggestion: Suggestion) -> None:
        self._document(suggestion.record_id)["suggestions"].pop(suggestion.question.name, None)

    # -- progress and metrics ------------------------------------------------------------------------------------
    async def get_dataset_progress(self, dataset: Dataset) -> dict[str, int]:
        if dataset.is_draft:
            return {}
        documents = self._index(dataset.id).values()
        counts = Counter(document["status"] for document in documents)
        return {"total": sum(counts.values()), **counts}

    async def get_dataset_user_progress(self, dataset: Dataset, user: User) -> dict[str, int]:
        if dataset.is_draft:
            return {}
        counts = Counter(
            str(response["status"])
            for document in self._index(dataset.id).values()
            for response in document["responses"]
            if response["user_id"] == user.id
        )
        return {"total": sum(counts.values()), **counts}

    async def compute_metrics_for(self, metadata_property: MetadataProperty) -> MetadataMetrics:
        name = metadata_property.name
        values = [
            value
            for document in self._index(metadata_property.dataset_id).values()
            for value in _as_list(document["metadata"].get(name))
        ]
        if metadata_property.type == MetadataPropertyType.terms:
            counts = Counter(str(value) for value in values)
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # a terms aggregation's order
            return TermsMetrics(
                total=len(values), values=[TermsMetrics.TermCount(term=term, count=count) for term, count in ordered]
            )
        metrics = (
            IntegerMetadataMetrics if metadata_property.type == MetadataPropertyType.integer else FloatMetadataMetrics
        )
        return metrics(min=min(values, default=None), max=max(values, default=None))

    # -- search --------------------------------------------------------------------------------------------------
    async def search(
        self,
        dataset: Dataset,
        query: TextQuery | str | None = None,
        filter: Filter | None = None,
        sort: list[Order] | None = None,
        offset: int = 0,
        limit: int = 100,
        user_id: UUID | str | None = None,
    ) -> SearchResponses:
        hits: list[tuple[float, Document]] = []
        for document in self._index(dataset.id).values():
            score = self._text_score(document, query)
            if score is None or (filter is not None and not self._matches(document, filter)):
                continue
            if user_id is not None:
                # Elasticsearch's random_score seeded by the user: a different, stable order for every annotator.
                digest = hashlib.sha256(f"{user_id}\x00{document['id']}".encode()).digest()
                score *= int.from_bytes(digest[:8], "big") / 2**64
            hits.append((score, document))
        if sort:
            for order in reversed(sort):  # stable sorts, last key first
                hits = self._sorted(hits, order)
        else:
            hits.sort(key=lambda hit: -hit[0])
        items = [SearchResponseItem(record_id=document["id"], score=score) for score, document in hits]
        return SearchResponses(items=items[offset : offset + limit], total=len(items))

    async def similarity_search(
        self,
        dataset: Dataset,
        vector_settings: VectorSettings,
        value: list[float] | None = None,
        record: Record | None = None,
        query: TextQuery | str | None = None,
        filter: Filter | None = None,
        max_results: int = 100,
        order: SimilarityOrder = SimilarityOrder.most_similar,
        threshold: float | None = None,
    ) -> SearchResponses:
        if bool(value) == bool(record):
            raise ValueError("Must provide either vector value or record to compute the similarity search")
        target = value or (record.vector_value_by_vector_settings(vector_settings) if record else None)
        if not target:
            raise ValueError("Cannot find a vector value to apply with provided info")
        hits: list[tuple[float, Document]] = []
        for document in self._index(dataset.id).values():
            vector = document["vectors"].get(vector_settings.id)
            if vector is None or (record is not None and document["id"] == record.id):
                continue
            if self._text_score(document, query) is None or (
                filter is not None and not self._matches(document, filter)
            ):
                continue
            score = (1.0 + self._cosine(target, vector)) / 2.0  # Elasticsearch's cosine similarity score
            if order == SimilarityOrder.least_similar:
                score = 1.0 - score
            if threshold is None or score >= threshold:
                hits.append((score, document))
        hits.sort(key=lambda hit: -hit[0])
        items = [SearchResponseItem(record_id=document["id"], score=score) for score, document in hits[:max_results]]
        return SearchResponses(items=items, total=len(items))

    # -- plumbing ------------------------------------------------------------------------------------------------
    def _index(self, dataset_id: UUID) -> dict[UUID, Document]:
        if dataset_id not in self.indexes:
            raise KeyError(f"no index for dataset {dataset_id}: it was never published")
        return self.indexes[dataset_id]

    def _document(self, record_id: UUID) -> Document:
        dataset_id = self.record_dataset.get(record_id)
        if dataset_id is None:
            raise KeyError(f"record {record_id} is not indexed")
        return self.indexes[dataset_id][record_id]

    @staticmethod
    def _response_document(response: Response) -> Document:
        values = response.values or {}
        return {
            "id": response.id,
            "status": str(response.status),
            "user_id": response.user_id,
            "values": {question: (value or {}).get("value") for question, value in values.items()},
        }

    @staticmethod
    def _suggestion_document(suggestion: Suggestion) -> Document:
        kind = suggestion.type
        return {
            "type": str(kind) if kind else None,
            "agent": suggestion.agent,
            "score": suggestion.score,
            "value": suggestion.value,
        }

    @staticmethod
    def _text_score(document: Document, query: TextQuery | str | None) -> float | None:
        """1.0 without a query; with one, None when a word is missing, else how often the words occur."""
        if query is None:
            return 1.0
        text_query = TextQuery(q=query) if isinstance(query, str) else query
        fields = document["fields"]
        names = [text_query.field] if text_query.field else list(fields)
        words = _words(" ".join(_field_text(fields.get(name)) for name in names))
        score = 0.0
        for term in _words(text_query.q):
            prefix = term.endswith("*")
            hits = sum(word.startswith(term[:-1]) for word in words) if prefix else words.count(term)
            if hits == 0:
                return None
            score += hits
        return score

    def _matches(self, document: Document, filter: Filter) -> bool:
        if isinstance(filter, AndFilter):
            return all(self._matches(document, part) for part in filter.filters)
        scope = filter.scope
        if isinstance(scope, ResponseFilterScope):
            return self._response_matches(document, filter, scope)
        value = self._scoped_value(document, scope)
        if isinstance(filter, TermsFilter):
            return _terms_match(value, filter.values)
        if isinstance(filter, RangeFilter):
            return _range_match(value, filter.ge, filter.le)
        raise ValueError(f"Cannot process request for filter {filter}")

    @staticmethod
    def _scoped_value(document: Document, scope: Any) -> Any:
        if isinstance(scope, RecordFilterScope):
            return document.get(scope.property)
        if isinstance(scope, MetadataFilterScope):
            return document["metadata"].get(scope.metadata_property)
        if isinstance(scope, SuggestionFilterScope):
            return (document["suggestions"].get(scope.question) or {}).get(scope.property or "value")
        raise ValueError(f"Cannot process request for search scope {scope}")

    @staticmethod
    def _response_matches(document: Document, filter: Filter, scope: ResponseFilterScope) -> bool:
        responses = [
            response for response in document["responses"] if scope.user is None or response["user_id"] == scope.user.id
        ]
        if scope.question:
            answers = [response["values"].get(scope.question) for response in responses]
            if isinstance(filter, TermsFilter):
                return any(_terms_match(answer, filter.values) for answer in answers)
            if isinstance(filter, RangeFilter):
                return any(_range_match(answer, filter.ge, filter.le) for answer in answers)
            raise ValueError(f"Cannot process filter {filter}")
        if scope.property != "status" or not isinstance(filter, TermsFilter):
            raise ValueError(f"Cannot process filter scope {scope}")
        statuses = {str(value) for value in filter.values}
        if ResponseStatusFilter.pending in statuses and not responses:
            return True
        statuses.discard(str(ResponseStatusFilter.pending))
        return any(response["status"] in statuses for response in responses)

    def _sorted(self, hits: list[tuple[float, Document]], order: Order) -> list[tuple[float, Document]]:
        def key_of(document: Document) -> Any:
            scope = order.scope
            if isinstance(scope, ResponseFilterScope):
                answers = [
                    response["values"].get(scope.question) if scope.question else response.get(scope.property or "")
                    for response in document["responses"]
                    if scope.user is None or response["user_id"] == scope.user.id
                ]
                numbers = [answer for answer in answers if isinstance(answer, int | float)]
                if numbers:
                    return sum(numbers) / len(numbers)  # a nested sort in "avg" mode
                return min((str(answer) for answer in answers if answer is not None), default=None)
            return _comparable(self._scoped_value(document, scope))

        present = [hit for hit in hits if key_of(hit[1]) is not None]
        missing = [hit for hit in hits if key_of(hit[1]) is None]  # missing values go last, either way
        present.sort(key=lambda hit: key_of(hit[1]), reverse=order.order == SortOrder.desc)
        return present + missing

    @staticmethod
    def _cosine(a: list[float], b: list[float]) -> float:
        norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
        return sum(x * y for x, y in zip(a, b, strict=False)) / norm if norm else 0.0


SearchEngine.register(ENGINE_NAME)(MemorySearchEngine)
