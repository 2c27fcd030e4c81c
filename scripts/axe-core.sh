#!/usr/bin/env sh
# axe-core (npm) for the accessibility checks of every browser test (tests/web/axe.py): the one
# install, at the one version pinned here, into .cache/axe/ (never committed); the tests inject
# node_modules/axe-core/axe.min.js into each page they check. scripts/system-packages.sh browser
# runs it after installing npm (Debian's package). Needs the npm registry.
# Usage: scripts/axe-core.sh   (a no-op when the pinned version is already there)
set -eu
VERSION="4.14.1"
DIR="$(cd "$(dirname "$0")/.." && pwd)/.cache/axe"
if [ -f "$DIR/node_modules/axe-core/axe.min.js" ] && \
   grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/axe-core/package.json"; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "tvec: npm missing; the accessibility checks need it (apt-get install npm)" >&2
    exit 0
fi
mkdir -p "$DIR"
npm install --silent --no-audit --no-fund --no-save --prefix "$DIR" "axe-core@$VERSION"
