"""The operations pages in one router: sources and their polls, scans, out-links by
platform and alerts (:mod:`.sources`, :mod:`.scans`, :mod:`.outlinks`, :mod:`.alerts`)."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.web.routers import alerts, outlinks, scans, sources

router = APIRouter(include_in_schema=False)
for _module in (sources, scans, outlinks, alerts):
    router.include_router(_module.router)
