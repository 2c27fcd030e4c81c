#!/usr/bin/env sh
# Check that `pip install .` with the pip that ships with Python (no upgrade) gives a working
# `tvec`: a fresh virtual environment, the package installed from this folder, then
# `tvec version`, `tvec --help` and a scan of a generated picture in a fresh home.
# Usage: scripts/check-install.sh [PYTHON]   (default python3)
set -eu
PYTHON="${1:-python3}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m venv "$work/venv"
echo "check-install: $("$work/venv/bin/pip" --version)"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$work/venv/bin/pip" install --quiet "$here"
"$work/venv/bin/tvec" version
"$work/venv/bin/tvec" --help >/dev/null
"$work/venv/bin/python" -c "from PIL import Image; Image.effect_noise((320, 240), 60).convert('RGB').save('$work/poster.jpg')"
TVEC_HOME="$work/home" TVEC_PROGRESS=false "$work/venv/bin/tvec" scan "$work/poster.jpg" --json "$work/scan.json" >/dev/null
"$work/venv/bin/python" -c "import json, sys; d = json.load(open('$work/scan.json')); sys.exit(0 if d['counts']['items'] == 1 else 'scan stored no item')"
echo "check-install: pip install . gives a working tvec"
