"""Use cases of the lookup box (``/lookup``): what a pasted hash or URL (defanged accepted),
or an uploaded file, matches in the banks, and what tvec already holds with the same signal.

Bank matches use the context's matcher (:meth:`tvec.app.context.AppContext.matcher`), as a
scan and ``tvec match`` do (PDQ within ``TVEC_PDQ_THRESHOLD``, with its distance; a bank URL
matches every equivalent spelling). Items are found by exact signal
(:func:`tvec.matching.known.items_with_signals`); out-links by URL equivalence
(:func:`tvec.matching.known.equivalent_outlinks`). Nothing is stored or audited: a look-up
changes nothing.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

from tvec.app.context import AppContext
from tvec.banks.service import upload_name
from tvec.matching import known
from tvec.matching.lookup import Query, lookup, query_for_file
from tvec.matching.pasted import understand
from tvec.signals.pdq_variants import PDQOptions
from tvec.views.lookup import LookupItemView, LookupOutlinkView, LookupResultView
from tvec.views.matching import SignalView

#: An upload's extension kept on its temporary file (``.png``, ``.txt``...).
SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")
#: Most URLs of an uploaded text file whose out-links are looked up.
MAX_FILE_URLS = 20


def _result(
    ctx: AppContext, query: Query, kind: str, urls: list[str], errors: list[str]
) -> LookupResultView:
    with ctx.read() as session:
        matcher = ctx.matcher(session, None)
        matches = [m.view() for m in lookup(matcher, [query])]
        items, more_items = known.items_with_signals(session, query.signals)
        outlinks: list[LookupOutlinkView] = []
        more_links = False
        for url in urls[:MAX_FILE_URLS]:
            found, more = known.equivalent_outlinks(session, url)
            outlinks.extend(o for o in found if o.id not in {x.id for x in outlinks})
            more_links = more_links or more
        linked, more_linked = known.items_of_outlinks(session, outlinks)
    by_id: dict[int, LookupItemView] = {i.id: i for i in linked}
    by_id.update({i.id: i for i in items})
    return LookupResultView(
        query=query.source,
        kind=kind,
        signals=[
            SignalView(signal_type=s.signal_type, value=s.value, quality=s.quality)
            for s in query.signals
        ],
        matches=matches,
        items=[by_id[i] for i in sorted(by_id)],
        outlinks=outlinks,
        errors=errors,
        truncated=more_items or more_links or more_linked,
    )


def lookup_pasted(ctx: AppContext, text: str, signal_type: str | None = None) -> LookupResultView:
    """Look up a pasted hash or URL (:func:`tvec.matching.pasted.understand`).

    Raises:
        UsageError: the value is empty, too long, invalid for the chosen signal type, or
            neither a hash nor a URL.
    """
    pasted = understand(text, signal_type)
    query = Query(text.strip(), pasted.signals)
    urls = [pasted.url] if pasted.url else []
    return _result(ctx, query, pasted.kind, urls, [])


def lookup_upload(ctx: AppContext, filename: str | None, data: bytes) -> LookupResultView:
    """Hash an uploaded file as a scan would (:func:`tvec.matching.lookup.query_for_file`:
    byte hashes, PDQ and its variants, vPDQ, a text file's text signals and out-links) and
    look it up. A file that cannot be hashed in full is not an error: ``errors`` says why,
    naming the file by its upload name.
    """
    shown = upload_name(filename, 1)
    settings = ctx.settings
    suffix = Path(shown).suffix
    with tempfile.TemporaryDirectory(prefix="tvec-lookup-") as folder:
        # the extension helps sniffing; the name itself is never a path on this machine
        path = Path(folder) / ("upload" + (suffix if SAFE_SUFFIX.fullmatch(suffix) else ""))
        path.write_bytes(data)
        query = query_for_file(
            path,
            max_pixels=settings.max_image_pixels,
            max_file_bytes=settings.max_file_bytes,
            pdq=PDQOptions.from_settings(settings),
        )
    errors = [str(query.error).replace(str(path), shown)] if query.error else []
    query = dataclasses.replace(query, source=shown, error=None)
    urls = [s.value for s in query.signals if s.signal_type == "url"]
    return _result(ctx, query, "file", urls, errors)
