"""Readers of the official designation lists: UN, EU, UK and US, in their published formats.

:func:`read_list` turns one saved file into :class:`ListEntry` rows (one per listed group:
its list, its reference on that list, its names in every script, its listing date). What
each format is and what is taken from it is described in ``docs/designations.md``; in short:

``un``  The UN Security Council Consolidated List, XML (``consolidated.xml``):
        ``CONSOLIDATED_LIST/ENTITIES/ENTITY`` with ``FIRST_NAME`` (the name),
        ``UN_LIST_TYPE``, ``REFERENCE_NUMBER`` (``QDe.115``), ``LISTED_ON`` (ISO date),
        ``NAME_ORIGINAL_SCRIPT`` and ``ENTITY_ALIAS`` (``QUALITY``, ``ALIAS_NAME``).
        Entities of the list types in :data:`UN_LIST_TYPES` are read; individuals and other
        sanctions regimes are skipped (counted). Aliases of quality ``Low`` are skipped.
``eu``  The EU consolidated financial sanctions list, XML (``xmlFullSanctionsList_1_1``):
        ``export/sanctionEntity`` (``euReferenceNumber``, ``logicalId``, ``designationDate``)
        with ``regulation@programme``, ``subjectType@code`` and ``nameAlias`` (``wholeName``,
        ``nameLanguage``, ``strong``). Enterprises of the programmes in
        :data:`EU_PROGRAMMES` are read; persons and other programmes are skipped.
``uk``  The UK Home Office page "Proscribed terrorist groups or organisations", saved as
        HTML from gov.uk: each group is an ``<h3>`` inside ``div.govspeak`` (its name, with
        acronyms and other names in brackets), followed by paragraphs; a paragraph
        ``Proscribed: 30 March 2001`` (or ``Date proscribed: ...``) gives the date.
``us``  The US State Department page "Foreign Terrorist Organizations", saved as HTML: the
        table whose header row is ``Date Designated | Name``; each row a date (``M/D/YYYY``)
        and a name with acronyms in brackets. Tables of delisted groups are skipped.

XML is parsed by lxml with entity expansion, DTD loading and the network off; a file with a
``<!DOCTYPE`` (the carrier of XXE and "billion laughs" payloads, which no published list
has) is refused before it is parsed.

Errors: :class:`tvec.errors.InvalidFeedError` naming the file and the line (and the element
or row) of the first problem; nothing is returned from a file with a problem.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree, html

from tvec.entities.registry import infer_script
from tvec.errors import InvalidFeedError

__all__ = [
    "EU_PROGRAMMES",
    "FORMATS",
    "LISTS",
    "UN_LIST_TYPES",
    "ListEntry",
    "ListFile",
    "ListInfo",
    "ListedName",
    "read_list",
    "slugify",
]

#: The formats :func:`read_list` reads.
FORMATS = ("un", "eu", "uk", "us")

#: The largest file read (bytes): the full UN list is about 2 MB, the EU one about 25 MB.
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ListInfo:
    """An official list imports point at: jurisdiction, name and official page."""

    jurisdiction: str
    name: str
    source: str


#: Lists imported designations belong to, by list key (the same keys as ``entities.yaml``).
LISTS: dict[str, ListInfo] = {
    "UN-1267": ListInfo(
        "UN",
        "ISIL (Da'esh) and Al-Qaida Sanctions List (resolutions 1267/1989/2253)",
        "https://main.un.org/securitycouncil/en/sanctions/1267/aq_sanctions_list",
    ),
    "UN-1988": ListInfo(
        "UN",
        "1988 Sanctions List (Taliban)",
        "https://main.un.org/securitycouncil/en/sanctions/1988",
    ),
    "UN-2713": ListInfo(
        "UN",
        "Al-Shabaab Sanctions List (resolution 2713)",
        "https://main.un.org/securitycouncil/en/sanctions/2713",
    ),
    "EU": ListInfo(
        "EU",
        "EU terrorist list (Common Position 2001/931/CFSP)",
        "https://www.consilium.europa.eu/en/policies/fight-against-terrorism/terrorist-list/",
    ),
    "UK": ListInfo(
        "UK",
        "Proscribed terrorist groups or organisations (Terrorism Act 2000, Schedule 2)",
        "https://www.gov.uk/government/publications/proscribed-terror-groups-or-organisations--2",
    ),
    "US-FTO": ListInfo(
        "US",
        "Foreign Terrorist Organizations (Department of State)",
        "https://www.state.gov/foreign-terrorist-organizations/",
    ),
}

#: ``UN_LIST_TYPE`` values read from the UN list, and the list key each becomes: the
#: ISIL/Al-Qaida list (references ``QDe.``), the 1988 (Taliban) list (``TAe.``) and the
#: Al-Shabaab list (``SOe.``; the regime of resolution 2713, published as ``Somalia``).
UN_LIST_TYPES = {
    "Al-Qaida": "UN-1267",
    "Taliban": "UN-1988",
    "Somalia": "UN-2713",
    "Al-Shabaab": "UN-2713",
}

#: ``regulation@programme`` values read from the EU list, and the list key each becomes
#: (``TERR``: Council Regulation 2580/2001 implementing Common Position 2001/931/CFSP).
EU_PROGRAMMES = {"TERR": "EU"}

EU_NS = "http://eu.europa.ec/fpi/fsd/export"


@dataclass(frozen=True, slots=True)
class ListedName:
    """One name of a listed group: text, BCP 47 language (``und`` if unknown), ISO 15924
    script (inferred from the letters)."""

    text: str
    lang: str = "und"
    script: str = ""

    def as_dict(self) -> dict[str, str]:
        """``{"text", "lang", "script"}`` as stored."""
        return {"text": self.text, "lang": self.lang, "script": self.script}


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed group.

    Attributes:
        list_key: a key of :data:`LISTS`.
        reference: the group's reference on the list (UN ``QDe.115``, EU ``EU.1.23``); for
            lists without references (UK, US) a slug of the name.
        name: the name it is listed under.
        aliases: its other names (all scripts), without ``name``.
        listed_on: date of listing, or None when the list gives none (or only a month).
        note: what the list says about the date or the listing, in a few words.
        line: line of the file the entry starts on.
    """

    list_key: str
    reference: str
    name: str
    aliases: tuple[ListedName, ...] = ()
    listed_on: dt.date | None = None
    note: str = ""
    line: int | None = None


@dataclass
class ListFile:
    """What :func:`read_list` read: the entries and how many records were skipped
    (individuals, persons, other regimes), by reason."""

    format: str
    path: str
    entries: list[ListEntry] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        """Count one record skipped for ``reason``."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def slugify(text: str) -> str:
    """Lower-case ASCII slug of ``text`` (letters and digits joined by dashes); ``""`` when
    nothing is left (a name in a script with no ASCII letters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def read_list(fmt: str, path: Path) -> ListFile:
    """Read a saved designation list of format ``fmt`` (one of :data:`FORMATS`).

    Raises:
        UsageError: ``fmt`` is unknown.
        InvalidFeedError: the file cannot be read, is not of that format, or an entry lacks
            what the format requires (the message names the file, the line and the element).
    """
    from tvec.errors import UsageError

    readers = {"un": _read_un, "eu": _read_eu, "uk": _read_uk, "us": _read_us}
    if fmt not in readers:
        raise UsageError(f"unknown list format {fmt!r}: use one of {', '.join(FORMATS)}")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidFeedError(str(path), f"file is {size} bytes, over {MAX_BYTES}")
        data = path.read_bytes()
    except OSError as error:
        raise InvalidFeedError(str(path), f"cannot read: {error.strerror}") from None
    result = ListFile(format=fmt, path=str(path))
    readers[fmt](data, str(path), result)
    if not result.entries and not result.skipped:
        raise InvalidFeedError(str(path), f"no entries found: is this a {fmt} list?")
    seen: dict[tuple[str, str], int | None] = {}
    for entry in result.entries:
        key = (entry.list_key, entry.reference)
        if key in seen:
            raise InvalidFeedError(
                f"{path}:{entry.line}",
                f"reference {entry.reference!r} repeats the entry of line {seen[key]}",
            )
        seen[key] = entry.line
    return result


# --- XML -----------------------------------------------------------------------------------


def _xml(data: bytes, origin: str) -> etree._Element:
    """Parse XML safely: no DTD, no entity expansion, no network; a DOCTYPE is refused."""
    doctype = re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536], re.IGNORECASE)
    if doctype is not None:
        line = data[: doctype.start()].count(b"\n") + 1
        raise InvalidFeedError(
            f"{origin}:{line}", "a DOCTYPE or ENTITY declaration is not allowed in a list file"
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        raise InvalidFeedError(f"{origin}:{line}", f"not well-formed XML: {error.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise InvalidFeedError(
            f"{origin}:1", "a DOCTYPE or ENTITY declaration is not allowed in a list file"
        )
    return root


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _iso_date(value: str, where: str, what: str) -> dt.date:
    # UN dates are ``2014-05-30`` (some older exports add a time zone: ``2014-05-30-04:00``).
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise InvalidFeedError(where, f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _name(text: str, lang: str = "und") -> ListedName:
    return ListedName(text, lang or "und", infer_script(text))


def _aliases(name: str, names: list[ListedName]) -> tuple[ListedName, ...]:
    """``names`` without ``name`` and without repeats (compared case-insensitively)."""
    seen = {name.casefold()}
    kept: list[ListedName] = []
    for alias in names:
        key = alias.text.casefold()
        if alias.text and key not in seen:
            seen.add(key)
            kept.append(alias)
    return tuple(kept)


def _read_un(data: bytes, origin: str, result: ListFile) -> None:
    root = _xml(data, origin)
    if root.tag != "CONSOLIDATED_LIST":
        raise InvalidFeedError(
            f"{origin}:{root.sourceline}", f"root element is <{root.tag}>, not <CONSOLIDATED_LIST>"
        )
    entities = root.find("ENTITIES")
    if entities is None and root.find("INDIVIDUALS") is None:
        raise InvalidFeedError(
            f"{origin}:{root.sourceline}", "<CONSOLIDATED_LIST> has no <ENTITIES> or <INDIVIDUALS>"
        )
    for _ in root.iterfind("INDIVIDUALS/INDIVIDUAL"):
        result.skip("individual")
    for entity in entities if entities is not None else ():
        if not isinstance(entity.tag, str):
            continue
        where = f"{origin}:{entity.sourceline}"
        if entity.tag != "ENTITY":
            raise InvalidFeedError(where, f"<{entity.tag}> inside <ENTITIES>, expected <ENTITY>")
        dataid = _text(entity.find("DATAID"))
        label = f"ENTITY (DATAID {dataid})" if dataid else "ENTITY"
        list_type = _text(entity.find("UN_LIST_TYPE"))
        if not list_type:
            raise InvalidFeedError(where, f"{label}: no UN_LIST_TYPE")
        list_key = UN_LIST_TYPES.get(list_type)
        if list_key is None:
            result.skip(f"list type {list_type}")
            continue
        name = _text(entity.find("FIRST_NAME"))
        reference = _text(entity.find("REFERENCE_NUMBER"))
        listed = _text(entity.find("LISTED_ON"))
        for tag, value in (("FIRST_NAME", name), ("REFERENCE_NUMBER", reference)):
            if not value:
                raise InvalidFeedError(where, f"{label}: no {tag}")
        names = [
            _name(_text(alias.find("ALIAS_NAME")))
            for alias in entity.iterfind("ENTITY_ALIAS")
            if _text(alias.find("QUALITY")).casefold() != "low"
        ]
        original = _text(entity.find("NAME_ORIGINAL_SCRIPT"))
        if original:
            names.append(_name(original))
        result.entries.append(
            ListEntry(
                list_key=list_key,
                reference=reference,
                name=name,
                aliases=_aliases(name, names),
                listed_on=_iso_date(listed, where, f"{label}: LISTED_ON") if listed else None,
                note=f"UN {reference}",
                line=entity.sourceline,
            )
        )


def _eu(tag: str) -> str:
    return f"{{{EU_NS}}}{tag}"


def _read_eu(data: bytes, origin: str, result: ListFile) -> None:
    root = _xml(data, origin)
    if root.tag != _eu("export"):
        raise InvalidFeedError(
            f"{origin}:{root.sourceline}",
            f'root element is {root.tag}, not <export xmlns="{EU_NS}">',
        )
    for subject in root.iterfind(_eu("sanctionEntity")):
        where = f"{origin}:{subject.sourceline}"
        reference = subject.get("euReferenceNumber") or subject.get("logicalId") or ""
        label = f"sanctionEntity {reference}" if reference else "sanctionEntity"
        if not reference:
            raise InvalidFeedError(where, f"{label}: no euReferenceNumber or logicalId")
        kind = subject.find(_eu("subjectType"))
        if kind is None or not kind.get("code"):
            raise InvalidFeedError(where, f"{label}: no subjectType with a code")
        regulations = subject.findall(_eu("regulation"))
        if not regulations:
            raise InvalidFeedError(where, f"{label}: no regulation")
        programmes = {r.get("programme", "") for r in regulations}
        keys = sorted({EU_PROGRAMMES[p] for p in programmes if p in EU_PROGRAMMES})
        if kind.get("code") != "enterprise":
            result.skip(kind.get("code") or "")
            continue
        if not keys:
            result.skip(f"programme {'/'.join(sorted(programmes))}")
            continue
        names: list[ListedName] = []
        primary = ""
        for alias in subject.iterfind(_eu("nameAlias")):
            whole = " ".join((alias.get("wholeName") or "").split())
            if not whole:
                continue
            lang = (alias.get("nameLanguage") or "").lower() or "und"
            names.append(_name(whole, lang))
            if not primary and alias.get("strong", "true") == "true":
                primary = whole
        if not names:
            raise InvalidFeedError(where, f"{label}: no nameAlias with a wholeName")
        primary = primary or names[0].text
        listed = subject.get("designationDate") or ""
        if listed:
            listed_on: dt.date | None = _iso_date(listed, where, f"{label}: designationDate")
        else:
            dates = [
                _iso_date(r.get("publicationDate", ""), where, f"{label}: publicationDate")
                for r in regulations
                if r.get("publicationDate") and r.get("regulationType") == "regulation"
            ]
            listed_on = min(dates) if dates else None
        for list_key in keys:
            result.entries.append(
                ListEntry(
                    list_key=list_key,
                    reference=reference,
                    name=primary,
                    aliases=_aliases(primary, names),
                    listed_on=listed_on,
                    note=f"EU {reference}",
                    line=subject.sourceline,
                )
            )


# --- HTML ----------------------------------------------------------------------------------

_BRACKETS = re.compile(r"\(([^()]*)\)")
_ALSO = re.compile(r",?\s*(?:also known as|aka|a\.k\.a\.|including)\s+", re.IGNORECASE)
_PROSCRIBED = re.compile(r"^(?:date\s+)?proscribed\s*(?::|on|in)?\s*(.+?)\.?$", re.IGNORECASE)


def _html(data: bytes, origin: str) -> html.HtmlElement:
    if not data.strip():
        raise InvalidFeedError(f"{origin}:1", "the file is empty")
    parser = html.HTMLParser(no_network=True, remove_comments=True, encoding="utf-8")
    try:
        return html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise InvalidFeedError(f"{origin}:1", f"not HTML: {error}") from None


def _split_names(text: str) -> tuple[str, list[str]]:
    """``Abu Sayyaf Group (ASG)`` -> ``("Abu Sayyaf Group", ["ASG"])``; names in brackets
    and after "also known as" / "including" become aliases (split at ``,`` ``;`` ``/``)."""
    bracketed = [b.strip() for b in _BRACKETS.findall(text)]
    plain = " ".join(_BRACKETS.sub(" ", text).split())
    parts = _ALSO.split(plain)
    name = parts[0].strip(" ,;")
    others: list[str] = []
    for chunk in (*parts[1:], *bracketed):
        others.extend(p.strip(" ,;") for p in re.split(r"[;,/]", chunk) if p.strip(" ,;"))
    return name, others


def _month_date(text: str) -> dt.date | None:
    for pattern in ("%d %B %Y", "%d %b %Y", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _read_uk(data: bytes, origin: str, result: ListFile) -> None:
    page = _html(data, origin)
    bodies = page.find_class("govspeak")
    if not bodies:
        raise InvalidFeedError(
            f"{origin}:1", 'no <div class="govspeak">: not a gov.uk publication page'
        )
    for body in bodies:
        for heading in body.iter("h3"):
            where = f"{origin}:{heading.sourceline}"
            title = _text(heading)
            name, others = _split_names(title)
            if not name:
                raise InvalidFeedError(where, "<h3> without a group name")
            listed_on: dt.date | None = None
            note = ""
            sibling = heading.getnext()
            while sibling is not None and sibling.tag not in ("h2", "h3"):
                found = _PROSCRIBED.match(_text(sibling))
                if found:
                    note = f"proscribed {found.group(1)}"
                    listed_on = _month_date(found.group(1))
                    if listed_on is None and not re.fullmatch(
                        r"[A-Za-z]+ \d{4}", found.group(1).strip()
                    ):
                        raise InvalidFeedError(
                            f"{origin}:{sibling.sourceline}",
                            f"{name!r}: proscription date {found.group(1)!r} is not a date "
                            "(30 March 2001 or March 2001)",
                        )
                    break
                sibling = sibling.getnext()
            reference = slugify(name)
            if not reference:
                raise InvalidFeedError(where, f"{name!r}: the name has no Latin letters")
            result.entries.append(
                ListEntry(
                    list_key="UK",
                    reference=reference,
                    name=name,
                    aliases=_aliases(name, [_name(o) for o in others]),
                    listed_on=listed_on,
                    note=note,
                    line=heading.sourceline,
                )
            )
    if not result.entries:
        raise InvalidFeedError(f"{origin}:1", "no group headings (<h3>) in the page's govspeak")


def _cells(row: etree._Element) -> list[str]:
    return [_text(cell) for cell in row if cell.tag in ("td", "th")]


def _read_us(data: bytes, origin: str, result: ListFile) -> None:
    page = _html(data, origin)
    found_table = False
    for table in page.iter("table"):
        rows = list(table.iter("tr"))
        if not rows:
            continue
        header = [cell.casefold() for cell in _cells(rows[0])]
        if header[:2] != ["date designated", "name"]:
            continue
        found_table = True
        for row in rows[1:]:
            where = f"{origin}:{row.sourceline}"
            cells = _cells(row)
            if not any(cells):
                continue
            if len(cells) < 2 or not cells[1]:
                raise InvalidFeedError(where, f"table row {cells!r}: expected a date and a name")
            try:
                listed_on = dt.datetime.strptime(cells[0], "%m/%d/%Y").date()
            except ValueError:
                raise InvalidFeedError(
                    where, f"table row {cells[1]!r}: date {cells[0]!r} is not M/D/YYYY"
                ) from None
            name, others = _split_names(cells[1])
            reference = slugify(name)
            if not reference:
                raise InvalidFeedError(where, f"table row {cells[1]!r}: no Latin letters")
            result.entries.append(
                ListEntry(
                    list_key="US-FTO",
                    reference=reference,
                    name=name,
                    aliases=_aliases(name, [_name(o) for o in others]),
                    listed_on=listed_on,
                    note=f"designated {cells[0]}",
                    line=row.sourceline,
                )
            )
    if not found_table:
        raise InvalidFeedError(
            f"{origin}:1", "no table with the header row 'Date Designated | Name'"
        )
