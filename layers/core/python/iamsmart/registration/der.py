"""A small, strict DER reader and writer: just what the chip's security object needs.

Why here: ``cryptography`` can build CMS signatures but cannot verify or take them apart, and
``asn1crypto`` is not a dependency. The subset is small and the reader is strict, which is
what a verifier wants: single-byte tags only, definite minimal lengths, minimal integers and
object identifiers, no trailing bytes. Anything else is ``DERError``. It does not recurse on
its own (callers walk the one structure they expect, checking tags and counts), and callers
bound the input's size before parsing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# Universal tags used by CMS and the LDS security object.
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
SEQUENCE = 0x30
SET = 0x31


def context(number: int, constructed: bool = True) -> int:
    """The tag byte of ``[number]`` (EXPLICIT tags are constructed)."""
    return (0xA0 if constructed else 0x80) | number


class DERError(ValueError):
    """Not the strict DER this reader accepts (never carries the input)."""


# --- reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    tag: int
    content: bytes
    raw: bytes  # the whole TLV, exactly as it was encoded (what signatures cover)

    def children(self) -> list[Node]:
        if not self.tag & 0x20:
            raise DERError("primitive value has no children")
        return list(_iterate(self.content))

    def expect(self, tag: int) -> Node:
        if self.tag != tag:
            raise DERError("unexpected tag")
        return self


def _header(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at ``offset``."""
    if offset + 2 > len(data):
        raise DERError("truncated")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DERError("multi-byte tags are not used here")
    first = data[offset + 1]
    start = offset + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DERError("indefinite length is BER, not DER")
    else:
        count = first & 0x7F
        if count > 4 or start + count > len(data):
            raise DERError("bad length")
        length = int.from_bytes(data[start:start + count], "big")
        if length < 0x80 or data[start] == 0:
            raise DERError("non-minimal length")
        start += count
    end = start + length
    if end > len(data):
        raise DERError("truncated")
    return tag, start, end


def _iterate(data: bytes) -> Iterator[Node]:
    offset = 0
    while offset < len(data):
        tag, start, end = _header(data, offset)
        yield Node(tag, data[start:end], data[offset:end])
        offset = end


def parse(data: bytes) -> Node:
    """Exactly one TLV spanning all of ``data``."""
    if not isinstance(data, bytes | bytearray):
        raise DERError("not bytes")
    data = bytes(data)
    tag, start, end = _header(data, 0)
    if end != len(data):
        raise DERError("trailing bytes")
    return Node(tag, data[start:end], data)


def read_int(node: Node) -> int:
    node.expect(INTEGER)
    content = node.content
    if not content:
        raise DERError("empty integer")
    if len(content) > 1 and (content[0], content[1] >= 0x80) in ((0x00, False), (0xFF, True)):
        raise DERError("non-minimal integer")
    return int.from_bytes(content, "big", signed=True)


def read_oid(node: Node) -> str:
    node.expect(OID)
    content = node.content
    if not content or content[-1] & 0x80:
        raise DERError("bad object identifier")
    arcs: list[int] = []
    value = 0
    fresh = True
    for byte in content:
        if fresh and byte == 0x80:
            raise DERError("non-minimal object identifier arc")
        value = (value << 7) | (byte & 0x7F)
        fresh = not byte & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def read_octets(node: Node) -> bytes:
    return node.expect(OCTET_STRING).content


# --- writing ---------------------------------------------------------------------------

def tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def sequence(*parts: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(parts))


def set_of(*parts: bytes) -> bytes:
    """DER orders the elements of a SET OF by their encodings."""
    return tlv(SET, b"".join(sorted(parts)))


def integer(value: int) -> bytes:
    magnitude = value if value >= 0 else ~value
    size = magnitude.bit_length() // 8 + 1  # the fewest bytes that leave room for the sign
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def octets(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def null() -> bytes:
    return tlv(NULL, b"")


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def explicit(number: int, inner: bytes) -> bytes:
    return tlv(context(number), inner)
