import gzip
import zlib
from unittest import mock

import pytest
from django.test import RequestFactory

from portal import compression
from portal.compression import PreparedBody, accepts_gzip, prepared_response

PAGE = [
    b"<html><form>",
    b"</form><table>" + "<tr><td>降低齿轮箱渗漏率</td></tr>".encode() * 400,
    b"</html>",
]


def test_gzip_decompresses_to_the_content_with_the_token():
    body = PreparedBody(PAGE)
    token = b"a" * 64
    assert gzip.decompress(body.gzip(token)) == body.content(token) == token.join(PAGE)


def test_gzip_is_a_single_valid_gzip_member_with_crc_and_size():
    body = PreparedBody(PAGE)
    stream = body.gzip(b"t0ken")
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # checks the CRC and the length in the trailer
    assert decompressor.decompress(stream) + decompressor.flush() == b"t0ken".join(PAGE)
    assert decompressor.eof
    assert decompressor.unused_data == b""


def test_gzip_is_much_smaller_than_the_content():
    body = PreparedBody(PAGE)
    assert len(body.gzip(b"x" * 64)) * 10 < len(body.content(b"x" * 64))


def test_gzip_has_the_same_length_whatever_the_token():
    body = PreparedBody(PAGE)
    # BREACH reads a secret off the compressed length: here the length does not depend on the token.
    assert len(body.gzip(b"a" * 64)) == len(body.gzip(b"b" * 64)) == len(body.gzip(b"<html><form>".ljust(64)))


def test_gzip_carries_the_token_uncompressed():
    token = b"Zq3kP9mVx2LwR7tY" * 4
    assert token in PreparedBody(PAGE).gzip(token)


def test_gzip_compresses_the_pieces_once():
    body = PreparedBody(PAGE)
    tokens = [bytes([65 + n]) * 64 for n in range(5)]
    with mock.patch.object(compression.zlib, "compressobj", wraps=zlib.compressobj) as compressor:
        answers = [body.gzip(token) for token in tokens]
    assert compressor.call_count == len(PAGE)
    assert [gzip.decompress(answer) for answer in answers] == [token.join(PAGE) for token in tokens]


def test_gzip_of_an_answer_without_token_is_made_once():
    content = '{"title": "降低齿轮箱渗漏率"}'.encode() * 300
    body = PreparedBody([content])
    assert body.content() is content
    assert body.gzip() is body.gzip()
    assert gzip.decompress(body.gzip()) == content


def test_gzip_with_the_token_in_several_places():
    parts = [b"a" * 300, b"b" * 300, b""]
    body = PreparedBody(parts)
    assert gzip.decompress(body.gzip(b"TOKEN")) == b"a" * 300 + b"TOKEN" + b"b" * 300 + b"TOKEN"


def test_gzip_refuses_a_value_larger_than_a_stored_block():
    with pytest.raises(ValueError):
        PreparedBody(PAGE).gzip(b"x" * 65536)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("deflate, br", False),
        ("", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("x-gzip", False),
    ],
)
def test_accepts_gzip_reads_accept_encoding(header, expected):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=header)
    assert accepts_gzip(request) is expected


def test_prepared_response_gzip_when_accepted_and_varies_on_accept_encoding():
    body = PreparedBody(PAGE)
    response = prepared_response(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"), body, token=b"tok")
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Vary"] == "Accept-Encoding"
    assert gzip.decompress(response.content) == b"tok".join(PAGE)


def test_prepared_response_plain_without_accept_encoding():
    body = PreparedBody(PAGE)
    response = prepared_response(RequestFactory().get("/"), body, token=b"tok", content_type="text/plain")
    assert not response.has_header("Content-Encoding")
    assert response["Content-Type"] == "text/plain"
    assert response["Vary"] == "Accept-Encoding"
    assert response.content == b"tok".join(PAGE)
