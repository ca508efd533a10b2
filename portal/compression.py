"""Gzip for answers served many times from memory: compressed once, not on every request.

A cached public page is the same for every anonymous visitor but for the CSRF token of its language form.
`PreparedBody` holds such an answer as encoded pieces around the places where each request's token goes; the
pieces are compressed once, and an answer for one request is the pieces joined with its token: as plain bytes,
or as a gzip stream in which the token is a stored (uncompressed) deflate block between the compressed pieces.

The compressed pieces never see the token and the token is never compressed, so the length of the answer is the
same whatever the token: BREACH, which reads a secret off the compressed length, has nothing to measure (and
Django masks the token anew on every request besides). Compressing a 58 KB page on every request cost a worker
0.2 ms, more than the bare request (bench/README.md); joining the prepared pieces costs a CRC of the page.
"""

import struct
import zlib

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

GZIP_LEVEL = 6
# A gzip header (RFC 1952) without file name or time; "unknown" operating system.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def accepts_gzip(request) -> bool:
    """Whether the client takes a gzip-encoded answer: "gzip" in Accept-Encoding, unless refused with q=0."""
    for item in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() == "gzip":
            quality = params.replace(" ", "").lower()
            return not (quality.startswith("q=0") and quality[3:].strip(".0") == "")
    return False


def _deflate(data: bytes, *, last: bool) -> bytes:
    """Raw deflate blocks of data in a context of its own; ends on a byte boundary, with the final block if last."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _stored(data: bytes) -> bytes:
    """data as one stored deflate block (not final): header byte, length and its complement, the bytes."""
    return struct.pack("<BHH", 0, len(data), len(data) ^ 0xFFFF) + data


class PreparedBody:
    """An answer's bytes split where a per-request value goes (none for an answer without one)."""

    def __init__(self, parts: list[bytes]):
        self.parts = parts
        self._deflated = None
        self._whole_gzip = None

    def content(self, token: bytes = b"") -> bytes:
        return token.join(self.parts) if len(self.parts) > 1 else self.parts[0]

    def gzip(self, token: bytes = b"") -> bytes:
        """A gzip stream of content(token); the pieces are compressed on the first call only."""
        if len(self.parts) == 1:
            if self._whole_gzip is None:
                self._whole_gzip = self._gzip(token)
            return self._whole_gzip
        if len(token) > 0xFFFF:
            raise ValueError("A per-request value must fit in one stored deflate block (64 KB).")
        return self._gzip(token)

    def _gzip(self, token: bytes) -> bytes:
        if self._deflated is None:
            last = len(self.parts) - 1
            self._deflated = [_deflate(part, last=n == last) for n, part in enumerate(self.parts)]
        stored = _stored(token)
        crc = zlib.crc32(self.parts[0])
        out = [_GZIP_HEADER, self._deflated[0]]
        for part, deflated in zip(self.parts[1:], self._deflated[1:], strict=True):
            crc = zlib.crc32(part, zlib.crc32(token, crc))
            out += [stored, deflated]
        size = sum(map(len, self.parts)) + len(token) * (len(self.parts) - 1)
        out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(out)


def prepared_response(request, body: PreparedBody, *, token: bytes = b"", content_type=None) -> HttpResponse:
    """The answer to this request: gzip-encoded when the client takes it, plain otherwise; varies on that."""
    if accepts_gzip(request):
        response = HttpResponse(body.gzip(token), content_type=content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body.content(token), content_type=content_type)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
