import pytest

from iamsmart.registration import der


@pytest.mark.parametrize("value", [0, 1, 127, 128, 255, 256, -1, -128, -129, 2**159 + 7])
def test_integers_round_trip(value):
    assert der.read_int(der.parse(der.integer(value))) == value


@pytest.mark.parametrize("dotted", ["2.23.136.1.1.1", "1.2.840.113549.1.7.2",
                                    "2.16.840.1.101.3.4.2.1", "0.9.2342.19200300.100.1.1"])
def test_object_identifiers_round_trip(dotted):
    assert der.read_oid(der.parse(der.oid(dotted))) == dotted


def test_long_lengths_and_children():
    blob = b"x" * 70000
    node = der.parse(der.sequence(der.octets(blob), der.null()))
    first, second = node.children()
    assert der.read_octets(first) == blob and second.tag == der.NULL


@pytest.mark.parametrize("data,why", [
    (b"\x30\x80\x05\x00\x00\x00", "indefinite length"),
    (b"\x04\x81\x05hello", "non-minimal long length"),
    (b"\x04\x82\x00\x85" + b"x" * 133, "leading zero length byte"),
    (b"\x05\x00\x00", "trailing byte"),
    (b"\x04\x05abc", "truncated"),
    (b"\x1f\x81\x01\x00", "multi-byte tag"),
    (b"\x04", "header only"),
    (b"", "empty"),
])
def test_not_strict_der_is_refused(data, why):
    with pytest.raises(der.DERError):
        der.parse(data)


@pytest.mark.parametrize("content", [b"", b"\x00\x01", b"\xff\x80"])
def test_non_minimal_integers_are_refused(content):
    with pytest.raises(der.DERError):
        der.read_int(der.parse(der.tlv(der.INTEGER, content)))


def test_bad_object_identifiers_are_refused():
    for content in (b"", b"\x2a\x86", b"\x2a\x80\x01"):
        with pytest.raises(der.DERError):
            der.read_oid(der.parse(der.tlv(der.OID, content)))


def test_wrong_tag_and_primitive_children_are_refused():
    node = der.parse(der.integer(5))
    with pytest.raises(der.DERError):
        node.expect(der.OCTET_STRING)
    with pytest.raises(der.DERError):
        node.children()


def test_set_of_is_sorted():
    assert der.set_of(der.integer(2), der.integer(1)) == der.tlv(
        der.SET, der.integer(1) + der.integer(2))
