"""tvec's web app: review pages, the JSON API and the HMA-compatible matching API.

Build it with :func:`create_app`; ``tvec serve`` runs it with uvicorn.
"""

from tvec.web.app import create_app

__all__ = ["create_app"]
