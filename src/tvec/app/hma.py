"""Use cases of the HMA-compatible matching API (:mod:`tvec.web.routers.hma`): look-ups by
signal, hashing of uploads and of media fetched from allow-listed hosts.

Look-ups use the context's matcher (:meth:`tvec.app.context.AppContext.matcher`), the same
as ``tvec scan`` and ``tvec match`` (``TVEC_PDQ_*``, ``TVEC_VPDQ_*``); media by URL is
fetched through the context's outbound client (:meth:`~tvec.app.context.AppContext.http`).
Answers are HMA's shapes (:mod:`tvec.views.hma`).
"""

from __future__ import annotations

import random
from urllib.parse import urlsplit

from tvec.app.context import AppContext
from tvec.banks.hma import visible_hits
from tvec.errors import PermissionDeniedError, UsageError
from tvec.settings import Settings
from tvec.signals import SignalValue, get_signal_type
from tvec.signals.hashing import hash_content
from tvec.views.hma import MatchWithDistance

#: Signal types HMA computes for each content type (tvec computes these for uploads;
#: ``types=`` may ask for other tvec signal types of the same file).
CONTENT_SIGNALS = {"photo": ("pdq",), "video": ("video_md5",)}
#: Signal types compared by distance (others match exactly and report distance ``-``).
DISTANCE_TYPES = frozenset({"pdq"})

#: ``(bank name, match)`` pairs of one signal, nearest first.
BankPairs = list[tuple[str, MatchWithDistance]]


def coinflip(seed: str | None, bypass: bool = False) -> float:
    """HMA's per-request coin flip for bank ratios (``blueprints/matching.py`` ``lookup``):
    ``random.Random(seed).random()``, the same number HMA draws for the same ``seed``, or 0
    with ``bypass_coinflip`` (every bank then matches)."""
    if bypass:
        return 0.0
    return random.Random(seed).random()  # sampling like HMA, not security


def lookup_signal(
    ctx: AppContext,
    signal_type: str,
    signal: str,
    banks: set[str] | None = None,
    flip: float | None = None,
) -> BankPairs:
    """``(bank, match)`` pairs for one signal in ``banks`` (default: every bank), nearest
    first; ``distance`` is HMA's string (bits for PDQ, ``-`` for exact types), the id is the
    HMA content id and the bank its current name. ``flip`` None reports every match (HMA's
    ``/m/raw_lookup``); a :func:`coinflip` number leaves out disabled content and banks whose
    ratio is below it (HMA's ``/m/lookup``; :func:`tvec.banks.hma.visible_hits`).

    Raises:
        UsageError: unknown signal type (HMA's message), or an invalid signal.
    """
    try:
        kind = get_signal_type(signal_type)
    except UsageError:
        raise UsageError(f"No such SignalType '{signal_type}'") from None
    try:
        value = kind.validate(signal)
    except Exception as exc:
        raise UsageError(f"invalid signal: {exc}") from exc
    with ctx.read() as session:
        matcher = ctx.matcher(session)
        hits = matcher.match(SignalValue(kind.name, value))
        shown = visible_hits(session, (h.entry_id for h in hits), ctx.now().timestamp(), flip)
    pairs: BankPairs = []
    for hit in hits:
        seen = shown.get(hit.entry_id)
        if seen is None or (banks is not None and seen.bank not in banks):
            continue
        distance = str(hit.distance) if kind.name in DISTANCE_TYPES else "-"
        pairs.append(
            (seen.bank, MatchWithDistance(bank_content_id=seen.content_id, distance=distance))
        )
    return pairs


def by_bank(pairs: BankPairs) -> dict[str, list[MatchWithDistance]]:
    """``(bank, match)`` pairs grouped by bank name (HMA's ``{bank: [matches]}``)."""
    grouped: dict[str, list[MatchWithDistance]] = {}
    for bank, match in pairs:
        grouped.setdefault(bank, []).append(match)
    return grouped


def lookup_hashes(
    ctx: AppContext, hashes: dict[str, str], banks: set[str] | None = None, flip: float = 0.0
) -> dict[str, dict[str, list[MatchWithDistance]]]:
    """Signal type -> bank name -> matches, for the hashes of one file (filtered as
    ``/m/lookup`` with the coin flip ``flip``)."""
    return {t: by_bank(lookup_signal(ctx, t, v, banks, flip)) for t, v in hashes.items()}


def hash_media(
    settings: Settings, content_type: str, name: str, data: bytes, types: str | None = None
) -> dict[str, str]:
    """Signal type -> hash of one file: HMA's types for ``content_type``
    (:data:`CONTENT_SIGNALS`), or the comma-separated tvec signal types ``types``.

    Raises:
        UsageError: nothing could be hashed, or a type in ``types`` was not computed.
    """
    result = hash_content(data, name, max_pixels=settings.max_image_pixels)
    computed = {s.signal_type: s.value for s in result.signals}
    wanted = [t.strip() for t in types.split(",") if t.strip()] if types else None
    if wanted is None:
        wanted = [t for t in CONTENT_SIGNALS[content_type] if t in computed]
        if not wanted and result.error is not None:
            raise UsageError(str(result.error))
        return {t: computed[t] for t in wanted}
    for signal_type in wanted:
        if signal_type not in computed:
            raise UsageError(f"signal type '{signal_type}' doesn't exist or is disabled")
    return {t: computed[t] for t in wanted}


def fetch_media(
    ctx: AppContext, url: str, content_type: str | None = None
) -> tuple[str, str, bytes]:
    """``(content type, name, bytes)`` of media at ``url``, from an allow-listed host only,
    fetched through the context's outbound client.

    Raises:
        PermissionDeniedError: the host (or a redirect's) is not in ``TVEC_HASH_URL_HOSTS``.
        UsageError: unknown content type, or the response is cut at ``TVEC_HTTP_MAX_BYTES``.
        FetchError, BlockedAddressError: the fetch failed or was refused.
    """
    allowed = {h.lower().rstrip(".") for h in ctx.settings.hash_url_hosts}

    def check(target: str) -> None:
        host = (urlsplit(target).hostname or "").lower().rstrip(".")
        if host not in allowed:
            raise PermissionDeniedError(
                f"Hashing by URL is not allowed for host '{host}' (TVEC_HASH_URL_HOSTS)"
            )

    with ctx.http() as client:  # every hop is checked before it is requested
        result = client.fetch(url, hop_check=check)
    if result.truncated:
        raise UsageError("the media is larger than TVEC_HTTP_MAX_BYTES")
    kind = content_type or ""
    if not kind:
        header = result.headers.get("content-type", "").lower()
        if header.startswith("image"):
            kind = "photo"
        elif header.startswith("video"):
            kind = "video"
        else:
            raise UsageError(
                f"unsupported url ContentType: '{header}', if you know the expected type, "
                "provide it with the content_type query param"
            )
    if kind not in CONTENT_SIGNALS:
        raise UsageError(f"no such content_type: '{kind}'")
    name = urlsplit(result.url).path.rsplit("/", 1)[-1] or kind
    return kind, name, result.content
