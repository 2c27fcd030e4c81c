"""Analysis of item text: normalisation for matching and entity indicators.

:mod:`tvec.text.normalize` folds disguised spellings (confusable letters, leetspeak, split
letters, Arabic-script variants, invisible characters) into one match form and keeps a map back
to the original offsets; :mod:`tvec.analysis.indicators` finds entity and outlet names in that
form with one Aho-Corasick automaton.
"""
