"""OCR with Tesseract: read the text inside an image, choosing language packs by script.

Tesseract is run as the ``tesseract`` command (Debian ``tesseract-ocr`` 5.x and its
``tesseract-ocr-LANG`` traineddata packages) through ``pytesseract``. ``pytesseract`` was
chosen over ``tesserocr`` because it needs nothing but the command: ``tesserocr`` binds the C
API and must be compiled against ``libtesseract-dev`` (or ship its own Tesseract, apart from
Debian's traineddata), and a crash inside it would take the scan down with it. The price is
one process per Tesseract call (about 0.1-0.3 s of start-up and model loading per call).

How the language packs for an image are chosen (a full pass over every pack is slow and, as
measured, *less* accurate: ``ara+fas+urd+pus`` turns Persian ``ی ک`` into Arabic ``ي ك`` and
loses Pashto ``ښ ځ``):

0. **Size.** Images under :data:`MIN_PIXELS` are not read. The image is turned to grey on
   white, enlarged 2x when its longer side is under :data:`UPSCALE_BELOW` px.
1. **Script.** Tesseract's orientation and script detection (``--psm 0``, the ``osd``
   traineddata) names the dominant script, and turns the image upright when its orientation
   confidence is at least :data:`OSD_MIN_ORIENTATION_CONFIDENCE`. When OSD finds too few
   characters the image is taken to hold no text worth reading (one Tesseract call for a
   photo). A script named with confidence at least :data:`OSD_MIN_SCRIPT_CONFIDENCE` is
   used if tvec has packs for it (:data:`SCRIPT_PACKS`), else nothing is read. When OSD is
   unsure (Nastaliq Urdu, which it takes for Japanese), the *probe* packs of every script
   read the image and the script whose probe read the most confident letters of its own
   script wins; its :attr:`ScriptPacks.unsure` probe's reading (Arabic script: ``urd``)
   then tells the language.
2. **Language.** The script's first probe pack (Arabic script: ``pus``, whose letter set
   reads Arabic, Persian, Urdu and Pashto text well enough to tell them apart; Cyrillic:
   ``rus``; Latin: ``eng``) reads the image, and :func:`tvec.analysis.language.identify`,
   restricted to the languages of that script, names the language of what it read. A
   probe reading of fewer than :data:`MIN_LETTERS` letters or a mean confidence under
   :data:`MIN_CONFIDENCE` ends here with no text (photo noise).
3. **Final pass.** The pack of that language reads the image (the probe's reading is kept when
   the language's pack *is* the probe). When the language is undetermined (too little text),
   the script's packs run together (:attr:`ScriptPacks.fallback`). The same noise gate
   applies to the final reading.

So an image costs 1 Tesseract call (no text, or a script without packs), 2 (the probe's
pack was the right one) or 3, and 4-6 when OSD is unsure.

Without the ``tesseract`` command, or without any of its traineddata, :meth:`Ocr.open` raises
:class:`NotConfiguredError`; the analysis pipeline then turns OCR off with one log line and goes on.
"""

from __future__ import annotations

import shutil
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytesseract
from PIL import Image, ImageOps

from tvec.analysis.language import identify
from tvec.errors import ConfigError
from tvec.text.characters import BIDI_CONTROLS

__all__ = [
    "CONFUSABLE_SCRIPTS",
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "MIN_PIXELS",
    "OSD_MIN_ORIENTATION_CONFIDENCE",
    "OSD_MIN_SCRIPT_CONFIDENCE",
    "OSD_SCRIPTS",
    "SCRIPT_PACKS",
    "NotConfiguredError",
    "Ocr",
    "OcrReading",
    "ScriptPacks",
    "plausibility",
    "script_of",
]

OSD_MIN_SCRIPT_CONFIDENCE = 1.0
"""OSD's script is trusted from this confidence on (Tesseract's own scale; 2.0 was the lowest
seen on correct one-line Pashto, 0.48 on a misread Nastaliq line)."""

OSD_MIN_ORIENTATION_CONFIDENCE = 1.0
"""OSD's rotation is applied from this orientation confidence on."""

UPSCALE_BELOW = 400
"""Images whose longer side has fewer pixels than this (small memes, previews, whose text is
usually under Tesseract's preferred 20-30 px) are enlarged 2x before OCR. Larger images are
not: enlarged 40 px text (to 80 px) made Tesseract read nothing at all on a Pashto line."""

MIN_PIXELS = 150 * 150
"""Images with fewer pixels than this (icons, avatars, thumbnails) are not read: they hold too
little text for Tesseract, and skipping them saves a Tesseract call (0.1-0.4 s) each."""

MIN_LETTERS = 4
"""A reading with fewer letters than this is dropped as noise (``text == ""``)."""

MIN_CONFIDENCE = 40.0
"""A reading whose mean word confidence (0-100) is lower than this is dropped as noise.
Measured: readings of text-free photos scored 0-48 (most were dropped by OSD first), clean
rendered text 85-96, Nastaliq Urdu (which the stock packs read poorly) about 42."""

#: Scripts whose letters (capitals above all) look alike, so that OSD takes one for the
#: other: when OSD names one, the readings of both decide (:func:`plausibility`).
CONFUSABLE_SCRIPTS: dict[str, tuple[str, ...]] = {"Cyrl": ("Latn",), "Latn": ("Cyrl",)}

#: The Arabic-script model (``tesseract-ocr-script-arab``) that reads Sorani (Debian has no
#: ``ckb`` pack).
SORANI_PACK = "Arabic"

MIN_PLAUSIBLE_SHARE = 0.5
"""When OSD names Latin or Cyrillic, a reading is taken only if at least this share of its
words are clean words of its script; else the page is probed in every script."""

#: Tesseract OSD script names -> ISO 15924 codes.
OSD_SCRIPTS: dict[str, str] = {
    "Latin": "Latn",
    "Arabic": "Arab",
    "Cyrillic": "Cyrl",
    "Devanagari": "Deva",
    "Bengali": "Beng",
    "Ethiopic": "Ethi",
    "Greek": "Grek",
    "Hebrew": "Hebr",
}


@dataclass(frozen=True)
class ScriptPacks:
    """The Tesseract packs of one script.

    Attributes:
        probes: the packs that read an image first, to tell its script (all of them, when
            OSD cannot tell) and language (the first, when OSD told the script).
        languages: ISO 639-3 language code -> Tesseract pack for that language.
        fallback: packs run together when the language cannot be told.
        unsure: the probe whose reading tells the language when OSD was unsure of the
            script and the probes found this one (Arabic script: ``urd``, as OSD is unsure
            mostly of Nastaliq, the Urdu hand); None: the best-scoring probe's reading.
    """

    probes: tuple[str, ...]
    languages: dict[str, str]
    fallback: tuple[str, ...]
    unsure: str | None = None


#: ISO 15924 script -> its packs. Packs that are not installed are left out at run time.
SCRIPT_PACKS: dict[str, ScriptPacks] = {
    "Arab": ScriptPacks(
        probes=("pus", "urd"),
        # Debian has no Sorani (ckb) pack: the Arabic-script model (tesseract-ocr-script-arab,
        # pack "Arabic", trained on every language of the script) reads its letters ە ێ ۆ ڵ ڕ.
        languages={"ara": "ara", "fas": "fas", "urd": "urd", "pus": "pus", "ckb": SORANI_PACK},
        fallback=("ara", "fas", "urd", "pus"),
        unsure="urd",
    ),
    "Cyrl": ScriptPacks(
        probes=("rus",),
        languages={"rus": "rus", "tgk": "tgk", "uzb": "uzb_cyrl"},
        fallback=("rus", "tgk", "uzb_cyrl"),
    ),
    "Latn": ScriptPacks(
        probes=("eng",),
        languages={
            "eng": "eng",
            "uzb": "uzb",
            "fra": "fra",
            "deu": "deu",
            "tur": "tur",
            "ind": "ind",
            "msa": "msa",
            "swa": "swa",
            "kmr": "kmr",
        },
        fallback=("eng", "uzb"),
    ),
    "Deva": ScriptPacks(probes=("hin",), languages={"hin": "hin"}, fallback=("hin",)),
    "Beng": ScriptPacks(probes=("ben",), languages={"ben": "ben"}, fallback=("ben",)),
    # Tigrinya is not a language tvec identifies (language ID calls it "und"): the fallback
    # then reads with both Ethiopic packs.
    "Ethi": ScriptPacks(probes=("amh",), languages={"amh": "amh"}, fallback=("amh", "tir")),
}

_BIDI_CONTROLS = dict.fromkeys(map(ord, BIDI_CONTROLS))
_LOCK = threading.Lock()


class NotConfiguredError(ConfigError):
    """A pipeline stage cannot run because its dependency is missing (scrapy's idea).

    The pipeline catches it, logs its message once and runs without the stage.
    """

    kind = "not_configured"


#: Varieties :func:`tvec.analysis.language.identify` names -> the language of their pack.
MACROLANGUAGE = {"prs": "fas", "pes": "fas"}


@dataclass(frozen=True)
class OcrReading:
    """What OCR read in one image.

    Attributes:
        text: the text read, one line per line of the image (bidi control marks removed).
        script: ISO 15924 code of the script the packs were chosen for, or None when no
            script with installed packs was found (``text`` is then empty).
        language: ISO 639-3 code that chose the final pack, or ``"und"``.
        packs: the Tesseract packs of the final pass, e.g. ``("pus",)``.
        script_by: how the script was found: ``"osd"``, ``"osd+check"`` (OSD named Latin or
            Cyrillic and the readings of both decided, :func:`plausibility`) or ``"probe"``;
            ``"size"`` when the
            image was too small to read (:data:`MIN_PIXELS`).
        confidence: mean word confidence of the final pass, 0-100, weighted by word length.
        rotated: degrees (clockwise) the image was turned before reading.
        seconds: wall time spent in Tesseract for this image.
    """

    text: str
    script: str | None
    language: str
    packs: tuple[str, ...]
    script_by: str
    confidence: float
    rotated: int = 0
    seconds: float = 0.0


@dataclass
class _Pass:
    """One Tesseract pass: its packs, text, mean word confidence and letters per script."""

    packs: tuple[str, ...]
    text: str
    confidence: float
    letters: dict[str, float] = field(default_factory=dict)


def script_of(char: str) -> str | None:
    """The ISO 15924 code of a letter's script among :data:`SCRIPT_PACKS`, else None."""
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "Arab"
    if 0x0400 <= code <= 0x052F:
        return "Cyrl"
    if (0x0041 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF) and char.isalpha():
        return "Latn"
    if 0x0900 <= code <= 0x097F:
        return "Deva"
    if 0x0980 <= code <= 0x09FF:
        return "Beng"
    if 0x1200 <= code <= 0x139F:
        return "Ethi"
    return None


class Ocr:
    """Tesseract, with the language packs that are installed.

    Build with :meth:`open`. ``command`` is the Tesseract executable (name on ``PATH`` or a
    path); ``timeout`` is the most seconds one Tesseract call may take.
    """

    def __init__(self, command: str, timeout: float, packs: Iterable[str], version: str) -> None:
        self.command = command
        self.timeout = timeout
        self.installed = frozenset(packs)
        self.version = version

    @classmethod
    def open(cls, command: str = "tesseract", timeout: float = 60.0) -> Ocr:
        """Find Tesseract and its installed packs.

        Raises:
            NotConfiguredError: the command does not exist or does not run, or no pack that
                tvec uses is installed (the message says which and how to install them).
        """
        if shutil.which(command) is None:
            raise NotConfiguredError(
                f"OCR is off: the Tesseract command {command!r} was not found "
                "(install the Debian package tesseract-ocr and its tesseract-ocr-LANG "
                "packs, or set TVEC_TESSERACT_CMD)"
            )
        try:
            with _LOCK:
                pytesseract.pytesseract.tesseract_cmd = command
                version = str(pytesseract.get_tesseract_version())
                packs = set(pytesseract.get_languages(config=""))
            packs |= _listed_packs(command, timeout)
        except (OSError, RuntimeError, pytesseract.TesseractError) as exc:
            raise NotConfiguredError(f"OCR is off: {command!r} does not run: {exc}") from exc
        known = {p for s in SCRIPT_PACKS.values() for p in s.languages.values()}
        if not packs & known:
            raise NotConfiguredError(
                f"OCR is off: Tesseract {version} has none of tvec's language packs "
                "(install e.g. tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-rus)"
            )
        return cls(command, timeout, packs, version)

    def read(self, image: Image.Image) -> OcrReading:
        """Read the text in ``image`` (any mode; the first frame of an animation).

        Returns an :class:`OcrReading`; an image with no readable text gives ``text == ""``.

        Raises:
            RuntimeError: a Tesseract call took longer than ``timeout`` seconds.
            pytesseract.TesseractError: Tesseract failed on the image.
        """
        started = time.perf_counter()
        if image.width * image.height < MIN_PIXELS:
            return OcrReading("", None, "und", (), "size", 0.0, 0, 0.0)
        page = _prepare(image)
        script, method, rotate, probe = self._script(page)
        if rotate:
            page = page.rotate(-rotate, expand=True, fillcolor=255)
        if script is None:
            elapsed = time.perf_counter() - started
            return OcrReading("", None, "und", (), method, 0.0, rotate, elapsed)
        packs = SCRIPT_PACKS[script]
        if probe is None:
            probe = self._pass(page, (self._probes(packs)[0],))
        if not _worth_keeping(probe):
            elapsed = time.perf_counter() - started
            return OcrReading("", script, "und", probe.packs, method, 0.0, rotate, elapsed)
        allowed = [code for code, p in packs.languages.items() if p in self.installed]
        language = identify(probe.text, candidates=allowed, min_confidence=0.0).primary
        language = MACROLANGUAGE.get(language, language)  # one pack reads Dari and Persian
        if script == "Arab" and language != "ckb" and SORANI_PACK in self.installed:
            # The probe pack (Pashto) has no ە ێ ۆ ڵ ڕ: Sorani is told from the reading of
            # the Arabic-script model, which has them (one more Tesseract call).
            check = self._pass(page, (SORANI_PACK,))
            if identify(check.text, candidates=allowed, min_confidence=0.0).primary == "ckb":
                language, probe = "ckb", check
        if language in packs.languages and packs.languages[language] in self.installed:
            final_packs: tuple[str, ...] = (packs.languages[language],)
        else:
            language = "und"
            final_packs = tuple(p for p in packs.fallback if p in self.installed)
        final = probe if final_packs == probe.packs else self._pass(page, final_packs)
        return OcrReading(
            text=final.text if _worth_keeping(final) else "",
            script=script,
            language=language,
            packs=final_packs,
            script_by=method,
            confidence=final.confidence,
            rotated=rotate,
            seconds=time.perf_counter() - started,
        )

    def _probes(self, packs: ScriptPacks) -> tuple[str, ...]:
        """The installed probe packs of a script (a fallback pack when no probe is)."""
        probes = tuple(p for p in packs.probes if p in self.installed)
        if probes:
            return probes
        return tuple(
            p for p in (*packs.fallback, *packs.languages.values()) if p in self.installed
        )[:1]

    def _script(self, page: Image.Image) -> tuple[str | None, str, int, _Pass | None]:
        """(ISO 15924 script or None, "osd" | "probe", clockwise rotation, winning probe)."""
        rotate = 0
        if "osd" in self.installed:
            try:
                osd = self._call(
                    pytesseract.image_to_osd,
                    page,
                    config="--psm 0 -c min_characters_to_try=5",
                    output_type=pytesseract.Output.DICT,
                )
            except pytesseract.TesseractError:
                return None, "osd", 0, None  # too few characters: no text worth reading
            if float(osd["orientation_conf"]) >= OSD_MIN_ORIENTATION_CONFIDENCE:
                rotate = int(osd["rotate"]) % 360
            script = OSD_SCRIPTS.get(str(osd["script"]))
            packs = SCRIPT_PACKS.get(script or "")
            if float(osd["script_conf"]) >= OSD_MIN_SCRIPT_CONFIDENCE:
                if not (script and packs is not None and self._probes(packs)):
                    return None, "osd", rotate, None  # a script tvec has no packs for
                if script not in CONFUSABLE_SCRIPTS:
                    return script, "osd", rotate, None
                checked = self._plausible_script(page, script, rotate)
                if checked is not None:
                    return checked
                # Neither reading is plausible (OSD has called Ethiopic "Latin"): probe.
        best: tuple[float, str | None, _Pass | None] = (0.0, None, None)
        readings: dict[str, _Pass] = {}
        for script, packs in SCRIPT_PACKS.items():
            for probe in self._probes(packs):
                reading = readings[probe] = self._pass(page, (probe,))
                score = reading.letters.get(script, 0.0)
                if score > best[0]:
                    best = (score, script, reading)
        unsure = SCRIPT_PACKS[best[1]].unsure if best[1] is not None else None
        if unsure is not None and unsure in readings:
            return best[1], "probe", 0, readings[unsure]
        return best[1], "probe", 0, best[2]

    def _plausible_script(
        self, page: Image.Image, script: str, rotate: int
    ) -> tuple[str, str, int, _Pass | None] | None:
        """OSD's ``script`` or a script whose capitals look the same, by the readings' own
        plausibility (:func:`plausibility`): each one's probe reads the upright page and the
        more plausible reading wins; "osd+check" names the method. None when no reading has
        :data:`MIN_PLAUSIBLE_SHARE` of clean words (the page is in another script)."""
        upright = page.rotate(-rotate, expand=True, fillcolor=255) if rotate else page
        best: tuple[float, str, _Pass | None] = (-1.0, script, None)
        for candidate in (script, *CONFUSABLE_SCRIPTS[script]):
            probes = self._probes(SCRIPT_PACKS[candidate])
            if not probes:
                continue
            reading = self._pass(upright, probes[:1])
            score = plausibility(reading, candidate)
            if (
                score > best[0]
                and reading.confidence >= MIN_CONFIDENCE
                and _clean_share(reading, candidate) >= MIN_PLAUSIBLE_SHARE
            ):
                best = (score, candidate, reading)
        if best[2] is None:
            return None
        return best[1], "osd+check", rotate, best[2]

    def _pass(self, page: Image.Image, packs: tuple[str, ...]) -> _Pass:
        data = self._call(
            pytesseract.image_to_data,
            page,
            lang="+".join(packs),
            config="--psm 3",
            output_type=pytesseract.Output.DICT,
        )
        lines: dict[tuple[int, int, int], list[str]] = {}
        weighted = 0.0
        letters: dict[str, float] = {}
        for index, word in enumerate(data["text"]):
            word = unicodedata.normalize("NFC", str(word).translate(_BIDI_CONTROLS)).strip()
            confidence = float(data["conf"][index])
            if not word or confidence < 0:
                continue
            key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
            lines.setdefault(key, []).append(word)
            weighted += confidence * len(word)
            for char in word:
                script = script_of(char)
                if script is not None:
                    letters[script] = letters.get(script, 0.0) + confidence / 100
        chars = sum(len(w) for words in lines.values() for w in words)
        text = "\n".join(" ".join(words) for words in lines.values())
        return _Pass(packs, text, weighted / chars if chars else 0.0, letters)

    def _call(self, function: Any, image: Image.Image, **kwargs: Any) -> Any:
        # pytesseract reads its command from a module global; two Ocr objects with different
        # commands must not be used from two threads at once.
        with _LOCK:
            pytesseract.pytesseract.tesseract_cmd = self.command
        return function(image, timeout=self.timeout, **kwargs)


def _listed_packs(command: str, timeout: float) -> set[str]:
    """Every pack ``tesseract --list-langs`` lists, script models (``Arabic``) included:
    pytesseract's ``get_languages`` keeps only lower-case names."""
    import subprocess

    try:
        done = subprocess.run(
            [command, "--list-langs"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    lines = (done.stdout or "").splitlines()[1:]  # the first line names the folder
    return {line.strip() for line in lines if line.strip() and " " not in line.strip()}


def _clean(word: str, script: str) -> str | None:
    core = word.strip(".,:;!?\"'()[]«»-–—")
    if core and all(ch.isalpha() and script_of(ch) == script for ch in core):
        return core
    return None


def _clean_share(reading: _Pass, script: str) -> float:
    """Share (0-1) of the reading's words that are clean words of ``script``."""
    words = reading.text.split()
    return sum(1 for w in words if _clean(w, script)) / len(words) if words else 0.0


def plausibility(reading: _Pass, script: str) -> float:
    """How plausible ``reading`` is as text in ``script``: the confidence-weighted letters of
    that script (0-1 each) in *clean* words only, words of letters of that script with at
    most a leading or trailing punctuation mark, times the share of all words that are clean.

    A Latin poster read with a Cyrillic pack comes out as mixed junk ("СЕМ$УОМ", "УЧОМ") with
    lower confidence, and the Latin pack's reading of it wins; likewise the other way round.
    """
    words = reading.text.split()
    if not words:
        return 0.0
    cores = [core for core in (_clean(word, script) for word in words) if core]
    score = sum(len(core) for core in cores)
    return score * reading.confidence / 100 * len(cores) / len(words)


def _worth_keeping(reading: _Pass) -> bool:
    """A pass is kept when it read enough letters with enough confidence (not photo noise)."""
    letters = sum(1 for c in reading.text if c.isalpha())
    return letters >= MIN_LETTERS and reading.confidence >= MIN_CONFIDENCE


def _prepare(image: Image.Image) -> Image.Image:
    """Grayscale on white (transparency flattened), enlarged 2x when small."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        gray = flat.convert("L")
    else:
        gray = image.convert("L")
    if max(gray.size) < UPSCALE_BELOW:
        gray = gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.LANCZOS)
    return ImageOps.autocontrast(gray)
