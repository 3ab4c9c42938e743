"""Search of the supply catalogue in Chinese and English, on any PostgreSQL.

PostgreSQL's full-text search splits words on spaces, which Chinese does not have, and the
trigram extension (pg_trgm) is not available everywhere (the embedded server has no contrib
modules). So the platform indexes *n-grams* it makes itself, with the ``simple`` configuration:

- Chinese (and other CJK) text: every character and every pair of adjacent characters, so
  '手机' finds '智能手机' and '机' alone still finds it.
- Latin words and numbers: the word itself and its trigrams, so 'phone' finds 'Smartphone'
  (pho, hon, one all occur) and partial words work; words of up to three letters match as
  prefixes ('ph' finds 'phone').

Each query term must match (AND); ranking uses ``ts_rank`` over weighted parts (name A,
brand/category/code B, parameters and variants C). See docs/decisions for the reasoning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RE = re.compile(rf"^[{_CJK}]+$")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(_normalise(text))


def _cjk_grams(run: str) -> list[str]:
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def _latin_grams(word: str) -> list[str]:
    if len(word) <= 3:
        return [word]
    return [word] + [word[i : i + 3] for i in range(len(word) - 2)]


def index_text(*parts: str) -> str:
    """The lexemes of ``parts`` for ``to_tsvector('simple', …)``, space separated."""
    lexemes: list[str] = []
    for part in parts:
        for token in tokens(part):
            lexemes.extend(_cjk_grams(token) if _CJK_RE.match(token) else _latin_grams(token))
    return " ".join(lexemes)


def _quote(lexeme: str) -> str:
    # Lexemes hold only [a-z0-9] and CJK characters, so quoting cannot be broken out of.
    return f"'{lexeme}'"


def query_text(query: str) -> str | None:
    """A ``to_tsquery('simple', …)`` expression for what a person typed; None for nothing usable."""
    clauses: list[str] = []
    for token in tokens(query)[:12]:
        if _CJK_RE.match(token):
            grams = (
                [token] if len(token) == 1 else [token[i : i + 2] for i in range(len(token) - 1)]
            )
            clauses.append(" & ".join(_quote(g) for g in grams))
        elif len(token) <= 3:
            clauses.append(f"{_quote(token)}:*")
        else:
            grams = [token[i : i + 3] for i in range(len(token) - 2)]
            clauses.append(f"({_quote(token)} | ({' & '.join(_quote(g) for g in grams)}))")
    return " & ".join(f"({c})" for c in clauses) or None


def offer_documents(offer_ids: Iterable[int]) -> list[tuple[int, str, str, str]]:
    """(offer id, A text, B text, C text) for the given offers, read set-wise."""
    from catalog.models import SupplyOffer, SupplyOfferSku

    ids = list(offer_ids)
    if not ids:
        return []
    offers = SupplyOffer.objects.filter(pk__in=ids).select_related(
        "category__parent__parent", "supplier"
    )
    variants: dict[int, list[str]] = {}
    for offer_id, code, variant in SupplyOfferSku.objects.filter(offer_id__in=ids).values_list(
        "offer_id", "code", "variant"
    ):
        variants.setdefault(offer_id, []).extend([code, *map(str, (variant or {}).values())])
    documents = []
    for offer in offers:
        category_names = []
        node = offer.category
        while node is not None:
            category_names += [node.name_zh, node.name_en]
            node = node.parent
        parameters = [str(p.get("value", "")) for p in offer.parameters or []]
        documents.append(
            (
                offer.pk,
                index_text(offer.name),
                index_text(offer.brand, offer.code, offer.supplier.name, *category_names),
                index_text(*parameters, *variants.get(offer.pk, [])),
            )
        )
    return documents


def offer_search_refresh(offer_ids: Iterable[int]) -> int:
    """Recompute the search documents of these offers; returns how many were written."""
    documents = offer_documents(offer_ids)
    if not documents:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(
            """
            UPDATE public.catalog_supplyoffer SET search_document =
                setweight(to_tsvector('simple', %s), 'A')
                || setweight(to_tsvector('simple', %s), 'B')
                || setweight(to_tsvector('simple', %s), 'C')
            WHERE id = %s
            """,
            [(a, b, c, offer_id) for offer_id, a, b, c in documents],
        )
    return len(documents)
