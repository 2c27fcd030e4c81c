#!/usr/bin/env sh
# System (Debian) packages tvec's optional features and full test suite use:
#   video  - FFmpeg development files to build the `vpdq` package (vPDQ video hashing)
#   ocr    - Tesseract with the language packs tvec reads, and Noto fonts for the OCR tests.
#            Debian bookworm has no Sorani (ckb) pack (the Arabic-script model, script-arab,
#            reads Sorani) and no pack trained on Nastaliq (urd reads Urdu in Nastaliq)
#   browser- Debian's Chromium for the Playwright browser tests of the review app, and npm,
#            with which scripts/axe-core.sh then installs the pinned axe-core for their
#            accessibility checks into .cache/axe/ (the one install; never committed)
#   pdf    - Pango (and its HarfBuzz, fonts) for WeasyPrint's PDF reports, and poppler-utils
#            (pdftoppm) with which the tests render the PDF's pages
# Usage: scripts/system-packages.sh [video] [ocr] [browser] [pdf]   (no argument: all four)
# As root it installs what is missing with apt-get; otherwise it prints the command to run.
set -eu
VIDEO="pkg-config cmake g++ libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavdevice-dev libavfilter-dev"
OCR="tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-urd tesseract-ocr-pus tesseract-ocr-rus tesseract-ocr-tgk tesseract-ocr-uzb tesseract-ocr-uzb-cyrl tesseract-ocr-kmr tesseract-ocr-amh tesseract-ocr-tir tesseract-ocr-hin tesseract-ocr-ben tesseract-ocr-script-arab fonts-noto-core libfribidi0"
BROWSER="chromium npm"
PDF="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils"
[ "$#" -eq 0 ] && set -- video ocr browser pdf
wanted=""
for group in "$@"; do
    case "$group" in
        video) wanted="$wanted $VIDEO" ;;
        ocr) wanted="$wanted $OCR" ;;
        browser) wanted="$wanted $BROWSER" ;;
        pdf) wanted="$wanted $PDF" ;;
        *) echo "unknown group: $group (video, ocr, browser, pdf)" >&2; exit 2 ;;
    esac
done
missing=""
for pkg in $wanted; do
    # npm may come with another Node.js package (NodeSource's nodejs, which conflicts with
    # Debian's npm): a working npm command is enough.
    if [ "$pkg" = npm ] && command -v npm >/dev/null; then continue; fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "tvec: optional system packages missing; install them with:" >&2
        echo "  sudo apt-get install -y$missing" >&2
    fi
fi
case " $* " in
    *" browser "*) sh "$(dirname "$0")/axe-core.sh" ;;
esac
