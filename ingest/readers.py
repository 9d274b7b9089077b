"""Read articles from files: plain text, HTML pages, JSONL records and RSS/Atom feeds.

:func:`iter_documents` expands directories (sorted, hidden entries skipped) and yields one
:class:`~.documents.Document` per article; :func:`read_file` reads one file. Problems are
:class:`~.documents.ReadError` with a one-line message ``"<file>: <problem>"``.

Supported suffixes (optionally followed by ``.gz``): .txt .text (plain text), .html .htm
(article body via trafilatura), .jsonl .ndjson .json (one JSON object per line; a .json file
holding one object or an array of objects also works), .xml .rss .atom (feeds). A file named
explicitly with another suffix is recognised by its content (feed, HTML page, else text).
"""

from __future__ import annotations

import codecs
import datetime
import email.utils
import gzip
import hashlib
import html
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .documents import Document, ReadError

TEXT_SUFFIXES = frozenset({".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | FEED_SUFFIXES

ErrorHandler = Callable[[ReadError], None]

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY = "not a text file (binary content)"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


# ---------------------------------------------------------------------------------------------
# decoding
# ---------------------------------------------------------------------------------------------

def _decode_tolerant(data: bytes, encoding: str) -> tuple[str, bool]:
    """Strict decode; only an incomplete sequence at the very end is replaced by U+FFFD."""
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError as e:
        if e.end == len(data) and e.reason in ("unexpected end of data", "truncated data"):
            return data[: e.start].decode(encoding) + "\ufffd", True
        raise


def _bad_chars(text: str) -> int:
    """Characters that do not occur in text: controls (other than whitespace), unassigned,
    private use, surrogates."""
    n = 0
    for c in text:
        cat = unicodedata.category(c)
        if (cat == "Cc" and c not in "\t\n\r\f\v") or cat in ("Cn", "Co", "Cs"):
            n += 1
    return n


def _textual(text: str) -> bool:
    if "\x00" in text:
        return False
    sample = text[:200_000]
    return _bad_chars(sample) <= 0.05 * max(1, len(sample))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE/BE recognised by its NUL bytes all falling on one parity."""
    if len(data) < 2:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    if odd and even <= odd // 100:
        return "utf-16-le"
    if even and odd <= even // 100:
        return "utf-16-be"
    return None


def _damaged_utf8(data: bytes, meta: dict[str, Any]) -> str | None:
    """UTF-8 with a few invalid bytes (at most 1 per 50 well-formed non-ASCII characters) is
    decoded with U+FFFD for those bytes, rather than handed to a legacy-charset guess."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for c in text if c > "\x7f") - bad
    if bad <= 0 or good < 50 * bad:
        return None
    meta["invalid_utf8"] = bad
    meta["decode_note"] = f"{bad} invalid UTF-8 sequence(s) replaced by U+FFFD"
    return text


_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_bytes(data: bytes, name: str = "<bytes>") -> tuple[str, dict[str, Any]]:
    """Decode file bytes to text; return (text, meta) with meta["encoding"] and, where it
    applies, meta["bom"] and meta["truncated"].

    Order: byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32), strict UTF-8, UTF-16 without BOM
    (NUL bytes on one parity), a charset declared in the first 4 KiB (HTML/XML), then
    charset-normalizer (Windows-1256 and the like). An incomplete UTF-8/UTF-16 sequence at the
    very end is replaced by U+FFFD and noted. Binary content raises :class:`ReadError`.
    """
    if not data:
        raise ReadError(name, "file is empty")
    meta: dict[str, Any] = {}
    text: str | None = None
    enc = ""
    trunc = False
    for bom, bom_enc in _BOMS:
        if data.startswith(bom):
            enc = bom_enc
            meta["bom"] = True
            try:
                text, trunc = _decode_tolerant(data[len(bom):], enc)
            except UnicodeDecodeError as e:
                raise ReadError(name, f"invalid {enc} text after its byte-order mark (byte {e.start})") from e
            break
    if text is None and b"\x00" in data:
        enc = _utf16_without_bom(data) or ""
        if not enc:
            raise ReadError(name, _BINARY)
        try:
            text, trunc = _decode_tolerant(data, enc)
        except UnicodeDecodeError as e:
            raise ReadError(name, _BINARY) from e
    if text is None:
        try:
            text, trunc = _decode_tolerant(data, "utf-8")
            enc = "utf-8"
        except UnicodeDecodeError:
            text = _damaged_utf8(data, meta)
            enc = "utf-8" if text is not None else ""
    if text is None:
        m = _CHARSET.search(data[:4096])
        if m:
            try:
                declared = codecs.lookup(m.group(1).decode("ascii")).name
                text = data.decode(declared)
                enc = declared
                if not _textual(text):
                    text = None
            except (LookupError, UnicodeDecodeError):
                text = None
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise ReadError(name, _BINARY)
        text, enc = str(best), best.encoding
    if not _textual(text):
        raise ReadError(name, _BINARY)
    meta["encoding"] = enc
    if trunc:
        meta["truncated"] = True
        meta["decode_note"] = "incomplete multi-byte sequence at end of file replaced by U+FFFD"
    return text, meta


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------

def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _lang_code(v: Any) -> str | None:
    """'fa-IR' -> 'fa'; None for empty or odd values."""
    if not isinstance(v, str):
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", v)
    return m.group(1).lower() if m else None


_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def parse_date(value: Any) -> datetime.date | None:
    """A publication date from metadata: a date/datetime, an ISO date(-time) string, or an
    RFC 822 date (RSS). Anything else (including non-Gregorian calendars) gives None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    s = value.strip().translate(_DIGITS)
    m = _ISO.search(s)
    if m:
        try:
            d = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return d if d.year >= 1800 else None
    try:
        dt = email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    return dt.date() if dt and dt.year >= 1800 else None


class _TextExtractor(HTMLParser):
    """HTML fragment -> plain text: block elements become line breaks, script/style dropped."""

    BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                       "blockquote", "tr", "table", "section", "article", "header", "footer", "pre"})
    SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (feed summaries): tags stripped, entities decoded,
    one line per block, spaces collapsed within lines."""
    if "<" not in fragment:
        text = html.unescape(fragment)
    else:
        p = _TextExtractor()
        p.feed(fragment)
        p.close()
        text = "".join(p.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _sniff(text: str) -> str | None:
    head = text[:4096].lstrip("\ufeff \t\r\n")
    if re.match(r"<\?xml|<rss\b|<feed\b|<rdf:RDF\b|<!--", head, re.I) and re.search(
            r"<(rss|feed|rdf:RDF)\b", head, re.I):
        return "feed"
    if re.match(r"(<!--.*?-->\s*)*(<!doctype\s+html|<html\b|<head\b|<body\b)", head, re.I | re.S):
        return "html"
    return None


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = os.path.splitext(name)[1]
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in FEED_SUFFIXES:
        return "feed"
    return None


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise ReadError(name, "no such file") from e
    except IsADirectoryError as e:
        raise ReadError(name, "is a directory") from e
    except OSError as e:
        raise ReadError(name, f"cannot read: {e.strerror or e}") from e
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ReadError(name, f"not a valid gzip file: {e}") from e
    return data


# ---------------------------------------------------------------------------------------------
# per-format readers: yield Documents and ReadErrors (per-record problems), raise for the file
# ---------------------------------------------------------------------------------------------

Item = Document | ReadError


def _read_text(name: str, data: bytes) -> Iterator[Item]:
    text, meta = decode_bytes(data, name)
    if not text.strip():
        raise ReadError(name, "file is empty (only whitespace)")
    yield Document(key=name, text=text, sha256=_sha(data), source=name, meta=meta)


def _html_lang(page: str) -> str | None:
    m = re.search(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", page[:8192], re.I)
    return _lang_code(m.group(1)) if m else None


MIN_HTML_BODY = 30  # characters (spaces aside): less is a menu or a caption, not an article


def _read_html(name: str, data: bytes) -> Iterator[Item]:
    import trafilatura

    page, meta = decode_bytes(data, name)
    if _sniff(page) == "feed":
        yield from _read_feed(name, data)
        return
    body = trafilatura.extract(page, include_comments=False, include_tables=False, favor_precision=True)
    if not body or len("".join(body.split())) < MIN_HTML_BODY:
        raise ReadError(name, "no article text found")
    md = None
    try:
        md = trafilatura.extract_metadata(page, extensive=False)
    except Exception:  # noqa: BLE001 - metadata is optional; a parser failure must not lose the body
        md = None
    title = (getattr(md, "title", None) or None) if md else None
    url = (getattr(md, "url", None) or None) if md else None
    published = parse_date(getattr(md, "date", None)) if md else None
    if md and getattr(md, "sitename", None):
        meta["site"] = md.sitename
    yield Document(key=name, text=body, sha256=_sha(data), source=name, declared_lang=_html_lang(page),
                   title=title, published=published, url=url, meta=meta)


_JSON_RESERVED = frozenset({"text", "id", "lang", "title", "date", "url"})


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any) -> Any:
    """JSON may escape a lone UTF-16 surrogate (``"\\ud800"``): not a character, unencodable; U+FFFD instead."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    return value


def _record(name: str, obj: Any, line: int, record_default: str) -> Item:
    if not isinstance(obj, dict):
        return ReadError(name, "line is not a JSON object", line=line)
    obj = _no_surrogates(obj)
    text = obj.get("text")
    if not isinstance(text, str):
        return ReadError(name, 'record has no "text"', line=line)
    if not text.strip():
        return ReadError(name, 'record has an empty "text"', line=line)
    rid = obj.get("id")
    record = str(rid) if rid is not None and str(rid) != "" else record_default
    meta = {k: v for k, v in obj.items() if k not in _JSON_RESERVED}
    meta["line"] = line
    raw_date = obj.get("date", obj.get("published"))
    published = parse_date(raw_date)
    if raw_date is not None and published is None:
        meta["date_raw"] = raw_date
    title = obj.get("title")
    url = obj.get("url")
    return Document(key=f"{name}#{record}", text=text, sha256=_sha(text.encode("utf-8")), source=name,
                    record=record, declared_lang=_lang_code(obj.get("lang")),
                    title=title if isinstance(title, str) and title.strip() else None,
                    published=published, url=url if isinstance(url, str) and url.strip() else None,
                    meta=meta)


def _jsonl_lines(name: str, data: bytes) -> Iterator[tuple[int, str | None]]:
    """(line number, line text or None when that line is not valid UTF-8)."""
    wide = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]
    if wide:
        text, _ = decode_bytes(data, name)
        for n, line in enumerate(text.split("\n"), 1):
            yield n, line
        return
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    for n, raw in enumerate(data.split(b"\n"), 1):
        try:
            yield n, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield n, None


def _read_jsonl(name: str, data: bytes) -> Iterator[Item]:
    if not data.strip():
        raise ReadError(name, "file is empty")
    if b"\x00" in data[:4096] and not _utf16_without_bom(data) and not data.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError(name, _BINARY)
    # a .json file may hold one object or an array of objects
    stripped = data.lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if stripped[:1] == b"[" or (stripped[:1] == b"{" and b"\n" in data.strip() and _multiline_json(data)):
        try:
            whole = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            whole = None
        if isinstance(whole, list):
            for i, obj in enumerate(whole, 1):
                yield _record(name, obj, i, str(i))
            return
        if isinstance(whole, dict):
            yield _record(name, whole, 1, "1")
            return
    for n, line in _jsonl_lines(name, data):
        if line is None:
            yield ReadError(name, "line is not valid UTF-8", line=n)
            continue
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            yield ReadError(name, "line is not valid JSON", line=n)
            continue
        yield _record(name, obj, n, str(n))


def _multiline_json(data: bytes) -> bool:
    """True when the first line alone is not a complete JSON value (pretty-printed .json)."""
    first = data.lstrip(codecs.BOM_UTF8 + b" \t\r\n").split(b"\n", 1)[0]
    try:
        json.loads(first.decode("utf-8", "replace"))
    except ValueError:
        return True
    return False


def _entry_date(entry: Any) -> tuple[datetime.date | None, str | None]:
    for field in ("published", "updated", "created"):
        raw = entry.get(field)
        if raw:
            d = parse_date(raw)
            if d is None:
                parsed = entry.get(f"{field}_parsed")
                if parsed:
                    d = datetime.date(*parsed[:3])
            if d is not None:
                return d, field
    return None, None


def _entry_body(entry: Any) -> tuple[str, str | None]:
    """(plain text, language) of an entry's content, else its summary."""
    for c in entry.get("content") or []:
        value = c.get("value") or ""
        if value.strip():
            return html_to_text(value), _lang_code(c.get("language"))
    summary = entry.get("summary") or ""
    detail = entry.get("summary_detail") or {}
    return html_to_text(summary), _lang_code(detail.get("language"))


def _read_feed(name: str, data: bytes) -> Iterator[Item]:
    import io

    import feedparser

    decode_bytes(data, name)  # refuses binary and empty files with the usual messages
    parsed = feedparser.parse(io.BytesIO(data))
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            why = " ".join(str(parsed.get("bozo_exception") or "malformed XML").split())
            raise ReadError(name, f"not a valid RSS/Atom feed: {why}")
        if not parsed.get("version"):
            raise ReadError(name, "not an RSS/Atom feed")
        raise ReadError(name, "feed has no items")
    feed_lang = _lang_code((parsed.get("feed") or {}).get("language"))
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        title = " ".join((entry.get("title") or "").split())
        body, body_lang = _entry_body(entry)
        text = "\n".join(x for x in (title, body) if x)
        record = str(entry.get("id") or entry.get("link") or i)
        if record in seen:
            record = f"{record}~{i}"
        seen.add(record)
        if not text.strip():
            yield ReadError(name, f"item {i} has no text", record=record)
            continue
        published, date_field = _entry_date(entry)
        meta: dict[str, Any] = {"item": i}
        if date_field:
            meta["date_field"] = date_field
        if parsed.get("version"):
            meta["feed_format"] = parsed["version"]
        tdetail = entry.get("title_detail") or {}
        lang = body_lang or _lang_code(tdetail.get("language")) or feed_lang
        yield Document(key=f"{name}#{record}", text=text, sha256=_sha(text.encode("utf-8")), source=name,
                       record=record, declared_lang=lang, title=title or None, published=published,
                       url=entry.get("link") or None, meta=meta)


MAX_ARTICLE_BYTES = 16 * 2**20  # one .txt/.html article; a larger file is not an article
MAX_FEED_BYTES = 2 * 2**30  # a JSONL file or feed (read whole)
MAX_TEXT_CHARS = 1_000_000  # one article's text, whatever the format


def _too_large(name: str, size: int, limit: int, what: str) -> ReadError:
    return ReadError(name, f"file too large {what} ({size / 2**20:.1f} MB; limit {limit / 2**20:.0f} MB)")


def _iter_file(path: Path, name: str) -> Iterator[Item]:
    kind = _kind(path)
    limit, what = (MAX_FEED_BYTES, "to read") if kind in ("jsonl", "feed") else (MAX_ARTICLE_BYTES, "for one article")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # _read_bytes reports why
    if size > limit:
        raise _too_large(name, size, limit, what)
    data = _read_bytes(path, name)
    if len(data) > limit:  # after decompression
        raise _too_large(name, len(data), limit, what)
    if kind == "text":
        yield from _read_text(name, data)
    elif kind == "html":
        yield from _read_html(name, data)
    elif kind == "jsonl":
        yield from _read_jsonl(name, data)
    elif kind == "feed":
        yield from _read_feed(name, data)
    else:  # named explicitly with an unknown suffix: look at the content
        text, _ = decode_bytes(data, name)
        sniffed = _sniff(text)
        if sniffed == "feed":
            yield from _read_feed(name, data)
        elif sniffed == "html":
            yield from _read_html(name, data)
        else:
            yield from _read_text(name, data)


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------

def _expand(given: str | Path, recursive: bool) -> Iterator[tuple[Path, str]]:
    name = os.fspath(given)
    path = Path(name)
    if not path.is_dir():
        yield path, name
        return
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        rel = Path(root).relative_to(path)
        for f in files:
            if f.startswith(".") or _kind(Path(f)) is None:
                continue
            parts = (*rel.parts, f)
            found.append((parts, os.path.join(name, *parts)))
    for _, full in sorted(found):
        yield Path(full), full


def list_files(paths: Iterable[str | Path] | str | Path, recursive: bool = True) -> list[str]:
    """The files :func:`iter_documents` would read, in the same order (directories expanded)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    return [name for given in paths for _, name in _expand(given, recursive)]


def iter_documents(paths: Iterable[str | Path] | str | Path, recursive: bool = True,
                   on_error: ErrorHandler | None = None) -> Iterator[Document]:
    """Documents from files and directories (directories expanded in sorted order, only
    supported suffixes, hidden entries skipped). Each problem is passed to ``on_error`` and
    reading goes on, or raised when ``on_error`` is None."""
    if isinstance(paths, str | Path):
        paths = [paths]
    for given in paths:
        for path, name in _expand(given, recursive):
            try:
                for item in _iter_file(path, name):
                    if isinstance(item, Document) and len(item.text) > MAX_TEXT_CHARS:
                        item = ReadError(item.key, f"article text too long ({len(item.text):,} characters; "
                                                   f"limit {MAX_TEXT_CHARS:,})")
                    if isinstance(item, ReadError):
                        if on_error is None:
                            raise item
                        on_error(item)
                    else:
                        yield item
            except ReadError as e:
                if on_error is None:
                    raise
                on_error(e)


def read_file(path: str | Path, on_error: ErrorHandler | None = None) -> list[Document]:
    """All documents of one file (a JSONL file or feed gives several). Raises
    :class:`ReadError` on the first problem unless ``on_error`` is given."""
    name = os.fspath(path)
    out: list[Document] = []
    try:
        for item in _iter_file(Path(name), name):
            if isinstance(item, ReadError):
                if on_error is None:
                    raise item
                on_error(item)
            else:
                out.append(item)
    except ReadError as e:
        if on_error is None:
            raise
        on_error(e)
    return out
