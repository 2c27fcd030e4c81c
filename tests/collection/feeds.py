"""Small feed documents for the tests."""

from __future__ import annotations


def rss(count: int, *, start: int = 1, host: str = "files.fm") -> bytes:
    """An RSS 2.0 feed of ``count`` entries, each with a link, an enclosure and a text link."""
    items = []
    for n in range(start, start + count):
        items.append(
            f"""<item>
  <guid>release-{n}</guid>
  <title>Release {n}</title>
  <link>https://{host}/u/release-{n}</link>
  <description>Issue {n} is out: hxxps://archive[.]org/details/issue-{n}</description>
  <enclosure url="https://cdn.example.net/issue-{n}.pdf" length="100" type="application/pdf"/>
  <pubDate>Sun, 01 Nov 2026 10:00:00 GMT</pubDate>
</item>"""
        )
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Beacon</title><link>https://example.org/</link>
{body}
</channel></rss>""".encode()
