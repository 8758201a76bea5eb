"""Both catalogs are complete and the template is in step with the source."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "moderation" / "translations"


def catalog(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle)


def ids(cat) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}


def test_template_lists_every_string_of_the_source(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert ids(catalog(fresh)) == ids(catalog(TRANSLATIONS / "messages.pot")), (
        "run `make translations-update` and translate the new strings"
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalog_translates_every_string(language: str) -> None:
    template = ids(catalog(TRANSLATIONS / "messages.pot"))
    translated = catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    assert ids(translated) == template
    for message in translated:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"


def test_french_is_really_french() -> None:
    translated = catalog(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po")
    assert translated["Be the first to comment"].string == "Soyez le premier à commenter"
    assert translated["Leave a comment"].string == "Laisser un commentaire"


def test_every_reason_code_has_words_for_moderators() -> None:
    from moderation.pipeline.codes import REASON_CODES
    from moderation.web.i18n import REASON_MESSAGES

    missing = set(REASON_CODES) - set(REASON_MESSAGES)
    assert not missing, f"reason codes without catalog wording: {sorted(missing)}"
