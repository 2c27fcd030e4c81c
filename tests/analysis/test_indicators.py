"""Indicator matching: disguised spellings find the right entity and span; ordinary words don't.

Every case is synthetic: a name, disguised, inside a neutral sentence. No real propaganda text.
"""

from __future__ import annotations

import pytest

from tvec.analysis.indicators import IndicatorHit, IndicatorMatcher, effective_mode
from tvec.entities import Alias, EntityRegistry
from tvec.text.normalize import normalize


@pytest.fixture(scope="module")
def matcher() -> IndicatorMatcher:
    return IndicatorMatcher.from_registry(EntityRegistry.load_default())


ZW = "\u200b"  # zero-width space
ZWNJ = "\u200c"
ZWJ = "\u200d"

# (label, text, entity id, outlet id or None, expected original substring)
POSITIVES: list[tuple[str, str, str, str | None, str]] = [
    # --- Latin, plain and spelling variants
    ("latin-isis", "Fighters loyal to ISIS attacked", "islamic-state", None, "ISIS"),
    ("latin-isil-lower", "the isil claim was false", "islamic-state", None, "isil"),
    ("latin-daesh", "Daesh said nothing", "islamic-state", None, "Daesh"),
    ("latin-daesh-apos", "reports on Da'esh today", "islamic-state", None, "Da'esh"),
    (
        "latin-isil-full",
        "the Islamic State of Iraq and the Levant.",
        "islamic-state",
        None,
        "Islamic State of Iraq and the Levant",
    ),
    ("latin-hashtag", "#IslamicState trending", "islamic-state", None, "IslamicState"),
    ("latin-shabaab", "al-Shabaab fighters", "al-shabaab", None, "al-Shabaab"),
    ("latin-shabab", "Al Shabab said", "al-shabaab", None, "Al Shabab"),
    ("latin-shabaab-joined", "alshabaab news", "al-shabaab", None, "alshabaab"),
    ("latin-hezbollah", "Hezbollah statement", "hizballah", None, "Hezbollah"),
    ("latin-hizbullah-caps", "HIZBULLAH rally", "hizballah", None, "HIZBULLAH"),
    ("latin-ansarallah", "said ansar allah today", "houthis", None, "ansar allah"),
    (
        "latin-ttp-long",
        "Tehreek-e-Taliban Pakistan claimed",
        "ttp",
        None,
        "Tehreek-e-Taliban Pakistan",
    ),
    ("latin-boko", "Boko Haram", "boko-haram", None, "Boko Haram"),
    ("latin-awd", "Atomwaffen Division cell", "atomwaffen-division", None, "Atomwaffen Division"),
    (
        "latin-fkd",
        "the Feuerkrieg Division chat",
        "feuerkrieg-division",
        None,
        "Feuerkrieg Division",
    ),
    (
        "latin-rim",
        "Russian Imperial Movement",
        "russian-imperial-movement",
        None,
        "Russian Imperial Movement",
    ),
    (
        "latin-nrm-sv",
        "Nordiska motståndsrörelsen demonstrerade",
        "nordic-resistance-movement",
        None,
        "Nordiska motståndsrörelsen",
    ),
    ("latin-pkk-tr", "Kürdistan İşçi Partisi açıklaması", "pkk", None, "Kürdistan İşçi Partisi"),
    ("latin-fr-accent", "ETAT ISLAMIQUE revendique", "islamic-state", None, "ETAT ISLAMIQUE"),
    ("latin-es-noaccent", "el Estado Islamico dijo", "islamic-state", None, "Estado Islamico"),
    ("latin-ttp-exact", "a TTP attack", "ttp", None, "TTP"),
    ("latin-iskp-dash", "ISIS-K claimed", "islamic-state-khorasan", None, "ISIS-K"),
    # --- leetspeak
    ("leet-1s1s", "Statement from 1S1S today", "islamic-state", None, "1S1S"),
    ("leet-dollar", "I$I$ forever", "islamic-state", None, "I$I$"),
    ("leet-hamas", "h4m4s channel", "hamas", None, "h4m4s"),
    ("leet-shabaab", "al-5hab4ab media", "al-shabaab", None, "al-5hab4ab"),
    ("leet-hezbollah", "H3zb0llah", "hizballah", None, "H3zb0llah"),
    ("leet-at-sign", "Al-Q@eda cells", "al-qaida", None, "Al-Q@eda"),
    ("leet-daesh", "D4esh news", "islamic-state", None, "D4esh"),
    ("leet-iskp", "1SKP video", "islamic-state-khorasan", None, "1SKP"),
    ("leet-atomwaffen", "Atomw4ffen", "atomwaffen-division", None, "Atomw4ffen"),
    ("leet-terrorgram", "T3rrorgr4m", "terrorgram-collective", None, "T3rrorgr4m"),
    ("leet-one-as-l", "a1-Shabaab", "al-shabaab", None, "a1-Shabaab"),
    ("leet-a1-qaeda", "A1 Qaeda", "al-qaida", None, "A1 Qaeda"),
    ("leet-trailing-dollar", "ISI$ and more", "islamic-state", None, "ISI$"),
    ("leet-capital-i-for-l", "AI-Shabaab", "al-shabaab", None, "AI-Shabaab"),
    # --- split letters
    ("split-dots", "the I.S.K.P claims", "islamic-state-khorasan", None, "I.S.K.P"),
    ("split-dashes", "I-S-I-S", "islamic-state", None, "I-S-I-S"),
    ("split-spaces", "join I S I S now", "islamic-state", None, "I S I S"),
    ("split-underscores", "I_S_I_S", "islamic-state", None, "I_S_I_S"),
    ("split-emoji", "I💣S💣I💣S", "islamic-state", None, "I💣S💣I💣S"),
    (
        "split-khorasan",
        "ISIS K h o r a s a n",
        "islamic-state-khorasan",
        None,
        "ISIS K h o r a s a n",
    ),
    ("split-aqap", "A.Q.A.P.", "aqap", None, "A.Q.A.P"),
    ("split-hamas", "H A M A S", "hamas", None, "H A M A S"),
    ("split-daesh", "D.a.e.s.h", "islamic-state", None, "D.a.e.s.h"),
    ("split-spaced-dots", "I . S . I . L", "islamic-state", None, "I . S . I . L"),
    ("split-jnim", "J-N-I-M", "jnim", None, "J-N-I-M"),
    ("split-leet", "1.S.1.S", "islamic-state", None, "1.S.1.S"),
    ("split-two-words", "A L - Q A E D A", "al-qaida", None, "A L - Q A E D A"),
    # --- invisible characters
    ("zw-space", f"IS{ZW}IS", "islamic-state", None, f"IS{ZW}IS"),
    ("zw-joiners", f"Da{ZWNJ}e{ZWJ}sh", "islamic-state", None, f"Da{ZWNJ}e{ZWJ}sh"),
    ("soft-hyphen", "Hama\u00ads", "hamas", None, "Hama\u00ads"),
    ("bidi-override", "\u202eISIS\u202c", "islamic-state", None, "ISIS"),
    ("word-joiner", "Al\u2060Shabaab", "al-shabaab", None, "Al\u2060Shabaab"),
    ("zw-hizb", f"Hizb{ZW}Allah", "hizballah", None, f"Hizb{ZW}Allah"),
    # --- full-width, mathematical, enclosed letters
    ("fullwidth", "ＩＳＩＳ", "islamic-state", None, "ＩＳＩＳ"),
    ("math-bold", "𝐇𝐚𝐦𝐚𝐬", "hamas", None, "𝐇𝐚𝐦𝐚𝐬"),
    ("circled", "Ⓘⓢⓘⓢ", "islamic-state", None, "Ⓘⓢⓘⓢ"),
    ("negative-squared", "🅸🆂🅸🆂", "islamic-state", None, "🅸🆂🅸🆂"),
    ("regional-indicators", "🇮🇸🇮🇸", "islamic-state", None, "🇮🇸🇮🇸"),
    ("fraktur", "𝔄𝔱𝔬𝔪𝔴𝔞𝔣𝔣𝔢𝔫", "atomwaffen-division", None, "𝔄𝔱𝔬𝔪𝔴𝔞𝔣𝔣𝔢𝔫"),
    ("fullwidth-lower", "ｄａｅｓｈ", "islamic-state", None, "ｄａｅｓｈ"),
    ("roman-numeral", "Ⅰ.Ｓ.Ｋ.Ｐ", "islamic-state-khorasan", None, "Ⅰ.Ｓ.Ｋ.Ｐ"),
    # --- confusables (Cyrillic, Greek, small capitals) mixed into Latin
    ("cyr-all", "ІЅІЅ", "islamic-state", None, "ІЅІЅ"),
    ("cyr-mixed-hamas", "Наmas", "hamas", None, "Наmas"),
    ("cyr-mixed-hezbollah", "Неzbollah", "hizballah", None, "Неzbollah"),
    ("cyr-mixed-atomwaffen", "Аtomwaffen", "atomwaffen-division", None, "Аtomwaffen"),
    ("cyr-mixed-terrorgram", "Tеrrorgram", "terrorgram-collective", None, "Tеrrorgram"),
    ("greek-alpha", "Dαesh", "islamic-state", None, "Dαesh"),
    ("greek-iota", "ISΙS", "islamic-state", None, "ISΙS"),
    ("greek-eta-capital", "Ηamas", "hamas", None, "Ηamas"),
    ("small-caps", "ʜᴀᴍᴀꜱ", "hamas", None, "ʜᴀᴍᴀꜱ"),
    ("cyr-leet-mix", "Н4МАS", "hamas", None, "Н4МАS"),
    # --- Cyrillic-script aliases
    ("ru-is", "Исламское государство", "islamic-state", None, "Исламское государство"),
    ("ru-igil", "боевики ИГИЛ", "islamic-state", None, "ИГИЛ"),
    ("ru-hamas", "ХАМАС заявил", "hamas", None, "ХАМАС"),
    ("ru-hezbollah", "Хезболла", "hizballah", None, "Хезболла"),
    (
        "ru-rim",
        "Русское имперское движение",
        "russian-imperial-movement",
        None,
        "Русское имперское движение",
    ),
    ("ru-alqaida", "Аль-Каида", "al-qaida", None, "Аль-Каида"),
    ("ru-hut", "Хизб ут-Тахрир", "hizb-ut-tahrir", None, "Хизб ут-Тахрир"),
    ("ru-boko", "Боко Харам", "boko-haram", None, "Боко Харам"),
    # --- Arabic
    ("ar-daesh", "قال داعش", "islamic-state", None, "داعش"),
    ("ar-clitic-wa", "وداعش", "islamic-state", None, "داعش"),
    ("ar-is", "الدولة الإسلامية", "islamic-state", None, "الدولة الإسلامية"),
    ("ar-no-hamza", "الدوله الاسلاميه", "islamic-state", None, "الدوله الاسلاميه"),
    ("ar-harakat", "الدَّوْلَةُ الإِسْلامِيَّةُ", "islamic-state", None, "الدَّوْلَةُ الإِسْلامِيَّةُ"),
    ("ar-tatweel", "داعـــش", "islamic-state", None, "داعـــش"),
    ("ar-hizballah", "حزب الله", "hizballah", None, "حزب الله"),
    ("ar-clitic-hizballah", "وحزب الله", "hizballah", None, "حزب الله"),
    ("ar-hamas-token", "قالت حماس", "hamas", None, "حماس"),
    ("ar-hamas-haraka", "حركة حماس", "hamas", None, "حركة حماس"),
    ("ar-houthis", "الحوثيين", "houthis", None, "الحوثيين"),
    ("ar-ansarallah-nohamza", "انصار الله", "houthis", None, "انصار الله"),
    ("ar-qassam", "كتائب القسام", "qassam-brigades", None, "كتائب القسام"),
    ("ar-quds-brigades", "سرايا القدس", "al-quds-brigades", None, "سرايا القدس"),
    ("ar-shabaab", "حركة الشباب المجاهدين", "al-shabaab", None, "حركة الشباب المجاهدين"),
    ("ar-amaq", "نشرت وكالة أعماق", "islamic-state", "amaq", "وكالة أعماق"),
    ("ar-furqan", "مؤسسة الفرقان", "islamic-state", "al-furqan", "مؤسسة الفرقان"),
    ("ar-manar", "قناة المنار", "hizballah", "al-manar", "قناة المنار"),
    ("ar-lil", "للدولة الإسلامية", "islamic-state", None, "للدولة الإسلامية"),
    ("ar-clitic-wa-lil", "وللدولة الإسلامية", "islamic-state", None, "للدولة الإسلامية"),
    ("ar-clitic-wa-bi", "وبالحوثيين", "houthis", None, "الحوثيين"),
    ("ar-khorasan", "ولاية خراسان", "islamic-state-khorasan", None, "ولاية خراسان"),
    ("ar-presentation-forms", "ﺩﺍﻋﺶ", "islamic-state", None, "ﺩﺍﻋﺶ"),
    ("ar-zwnj", f"دا{ZWNJ}عش", "islamic-state", None, f"دا{ZWNJ}عش"),
    ("ar-alef-wasla", "ٱلدولة ٱلإسلامية", "islamic-state", None, "ٱلدولة ٱلإسلامية"),
    # --- Persian, Pashto, Urdu letters
    ("fa-is", "دولت اسلامی", "islamic-state", None, "دولت اسلامی"),
    ("fa-arabic-yeh", "دولت اسلامي", "islamic-state", None, "دولت اسلامي"),
    ("ur-heh-goal", "دولت اسلامیہ", "islamic-state", None, "دولت اسلامیہ"),
    ("fa-khorasan", "ولایت خراسان", "islamic-state-khorasan", None, "ولایت خراسان"),
    ("fa-daesh-khorasan", "داعش خراسان", "islamic-state-khorasan", None, "داعش خراسان"),
    ("ps-ttp", "تحریک طالبان پاکستان", "ttp", None, "تحریک طالبان پاکستان"),
    ("ur-ttp-mixed-kaf", "تحريک طالبان پاكستان", "ttp", None, "تحريک طالبان پاكستان"),
    ("ur-let", "لشکر طیبہ", "lashkar-e-tayyiba", None, "لشکر طیبہ"),
    ("fa-haqqani-arabic-letters", "شبكة حقاني", "haqqani-network", None, "شبكة حقاني"),
    ("fa-hizballah-zwnj", "حزب‌الله", "hizballah", None, "حزب‌الله"),
    ("ur-hizballah", "حزب اللہ", "hizballah", None, "حزب اللہ"),
    ("fa-persian-digits-kept", "۱۴۰۲ داعش", "islamic-state", None, "داعش"),
    ("fa-alqaida-exact", "رهبر القاعده در کابل", "al-qaida", None, "القاعده"),
    ("ur-alqaida-exact", "القاعدہ کے رہنما", "al-qaida", None, "القاعدہ"),
    # --- Central Asian, Kurdish, Ethiopic, Devanagari
    ("uz-ishid", "IShID jangarilari", "islamic-state", None, "IShID"),
    ("tg-is", "Давлати Исломӣ", "islamic-state", None, "Давлати Исломӣ"),
    ("kmr-dais", "çekdarên DAIŞ", "islamic-state", None, "DAIŞ"),
    ("am-shabaab", "አልሸባብ", "al-shabaab", None, "አልሸባብ"),
    ("hi-hamas", "हमास ने कहा", "hamas", None, "हमास"),
    # --- Hebrew, Chinese
    ("he-hamas", "חמאס", "hamas", None, "חמאס"),
    ("he-hezbollah", "חיזבאללה", "hizballah", None, "חיזבאללה"),
    ("zh-is-unspaced", "伊斯兰国宣称", "islamic-state", None, "伊斯兰国"),
    # --- outlets
    ("outlet-amaq", "via Amaq", "islamic-state", "amaq", "Amaq"),
    ("outlet-amaq-apos", "A'maq reported", "islamic-state", "amaq", "A'maq"),
    ("outlet-sahab", "As-Sahab video", "al-qaida", "as-sahab", "As-Sahab"),
    ("outlet-malahem", "Al-Malahem release", "aqap", "al-malahem", "Al-Malahem"),
    ("outlet-rumiyah", "Rumiyah issue", "islamic-state", "rumiyah", "Rumiyah"),
    (
        "outlet-vok",
        "Voice of Khurasan",
        "islamic-state-khorasan",
        "voice-of-khurasan",
        "Voice of Khurasan",
    ),
    (
        "outlet-azaim",
        "Al-Azaim Foundation",
        "islamic-state-khorasan",
        "al-azaim",
        "Al-Azaim Foundation",
    ),
    ("outlet-kataib", "Al-Kata'ib", "al-shabaab", "al-kataib", "Al-Kata'ib"),
    ("outlet-shahada", "Shahada News Agency", "al-shabaab", "shahada-news", "Shahada News Agency"),
    ("outlet-manar", "Al-Manar TV", "hizballah", "al-manar", "Al-Manar TV"),
    ("outlet-masirah", "Al-Masirah TV", "houthis", "al-masirah", "Al-Masirah TV"),
    ("outlet-aqsa", "Al-Aqsa TV", "hamas", "al-aqsa-tv", "Al-Aqsa TV"),
    ("outlet-inspire", "Inspire Magazine", "aqap", "inspire", "Inspire Magazine"),
    ("outlet-dabiq-ar", "مجلة دابق", "islamic-state", "dabiq", "مجلة دابق"),
    ("outlet-amaq-leet", "4m4q", "islamic-state", "amaq", "4m4q"),
]

# Ordinary text containing alias substrings or ambiguous words: no hit at all.
NEGATIVES: list[tuple[str, str]] = [
    ("crisis", "The crisis deepened"),
    ("analysis", "Genesis and analysis of the thesis"),
    ("this-is", "THIS IS WHY IT IS SO"),
    ("oasis-basis", "the basis of an oasis"),
    ("bahamas", "holiday in the Bahamas"),
    ("hamasaki", "the Hamasaki family"),
    ("basilica", "the basilica and the basilisk"),
    ("leet-crisis", "cr1s1s talks"),
    ("split-island", "I S L A N D"),
    ("ttp-lower", "read the ttp report"),
    ("ttp-split", "T.T.P."),
    ("let-me", "Let me know, let's go"),
    ("rim", "the rim of the glass"),
    ("base", "the base of the hill"),
    ("national-action-plan", "a national action plan"),
    ("inspire", "Inspire your team"),
    ("ar-enthusiasm", "تحدث بحماس شديد"),
    ("ar-youth", "الشباب العربي"),
    ("ar-depths", "في أعماق البحر"),
    ("ar-base", "القاعدة العسكرية"),
    ("ar-lighthouse", "المنار القديم"),
    ("ar-march", "المسيرة السلمية"),
    ("fa-epic", "حماسه ملی"),
    ("fa-epic-adj", "شعر حماسی"),
    ("khorasan-province", "Khorasan Razavi province"),
    ("numbers", "covid19 vaccines in 2014, 1 2 3 4"),
    ("taliban-ism", "Pakistani Talibanism"),
    ("shabab-in-word", "shababnews"),
    ("isil-in-word", "Brasilia"),
    ("mention", "@isisnews"),
    ("deas-lower", "new deas"),
    ("furqan-bare", "Surat al-Furqan"),
    ("jamaa-islamiya-ar", "الجماعة الإسلامية في باكستان"),
    ("dais", "spoke from the dais"),
    ("sinai-governorate", "in Egypt's North Sinai province"),
    ("proud-boys-lower", "two proud boys and a girl"),
]


def _find(matcher: IndicatorMatcher, text: str) -> list[IndicatorHit]:
    hits = matcher.find(text)
    for hit in hits:
        assert text[hit.start : hit.end] == hit.matched_text
    return hits


@pytest.mark.parametrize(
    ("text", "entity_id", "outlet_id", "expected"),
    [case[1:] for case in POSITIVES],
    ids=[case[0] for case in POSITIVES],
)
def test_disguised_spelling_finds_entity_and_span(
    matcher: IndicatorMatcher, text: str, entity_id: str, outlet_id: str | None, expected: str
) -> None:
    hits = _find(matcher, text)
    start = text.index(expected)
    wanted = [h for h in hits if h.entity_id == entity_id and h.outlet_id == outlet_id]
    assert wanted, f"no {entity_id}/{outlet_id} hit in {text!r}; got {hits}"
    assert (wanted[0].start, wanted[0].end) == (start, start + len(expected))


@pytest.mark.parametrize(("text"), [c[1] for c in NEGATIVES], ids=[c[0] for c in NEGATIVES])
def test_ordinary_words_do_not_fire(matcher: IndicatorMatcher, text: str) -> None:
    assert _find(matcher, text) == []


def test_table_size() -> None:
    assert len(POSITIVES) >= 80
    assert len(NEGATIVES) >= 20


def test_steps_report_the_disguise(matcher: IndicatorMatcher) -> None:
    (hit,) = matcher.find("join 1.S.1.S now")
    assert "split_letters" in hit.steps and "leet" in hit.steps
    (hit,) = matcher.find(f"Da{ZW}esh")
    assert "invisible" in hit.steps
    (hit,) = matcher.find("Наmas")
    assert "confusables" in hit.steps
    (hit,) = matcher.find("داعـش")
    assert hit.steps == ("arabic",)


@pytest.mark.parametrize("text", ["about hamas and", "HAMAS", "ХАМАС", "الدولة الإسلامية"])
def test_plain_spelling_in_any_case_has_no_steps(matcher: IndicatorMatcher, text: str) -> None:
    (hit,) = matcher.find(text)
    assert hit.steps == ()


def test_steps_leave_out_what_the_alias_needed(matcher: IndicatorMatcher) -> None:
    (hit,) = matcher.find("Наmas")
    assert hit.steps == ("confusables",)
    (hit,) = matcher.find("ＨＡＭＡＳ")
    assert hit.steps == ("nfkc",)


def test_nested_hits_are_dropped(matcher: IndicatorMatcher) -> None:
    hits = matcher.find("al-Qaida in the Arabian Peninsula and Amaq News Agency")
    assert [(h.entity_id, h.outlet_id) for h in hits] == [("aqap", None), ("islamic-state", "amaq")]


def test_several_hits_in_order(matcher: IndicatorMatcher) -> None:
    text = "ISIS, al-Shabaab and حزب الله"
    hits = matcher.find(text)
    assert [h.entity_id for h in hits] == ["islamic-state", "al-shabaab", "hizballah"]
    assert [h.matched_text for h in hits] == ["ISIS", "al-Shabaab", "حزب الله"]


def test_short_aliases_never_match_alone() -> None:
    matcher = IndicatorMatcher([("x", None, Alias("IS", "en", "Latn"))])
    assert matcher.find("IS") == []
    assert len(matcher) == 0


def test_exact_mode_is_case_sensitive() -> None:
    matcher = IndicatorMatcher([("x", None, Alias("TTP", "en", "Latn"))])
    assert [h.matched_text for h in matcher.find("TTP ttp Ttp TTP")] == ["TTP", "TTP"]


def test_token_mode_refuses_proclitics() -> None:
    alias = Alias("حماس", "ar", "Arab", "token")
    matcher = IndicatorMatcher([("x", None, alias)])
    assert matcher.find("بحماس") == []
    assert len(matcher.find("حماس")) == 1


def test_empty_matcher_and_empty_text(matcher: IndicatorMatcher) -> None:
    assert IndicatorMatcher([]).find("ISIS") == []
    assert matcher.find("") == []


def test_many_hits_scale_linearly(matcher: IndicatorMatcher) -> None:
    text = "ISIS " * 5000
    assert len(matcher.find(text)) == 5000


def test_every_matchable_alias_finds_its_own_entity(matcher: IndicatorMatcher) -> None:
    registry = EntityRegistry.load_default()
    owners: dict[str, set[tuple[str, str | None]]] = {}
    for entity in registry:
        named: list[tuple[str | None, Alias]] = [(None, a) for a in entity.all_aliases()]
        named += [(o.id, a) for o in entity.outlets for a in o.all_aliases()]
        for outlet_id, alias in named:
            form = normalize(alias.text).text
            if effective_mode(alias, form) == "search":
                continue
            owners.setdefault(form, set()).add((entity.id, outlet_id))
            hits = matcher.find(alias.text)
            assert any(h.entity_id == entity.id and h.outlet_id == outlet_id for h in hits), (
                entity.id,
                alias.text,
            )
    shared = {form: who for form, who in owners.items() if len(who) > 1}
    assert shared == {}, f"match forms shared by several entities/outlets: {shared}"
