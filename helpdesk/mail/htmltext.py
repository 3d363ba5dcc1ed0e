"""HTML mail: sanitised HTML for the console, and readable text for tickets and search.

Sanitising uses nh3 with a small allow-list: no scripts, no event handlers, no styles (CSS can
overlay the console), no ``javascript:``/``data:`` URLs, and images only from ``cid:`` (inline
attachments), because a remote image is a tracking pixel that tells the sender who read the
ticket and when. Links get ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
_DROPPED_WITH_CONTENT = {"script", "style", "title", "noscript", "template", "xml", "iframe"}


def _only_inline_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes=_ALLOWED_ATTRIBUTES,
    attribute_filter=_only_inline_images,
    url_schemes={"http", "https", "mailto", "cid"},
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)


# Deeper nesting than this is no one's mail; tags below it are dropped (their text is kept).
MAX_HTML_DEPTH = 100
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
_BARE_AMPERSAND = re.compile(
    r"&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,8});)"
)
_BARE_AMPERSAND_BUDGET = 1_000
_VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip


def flatten_deep_nesting(html: str, *, max_depth: int = MAX_HTML_DEPTH) -> str:
    """Drop the tags nested deeper than ``max_depth``, keeping all text, in linear scans.

    Regression: a 770 KB mail of nested ``<div>``s kept a worker busy for 90 s, because nh3
    (html5ever) spends time on each element proportional to the depth of the open-element
    stack, and the soft time limit cannot interrupt it. Mail as people write it stays far
    below ``max_depth`` and passes through unchanged.
    """
    # html5ever's cost also grows with the square of the "&" that start no character
    # reference (700 KB of them took 15 s); past a budget, they are written as "&amp;".
    if html.count("&") > _BARE_AMPERSAND_BUDGET:
        html = _BARE_AMPERSAND.sub("&amp;", html)
    depth = 0
    deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID_TAGS:
            depth += 1
            deepest = max(deepest, depth)
    if deepest <= max_depth:
        return html
    depth = 0
    pieces: list[str] = []
    position = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        pieces.append(html[position : match.start()])
        position = match.end()
        if closing:
            if depth <= max_depth:
                pieces.append(match.group(0))
            depth = max(depth - 1, 0)
        elif self_closing or name.lower() in _VOID_TAGS:
            if depth < max_depth:
                pieces.append(match.group(0))
        else:
            depth += 1
            if depth <= max_depth:
                pieces.append(match.group(0))
    pieces.append(html[position:])
    return "".join(pieces)


# Work limits per mail. html5ever's cost grows faster than the input on some shapes (runs of
# "&", of "<"), so each step sees a bounded prefix: no person writes a longer HTML body, and
# the raw mail keeps the whole of it.
MAX_SANITISED_HTML_CHARS = 300_000
MAX_TEXT_HTML_CHARS = 1_000_000


def sanitise_html(html: str) -> str:
    """HTML safe to show inside the console (the first MAX_SANITISED_HTML_CHARS of it)."""
    return _CLEANER.clean(flatten_deep_nesting(html[:MAX_SANITISED_HTML_CHARS])).strip()


_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
}  # fmt: skip
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre"}
_SKIPPED_TAGS = {"script", "style", "title", "noscript", "template", "xml"}
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")  # not U+3000: Japanese indents with it
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []
        self.preformatted = 0
        self.quote_depth = 0
        self.lists: list[list[int]] = []  # [ordered, next number]
        self.links: list[tuple[str, int]] = []
        self.pending_breaks = 0
        self.at_line_start = True

    def line_break(self, count: int = 1) -> None:
        # Nested blocks (</li></ul></div>) ask for a break each; they mean one break.
        self.pending_breaks = max(self.pending_breaks, count)

    def flush_breaks(self) -> None:
        if self.pending_breaks and self.out:
            self.out.append(("\n" + "> " * self.quote_depth) * self.pending_breaks)
            self.at_line_start = True
        self.pending_breaks = 0

    def write(self, text: str) -> None:
        self.flush_breaks()
        if self.at_line_start and not self.preformatted:
            text = text.lstrip(" ")
        if text:
            self.out.append(text)
            self.at_line_start = text.endswith("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in _SKIPPED_TAGS:
            if tag in _SKIPPED_TAGS:
                self.skipping.append(tag)
            return
        attributes = {name: value or "" for name, value in attrs}
        if tag == "br":
            self.pending_breaks += 1  # unlike blocks, each <br> is a line of its own
            if not self.out:
                self.out.append("")
        elif tag == "hr":
            self.line_break()
            self.write("---")
            self.line_break()
        elif tag == "blockquote":
            self.line_break(2)
            self.flush_breaks()
            self.quote_depth += 1
            self.out.append("> ")
            self.at_line_start = True
        elif tag in ("ul", "ol"):
            start = attributes.get("start", "").strip()
            self.lists.append([tag == "ol", int(start) if start.isdigit() else 1])
            self.line_break()
        elif tag == "li":
            self.line_break()
            indent = "  " * max(len(self.lists) - 1, 0)
            if self.lists and self.lists[-1][0]:
                self.write(f"{indent}{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self.write(f"{indent}・ ")
        elif tag in _BLOCK_TAGS:
            self.line_break(2 if tag in _PARAGRAPH_TAGS else 1)
            self.preformatted += tag == "pre"
        elif tag == "a":
            self.links.append((attributes.get("href", "").strip(), len(self.out)))
        elif tag == "img" and attributes.get("alt", "").strip():
            self.write(f"[{attributes['alt'].strip()}]")
        elif tag in ("td", "th") and not self.at_line_start and not self.pending_breaks:
            self.write("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag == "blockquote":
            self.quote_depth = max(self.quote_depth - 1, 0)
            self.line_break(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.line_break()
        elif tag in _BLOCK_TAGS:
            self.line_break(2 if tag in _PARAGRAPH_TAGS else 1)
            if tag == "pre":
                self.preformatted = max(self.preformatted - 1, 0)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            target = href.removeprefix("mailto:")
            if href.lower().startswith(("http:", "https:", "mailto:")) and target not in label:
                self.write(f" ({target})" if label else target)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.preformatted:
            self.write(data.replace("\r\n", "\n").replace("\n", "\n" + "> " * self.quote_depth))
        else:
            self.write(_HTML_WHITESPACE.sub(" ", data))

    def text(self) -> str:
        lines = "".join(self.out).split("\n")
        text = "\n".join(line.rstrip(" \t\u00a0").replace("\u00a0", " ") for line in lines)
        return _BLANK_LINES.sub("\n\n", text).strip("\n")


# "<" that opens no complete tag: the stdlib HTMLParser may rescan the input for each.
_UNCLOSED_TAG_BUDGET = 100
# Used only to make malformed input well-formed before HTMLParser reads it: every tag the
# text writer reacts to is kept, with the one attribute it reads.
_TEXT_NORMALISER = nh3.Cleaner(
    tags=_BLOCK_TAGS | {"a", "br", "hr", "li", "ol", "ul", "blockquote", "pre"},
    clean_content_tags=_SKIPPED_TAGS,
    attributes={"a": {"href"}, "ol": {"start"}},
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
)


def _readable_markup(html: str) -> str:
    """``html`` bounded for HTMLParser: depth flattened, and rewritten by html5ever when it
    holds many tags that never close (``"<div " * 150000`` took HTMLParser minutes)."""
    html = flatten_deep_nesting(html[:MAX_TEXT_HTML_CHARS])
    if html.count("<") - len(_TAG.findall(html)) > _UNCLOSED_TAG_BUDGET:
        return _TEXT_NORMALISER.clean(html)
    return html


def html_to_text(html: str) -> str:
    """Readable plain text: blocks and ``<br>`` become line breaks, list items start with
    "・ ", quotes with "> ", links keep their address, scripts and styles disappear."""
    writer = _TextWriter()
    writer.feed(_readable_markup(html))
    writer.close()
    return writer.text()
