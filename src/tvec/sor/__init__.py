"""Statements of reasons (DSA Article 17) for the EU DSA Transparency Database: its schema
and a local validator of its rules (:mod:`~tvec.sor.schema`), statements made from remove
decisions (:mod:`~tvec.sor.build`) and the submission outbox (:mod:`~tvec.sor.outbox`).
See ``docs/statements-of-reasons.md``."""
