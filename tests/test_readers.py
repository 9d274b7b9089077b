"""Readers on the seed articles and on small files of every supported kind."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
from pathlib import Path

import pytest
from ddkg.ingest.documents import Document, ReadError
from ddkg.ingest.readers import decode_bytes, html_to_text, iter_documents, parse_date, read_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


def seed_text(i: int) -> str:
    return seed_files()[i].read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# seeds and plain text
# ---------------------------------------------------------------------------------------------

@needs_seeds
def test_seed_files_read_exactly():
    files = seed_files()
    assert len(files) == 5
    for f in files:
        (doc,) = read_file(str(f))
        assert isinstance(doc, Document)
        assert doc.key == str(f) and doc.source == str(f) and doc.record is None
        assert doc.sha256 == hashlib.sha256(Path(f).read_bytes()).hexdigest()
        assert doc.text == f.read_bytes().decode("utf-8")
        assert doc.meta["encoding"] == "utf-8"
        assert doc.published is None and doc.title is None


@needs_seeds
def test_iter_documents_directory_sorted(tmp_path):
    docs = list(iter_documents([SEEDS]))
    assert [d.key for d in docs] == [str(f) for f in seed_files()]
    # path as given: a str argument keeps its spelling
    given = str(SEEDS) + "/"
    assert all(d.key.startswith(given) for d in iter_documents(given))
    assert len(read_file(SEEDS / "000_75d71566662e0591.txt")) == 1


@needs_seeds
@pytest.mark.parametrize("encoding,bom", [("utf-16-le", True), ("utf-16-be", True),
                                           ("utf-16-le", False), ("utf-16-be", False)])
def test_utf16_with_and_without_bom(tmp_path, encoding, bom):
    for i in (0, 3):  # Arabic and Persian
        text = seed_text(i)
        data = text.encode(encoding)
        if bom:
            data = ("\ufeff").encode(encoding) + data
        p = tmp_path / f"u16_{i}.txt"
        p.write_bytes(data)
        (doc,) = read_file(p)
        assert doc.text == text
        assert doc.meta["encoding"] == encoding
        assert doc.sha256 == hashlib.sha256(data).hexdigest()


@needs_seeds
def test_utf8_bom(tmp_path):
    text = seed_text(4)
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (doc,) = read_file(p)
    assert doc.text == text and doc.meta["bom"] is True
    assert doc.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


@needs_seeds
def test_windows_1256_arabic(tmp_path):
    for i in (0, 1, 2):
        text = seed_text(i).replace("“", '"').replace("”", '"')
        data = text.encode("cp1256")
        p = tmp_path / f"w1256_{i}.txt"
        p.write_bytes(data)
        (doc,) = read_file(p)
        assert doc.text == text
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
    # a single short line too
    line = seed_text(0).splitlines()[0][:80]
    p = tmp_path / "short1256.txt"
    p.write_bytes(line.encode("cp1256"))
    assert read_file(p)[0].text == line


def test_declared_charset_in_html_is_used():
    page = ('<html><head><meta charset="windows-1256"><title>t</title></head><body><p>'
            + "وزير الدفاع الروسي " * 3 + "</p></body></html>")
    text, meta = decode_bytes(page.encode("cp1256"))
    assert text == page and meta["encoding"] == "cp1256"


@needs_seeds
def test_truncated_utf8(tmp_path):
    text = seed_text(3).rstrip() + " دیدار"  # ends with a two-byte letter
    data = text.encode("utf-8")
    last = text[-1].encode("utf-8")
    assert len(last) > 1
    cut = data[: len(data) - len(last) + 1]  # first byte of the last character only
    p = tmp_path / "trunc.txt"
    p.write_bytes(cut)
    (doc,) = read_file(p)
    assert doc.text == text[:-1] + "\ufffd"
    assert doc.meta["truncated"] is True and "decode_note" in doc.meta
    assert doc.sha256 == hashlib.sha256(cut).hexdigest()


@needs_seeds
def test_damaged_utf8_keeps_utf8(tmp_path):
    text = seed_text(2)
    data = bytearray(text.encode("utf-8"))
    i = len(data) // 2
    while data[i] & 0xC0 != 0xC0:  # the lead byte of a multi-byte character
        i += 1
    data[i] = 0xFF
    p = tmp_path / "damaged.txt"
    p.write_bytes(bytes(data))
    (doc,) = read_file(p)
    assert doc.meta["encoding"] == "utf-8" and doc.meta["invalid_utf8"] >= 1
    assert doc.text.count("\ufffd") == doc.meta["invalid_utf8"]
    assert doc.text[:100] == text[:100] and doc.text[-100:] == text[-100:]


def test_truncated_utf16(tmp_path):
    data = "سلام دنیا".encode("utf-16-le")[:-1]
    p = tmp_path / "t16.txt"
    p.write_bytes(b"\xff\xfe" + data)
    (doc,) = read_file(p)
    assert doc.text == "سلام دنی\ufffd" and doc.meta["truncated"] is True


def test_binary_refused(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert str(e.value) == f"{p}: not a text file (binary content)"
    assert "\n" not in str(e.value)
    png = tmp_path / "image.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)))
    with pytest.raises(ReadError, match="binary content"):
        read_file(png)
    ctrl = tmp_path / "ctrl.txt"
    ctrl.write_bytes(b"\x01\x02\x03\x04\x05\x06\x07\x08abc" * 50)
    with pytest.raises(ReadError, match="binary content"):
        read_file(ctrl)


def test_empty_and_missing(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert str(e.value) == f"{p}: file is empty"
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(ReadError, match="file is empty"):
        read_file(blank)
    missing = tmp_path / "missing.txt"
    with pytest.raises(ReadError) as e:
        list(iter_documents([missing]))
    assert str(e.value) == f"{missing}: no such file"


def test_relative_key_is_path_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("Tehran hosted the talks.", encoding="utf-8")
    (doc,) = read_file("a.txt")
    assert doc.key == "a.txt" and doc.source == "a.txt"


def test_gzip_text(tmp_path):
    raw = b"Iran and Russia held talks.\n"
    p = tmp_path / "a.txt.gz"
    p.write_bytes(gzip.compress(raw))
    (doc,) = read_file(p)
    assert doc.text == raw.decode() and doc.sha256 == hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

ARTICLE = [
    "Iranian Defence Minister Brigadier General Hossein Dehghan met his Russian counterpart Sergei "
    "Shoigu in Moscow on Wednesday on the sidelines of the fifth Moscow Conference on International Security.",
    "The two ministers discussed bilateral military cooperation, the situation in Syria and the fight "
    "against terrorism, according to the Iranian defence ministry.",
    "Dehghan said the relations between Tehran and Moscow were strategic and that both countries opposed "
    "foreign intervention in the affairs of regional states.",
    "Shoigu said Russia was ready to expand defence cooperation with Iran, including training and joint "
    "exercises, and praised the role of Iran in the fight against terrorism in Syria.",
]

PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Iran and Russia defence ministers meet in Moscow | Example News</title>
<meta property="og:title" content="Iran and Russia defence ministers meet in Moscow">
<meta property="article:published_time" content="2016-04-27T10:30:00+03:00">
<link rel="canonical" href="https://news.example.org/2016/04/27/iran-russia-defence">
</head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/newsletter">Subscribe to our newsletter</a></li></ul></nav></header>
<main>
<article>
<h1>Iran and Russia defence ministers meet in Moscow</h1>
@ARTICLE@
</article>
<section id="comments" class="comments">
<h3>Comments</h3>
<div class="comment"><p>Reader123 wrote: This is a fantastic development for regional peace, thanks!</p></div>
<div class="comment"><p>AnotherReader wrote: I disagree completely with this assessment of the meeting.</p></div>
</section>
</main>
<footer><p>Copyright 2016 Example News. All rights reserved. Privacy policy. Contact us.</p></footer>
</body>
</html>
"""
PAGE = PAGE_TEMPLATE.replace("@ARTICLE@", "\n".join(f"<p>{p}</p>" for p in ARTICLE))


def test_html_article_body_only(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(PAGE, encoding="utf-8")
    (doc,) = read_file(p)
    for para in ARTICLE:
        assert para in doc.text
    for chrome in ("Subscribe", "Reader123", "AnotherReader", "Copyright", "Home"):
        assert chrome not in doc.text
    assert doc.title == "Iran and Russia defence ministers meet in Moscow"
    assert doc.published == datetime.date(2016, 4, 27)
    assert doc.url == "https://news.example.org/2016/04/27/iran-russia-defence"
    assert doc.declared_lang == "en"
    assert doc.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert doc.key == str(p)


def test_html_without_date_metadata_has_no_date(tmp_path):
    page = PAGE.replace('<meta property="article:published_time" content="2016-04-27T10:30:00+03:00">', "")
    page = page.replace("/2016/04/27/", "/")
    p = tmp_path / "nodate.htm"
    p.write_text(page, encoding="utf-8")
    (doc,) = read_file(p)
    assert doc.published is None


def test_html_without_article(tmp_path):
    p = tmp_path / "nav.html"
    p.write_text("<html><head><title>Menu</title></head><body><div class='menu'><ul><li><a href='/'>Home</a>"
                 "</li><li><a href='/x'>World</a></li></ul></div><footer>Copyright 2020</footer></body></html>",
                 encoding="utf-8")
    with pytest.raises(ReadError) as e:
        read_file(p)
    assert str(e.value) == f"{p}: no article text found"


# ---------------------------------------------------------------------------------------------
# feeds
# ---------------------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>Example defence news</title>
<link>https://news.example.org/</link>
<description>Defence diplomacy</description>
<language>en-us</language>
<item>
<title>Iran and Russia sign defence cooperation agreement</title>
<link>https://news.example.org/a1</link>
<guid>https://news.example.org/a1</guid>
<pubDate>Sun, 20 Jan 2019 09:15:00 +0330</pubDate>
<description><![CDATA[<p>Iranian Defence Minister <b>Amir Hatami</b> and his Russian counterpart signed a
memorandum in Tehran.</p><p>The deal covers training.</p><script>var x = 1;</script>]]></description>
</item>
<item>
<title>Shoigu visits Tehran</title>
<link>https://news.example.org/a2</link>
<guid isPermaLink="false">item-2</guid>
<pubDate>Tue, 18 Jan 2022 23:30:00 -0500</pubDate>
<description>Russian Defence Minister Sergei Shoigu arrived in Tehran &amp; met officials.</description>
</item>
</channel>
</rss>
"""


@pytest.mark.parametrize("name", ["feed.rss", "feed.xml", "feed.html", "feed.download"])
def test_rss_feed_two_items(tmp_path, name):
    p = tmp_path / name
    p.write_text(RSS, encoding="utf-8")
    docs = read_file(p)
    assert [d.record for d in docs] == ["https://news.example.org/a1", "item-2"]
    a, b = docs
    assert a.key == f"{p}#https://news.example.org/a1" and a.source == str(p)
    assert a.text == ("Iran and Russia sign defence cooperation agreement\n"
                      "Iranian Defence Minister Amir Hatami and his Russian counterpart signed a memorandum "
                      "in Tehran.\nThe deal covers training.")
    assert "<" not in a.text and "var x" not in a.text
    assert b.text == "Shoigu visits Tehran\nRussian Defence Minister Sergei Shoigu arrived in Tehran & met officials."
    assert a.title == "Iran and Russia sign defence cooperation agreement"
    assert a.published == datetime.date(2019, 1, 20)
    assert b.published == datetime.date(2022, 1, 18)  # the date as published, not shifted to UTC
    assert a.url == "https://news.example.org/a1"
    assert a.declared_lang == "en"
    for d in docs:
        assert d.sha256 == hashlib.sha256(d.text.encode("utf-8")).hexdigest()


def test_atom_feed(tmp_path):
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fa">
  <title>خبرها</title>
  <id>urn:example:feed</id>
  <updated>2017-03-01T12:00:00Z</updated>
  <entry>
    <title>دیدار وزیران دفاع ایران و روسیه</title>
    <id>urn:example:1</id>
    <link href="https://example.ir/1"/>
    <published>2016-04-27T08:00:00+04:30</published>
    <updated>2016-04-28T08:00:00+04:30</updated>
    <content type="html">&lt;p&gt;وزیر دفاع ایران با همتای روسی خود در مسکو دیدار کرد.&lt;/p&gt;</content>
  </entry>
</feed>"""
    p = tmp_path / "news.atom"
    p.write_text(atom, encoding="utf-8")
    (doc,) = read_file(p)
    assert doc.text == "دیدار وزیران دفاع ایران و روسیه\nوزیر دفاع ایران با همتای روسی خود در مسکو دیدار کرد."
    assert doc.record == "urn:example:1" and doc.published == datetime.date(2016, 4, 27)
    assert doc.declared_lang == "fa" and doc.url == "https://example.ir/1"


def test_xml_that_is_not_a_feed(tmp_path):
    p = tmp_path / "data.xml"
    p.write_text('<?xml version="1.0"?><catalog><book id="1">x</book></catalog>', encoding="utf-8")
    with pytest.raises(ReadError, match="feed"):
        read_file(p)


# ---------------------------------------------------------------------------------------------
# JSONL
# ---------------------------------------------------------------------------------------------

def _jsonl(tmp_path) -> Path:
    lines = [
        json.dumps({"id": "r1", "lang": "ar", "title": "عنوان", "date": "2018-08-28 09:30:00",
                    "url": "https://example.com/1", "text": "وزير الدفاع الإيراني في موسكو", "outlet": "x"},
                   ensure_ascii=False),
        json.dumps({"lang": "fa-IR", "text": "وزیر دفاع ایران", "date": "۱۱:۵۸ ۱۴۰۲-۵-۲۷"}, ensure_ascii=False),
        '{"id": "r3", "text": "broken',
        "",
        json.dumps({"id": "r5", "title": "no text here"}),
        json.dumps({"id": 6, "text": "Iran and Russia", "lang": "en", "date": "2020-02-30"}),
    ]
    p = tmp_path / "a.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_jsonl_records_and_errors(tmp_path):
    p = _jsonl(tmp_path)
    errors: list[ReadError] = []
    docs = list(iter_documents([p], on_error=errors.append))
    assert [str(e) for e in errors] == [f"{p}:3: line is not valid JSON", f'{p}:5: record has no "text"']
    assert [e.line for e in errors] == [3, 5]
    assert [d.record for d in docs] == ["r1", "2", "6"]
    a, b, c = docs
    assert a.key == f"{p}#r1" and a.source == str(p)
    assert a.text == "وزير الدفاع الإيراني في موسكو"
    assert a.sha256 == hashlib.sha256(a.text.encode("utf-8")).hexdigest()
    assert a.declared_lang == "ar" and a.title == "عنوان" and a.url == "https://example.com/1"
    assert a.published == datetime.date(2018, 8, 28)
    assert a.meta["outlet"] == "x" and a.meta["line"] == 1
    assert b.declared_lang == "fa"
    assert b.published is None and b.meta["date_raw"] == "۱۱:۵۸ ۱۴۰۲-۵-۲۷"  # Solar Hijri: not guessed
    assert c.published is None  # invalid date


def test_jsonl_raises_without_handler(tmp_path):
    p = _jsonl(tmp_path)
    got = []
    with pytest.raises(ReadError) as e:
        for d in iter_documents([p]):
            got.append(d.record)
    assert str(e.value) == f"{p}:3: line is not valid JSON"
    assert got == ["r1", "2"]
    with pytest.raises(ReadError):
        read_file(p)
    errors: list[ReadError] = []
    assert len(read_file(p, on_error=errors.append)) == 3 and len(errors) == 2


def test_json_array_and_pretty_object(tmp_path):
    arr = tmp_path / "arr.json"
    arr.write_text(json.dumps([{"id": "x", "text": "one"}, {"text": "two"}], indent=2), encoding="utf-8")
    assert [(d.record, d.text) for d in read_file(arr)] == [("x", "one"), ("2", "two")]
    obj = tmp_path / "obj.json"
    obj.write_text(json.dumps({"text": "only one", "lang": "en"}, indent=2), encoding="utf-8")
    (d,) = read_file(obj)
    assert d.text == "only one" and d.record == "1"


def test_jsonl_invalid_utf8_line(tmp_path):
    p = tmp_path / "b.jsonl"
    p.write_bytes(b'{"text": "ok"}\n{"text": "\xff\xfe bad"}\n{"text": "fine"}\n')
    errors: list[ReadError] = []
    docs = read_file(p, on_error=errors.append)
    assert [d.text for d in docs] == ["ok", "fine"]
    assert [str(e) for e in errors] == [f"{p}:2: line is not valid UTF-8"]


@pytest.mark.skipif(not (SHARED / "corpora" / "news" / "fa" / "defense_fa.jsonl").is_file(),
                    reason="shared/corpora/news not available")
def test_real_corpus_jsonl():
    p = SHARED / "corpora" / "news" / "fa" / "defense_fa.jsonl"
    docs = read_file(p)
    lines = [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(docs) == len(lines)
    for d, rec in zip(docs, lines, strict=True):
        assert d.record == rec["id"] and d.text == rec["text"] and d.declared_lang == "fa"
        assert d.sha256 == hashlib.sha256(rec["text"].encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# directories, dates, helpers
# ---------------------------------------------------------------------------------------------

def test_directory_walk_and_errors(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "c.txt").write_text("third", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first", encoding="utf-8")
    (tmp_path / "a2.text").write_text("second", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / "z.txt").write_bytes(b"")
    errors: list[ReadError] = []
    docs = list(iter_documents([tmp_path], on_error=errors.append))
    assert [d.text for d in docs] == ["first", "second", "third"]
    assert [str(e) for e in errors] == [f"{tmp_path / 'z.txt'}: file is empty"]
    flat = list(iter_documents(tmp_path, recursive=False, on_error=lambda e: None))
    assert [d.text for d in flat] == ["first", "second"]
    with pytest.raises(ReadError, match="file is empty"):
        list(iter_documents([tmp_path]))


def test_parse_date():
    assert parse_date("2018-08-28") == datetime.date(2018, 8, 28)
    assert parse_date("2015-07-24 08:50:02") == datetime.date(2015, 7, 24)
    assert parse_date("2016-04-27T23:30:00-05:00") == datetime.date(2016, 4, 27)
    assert parse_date("Sun, 20 Jan 2019 09:15:00 +0330") == datetime.date(2019, 1, 20)
    assert parse_date("۲۰۱۸-۰۸-۲۸") == datetime.date(2018, 8, 28)
    for bad in ("", "yesterday", "1402-05-27", "2020-13-01", None, 5):
        assert parse_date(bad) is None


def test_html_to_text():
    assert html_to_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\nc\nd"
    assert html_to_text("plain &quot;text&quot;") == 'plain "text"'


def test_read_error_is_one_line():
    e = ReadError("f.txt", "bad\nthing")
    assert str(e) == "f.txt: bad thing"
    assert str(ReadError("a.jsonl", "line is not valid JSON", line=3)) == "a.jsonl:3: line is not valid JSON"
