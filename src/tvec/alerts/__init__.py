"""Alerts: composing, queueing and delivering notices to the platforms that host verified URLs.

Modules: :mod:`~tvec.alerts.routes` (how each platform takes alerts),
:mod:`~tvec.alerts.compose` (the e-mail, webhook and CSV forms of a batch),
:mod:`~tvec.alerts.channels` (one delivery attempt per channel) and
:mod:`~tvec.alerts.queue`, :mod:`~tvec.alerts.send` (preview, send,
dry runs), :mod:`~tvec.alerts.retry` and :mod:`~tvec.alerts.listing`. Which URLs may be alerted is
decided by :mod:`tvec.verification`; what happens to them afterwards by :mod:`tvec.takedowns`.
"""
