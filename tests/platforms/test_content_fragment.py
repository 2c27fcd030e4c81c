"""The platform registry says where a URL fragment identifies content (issue 15 part 7), and
canonical URLs keep the fragment exactly there."""

from __future__ import annotations

from tvec.outlinks import extract_outlinks
from tvec.platforms import PlatformRegistry
from tvec.urls.canonical import CONTENT_FRAGMENT_DOMAINS, canonicalize_url
from tvec.urls.equivalence import url_match_key


def test_registry_and_canonical_rule_agree() -> None:
    flagged = {
        domain
        for platform in PlatformRegistry.load_default().platforms
        if platform.content_fragment
        for domain in platform.domains
    }
    assert flagged == CONTENT_FRAGMENT_DOMAINS
    assert "mega.nz" in flagged


def test_mega_keys_survive_extraction_and_equivalence() -> None:
    (link,) = extract_outlinks("file: https://mega.nz/file/AbC1#Key_2 and more")
    assert link.canonical == "https://mega.nz/file/AbC1#Key_2"
    assert url_match_key(link.canonical) == "//mega.nz/file/AbC1#Key_2"
    other = canonicalize_url("http://mega.nz/file/AbC1#Other")
    assert url_match_key(other) != url_match_key(link.canonical)
    (plain,) = extract_outlinks("see https://example.com/a#top")
    assert plain.canonical == "https://example.com/a"
