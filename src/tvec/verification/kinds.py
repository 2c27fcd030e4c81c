"""Content kinds: what an alert says is at a URL (video, image, document...), from the media
of the items it was sighted in."""

from __future__ import annotations

from collections.abc import Iterable

from tvec.store.models import Item

#: Media types (MIME prefixes or exact) of documents and archives, for content kinds.
_DOCUMENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/rtf",
    "application/epub+zip",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.oasis.opendocument",
    "application/vnd.ms-",
)
_ARCHIVE_TYPES = (
    "application/zip",
    "application/x-rar",
    "application/vnd.rar",
    "application/x-7z-compressed",
    "application/gzip",
    "application/x-tar",
    "application/x-bzip2",
    "application/x-xz",
)
#: Content kinds inferred from media, most telling first.
_MEDIA_KINDS = ("video", "image", "audio", "document", "archive")


def item_content_kind(item: Item) -> str:
    """The content kind (:data:`~tvec.store.models.alerts.CONTENT_KINDS`) of one item's media."""
    if item.content_type == "photo":
        return "image"
    if item.content_type == "video":
        return "video"
    if item.content_type == "text":
        return "text"
    media = (item.media_type or "").lower()
    for prefix, kind in (("video/", "video"), ("image/", "image"), ("audio/", "audio")):
        if media.startswith(prefix):
            return kind
    if media.startswith(_DOCUMENT_TYPES) or media.startswith("text/"):
        return "document"
    if media.startswith(_ARCHIVE_TYPES):
        return "archive"
    return "other"


def infer_content_kind(anchor: Item, tree: Iterable[Item]) -> str:
    """The content kind an alert names for URLs sighted in ``anchor``'s tree.

    The anchor's (the case's or matched item's) own media kind when it is media; else the
    most telling media kind in the tree (video, image, audio, document, archive); else
    ``text`` when the anchor is text; else ``other``.
    """
    own = item_content_kind(anchor)
    if own in _MEDIA_KINDS:
        return own
    kinds = {item_content_kind(item) for item in tree}
    for kind in _MEDIA_KINDS:
        if kind in kinds:
            return kind
    return own if own == "text" else "other"
