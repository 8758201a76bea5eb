"""``moderation model build-shipped``: the cold-start models from a folder of public sets."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from moderation.cli_models import build_shipped_command
from moderation.services import model_versions
from moderation.services import training


def _write(folder: Path, rows: list[tuple[str, int]]) -> None:
    folder.mkdir(parents=True)
    with (folder / "train.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "lang"])
        writer.writerows((text, label, "xx") for text, label in rows)


def test_build_shipped_writes_one_loadable_model_per_task(tmp_path: Path) -> None:
    data = tmp_path / "data"
    positive = {"spam": "Gagnez de l'argent {i} http://x.example", "toxicity": "Espèce d'idiot {i}"}
    negative = {"spam": "Merci pour l'article {i}", "toxicity": "Bonne analyse, merci {i}"}
    for kind, families in training.SHIPPED_SOURCES.items():
        for names in families.values():
            for name in names:
                _write(
                    data / name,
                    [(positive[kind].format(i=i), 1) for i in range(8)]
                    + [(negative[kind].format(i=i), 0) for i in range(8)],
                )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        build_shipped_command, [str(data), "--version", "2030-01-01", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    spam = model_versions.decode((out / "spam.npz").read_bytes())
    toxicity = model_versions.decode((out / "toxicity.npz").read_bytes())
    assert spam.version == "spam-2030-01-01"
    assert set(toxicity.families) == {"fr", "en"}
    assert toxicity.family_of("de") == "en"
    assert toxicity.family_of("fr") == "fr"
    assert spam.uses_encoder
    [high, low] = spam.probabilities(
        ["Gagnez de l'argent http://y.example", "Merci"], [None, None], None
    )
    assert high > low


def test_build_shipped_learns_linked_comments_of_other_sets_as_not_spam(tmp_path: Path) -> None:
    data = tmp_path / "data"
    spam_rows = [(f"Gagnez de l'argent {i} http://x.example/{i}", 1) for i in range(10)]
    spam_rows += [(f"Merci pour l'article {i}", 0) for i in range(10)]
    for name in training.SHIPPED_SOURCES["spam"]["any"]:
        _write(data / name, spam_rows)
    # A toxicity set's comments that cite a source, whatever their toxicity label.
    linked = [(f"Voir la source {i} http://wiki.example/page{i}", i % 2) for i in range(20)]
    for families in training.SHIPPED_SOURCES["toxicity"].values():
        for name in families:
            _write(data / name, linked + [(f"Espèce d'idiot {i}", 1) for i in range(10)])
    out = tmp_path / "out"
    result = CliRunner().invoke(
        build_shipped_command, [str(data), "--version", "2030-01-01", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    spam = model_versions.decode((out / "spam.npz").read_bytes())
    [selling, citing] = spam.probabilities(
        ["Gagnez de l'argent http://y.example", "Voir la source http://wiki.example/autre"],
        [None, None],
        None,
    )
    assert citing < 0.5 < selling
