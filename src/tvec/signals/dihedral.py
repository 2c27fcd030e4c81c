"""The eight dihedral transforms of a picture (rotations and mirrorings), by their names in
``pdqhash.compute_dihedral``'s order (the original first). A module of its own so that naming
them imports neither the PDQ kernel (numba) nor the hasher."""

DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flipplus1",
    "flipminus1",
)
