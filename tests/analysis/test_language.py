"""Language identification on real news sentences from tests/data/langid/heldout.jsonl.

The held-out file holds sentences copied from public news pages (URL per line); see
docs/language-id.md for how it was collected and how every candidate library scored on it.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from pathlib import Path

import pytest

from tvec.analysis.language import (
    MIN_LETTERS,
    TARGET_LANGUAGES,
    LanguageResult,
    LanguageShare,
    identify,
)

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "langid" / "heldout.jsonl"
# Gold codes of the held-out file -> what identify() reports (Standard Malay is ``msa``).
# Dari (prs) and Iranian Persian (pes) are reported as such where the text shows it, else as
# the macrolanguage ``fas``; here the language counts (any of the three), and the variety is
# checked by the rate tests below.
EXPECTED = {"zsm": "msa"}
PERSIAN = {"pes", "prs"}


def _right(found: str, gold: str) -> bool:
    return found == gold or (gold in PERSIAN and found in PERSIAN | {"fas"})


# Measured long-sentence accuracy is 100% for every language but Indonesian (26/28, 93%: the
# rest is called Malay), Standard Malay (28/30, 93%: the rest is called Indonesian) and English
# (97%); docs/benchmarks.md has the table.
FLOOR = {"ind": 0.9, "msa": 0.9}


def _heldout() -> list[dict[str, str]]:
    with HELDOUT.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _long_by_language() -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _heldout():
        if len(row["text"].split()) >= 5:
            key = row["lang"] + (f"-{row['script']}" if "script" in row else "")
            groups[key].append(row)
    return groups


LONG = _long_by_language()
# A few fixed sentences per language: the first three long ones of each in file order.
SAMPLES = [
    pytest.param(row["text"], EXPECTED.get(row["lang"], row["lang"]), id=f"{key}-{i}")
    for key, rows in sorted(LONG.items())
    for i, row in enumerate(rows[:3])
    if EXPECTED.get(row["lang"], row["lang"]) not in ("ind", "msa")  # their floors check them
]


def test_heldout_covers_every_target_language() -> None:
    gold = {EXPECTED.get(key.split("-")[0], key.split("-")[0]) for key in LONG}
    assert gold - PERSIAN | {"fas"} == TARGET_LANGUAGES
    assert all(len(rows) >= 27 for rows in LONG.values())


@pytest.mark.parametrize(("text", "expected"), SAMPLES)
def test_identifies_heldout_sentence(text: str, expected: str) -> None:
    result = identify(text)
    assert _right(result.primary, expected)
    assert result.languages[0].code == result.primary
    assert result.languages[0].share > 0.9


@pytest.mark.parametrize("key", sorted(LONG))
def test_long_sentence_accuracy_per_language(key: str) -> None:
    rows = LONG[key]
    code = EXPECTED.get(rows[0]["lang"], rows[0]["lang"])
    right = sum(_right(identify(row["text"]).primary, code) for row in rows)
    assert right / len(rows) >= FLOOR.get(code, 0.95), f"{key}: {right}/{len(rows)}"


def test_indonesian_and_malay_are_told_apart_on_clear_cases() -> None:
    indonesian = "Menteri Kesehatan Budi Gunadi Sadikin menghadap Presiden Prabowo untuk melaporkan tren peningkatan kasus COVID-19 di beberapa negara, dan situasi penularannya di Indonesia."  # noqa: E501
    malay = "Beliau berkata projek pembangunan di ibu negara itu juga perlu dipastikan mampu membantu rakyat berpendapatan rendah."  # noqa: E501
    assert identify(indonesian).primary == "ind"
    assert identify(malay).primary == "msa"


def test_scripts_are_reported() -> None:
    assert identify(
        "Ўзбекистон Марказий банки ставкани 10 фоиздан 9 фоизга туширди."
    ).languages == (LanguageShare(code="uzb", share=1.0, script="Cyrl"),)
    latin = identify("Toshkent viloyati hokimligida Prezident raisligida yigʻilish boshlandi.")
    assert latin.languages[0].code == "uzb"
    assert latin.languages[0].script == "Latn"
    assert identify("የአዲስ አበባ ከተማ ምክር ቤት አዋጅ በሙሉ ድምጽ አጸደቀ").languages[0].script == "Ethi"


def test_sorani_is_told_from_persian_and_pashto() -> None:
    sorani = "سەرۆکی حکومەت لەگەڵ کەسایەتییەکانی هەڵەبجە و شارەزوور و هەورامان کۆبووەوە"
    assert identify(sorani).primary == "ckb"
    assert identify(sorani).languages[0].script == "Arab"
    persian = "سخنگوی دولت گفت که طرح حذف چهار صفر از واحد پول ملی کشور به تصویب رسید."
    # An Iranian sentence (the rial losing four zeros, ilna.ir): Persian, and never Dari.
    assert identify(persian).primary in {"fas", "pes"}
    pashto = "د هلمند په مرکز لښکرګاه کې د کرنې او مالدارۍ ریاست اړوند کارکوونکو دوه کسان نیولي دي."
    assert identify(pashto).primary == "pus"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀🔥🙏🏽👍",
        "🇦🇫🇮🇷 !!! ??? 2024-05-01 12:30",
        "ok",
        "hey",  # 3 letters, under MIN_LETTERS
        "سلام",
        "https://example.org/some/long/path?with=query @someone #",
    ],
)
def test_too_short_or_no_letters_is_undetermined(text: str) -> None:
    assert identify(text) == LanguageResult(languages=(), primary="und")


def test_min_letters_rule_counts_letters_not_characters() -> None:
    assert MIN_LETTERS == 5
    assert identify("12345 !!! ... 678 ab").primary == "und"


MIXED = (
    "أعلنت السلطات الكندية أنها تخطط لاستقبال أكثر من 20 ألف لاجئ أفغاني من الأكثر عرضة للخطر "
    "بمن فيهم الناشطات البارزات ونشطاء حقوق الإنسان والصحفيون.\n\n"
    "Canada plans to resettle more than 20,000 vulnerable Afghans, including prominent women "
    "activists, human rights defenders and journalists, the government said on Friday."
)


def test_mixed_arabic_and_english_post_yields_both() -> None:
    result = identify(MIXED)
    codes = {share.code: share for share in result.languages}
    assert set(codes) == {"ara", "eng"}
    assert codes["ara"].script == "Arab"
    assert codes["eng"].script == "Latn"
    assert 0.3 < codes["ara"].share < 0.7
    assert 0.3 < codes["eng"].share < 0.7
    assert abs(sum(s.share for s in result.languages) - 1.0) < 0.01
    assert result.primary in {"ara", "eng", "und"}
    assert result.languages == tuple(sorted(result.languages, key=lambda s: -s.share))


def test_mixed_post_primary_needs_a_majority() -> None:
    assert identify(MIXED, primary_share=0.9).primary == "und"
    assert identify(MIXED, min_share=0.9).languages == ()


def test_two_latin_paragraphs_are_split() -> None:
    text = (
        "The findings of a British government investigation into Downing Street parties have "
        "not yet been handed to the office of the Prime Minister, a junior minister said.\n"
        "Le nouveau gouvernement dirigé par Gabriel Attal comprend au total quatorze ministres "
        "et ministres délégués, a annoncé l'Elysée jeudi soir."
    )
    assert {share.code for share in identify(text).languages} == {"eng", "fra"}


def test_small_foreign_fragment_stays_below_the_share_threshold() -> None:
    text = (
        "د لوګر د اوبو او انرژۍ ریاست مسوولان وایي چې د ملګروملتونو د کرنې او خوړو نړیوال "
        "سازمان (FAO) له لوري د دغه ولایت په کلیو کې کار پیل شوی دی."
    )
    result = identify(text)
    assert [share.code for share in result.languages] == ["pus"]
    assert result.primary == "pus"


def test_candidates_none_uses_the_whole_model() -> None:
    ukrainian = "Уряд України ухвалив рішення про виділення коштів на відновлення зруйнованих шкіл."
    assert identify(ukrainian).primary == "und"  # outside the target languages
    assert identify(ukrainian, candidates=None).primary == "ukr"


def test_candidates_restrict_the_choice() -> None:
    text = "Le gouvernement a annoncé jeudi un modeste remaniement pour relancer le quinquennat."
    assert identify(text).primary == "fra"
    assert identify(text, candidates={"eng", "deu"}).primary in {"eng", "deu", "und"}
    assert identify(text, candidates={"amh"}) == LanguageResult(languages=(), primary="und")


def test_scripts_outside_the_targets_use_the_whole_model() -> None:
    greek = "Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για την οικονομία και τις τιμές."
    result = identify(greek)
    assert result.primary == "ell"
    assert result.languages[0].script == "Grek"


def test_results_are_frozen() -> None:
    result = identify("Bakanlar Kurulu toplantısı bugün saat dokuzda başladı.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.primary = "eng"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.languages[0].share = 0.1  # type: ignore[misc]


# Issue 15 part 5: languages outside the supported set are "und", not the nearest supported one.
OUTSIDE = [
    pytest.param("El gobierno anunció hoy nuevas medidas para la economía del país.", id="spa"),
    pytest.param("La policía detuvo a dos personas en el centro de la ciudad.", id="spa-2"),
    pytest.param("Уряд оголосив нові заходи для підтримки економіки країни.", id="ukr"),
    pytest.param("Президент України зустрівся з представниками громади міста.", id="ukr-2"),
    pytest.param("Үкімет елдің экономикасын қолдау үшін жаңа шараларды жариялады.", id="kaz"),
    pytest.param("Алматы қаласында жаңа мектеп ашылды.", id="kaz-2"),
    pytest.param("መንግስቲ ንቁጠባ ሃገር ንምድጋፍ ሓደስቲ ስጉምትታት ኣብ ዝሓለፈ ሰሙን ኣፍሊጡ እዩ።", id="tir"),
    pytest.param("ኣብ ከተማ ኣስመራ ሓድሽ ቤት ትምህርቲ ተኸፊቱ።", id="tir-2"),
    pytest.param(
        "Hökumət ölkənin iqtisadiyyatını dəstəkləmək üçün yeni tədbirlər elan etdi.", id="aze"
    ),
    pytest.param("Bakıda yeni məktəb açıldı.", id="aze-2"),
]


@pytest.mark.parametrize("text", OUTSIDE)
def test_a_language_outside_the_set_is_undetermined(text: str) -> None:
    result = identify(text)
    assert result.primary == "und"
    assert result.languages == ()


def test_the_neighbours_inside_the_set_are_still_named() -> None:
    assert (
        identify("Hükümet ülkenin ekonomisini desteklemek için yeni önlemler açıkladı.").primary
        == "tur"
    )
    assert (
        identify("Правительство объявило о новых мерах поддержки экономики страны.").primary
        == "rus"
    )
    assert identify("Le gouvernement a annoncé aujourd'hui de nouvelles mesures.").primary == "fra"
    assert identify("መንግሥት የሀገሪቱን ኢኮኖሚ ለመደገፍ አዳዲስ እርምጃዎችን አስታወቀ።").primary == "amh"
    assert (
        identify("Ҳукумат барои дастгирии иқтисоди кишвар чораҳои нав эълон кард.").primary == "tgk"
    )


@pytest.mark.parametrize(
    ("text", "variety"),
    [
        ("پولیس در ولسوالی چهارآسیاب دو تن را بازداشت کرد.", "prs"),
        ("شاروالی شهر امروز اعلام کرد که سرک‌ها بازسازی می‌شوند.", "prs"),
        ("استادان پوهنتون در ماه جنوری معاش نگرفته‌اند.", "prs"),
        ("شهرداری تهران اعلام کرد که خیابان‌ها بازسازی می‌شوند.", "pes"),
        ("پلیس در شهرستان دو نفر را بازداشت کرد.", "pes"),
        ("استادان دانشگاه در فروردین حقوق نگرفته‌اند.", "pes"),
        ("این خبر امروز منتشر شد و مردم از آن استقبال کردند.", "fas"),
    ],
)
def test_dari_and_iranian_persian_where_the_text_shows_it(text: str, variety: str) -> None:
    assert identify(text).primary == variety


def test_short_posts_at_the_exact_variety() -> None:
    """Short held-out items (< 5 words) at the exact variety (``fas`` is wrong for pes/prs).

    Measured 87.6% (403/460), 93.6% (393/420) without Dari and Iranian Persian, whose
    two-to-four-word items seldom show their variety (5 and 5 of 20); docs/benchmarks.md has it
    per language."""
    rows = [row for row in _heldout() if len(row["text"].split()) < 5]
    found = [
        identify(row["text"]).primary == EXPECTED.get(row["lang"], row["lang"]) for row in rows
    ]
    assert sum(found) / len(rows) >= 0.87
    others = [ok for ok, row in zip(found, rows, strict=True) if row["lang"] not in PERSIAN]
    assert sum(others) / len(others) >= 0.93


def _variety_counts(lang: str, short: bool) -> tuple[int, int, int]:
    """(right, the other variety, anything else) for held-out ``lang`` items of that length."""
    right = wrong = other = 0
    for row in _heldout():
        if row["lang"] != lang or (len(row["text"].split()) < 5) != short:
            continue
        found = identify(row["text"]).primary
        right += found == lang
        wrong += found in PERSIAN and found != lang
        other += found not in PERSIAN
    return right, wrong, other


# Measured (docs/benchmarks.md): prs long 18 right / 5 wrong / 7 fas of 30, pes long 18 / 3 / 6
# of 27; short prs 5 / 0 / 13 and pes 5 / 0 / 13 of 20 (2 each another language).
@pytest.mark.parametrize(
    ("lang", "short", "least_right", "most_wrong"),
    [("prs", False, 18, 5), ("pes", False, 18, 3), ("prs", True, 5, 0), ("pes", True, 5, 0)],
)
def test_dari_and_iranian_persian_told_apart_on_the_heldout_set(
    lang: str, short: bool, least_right: int, most_wrong: int
) -> None:
    right, wrong, _other = _variety_counts(lang, short)
    assert right >= least_right
    assert wrong <= most_wrong


@pytest.mark.parametrize(
    ("text", "variety"),
    [
        ("ولسوالی چهارآسیاب", "prs"),  # district: an Afghan administrative word
        ("شفاخانه ولایتی", "prs"),  # hospital, provincial
        ("نرخ دالر", "prs"),  # the Afghan spelling of dollar
        ("شهرداری تهران", "pes"),  # municipality
        ("نرخ دلار", "pes"),  # the Iranian spelling of dollar
        ("دانشگاه تهران", "pes"),
        ("این خبر", "fas"),  # "this news": nothing shows which
        ("سال گذشته", "fas"),  # "last year"
        ("در این باره", "fas"),  # "about this"
    ],
)
def test_short_persian_shows_its_variety_only_when_it_can(text: str, variety: str) -> None:
    assert identify(text).primary == variety


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("د هلمند", "pus"),  # Pashto's genitive particle on its own
        ("د هرات د", "pus"),
        ("د. محمد علي وزير الصحة أعلن اليوم", "ara"),  # Arabic "د." (doctor) is not it
        ("دافغانستان بانک امروز نرخ یک دالر امریکایی را اعلام کرد", "prs"),
    ],
)
def test_pashto_particle(text: str, expected: str) -> None:
    assert identify(text).primary == expected


def test_a_dari_sentence_naming_a_pashto_institution_stays_persian() -> None:
    text = (
        "د افغانستان بانک یا بانک مرکزی میگوید که روز گذشته ۳۲ میلیون دالر امریکایی کمک "
        "نقدی به کابل رسیده است."
    )
    assert identify(text).primary in PERSIAN | {"fas"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Menurutnya, kes itu", "msa"),  # kes: Malay for "case" (Indonesian kasus)
        ("Kerajaan negeri berkata", "msa"),
        ("Polisi menangani kasus itu", "ind"),
        ("Pemerintah mengatakan bahwa", "ind"),
    ],
)
def test_malay_and_indonesian_marker_words(text: str, expected: str) -> None:
    assert identify(text).primary == expected


def _macro(code: str) -> str:
    return "fas" if code in PERSIAN else EXPECTED.get(code, code)


@pytest.mark.parametrize(
    ("main", "other"),
    [("ara", "eng"), ("pus", "prs"), ("rus", "tgk"), ("urd", "eng"), ("som", "eng")],
)
def test_mixed_posts_from_heldout_sentences_name_every_language(main: str, other: str) -> None:
    """Two held-out sentences of ``main`` and the first one of ``other`` holding 25-45% of the
    letters, one per line: both are listed (Persian at the macro level; the variety is in
    docs/benchmarks.md's mixed-text table) and ``main`` first. bench/bench_language.py
    measures 300 such posts over 20 pairs."""
    first = [row["text"] for row in LONG[main][:2]]
    size = sum(len(text) for text in first)
    extra = next(
        row["text"]
        for row in LONG[other]
        if 0.25 <= len(row["text"]) / (len(row["text"]) + size) <= 0.45
    )
    post = "\n".join([*first, extra])
    codes = [_macro(share.code) for share in identify(post).languages]
    assert codes[0] == _macro(main)
    assert _macro(other) in codes
