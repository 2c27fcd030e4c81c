"""Alerts and takedown tracking: attribution, alert delivery, status checks, removal metrics."""
