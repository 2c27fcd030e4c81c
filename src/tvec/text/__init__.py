"""Text infrastructure: one offset-mapped rewriter and the named profiles built on it.

- :mod:`tvec.text.characters`: the one definition of invisible characters.
- :mod:`tvec.text.rewrite`: the rewriter that keeps a map from each output character to the
  original span it came from.
- :mod:`tvec.text.profiles`: the profiles callers use: ``matching`` (rules in
  :mod:`tvec.text.normalize`), ``outlinks`` (:mod:`tvec.text.links`), ``display``
  (:mod:`tvec.text.check`) and ``hashing`` (the ``text`` signal's frozen normal form).

This package imports no domain package.
"""
