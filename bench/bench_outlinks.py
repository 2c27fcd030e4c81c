"""Build the labelled out-link set ``tests/data/outlinks/labelled.jsonl`` (issue 15 part 7).

Benign messages in ten languages, with and without links, plain and obfuscated, and hard
negatives (prose with dots, suffix names, file names, versions, abbreviations). Each line:
``{"lang", "text", "links": [canonical URLs a reader would follow]}``. Deterministic (seeded);
run ``python bench/outlinks_labelled.py`` to rewrite the file, ``--measure`` to print
precision and recall of :func:`tvec.outlinks.extract_outlinks` on it.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "outlinks" / "labelled.jsonl"

PROSE = {
    "en": [
        "The meeting moved to 3.30 p.m. on Friday, see you there.",
        "Prices rose 2.5% in March, the report said.",
        "Mr. Smith and Dr. Jones met the U.N. envoy in Geneva.",
        "I finished reading it yesterday.it was long but good.",
        "Version 1.2.3 fixes the crash, e.g. when the file is empty.",
        "The .int domain is reserved for treaty organisations.",
        "Most sites end with .com or .org these days.",
        "Send me the slides as report.pdf and notes.md please.",
        "The dot com bubble burst in 2000.",
        "We met at St.Petersburg station at 10.15.",
        "He wrote Node.js and ASP.NET services for years.",
        "Rain tomorrow.Sun on Sunday, says the forecast.",
    ],
    "fr": [
        "La réunion est reportée à 14 h 30, merci de confirmer.",
        "Le taux est passé à 3,5 % selon l'INSEE.",
        "M. Dupont a quitté Paris pour Lyon vers 9 h.",
        "Les domaines en .fr sont gérés par l'Afnic.",
        "Voir le chapitre 2.4 du rapport annuel.",
        "Il fait beau à Marseille aujourd'hui.",
    ],
    "de": [
        "Das Treffen ist am 3.5. um 14.30 Uhr.",
        "Die Inflation lag bei 2,1 Prozent, z.B. bei Lebensmitteln.",
        "Dr. Müller kommt heute nicht ins Büro.",
        "Adressen mit .de sind in Deutschland üblich.",
        "Der Zug nach Köln hat 20 Min. Verspätung.",
        "Grüße aus Hamburg und bis bald.",
    ],
    "es": [
        "La reunión será a las 10.30 en la sala 2.",
        "El PIB creció un 1,8 % según el INE.",
        "El Sr. García llegó tarde otra vez.",
        "Los dominios .es los gestiona Red.es desde Madrid.",
        "Hace calor en Sevilla esta semana.",
        "Capítulo 3.2: resultados y discusión.",
    ],
    "ar": [
        "الاجتماع غدا الساعة 3.30 مساء في القاعة الكبرى.",
        "ارتفعت الأسعار بنسبة 2.5 في المئة هذا الشهر.",
        "الطقس جميل في عمان اليوم.",
        "قرأت التقرير كاملا أمس. كان طويلا.",
        "النسخة 4.1 من البرنامج متاحة الآن.",
        "شكرا لكم على المتابعة والدعم.",
    ],
    "ru": [
        "Встреча перенесена на 15.30, приходите вовремя.",
        "Цены выросли на 2,4% в марте, т.е. заметно.",
        "Г-н Иванов прилетел в Москву в 9.00.",
        "Домены .рф и .ru популярны в России.",
        "Глава 2.3 отчёта посвящена бюджету.",
        "Сегодня в Казани солнечно.",
    ],
    "fa": [
        "جلسه ساعت 10.30 صبح برگزار می‌شود.",
        "قیمت‌ها در این ماه 3.2 درصد بالا رفت.",
        "هوای تهران امروز آفتابی است.",
        "نسخه 2.0 برنامه منتشر شد.",
        "از همراهی شما سپاسگزاریم.",
        "گزارش را دیروز خواندم. خوب بود.",
    ],
    "ur": [
        "اجلاس کل شام 5.30 بجے ہوگا۔",
        "مہنگائی کی شرح 4.1 فیصد رہی۔",
        "لاہور میں آج موسم خوشگوار ہے۔",
        "رپورٹ کا باب 2.1 پڑھیں۔",
        "آپ کا بہت شکریہ۔",
        "ہم نے کل میچ دیکھا۔ اچھا تھا۔",
    ],
    "tr": [
        "Toplantı saat 14.30'da başlayacak.",
        "Enflasyon yüzde 3,2 oldu, yani beklenenden yüksek.",
        "Ankara'da bugün hava güzel.",
        ".tr uzantılı alan adları artık serbest.",
        "Sürüm 5.1 yayımlandı.",
        "Dr. Yılmaz bugün izinli.",
    ],
    "id": [
        "Rapat dimulai pukul 09.30 WIB.",
        "Harga naik 2,7 persen bulan ini.",
        "Cuaca di Bandung cerah hari ini.",
        "Domain .id dikelola oleh PANDI.",
        "Bab 4.2 membahas hasil survei.",
        "Terima kasih atas perhatiannya.",
    ],
}

LEAD = {
    "en": ("Read more at {}", "New post: {} (share it)", "Channel moved to {} today"),
    "fr": ("Lire la suite sur {}", "Nouvelle vidéo : {} à voir", "La chaîne est sur {}"),
    "de": ("Mehr dazu unter {}", "Neues Video: {} ansehen", "Der Kanal ist jetzt {}"),
    "es": ("Más información en {}", "Nuevo vídeo: {} ya", "El canal está en {}"),
    "ar": ("اقرأ المزيد على {}", "فيديو جديد: {} شاهدوه", "القناة الجديدة {}"),
    "ru": ("Подробнее: {}", "Новое видео: {} смотрите", "Канал переехал на {}"),
    "fa": ("ادامه در {}", "ویدیوی جدید: {} ببینید", "کانال جدید {}"),
    "ur": ("مزید پڑھیں {}", "نئی ویڈیو: {} دیکھیں", "نیا چینل {}"),
    "tr": ("Devamı için {}", "Yeni video: {} izleyin", "Kanal taşındı: {}"),
    "id": ("Selengkapnya di {}", "Video baru: {} tonton", "Kanal pindah ke {}"),
}


# (how it is written, canonical URL)
def _links(rng: random.Random) -> list[tuple[str, str]]:
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    num = rng.randint(100, 99999)
    return [
        (f"https://example.org/news/{num}", f"https://example.org/news/{num}"),
        (f"http://example.com/{name}", f"http://example.com/{name}"),
        (f"t.me/{name}", f"https://t.me/{name}"),
        (f"www.example.net/{name}", f"https://www.example.net/{name}"),
        (f"archive.org/details/{name}", f"https://archive.org/details/{name}"),
        (f"hxxps://example[.]com/{name}", f"https://example.com/{name}"),
        (f"example(dot)org/{name}", f"https://example.org/{name}"),
        (f"example dot net/{name}", f"https://example.net/{name}"),
        (f"t . me/{name}", f"https://t.me/{name}"),
        (f"example .com/{name}", f"https://example.com/{name}"),
        (f"h t t p s : / / t . m e / {name[0]}", f"https://t.me/{name[0]}"),
        (f"h t t p s : / / example.org/{name}", f"https://example.org/{name}"),
        (f"https ://t.me/{name}", f"https://t.me/{name}"),
        (f"ｔ．ｍｅ/{name}", f"https://t.me/{name}"),
        (f"t.me/{name}\u200b", f"https://t.me/{name}"),
        (
            f"https://www.youtube.com/watch?v={name}{num}",
            f"https://www.youtube.com/watch?v={name}{num}",
        ),
        ("example.com", "https://example.com/"),
    ]


def build() -> list[dict[str, object]]:
    rng = random.Random(15)
    rows: list[dict[str, object]] = []
    for lang, sentences in PROSE.items():
        for sentence in sentences:
            rows.append({"lang": lang, "text": sentence, "links": []})
            # the same prose once more with a link after it
            written, canonical = rng.choice(_links(rng))
            rows.append({"lang": lang, "text": f"{sentence} {written}", "links": [canonical]})
        for lead in LEAD[lang]:
            for written, canonical in rng.sample(_links(rng), 7):
                rows.append({"lang": lang, "text": lead.format(written), "links": [canonical]})
    return rows


def measure(rows: list[dict[str, object]]) -> dict[str, float]:
    """Micro precision and recall of extract_outlinks on ``rows`` (canonical URL sets)."""
    from tvec.outlinks import extract_outlinks

    tp = fp = fn = 0
    for row in rows:
        want = set(row["links"])  # type: ignore[arg-type]
        got = {link.canonical for link in extract_outlinks(str(row["text"]))}
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
    return {
        "messages": len(rows),
        "with_links": sum(1 for r in rows if r["links"]),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


if __name__ == "__main__":
    if "--measure" in sys.argv:
        rows = [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]
        print(json.dumps(measure(rows)))
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        with OUT.open("w", encoding="utf-8") as fh:
            for row in build():
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {OUT}")
