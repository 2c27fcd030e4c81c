"""The web app's routers: one per area, each thin over the core."""
