"""Indexes that find bank entries near an item's signals, one kind per signal type.

``pdq_index``: exact PDQ matching (multi-index hashing, with a brute-force oracle beside it).
"""
