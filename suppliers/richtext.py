"""A small allow-list sanitiser for product descriptions (rich text without a JS editor).

Suppliers paste descriptions from documents and web pages. We keep structure (paragraphs,
headings, lists, tables, emphasis, links) and drop everything else: every attribute but a
safe ``href``, scripts and styles with their content, and event handlers. Plain text
(no tags at all) becomes paragraphs. The result is stored and rendered as is.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
VOID_TAGS = {"br"}
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _Sanitiser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROP_WITH_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            if href.strip().lower().startswith(SAFE_SCHEMES):
                self.out.append(f'<a href="{escape(href.strip(), quote=True)}" rel="nofollow">')
            else:
                self.out.append("<a>")
        else:
            self.out.append(f"<{tag}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag in VOID_TAGS and not self.dropping:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:  # close everything opened inside it, keeping the markup balanced
            inner = self.open.pop()
            self.out.append(f"</{inner}>")
            if inner == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out).strip()


def _paragraphs(text: str) -> str:
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        "<p>" + "<br>".join(escape(line, quote=False) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block
    )


def rich_text_clean(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "<" not in value:
        return _paragraphs(value)
    parser = _Sanitiser()
    parser.feed(value)
    parser.close()
    return parser.result()
