"""What an uploaded inventory must look like before any parser reads it. Pure: no database.

A spreadsheet parser trusts its input: calamine builds a dense grid from the cell addresses,
so a 1.5 kB XLSX with one cell in A1 and one in XFD1048576 asks for 512 GB and aborts the whole
process (measured: Rust's out-of-memory abort, no Python exception). So, before parsing:
the type is told by the content (a PNG renamed .csv is refused), a zip archive is opened
lazily and its entries are decompressed a chunk at a time, with the expanded size, the number
of entries and the sheet's extent (rows, columns) bounded.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from .refusals import Refusal
from .stages import N_

MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_EXPANDED = 256 * 1024 * 1024  # bytes of XML once decompressed (a 200,000-line sheet: ~60 MB)
MAX_ENTRIES = 2_000
_CHUNK = 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc...)
_BINARY_MAGICS = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"\x7fELF", b"MZ", b"\x1f\x8b",
                  b"Rar!", b"7z\xbc\xaf", b"BZh", b"OggS", b"ID3", b"RIFF")


class UploadRefused(Refusal):
    """The file is refused before parsing; the message says what to send instead."""


def check(data: bytes) -> str:
    """The file's format ("zip", "text") or UploadRefused with a sentence saying why."""
    if data.startswith(ZIP_MAGIC):
        check_archive(data)
        return "zip"
    if data.startswith(OLE_MAGIC):
        raise UploadRefused(N_("Les classeurs Excel 97-2003 (.xls) ne sont pas acceptés : "
                               "enregistrez le fichier en XLSX ou en CSV."))
    check_text(data)
    return "text"


def check_text(data: bytes) -> None:
    """A CSV is text: no image, PDF or program renamed .csv, no control characters."""
    if data.startswith(_BINARY_MAGICS):
        raise UploadRefused(N_("Ce fichier n'est pas un tableau (CSV, XLSX ou ODS) : "
                               "c'est une image, un PDF ou un autre fichier binaire."))
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NUL bytes: decode first
        head = head.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or control > max(8, len(head) // 200):
        raise UploadRefused(N_("Ce fichier n'est pas un tableau (CSV, XLSX ou ODS) : "
                               "il contient des données binaires."))


# Only the addresses past the limits are looked for (a search that finds nothing in a normal
# sheet runs at C speed; decoding every address in Python cost more than calamine's parse):
# a column past SF (the 500th: 3 letters, or T-Z then a letter, or S then G-Z), a row number of
# 200,000 or more (6 digits from 2, or 7 and more; checked exactly when found).
# The patterns start with a literal (`r="`) so that the search skips ahead at C speed.
_WIDE_REF = re.compile(rb"r=\"(?:[A-Z]{3,}|[T-Z][A-Z]|S[G-Z])\d")
_LONG_REF = re.compile(rb"r=\"[A-Z]{0,3}(\d{7,}|[2-9]\d{5})\"")
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def check_archive(data: bytes) -> None:
    """An XLSX or ODS (both zip archives): readable, not a bomb, not too wide or too long."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefused(N_("Ce classeur est abîmé (archive illisible) : enregistrez-le à "
                               "nouveau ou envoyez un CSV.")) from exc
    if len(entries) > MAX_ENTRIES:
        raise UploadRefused(N_("Ce classeur contient trop de fichiers internes pour un "
                               "inventaire."))
    if sum(e.file_size for e in entries) > MAX_EXPANDED:
        raise _too_big()
    names = {e.filename for e in entries}
    sheets = [e for e in entries if re.fullmatch(r"xl/worksheets/[^/]+\.xml", e.filename)
              or e.filename == "content.xml"]
    if not sheets and "xl/workbook.xml" not in names and "content.xml" not in names:
        raise UploadRefused(N_("Cette archive n'est ni un classeur XLSX ni un classeur ODS."))
    expanded = 0
    for entry in entries:
        expanded += _scan(archive, entry, is_sheet=entry in sheets, ods=entry.filename == "content.xml",
                          budget=MAX_EXPANDED - expanded)


def _too_big() -> UploadRefused:
    return UploadRefused(N_("Ce classeur est trop volumineux une fois décompressé (plus de "
                            "%(mb)s Mo) : découpez-le ou envoyez un CSV."),
                         mb=MAX_EXPANDED // (1024 * 1024))


class _Budgeted(io.RawIOBase):
    """A zip entry read a chunk at a time, refused as soon as it expands past the budget."""

    def __init__(self, stream, budget: int):
        self.stream, self.budget, self.size = stream, budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.stream.read(min(len(buffer), _CHUNK))
        self.size += len(chunk)
        if self.size > self.budget:
            raise _too_big()
        buffer[:len(chunk)] = chunk
        return len(chunk)


def _scan(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, *, is_sheet: bool, ods: bool,
          budget: int) -> int:
    """Decompress one entry a chunk at a time (never whole in memory): its real size, checked
    against what the directory declares (zipfile stops at the declared size and checks the
    CRC) and against the budget; a sheet's extent is read as it streams by."""
    try:
        with archive.open(entry) as raw:
            stream = _Budgeted(raw, budget)
            if is_sheet and ods:
                _ods_extent(stream)
            elif is_sheet:
                _xlsx_extent(stream)
            while stream.read(_CHUNK):
                pass
            return stream.size
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError, ElementTree.ParseError) as exc:
        raise UploadRefused(N_("Ce classeur est abîmé (archive illisible) : enregistrez-le à "
                               "nouveau ou envoyez un CSV.")) from exc


def _xlsx_extent(stream: _Budgeted) -> None:
    """No cell or row address past the limits (calamine allocates a grid up to the largest)."""
    tail = b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        if _WIDE_REF.search(window):
            _check_extent(0, MAX_COLUMNS + 1)
        for row in _LONG_REF.findall(window):
            _check_extent(int(row), 0)
        tail = window[-64:]


def _ods_extent(stream: _Budgeted) -> None:
    """ODS repeats rows and cells by count; LibreOffice writes huge repeats of empty cells for
    the rest of the sheet, which cost nothing. A repeated cell or row with content is expanded
    by the parser: count those."""
    row_index = 0
    # Python's expat (2.4 and later) caps entity expansion (billion laughs) and ElementTree
    # never fetches external entities.
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):  # noqa: S314
        if event == "start":
            if element.tag == _TABLE + "table":
                row_index = 0
            continue
        if element.tag != _TABLE + "table-row":
            continue
        repeat = int(element.get(_TABLE + "number-rows-repeated", "1"))
        column = last = 0
        for cell in element:
            column += int(cell.get(_TABLE + "number-columns-repeated", "1"))
            if cell.get(_OFFICE + "value-type") or len(cell):
                last = column
        if last:
            _check_extent(row_index + repeat, last)
        row_index += repeat
        element.clear()


def _check_extent(rows: int, columns: int) -> None:
    if rows > MAX_ROWS + 1:
        raise UploadRefused(N_("Au plus %(n)s lignes par import."), n=MAX_ROWS)
    if columns > MAX_COLUMNS:
        raise UploadRefused(N_("Au plus %(n)s colonnes par import."), n=MAX_COLUMNS)
