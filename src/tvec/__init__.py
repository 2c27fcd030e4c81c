"""tvec: find, review and take down terrorist and violent extremist content (TVEC).

The core package is pure: the CLI (:mod:`tvec.cli`) and later the web app only call it.
"""

__version__ = "0.1.0"
