"""Dates in a sentence: explicit (20 January 2015, ۲۹ دی ۱۳۹۳) and relative to the publication date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .lexicon import Lexicon
from .tagging import Item


@dataclass(slots=True)
class DateValue:
    iso: str | None  # YYYY, YYYY-MM or YYYY-MM-DD when resolved
    text: str  # as stated


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> dt.date:
    """Solar Hijri (Jalali) to Gregorian (the jalaali algorithm)."""
    jy += 1595
    days = -355668 + 365 * jy + (jy // 33) * 8 + ((jy % 33) + 3) // 4 + jd
    days += (jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186
    gy = 400 * (days // 146097)
    days %= 146097
    if days > 36524:
        days -= 1
        gy += 100 * (days // 36524)
        days %= 36524
        if days >= 365:
            days += 1
    gy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        gy += (days - 1) // 365
        days = (days - 1) % 365
    gd = days + 1
    leap = (gy % 4 == 0 and gy % 100 != 0) or gy % 400 == 0
    months = [0, 31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    gm = 1
    while gm <= 12 and gd > months[gm]:
        gd -= months[gm]
        gm += 1
    return dt.date(gy, gm, gd)


def _num(it: Item) -> int | None:
    t = it.fold
    return int(t) if re.fullmatch(r"\d{1,4}", t) else None


def sentence_date(items: list[Item], lex: Lexicon, published: dt.date | None) -> DateValue | None:
    n = len(items)
    for i, it in enumerate(items):
        for cue in ("month", "jmonth"):
            if cue not in it.cues:
                continue
            month = it.cues[cue][0]
            day = _num(items[i - 1]) if i > 0 else None
            if day is not None and not 1 <= day <= 31:
                day = None
            year = None
            end = i + 1
            for k in range(i + 1, min(n, i + 4)):
                v = _num(items[k])
                if v is not None and v >= 1000:
                    year, end = v, k + 1
                    break
            if year is None:
                window = " ".join(x.fold for x in items[i + 1:i + 4])
                if any(m in window for m in lex.this_year):
                    end = min(n, i + 3)
                    if published:
                        year = published.year
            start = i - 1 if day is not None else i
            text = " ".join(x.text for x in items[start:end])
            if cue == "jmonth":
                if year is None or not 1300 <= year <= 1500:
                    continue
                g = jalali_to_gregorian(year, month, day or 1)
                return DateValue(g.isoformat() if day else f"{g.year:04d}-{g.month:02d}", text)
            if year is None:
                return DateValue(None, text)
            if day:
                try:
                    return DateValue(dt.date(year, month, day).isoformat(), text)
                except ValueError:
                    return DateValue(f"{year:04d}-{month:02d}", text)
            return DateValue(f"{year:04d}-{month:02d}", text)
    for i, it in enumerate(items):
        if "weekday" in it.cues:
            wd = it.cues["weekday"][0]
            window = " ".join(x.fold for x in items[i + 1:i + 3])
            text = " ".join(x.text for x in items[i:i + 2] if x is it or any(
                m in x.fold for m in lex.past_marker + lex.next_marker))
            if published is None:
                return DateValue(None, text)
            delta = (published.weekday() - wd) % 7
            if any(m in window for m in lex.next_marker):
                delta = -((wd - published.weekday()) % 7 or 7)
            elif any(m in window for m in lex.past_marker):
                delta = delta or 7
            return DateValue((published - dt.timedelta(days=delta)).isoformat(), text)
        if "relday" in it.cues:
            off = it.cues["relday"][0]
            if published is None:
                return DateValue(None, it.text)
            return DateValue((published + dt.timedelta(days=off)).isoformat(), it.text)
    return None
