"""Reading a donor's inventory file (CSV, XLSX, ODS) into checked rows. Pure: no database.

Real exports are messy: GLPI writes `;`-separated cp1252 with French headers, Snipe-IT UTF-8
with a BOM, some tools CR-only line ends. We detect the encoding and the delimiter, map the
columns (known header aliases map themselves) and check every row before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from . import upload_checks
from .messages import Message, Term
from .refusals import Refusal
from .stages import N_

FIELDS = ("serial", "make", "model", "kind", "asset_tag", "purchase_date")
FIELD_LABELS = {
    "serial": N_("Numéro de série"), "make": N_("Fabricant"), "model": N_("Modèle"),
    "kind": N_("Type"), "asset_tag": N_("Numéro d'inventaire"),
    "purchase_date": N_("Date d'achat"),
}
_ALIASES = {
    "serial": ("serial", "serial number", "serialnumber", "numero de serie", "n de serie",
               "no de serie", "num serie", "sn", "s n"),
    "make": ("make", "manufacturer", "fabricant", "marque", "constructeur", "brand"),
    "model": ("model", "modele", "model name", "modele de l ordinateur", "reference"),
    "kind": ("kind", "type", "category", "categorie", "type d equipement", "asset type"),
    "asset_tag": ("asset tag", "assettag", "numero d inventaire", "n d inventaire",
                  "no d inventaire", "inventaire", "inventory number", "tag"),
    "purchase_date": ("purchase date", "date d achat", "date achat", "achat",
                      "date of purchase"),
}
_KIND_WORDS = {
    "laptop": ("laptop", "portable", "ordinateur portable", "notebook", "pc portable",
               "ultraportable"),
    "desktop": ("desktop", "ordinateur de bureau", "ordinateur fixe", "unite centrale", "tour",
                "fixe", "pc fixe", "ordinateur", "computer", "mini pc"),
    "tablet": ("tablet", "tablette", "ipad"),
    "smartphone": ("smartphone", "telephone", "mobile", "phone", "iphone", "telephone mobile"),
    "monitor": ("monitor", "ecran", "moniteur", "display"),
    "other": ("other", "autre"),
}
MAX_FIELD = {"serial": 100, "make": 100, "model": 200, "asset_tag": 100}
FORMULA_START = ("=", "+", "-", "@")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: how headers and kinds are compared."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


_HEADER_INDEX = {fold(a): name for name, aliases in _ALIASES.items() for a in aliases}
_KIND_INDEX = {fold(w): kind for kind, words in _KIND_WORDS.items() for w in words}


class InventoryError(Refusal):
    """The file cannot be read at all (not a row problem)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: a BOM wins, then strict UTF-8, then charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["cp1252", "latin_1", "mac_roman",
                                                    "cp850"]).best()
    encoding = best.encoding if best else "cp1252"
    # Western European exports: cp1252 is a superset of latin-1's printable range.
    if encoding in ("latin_1", "iso8859_1", "iso8859_15"):
        encoding = "cp1252"
    return data.decode(encoding, errors="replace"), encoding


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    # CR-only (old Mac) and CRLF line ends both become LF.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = "\n".join(text.split("\n", 50)[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        delimiter = max(";,\t|", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    lines = []
    for row in reader:
        if len(row) > upload_checks.MAX_COLUMNS:
            raise InventoryError(N_("Au plus %(n)s colonnes par import (ligne %(line)s)."),
                                 n=upload_checks.MAX_COLUMNS, line=reader.line_num)
        if len(lines) > upload_checks.MAX_ROWS:
            raise InventoryError(N_("Au plus %(n)s lignes par import."),
                                 n=upload_checks.MAX_ROWS)
        lines.append((reader.line_num, row))
    if not lines:
        raise InventoryError(N_("Le fichier est vide."))
    (_, headers), body = lines[0], lines[1:]
    return Table(headers, [(n, r) for n, r in body], encoding, delimiter)


def read_header(filename: str, data: bytes) -> tuple[list[str], int]:
    """The header row and the number of data lines, without reading every row (CSV)."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xls", ".ods")):
        table = read_workbook(data)
        return table.headers, len(table.rows)
    text, _ = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text[:65536].rsplit("\n", 1)[0] if len(text) > 65536 else text
    table = read_csv(head.encode("utf-8"))
    return table.headers, max(text.strip("\n").count("\n"), 0)


def read_workbook(data: bytes) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        upload_checks.check(data)
    except upload_checks.UploadRefused as exc:  # before calamine: it trusts the file's sizes
        raise InventoryError(exc.msgid, **exc.params) from exc
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types per format
        raise InventoryError(N_("Ce classeur ne peut pas être lu (fichier abîmé ou protégé ?).")
                             ) from exc
    if not sheet:
        raise InventoryError(N_("Le fichier est vide."))
    rows = [[cell_text(c) for c in row] for row in sheet]
    return Table(rows[0], [(i + 2, r) for i, r in enumerate(rows[1:])])


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_table(filename: str, data: bytes) -> Table:
    """A table from any supported file; the format is told by the content, then the name."""
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return read_workbook(data)
    if filename.lower().endswith((".xlsx", ".xls", ".ods")):
        return read_workbook(data)
    return read_csv(data)


def suggest_mapping(headers: list[str]) -> dict[str, int]:
    """field → column index for the headers that are known aliases (first one wins)."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = _HEADER_INDEX.get(fold(header))
        if name and name not in mapping:
            mapping[name] = index
    return mapping


def header_problems(headers: list[str]) -> list[Message]:
    """Blank and duplicated headers: reported, never fatal (columns are chosen by index).
    Messages with values, shown in the reader's language (`errors.translate`)."""
    problems = []
    seen: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        if not header.strip():
            problems.append(Message("La colonne %(n)s n'a pas d'en-tête.", n=index))
        elif fold(header) in seen:
            problems.append(Message("L'en-tête « %(h)s » apparaît deux fois (colonnes %(a)s et "
                                    "%(b)s).", h=header, a=seen[fold(header)], b=index))
        else:
            seen[fold(header)] = index
    return problems


@lru_cache(maxsize=4096)
def parse_kind(value: str) -> str | None:
    folded = fold(value)
    if folded in _KIND_INDEX:
        return _KIND_INDEX[folded]
    for word, kind in sorted(_KIND_INDEX.items(), key=lambda kv: -len(kv[0])):
        if word and word in folded.split() or (len(word) > 4 and word in folded):
            return kind
    return None


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=8192)  # inventories repeat the same few purchase dates
def parse_date(value: str) -> dt.date | None:
    value = value.strip()
    for pattern, order in ((_DMY, (2, 1, 0)), (_YMD, (0, 1, 2))):
        match = pattern.match(value)
        if match:
            parts = match.groups()
            try:
                return dt.date(*(int(parts[i]) for i in order))
            except ValueError:
                return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(value[:10] if "-" in value[:10] else value.split()[0],
                                        pattern).date()
        except (ValueError, IndexError):
            continue
    if re.fullmatch(r"(19|20)\d\d", value):
        return dt.date(int(value), 1, 1)
    return None


@dataclass
class Row:
    line: int
    values: dict[str, str | int | None]
    # Messages (French as str), shown in the reader's language; a job's result keeps them
    # with `messages.to_json()`.
    errors: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def key(self) -> str | None:
        """Identity inside a pledge: the serial, else the asset tag."""
        serial = self.values.get("serial")
        if serial:
            return f"s:{str(serial).upper()}"
        tag = self.values.get("asset_tag")
        return f"t:{str(tag).upper()}" if tag else None


def check_rows(table: Table, mapping: dict[str, int], *, default_kind: str | None = None,
               today: dt.date | None = None) -> list[Row]:
    """Every non-empty row with its values and its errors, by line; nothing is dropped silently.
    Cells starting with = + - @ are kept as plain text (never evaluated, neutralised in exports)."""
    today = today or dt.date.today()
    rows: list[Row] = []
    seen: dict[str, int] = {}
    used = sorted(set(mapping.values()))
    width = (used[-1] + 1) if used else 0
    texts = [(name, mapping.get(name), MAX_FIELD[name])
             for name in ("serial", "make", "model", "asset_tag")]
    kind_at, date_at = mapping.get("kind"), mapping.get("purchase_date")
    for line, cells in table.rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if not any(cells[i].strip() for i in used):
            continue  # empty rows (nothing in the mapped columns) are skipped, not errors
        values: dict = {}
        errors: list[Message] = []
        for name, index, limit in texts:
            text = cells[index].strip() if index is not None else ""
            if len(text) > limit:
                errors.append(Message("%(f)s : trop long (%(n)s caractères au plus).",
                                      f=Term(FIELD_LABELS[name]), n=limit))
            values[name] = text or None
        raw_kind = cells[kind_at].strip() if kind_at is not None else ""
        kind = parse_kind(raw_kind) if raw_kind else default_kind
        if kind is None:
            errors.append(Message("Type d'appareil inconnu : « %(v)s » (portable, fixe, "
                                  "tablette, smartphone, écran ou autre).", v=raw_kind)
                          if raw_kind else Message("Type d'appareil manquant."))
        values["kind"] = kind
        values["purchase_year"] = None
        raw_date = cells[date_at].strip() if date_at is not None else ""
        if raw_date:
            date = parse_date(raw_date)
            if date is None:
                errors.append(Message("Date d'achat illisible : « %(v)s » (attendu "
                                      "JJ/MM/AAAA).", v=raw_date))
            elif date > today:
                errors.append(Message("Date d'achat dans le futur : %(v)s.", v=raw_date))
            else:
                values["purchase_year"] = date.year
        row = Row(line, values, errors)
        key = row.key
        if key is None:
            errors.append(Message("Ni numéro de série ni numéro d'inventaire : l'appareil ne "
                                  "pourrait pas être reconnu à la réception."))
        elif key in seen:
            errors.append(Message("Numéro en double : déjà ligne %(n)s.", n=seen[key]))
        else:
            seen[key] = line
        rows.append(row)
    return rows


def neutralise(value: str) -> str:
    """A cell safe to put in a spreadsheet export: a leading = + - @ becomes text."""
    return "'" + value if value and value.startswith(FORMULA_START) else value
