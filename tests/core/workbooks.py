"""Workbooks for the reader's tests, taken apart and put back together member by member, to
damage or to swell: an .xlsx with shared strings as Excel saves it (XlsxWriter's in-memory
mode writes them so; openpyxl and the kit's streamed writer write inline strings), and the
old .xls (xlwt)."""

import io
import struct
import zipfile

import xlsxwriter
import xlwt

SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"


def xlsx(rows, title: str | None = None) -> bytes:
    """An .xlsx as Excel saves it: shared strings, one sheet."""
    out = io.BytesIO()
    with xlsxwriter.Workbook(out, {"strings_to_numbers": False}) as wb:
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    return out.getvalue()


def xls(cells) -> bytes:
    """An old binary .xls holding `cells` ((row, column, value), counted from 0)."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名册")
    for row, column, value in cells:
        ws.write(row, column, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def zipped(parts: dict[str, bytes], *, level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def rewrite(data: bytes, name: str, change) -> bytes:
    """`data` (an .xlsx) with member `name` replaced by `change(content)` (dropped when it
    gives None); the zip itself stays sound."""
    parts = members(data)
    content = change(parts[name])
    if content is None:
        del parts[name]
    else:
        parts[name] = content
    return zipped(parts)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """`data` (a zip) whose directory and local header say member `name` unpacks to `size`
    bytes, whatever it holds."""
    out = bytearray(data)
    encoded = name.encode()
    # (signature, where the size is, where the name's length is, where the name is)
    headers = ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30))
    for signature, size_at, length_at, name_at in headers:
        at = out.find(signature)
        while at != -1:
            length = struct.unpack_from("<H", out, at + length_at)[0]
            if out[at + name_at : at + name_at + length] == encoded:
                struct.pack_into("<I", out, at + size_at, size)
            at = out.find(signature, at + 4)
    return bytes(out)


def xls_with_stream(data: bytes, stream: str) -> bytes:
    """An .xls (from xlwt) whose workbook stream is renamed `stream` (e.g. EncryptedPackage,
    what Excel writes for a file with a password to open)."""
    out = bytearray(data)
    old = "Workbook".encode("utf-16-le") + b"\x00\x00"
    new = stream.encode("utf-16-le") + b"\x00\x00"
    at = out.find(old)
    out[at : at + 64] = new.ljust(64, b"\x00")
    struct.pack_into("<H", out, at + 64, len(new))
    return bytes(out)


def xls_record(data: bytes, kind: int, size: int, body: bytes) -> bytes:
    """An .xls whose first record of type `kind` and length `size` gets `body` instead."""
    out = bytearray(data)
    at = out.find(struct.pack("<HH", kind, size))
    out[at + 4 : at + 4 + len(body)] = body
    return bytes(out)
