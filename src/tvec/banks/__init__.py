"""Banks: named lists of known signals, their file formats and operations."""

from tvec.banks.formats import FORMATS, EntryRow, RowProblem, read_rows
from tvec.banks.service import (
    LoadReport,
    add_files,
    create_bank,
    delete_bank,
    export_bank,
    import_bank,
    list_banks,
    show_bank,
)

__all__ = [
    "FORMATS",
    "EntryRow",
    "LoadReport",
    "RowProblem",
    "add_files",
    "create_bank",
    "delete_bank",
    "export_bank",
    "import_bank",
    "list_banks",
    "read_rows",
    "show_bank",
]
