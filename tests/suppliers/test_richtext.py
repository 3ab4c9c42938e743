from suppliers.richtext import rich_text_clean


def test_structure_is_kept_and_scripts_and_handlers_are_dropped():
    dirty = (
        '<h3 style="color:red">卖点</h3><p onclick="steal()">续航 <b>两天</b></p>'
        "<script>alert(1)</script><style>p{}</style>"
        '<a href="javascript:alert(1)">坏链接</a> <a href="https://example.com/x?a=1&b=2">官网</a>'
        '<img src=x onerror="alert(1)"><ul><li>一<li>二</ul>'
    )
    clean = rich_text_clean(dirty)
    assert "<h3>卖点</h3>" in clean
    assert "<p>续航 <b>两天</b></p>" in clean
    assert "script" not in clean and "alert" not in clean and "onclick" not in clean
    assert "<img" not in clean and "style" not in clean
    assert "<a>坏链接</a>" in clean
    assert '<a href="https://example.com/x?a=1&amp;b=2" rel="nofollow">官网</a>' in clean
    assert clean.count("<ul>") == clean.count("</ul>") == 1


def test_plain_text_becomes_paragraphs_and_is_escaped():
    assert (
        rich_text_clean("第一段\n换行\n\n第二段 a&b")
        == "<p>第一段<br>换行</p><p>第二段 a&amp;b</p>"
    )
    assert rich_text_clean("") == ""


def test_cleaning_twice_changes_nothing():
    once = rich_text_clean('<p>a <a href="http://x.cn">x</a></p><table><tr><td>1</td></tr></table>')
    assert rich_text_clean(once) == once
