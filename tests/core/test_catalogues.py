"""Japanese is the default language and English is complete: every catalogue entry is
translated, none is fuzzy, and both compile."""

import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip()
    assert "untranslated" not in statistics, statistics
    assert "fuzzy" not in statistics, statistics
    assert int(statistics.split()[0]) > 200


def test_the_japanese_catalogue_uses_the_glossary_words():
    text = (ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po").read_text()
    for word in (
        "受付番号",
        "回答予定日時",
        "受付時間",
        "お客様回答待ち",
        "社内メモ",
        "年末年始休業",
    ):
        assert word in text, word
