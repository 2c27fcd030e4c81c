"""``python -m tvec``: the same as the ``tvec`` command."""

from tvec.cli.app import main

if __name__ == "__main__":
    main()
