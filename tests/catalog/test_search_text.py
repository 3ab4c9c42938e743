"""The n-gram search of the supply catalogue, against the real database."""

from django.db import connection

from catalog.search import index_text, query_text


def matches(document: str, query: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('simple', %s) @@ to_tsquery('simple', %s)",
            [index_text(document), query_text(query)],
        )
        return cursor.fetchone()[0]


def test_chinese_words_are_found_inside_longer_words(db):
    assert matches("华为 Mate 60 智能手机", "手机")
    assert matches("华为 Mate 60 智能手机", "智能手机")
    assert matches("华为 Mate 60 智能手机", "机")
    assert not matches("华为 Mate 60 智能手机", "电脑")
    assert not matches("手提包", "手机")  # sharing a character is not enough


def test_english_whole_partial_and_prefix_words(db):
    assert matches("Huawei Smartphone 5G", "phone")
    assert matches("Huawei Smartphone 5G", "smart")
    assert matches("Huawei Smartphone 5G", "hu")
    assert matches("Huawei Smartphone 5G", "SMARTPHONE")
    assert not matches("Huawei Smartphone 5G", "laptop")


def test_every_term_must_match(db):
    assert matches("Lenovo 笔记本电脑 ThinkPad", "thinkpad 电脑")
    assert not matches("Lenovo 笔记本电脑 ThinkPad", "thinkpad 手机")


def test_punctuation_only_gives_no_query():
    assert query_text("  !!! ") is None
    assert (
        query_text("'; DROP TABLE x; --")
        == "(('drop' | ('dro' & 'rop'))) & (('table' | ('tab' & 'abl' & 'ble'))) & ('x':*)"
    )
