#!/usr/bin/env sh
# System (Debian) packages tvec's optional features and full test suite use:
#   video  - FFmpeg development files to build the `vpdq` package (vPDQ video hashing)
#   ocr    - Tesseract with the language packs tvec reads, and Noto fonts for the OCR tests
#   browser- Debian's Chromium for the Playwright browser tests of the review app
# Usage: scripts/system-packages.sh [video] [ocr] [browser]   (no argument: all three)
# As root it installs what is missing with apt-get; otherwise it prints the command to run.
set -eu
VIDEO="pkg-config cmake g++ libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavdevice-dev libavfilter-dev"
OCR="tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-urd tesseract-ocr-pus tesseract-ocr-rus tesseract-ocr-tgk tesseract-ocr-uzb tesseract-ocr-uzb-cyrl fonts-noto-core libfribidi0"
BROWSER="chromium"
[ "$#" -eq 0 ] && set -- video ocr browser
wanted=""
for group in "$@"; do
    case "$group" in
        video) wanted="$wanted $VIDEO" ;;
        ocr) wanted="$wanted $OCR" ;;
        browser) wanted="$wanted $BROWSER" ;;
        *) echo "unknown group: $group (video, ocr, browser)" >&2; exit 2 ;;
    esac
done
missing=""
for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "tvec: optional system packages missing; install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
fi
