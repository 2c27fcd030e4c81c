"""Generate tvec's demo data: benign stand-in posters of a made-up group, edited copies,
a Telegram-export-shaped channel that posts them, JSON Lines posts, and a demo bank.

Everything here is invented: "Crimson Lantern Front" is a fictional group and its posters
are geometric drawings with placeholder slogans. No real extremist material is used.

Usage: python examples/make_demo.py OUT_DIR

Writes::

    OUT_DIR/originals/poster-N.png       the four "known" posters (the bank is made of these)
    OUT_DIR/bank.csv                     plain-CSV bank of the originals' md5 and PDQ hashes
    OUT_DIR/channel/result.json          Telegram Desktop export of the group's beacon channel
    OUT_DIR/channel/photos/*.jpg         edited copies posted in the channel
    OUT_DIR/posts/posts.jsonl            JSON Lines posts with media
    OUT_DIR/posts/media/*.jpg
    OUT_DIR/unrelated/*.jpg              benign images that must not match
    OUT_DIR/entities.yaml                the demo's own entity list (a fictional group)
    OUT_DIR/removal-order.json           a removal order for two of the forum posts
    OUT_DIR/.tvec/settings.env           the demo home's settings (inclusion policy DEMO)

The output is deterministic (fixed seeds), so running it twice gives the same files.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

GROUP = "Crimson Lantern Front"
SLOGANS = [
    "THE LANTERN NEVER SLEEPS",
    "ISSUE 7 - OUT NOW",
    "JOIN THE FRONT",
    "OUR LIGHT WILL SPREAD",
]
PALETTES = [
    ((140, 20, 30), (250, 200, 60)),
    ((20, 30, 60), (230, 80, 40)),
    ((30, 30, 30), (200, 20, 40)),
    ((60, 10, 70), (240, 230, 200)),
]


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at ``size`` pixels (no system fonts needed)."""
    return ImageFont.load_default(size=size)


def draw_logo(
    draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int, colour: tuple[int, int, int]
) -> None:
    """A made-up lantern logo: ring, body and flame."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=max(4, r // 10))
    draw.rectangle((cx - r // 3, cy - r // 2, cx + r // 3, cy + r // 2), outline=colour, width=6)
    draw.polygon(
        [(cx, cy - r // 3), (cx - r // 6, cy + r // 5), (cx + r // 6, cy + r // 5)], fill=colour
    )
    draw.line((cx - r // 2, cy - r // 2, cx + r // 2, cy - r // 2), fill=colour, width=6)


def poster(index: int) -> Image.Image:
    """Poster ``index`` (0-3): 800x1000, gradient, logo, group name, slogan, geometric art."""
    rng = random.Random(1000 + index)
    bg, fg = PALETTES[index]
    img = Image.new("RGB", (800, 1000), bg)
    draw = ImageDraw.Draw(img)
    for y in range(1000):
        t = y / 999
        draw.line((0, y, 800, y), fill=tuple(int(bg[c] * (1 - t * 0.6)) for c in range(3)))
    for _ in range(14):
        x, y, s = rng.randint(0, 800), rng.randint(300, 900), rng.randint(30, 160)
        shade = tuple(min(255, int(fg[c] * rng.uniform(0.3, 0.9))) for c in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - s, y - s, x + s, y + s), outline=shade, width=rng.randint(3, 12))
        else:
            draw.rectangle((x - s, y - s // 2, x + s, y + s // 2), fill=shade)
    draw_logo(draw, 400, 260 + 30 * index, 150, fg)
    draw.text((400, 60), GROUP.upper(), font=font(44), fill=fg, anchor="mm")
    draw.text((400, 900), SLOGANS[index], font=font(48), fill=(255, 255, 255), anchor="mm")
    return img


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """``img`` as JPEG bytes."""
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def edits(img: Image.Image) -> dict[str, Image.Image | bytes]:
    """Edited copies as groups repost them: resized, re-compressed, cropped, captioned."""
    w, h = img.size
    captioned = img.copy()
    draw = ImageDraw.Draw(captioned)
    draw.rectangle((0, h - 60, w, h), fill=(0, 0, 0))
    draw.text(
        (w // 2, h - 30),
        "new release - share widely",
        font=font(30),
        fill=(255, 255, 0),
        anchor="mm",
    )
    return {
        "resized": img.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "recompressed": jpeg(img, quality=25),
        "cropped": img.crop((0, int(h * 0.01), w, h)),  # a 1% strip cut off the top
        "captioned": captioned,
        "blurred": img.filter(ImageFilter.GaussianBlur(2)),
    }


def unrelated(index: int) -> Image.Image:
    """Benign images that must not match: landscapes made of bands and a sun."""
    rng = random.Random(500 + index)
    img = Image.new("RGB", (1024, 768))
    draw = ImageDraw.Draw(img)
    sky = (rng.randint(80, 160), rng.randint(140, 220), 255)
    for y in range(768):
        t = y / 767
        draw.line((0, y, 1024, y), fill=tuple(int(sky[c] * (1 - t) + 60 * t) for c in range(3)))
    for band in range(5):
        y0 = 400 + band * 60 + rng.randint(-20, 20)
        draw.polygon(
            [(0, 768), (0, y0)]
            + [(x, y0 + rng.randint(-40, 40)) for x in range(0, 1025, 128)]
            + [(1024, 768)],
            fill=(30 + band * 20, 90 + band * 25, 40 + band * 10),
        )
    draw.ellipse((700 + index * 30, 80, 820 + index * 30, 200), fill=(255, 230, 120))
    return img


def save(path: Path, img: Image.Image | bytes) -> str:
    """Write ``img`` (or JPEG bytes) to ``path`` as JPEG; return the path's name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(img if isinstance(img, bytes) else jpeg(img))
    return path.name


#: Out-links of the mirror posts: (host, path), one post each.
MIRRORS = [
    ("files.fm", "u/clf-m01"),
    ("archive.org", "details/clf-m02"),
    ("www.mediafire.com", "file/m03/clf-m03.zip"),
    ("justpaste.it", "clf-m04"),
    ("gofile.io", "d/ClfM05"),
    ("pixeldrain.com", "u/ClfM06"),
    ("files.fm", "u/clf-m07"),
    ("archive.org", "details/clf-m08"),
    ("rumble.com", "v-clf-m09.html"),
    ("www.mediafire.com", "file/m10/clf-m10.zip"),
    ("justpaste.it", "clf-m11"),
    ("gofile.io", "d/ClfM12"),
    ("files.fm", "u/clf-m13"),
    ("pixeldrain.com", "u/ClfM14"),
    ("archive.org", "details/clf-m15"),
    ("rumble.com", "v-clf-m16.html"),
]

DEMO_ENTITIES = f"""\
# The demo's own entity list: one fictional group on a fictional list, added to tvec's
# packaged registry through TVEC_ENTITIES_FILE (see settings.env in the demo's home).
lists:
  DEMO:
    jurisdiction: DEMO
    name: tvec demo list (fictional groups only)
    source: https://example.org/tvec-demo-list
entities:
  - id: crimson-lantern-front
    name: {GROUP}
    ideology: other
    source: https://example.org/tvec-demo-list
    aliases:
      - {{text: "{GROUP} (fictional)", lang: en}}
      - {{text: Lantern Front, lang: en}}
    designations:
      - {{list: DEMO, date: 2026-01-01}}
"""


def write_demo_home(out: Path) -> None:
    """The demo's entity file, its home folder's settings.env (inclusion policy DEMO) and a
    removal order addressed to the forum that hosts two of the demo posts."""
    (out / "entities.yaml").write_text(DEMO_ENTITIES, encoding="utf-8")
    order = {
        "reference": "DEMO-TCO-2026-0001",
        "authority": "Demo competent authority (fictional)",
        "member_state": "NL",
        "received_at": "2026-11-03T10:00:00Z",
        "urls": ["https://forum.example.org/t/100", "https://forum.example.org/t/101"],
        "reasons": "Disseminates material of a (fictional) terrorist group (Article 2(7)(a)).",
    }
    (out / "removal-order.json").write_text(json.dumps(order, indent=2) + "\n", encoding="utf-8")
    home = out / ".tvec"
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.env").write_text(
        "# Settings of the demo's home folder (read under the environment).\n"
        f"TVEC_ENTITIES_FILE={(out / 'entities.yaml').resolve()}\n"
        'TVEC_INCLUSION_POLICY=["DEMO"]\n'
        'TVEC_ALERT_VERIFIED_BANKS=["demo-posters"]\n'
        "TVEC_ALERT_SENDER_NAME=tvec demo desk\n"
        "TVEC_ALERT_FROM=tvec demo desk <takedowns@example.org>\n",
        encoding="utf-8",
    )


def main(out: Path) -> None:
    """Write the demo data set under ``out``."""
    from tvec.signals.hashing import hash_content

    originals = [poster(i) for i in range(4)]
    rows = []
    for i, img in enumerate(originals):
        path = out / "originals" / f"poster-{i + 1}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, "PNG")
        for signal in hash_content(path.read_bytes(), str(path), max_pixels=10**8).signals:
            if signal.signal_type in ("pdq", "md5"):
                rows.append(
                    [
                        signal.signal_type,
                        signal.value,
                        GROUP + " (fictional)",
                        "demo",
                        f"poster-{i + 1}: {SLOGANS[i]}",
                    ]
                )
    with (out / "bank.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["signal_type", "value", "entity", "ideology", "note"])
        writer.writerows(rows)
    # A known out-link of the group, as TCAP would list it.
    with (out / "bank.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(
            [
                "url",
                "https://files.fm/u/clf-issue7",
                GROUP + " (fictional)",
                "demo",
                "file store of issue 7",
            ]
        )

    channel = out / "channel"
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    messages: list[dict[str, object]] = [
        {
            "id": 1,
            "type": "service",
            "date": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(start.timestamp())),
            "actor": GROUP,
            "actor_id": "channel777000",
            "action": "create_channel",
            "title": GROUP,
            "text": "",
            "text_entities": [],
        }
    ]
    links = [
        (
            "Issue 7 is out. Mirrors:",
            [
                ("link", "https://files.fm/u/clf-issue7"),
                ("text_link", "archive", "https://archive.org/details/clf-issue7"),
            ],
        ),
        (
            "Poster pack",
            [("link", "https://www.mediafire.com/file/abc123/posters.zip?utm_source=tg")],
        ),
        ("Read the statement", [("text_link", "here", "https://justpaste.it/clf-statement")]),
        ("Backup channel", [("link", "https://t.me/clf_backup")]),
        ("Video mirror hxxps://gofile[.]io/d/ClfVid7 and on rumble dot com", []),
    ]
    n = 2
    for i, img in enumerate(originals):
        for kind, copy in edits(img).items():
            if (i + len(kind)) % 2 and kind != "captioned":
                continue
            moment = start + timedelta(hours=n)
            name = save(channel / "photos" / f"photo_{n}@{moment:%d-%m-%Y_%H-%M-%S}.jpg", copy)
            caption, entities = links[n % len(links)]
            text_entities: list[dict[str, str]] = [{"type": "plain", "text": caption + " "}]
            for entity in entities:
                if entity[0] == "link":
                    text_entities.append({"type": "link", "text": entity[1]})
                else:
                    text_entities.append(
                        {"type": "text_link", "text": entity[1], "href": entity[2]}
                    )
            messages.append(
                {
                    "id": n,
                    "type": "message",
                    "date": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                    "date_unixtime": str(int(moment.timestamp())),
                    "from": GROUP,
                    "from_id": "channel777000",
                    "photo": f"photos/{name}",
                    "width": 800,
                    "height": 1000,
                    "text": [e if e["type"] != "plain" else e["text"] for e in text_entities],
                    "text_entities": text_entities,
                }
            )
            n += 1
    for i in range(2):
        moment = start + timedelta(hours=n)
        name = save(channel / "photos" / f"photo_{n}@{moment:%d-%m-%Y_%H-%M-%S}.jpg", unrelated(i))
        messages.append(
            {
                "id": n,
                "type": "message",
                "date": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_unixtime": str(int(moment.timestamp())),
                "from": GROUP,
                "from_id": "channel777000",
                "photo": f"photos/{name}",
                "width": 1024,
                "height": 768,
                "text": "A quiet morning in the hills",
                "text_entities": [{"type": "plain", "text": "A quiet morning in the hills"}],
            }
        )
        n += 1
    # Mirror posts: one new out-link every few days over two months, on the file hosts,
    # video sites and paste sites such channels use (the demo's takedown replay alerts them).
    mirror_start = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
    for k, (host, path) in enumerate(MIRRORS):
        moment = mirror_start + timedelta(days=4 * k, hours=(7 * k) % 11)
        messages.append(
            {
                "id": n,
                "type": "message",
                "date": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_unixtime": str(int(moment.timestamp())),
                "from": GROUP,
                "from_id": "channel777000",
                "text": [
                    f"New upload {k + 1}: ",
                    {"type": "link", "text": f"https://{host}/{path}"},
                ],
                "text_entities": [
                    {"type": "plain", "text": f"New upload {k + 1}: "},
                    {"type": "link", "text": f"https://{host}/{path}"},
                ],
            }
        )
        n += 1
    export = {"name": GROUP, "type": "public_channel", "id": 777000, "messages": messages}
    channel.mkdir(parents=True, exist_ok=True)
    (channel / "result.json").write_text(
        json.dumps(export, indent=1, ensure_ascii=False), encoding="utf-8"
    )

    posts = out / "posts"
    lines = []
    for i in range(3):
        media = save(
            posts / "media" / f"post-{i}.jpg",
            edits(originals[i])["cropped"] if i < 2 else unrelated(3),
        )
        lines.append(
            {
                "id": f"p{i}",
                "text": f"reposted from the lantern channel, part {i}",
                "url": f"https://forum.example.org/t/{100 + i}",
                "posted_at": (start + timedelta(days=1, hours=i)).isoformat(),
                "media": [f"media/{media}"],
            }
        )
    (posts / "posts.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8"
    )

    for i in range(3):
        save(out / "unrelated" / f"landscape-{i}.jpg", unrelated(i))
    write_demo_home(out)
    print(
        f"demo data written to {out}: {len(originals)} originals, {len(messages)} channel "
        f"messages, {len(lines)} posts, bank.csv with {len(rows) + 1} entries"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/make_demo.py OUT_DIR")
    main(Path(sys.argv[1]))
