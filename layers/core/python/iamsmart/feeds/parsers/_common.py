"""Shared parsing helpers: strict JSON, XML decoded with its declared encoding, HTML to text.

Every failure becomes ``MalformedFeed`` with a message that names the problem but never quotes
the document (feeds are public, but error messages travel to logs and the workflow history).
"""

from __future__ import annotations

import codecs
import html
import json
import re
from html.parser import HTMLParser
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
from pydantic import ValidationError

from iamsmart import errors

_XML_DECL = re.compile(rb"""^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
# Hong Kong Big5 documents routinely use HKSCS characters: decode with the superset.
_CODEC_ALIASES = {"big5": "big5hkscs", "big-5": "big5hkscs", "cp950": "big5hkscs"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def malformed(what: str, problem: str) -> errors.MalformedFeed:
    return errors.MalformedFeed(en=f"The {what} document is malformed: {problem}.",
                                tc=f"{what} 文件格式不正確：{problem}。", problem=problem)


def from_validation(what: str, exc: ValidationError) -> errors.MalformedFeed:
    places = sorted({".".join(str(p) for p in e["loc"]) or "document"
                     for e in exc.errors(include_url=False, include_input=False)})
    shown = ", ".join(places[:5]) + (" ..." if len(places) > 5 else "")
    return malformed(what, f"unexpected shape at {shown}")


def load_json(raw: bytes, what: str) -> Any:
    """UTF-8/16/32 JSON (with or without BOM); NaN/Infinity and bad bytes rejected."""
    if not raw.strip():
        raise malformed(what, "empty document")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise malformed(what, "not valid UTF-8") from None
    except (json.JSONDecodeError, ValueError, RecursionError):
        raise malformed(what, "not valid JSON") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def declared_encoding(raw: bytes) -> str:
    """The encoding the document declares (BOM first, then the XML declaration; UTF-8 default)."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec
    match = _XML_DECL.match(raw[:200])
    name = match.group(1).decode("ascii").lower() if match else "utf-8"
    return _CODEC_ALIASES.get(name, name)


def load_xml(raw: bytes, what: str) -> Element:
    """Parse XML safely (no DTD entities, no external resources) in its declared encoding.

    Expat itself cannot decode multi-byte encodings such as Big5, so the bytes are decoded here
    with the declared codec and the text handed to the parser.
    """
    if not raw.strip():
        raise malformed(what, "empty document")
    encoding = declared_encoding(raw)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise malformed(what, f"unknown encoding {encoding[:32]}") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise malformed(what, f"bytes are not valid {encoding}") from None
    try:
        return SafeET.fromstring(text)
    except defusedxml.DefusedXmlException:
        raise malformed(what, "forbidden XML construct (DTD entity or external reference)") \
            from None
    except ParseError as exc:
        line, column = exc.position
        raise malformed(what, f"not well-formed XML (line {line}, column {column})") from None


def local_name(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1]


def children(parent: Element, name: str) -> list[Element]:
    """Direct children with this local name, whatever their namespace."""
    return [c for c in parent if isinstance(c.tag, str) and local_name(c.tag) == name]


def child_text(parent: Element, name: str) -> str | None:
    """Stripped text of the first child with this local name; None if absent or empty."""
    found = children(parent, name)
    if not found:
        return None
    text = "".join(found[0].itertext()).strip()
    return text or None


def tidy_lines(text: str) -> str:
    """Multi-line upstream text ("line\\n line"): strip each line, drop blank ones."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


_BLOCK_TAGS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
               "table"}


class _TextExtractor(HTMLParser):
    """HTML -> text, one line per block element or <br>; entities decoded; scripts dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_lines(fragment: str) -> list[str]:
    """The visible lines of an HTML fragment (tags removed, entities decoded)."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    text = "".join(extractor.parts).replace("\xa0", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def unescape(text: str) -> str:
    """Undo HTML escaping that upstream leaves in plain-text fields ("Central &amp; Western")."""
    return html.unescape(text)
