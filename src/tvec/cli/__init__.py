"""tvec's command line: thin Typer commands over the core package."""
