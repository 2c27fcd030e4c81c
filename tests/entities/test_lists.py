"""Readers of the designation lists (UN, EU, UK, US): what each sample file gives, and
malformed files refused with the file, the line and the element named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tvec.entities.lists import read_list, slugify
from tvec.errors import InvalidFeedError, UsageError

DATA = Path(__file__).parent.parent / "data" / "designations"
BAD = DATA / "malformed"


def test_un_consolidated_list_gives_entities_of_terrorism_regimes_only() -> None:
    listed = read_list("un", DATA / "un.xml")
    assert listed.skipped == {"individual": 1, "list type DPRK": 1}
    assert [(e.list_key, e.reference, e.name, e.listed_on, e.line) for e in listed.entries] == [
        ("UN-1267", "QDe.137", "HAYAT TAHRIR AL-SHAM", dt.date(2014, 5, 14), 21),
        ("UN-1267", "QDe.158", "KATIBAT AL IMAM AL BUKHARI", dt.date(2018, 3, 30), 39),
        ("UN-1267", "QDe.115", "ISLAMIC STATE IN IRAQ AND THE LEVANT", dt.date(2004, 10, 6), 55),
        ("UN-2713", "SOe.001", "AL-SHABAAB", dt.date(2010, 4, 12), 82),
    ]
    hts = listed.entries[0]
    # Aliases of quality Low are left out; the original-script name is kept, script inferred.
    assert [(a.text, a.script) for a in hts.aliases] == [
        ("Al-Nusrah Front for the People of the Levant", "Latn"),
        ("Jabhat Fath al-Sham", "Latn"),
        ("هيئة تحرير الشام", "Arab"),
    ]


def test_eu_list_gives_enterprises_of_the_terrorist_list_with_languages() -> None:
    listed = read_list("eu", DATA / "eu.xml")
    assert listed.skipped == {"person": 1, "programme UKR": 1}
    first, second = listed.entries
    assert (first.list_key, first.reference, first.name) == (
        "EU", "EU.3523.13", "Great Islamic Eastern Warriors Front",
    )  # fmt: skip
    # No designationDate: the earliest publication of a regulation (not an amendment).
    assert first.listed_on == dt.date(2007, 12, 20)
    assert [(a.text, a.lang) for a in first.aliases] == [
        ("IBDA-C", "und"),
        ("İslami Büyük Doğu Akıncılar Cephesi", "tr"),
    ]
    assert second.listed_on == dt.date(2002, 6, 17)  # designationDate
    assert second.reference == "EU.3520.10"


def test_uk_proscribed_page_gives_groups_with_dates_and_bracketed_names() -> None:
    listed = read_list("uk", DATA / "uk.html")
    got = {e.reference: (e.name, [a.text for a in e.aliases], e.listed_on) for e in listed.entries}
    assert got == {
        "hizballah": ("Hizballah", ["Hezbollah"], dt.date(2019, 3, 1)),
        "national-action": ("National Action", [], dt.date(2016, 12, 16)),
        "the-base": ("The Base", [], dt.date(2021, 7, 16)),
        "atomwaffen-division": (
            "Atomwaffen Division", ["National Socialist Order", "AWD"], dt.date(2021, 4, 22),
        ),
        # Only a month: no date, the note keeps what the page says.
        "ulster-freedom-fighters": ("Ulster Freedom Fighters", [], None),
    }  # fmt: skip
    assert listed.entries[-1].note == "proscribed March 2001"


def test_us_fto_page_reads_the_designated_table_not_the_delisted_one() -> None:
    listed = read_list("us", DATA / "us.html")
    assert [(e.name, [a.text for a in e.aliases], e.listed_on) for e in listed.entries] == [
        ("Abu Sayyaf Group", ["ASG"], dt.date(1997, 10, 8)),
        ("Aum Shinrikyo", ["AUM"], dt.date(1997, 10, 8)),
        ("al-Shabaab", [], dt.date(2008, 3, 18)),
        ("Jama'at Nusrat al-Islam wal-Muslimin", ["JNIM"], dt.date(2020, 1, 15)),
        ("Kata'ib Hizballah", ["KH"], dt.date(2021, 1, 14)),
    ]
    assert all(e.list_key == "US-FTO" for e in listed.entries)
    assert "hawatmeh" not in " ".join(e.reference for e in listed.entries)


@pytest.mark.parametrize(
    ("fmt", "name", "where", "problem"),
    [
        ("un", "un_no_reference.xml", ":12", "ENTITY (DATAID 6908600): no REFERENCE_NUMBER"),
        ("un", "un_truncated.xml", ":9", "not well-formed XML"),
        ("un", "un_billion_laughs.xml", ":2", "DOCTYPE or ENTITY declaration is not allowed"),
        ("eu", "eu_xxe.xml", ":2", "DOCTYPE or ENTITY declaration is not allowed"),
        ("eu", "eu_no_name.xml", ":3", "sanctionEntity EU.3520.10: no nameAlias with a wholeName"),
        ("uk", "uk_bad_date.html", ":9", "'National Action': proscription date '16 Decembr 2016'"),
        ("uk", "uk_not_govuk.html", ":1", 'no <div class="govspeak">'),
        (
            "us",
            "us_bad_date.html",
            ":15",
            "'Aum Shinrikyo (AUM)': date '1997-10-08' is not M/D/YYYY",
        ),
        ("us", "us_no_table.html", ":1", "no table with the header row 'Date Designated | Name'"),
        ("un", "../eu.xml", ":2", "not <CONSOLIDATED_LIST>"),
        ("un", "../uk.html", ":1", "DOCTYPE or ENTITY declaration is not allowed"),
        ("eu", "../un.xml", ":2", "not <export"),
    ],
)
def test_malformed_files_are_refused_naming_file_line_and_element(
    fmt: str, name: str, where: str, problem: str
) -> None:
    path = BAD / name
    with pytest.raises(InvalidFeedError) as caught:
        read_list(fmt, path)
    assert caught.value.source == f"{path}{where}"
    assert problem in caught.value.problem


def test_xml_entities_are_never_expanded_even_past_the_prefix_check(tmp_path: Path) -> None:
    # A DOCTYPE pushed past the first 64 KiB by a comment is still refused after parsing,
    # and nothing is read from the file system meanwhile.
    path = tmp_path / "late.xml"
    path.write_text(
        "<?xml version='1.0'?>\n<!--" + "x" * 70000 + "-->\n"
        '<!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<CONSOLIDATED_LIST><ENTITIES/></CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidFeedError, match="DOCTYPE or ENTITY declaration is not allowed"):
        read_list("un", path)


def test_unknown_format_and_missing_file() -> None:
    with pytest.raises(UsageError, match="unknown list format 'ofac'"):
        read_list("ofac", DATA / "un.xml")
    with pytest.raises(InvalidFeedError, match="cannot read"):
        read_list("un", DATA / "nope.xml")


def test_slugs() -> None:
    assert slugify("Jama'at Nusrat al-Islam wal-Muslimin") == "jama-at-nusrat-al-islam-wal-muslimin"
    assert slugify("İslami Büyük Doğu") == "islami-buyuk-dogu"
    assert slugify("هيئة تحرير الشام") == ""
