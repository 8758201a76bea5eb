"""The models page through the browser's requests: versions per kind, activating and rolling
back (audited, refused when wrong), and the shadow report's figures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.cli_scoring import shadow_report_command
from moderation.db import db
from moderation.models import AuditEntry
from moderation.models import Comment
from moderation.models import ModelVersion
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.models import SiteSetting
from moderation.services import model_versions
from tests.model_helpers import NEWER
from tests.model_helpers import OLDER
from tests.model_helpers import SHIPPED_SPAM
from tests.model_helpers import TRAINED
from tests.model_helpers import seed_scored_decisions
from tests.model_helpers import seed_versions
from tests.web.workspace import csrf_token
from tests.web.workspace import signed_in_client


def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "ada", ModeratorRole.ADMIN)


def change(client: FlaskClient, *, token: str | None = "", **data: str) -> Any:
    """POST a button of the page (with the session's CSRF token unless ``token`` is None)."""
    if token == "":
        token = csrf_token(client, "/moderate/models")
    form = dict(data) if token is None else {"csrf_token": token, **data}
    return client.post("/moderate/models?lang=en", data=form)


def in_force(app: Flask) -> dict[str, int]:
    with app.app_context():
        return model_versions.active_rows(db.session)


def audit_entries(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        entries = list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return [e for e in entries if e.action.startswith("model_")]


def test_the_page_lists_every_version_in_both_languages(app: Flask) -> None:
    older, newer = seed_versions(app)
    client = admin(app)
    english = client.get("/moderate/models?lang=en").get_data(as_text=True)
    assert "<h1>Models</h1>" in english
    # The navigation leads admins here, marked as the current page.
    assert '<a href="/moderate/models" aria-current="page">Models</a>' in english
    assert OLDER in english
    assert NEWER in english
    assert "adapted from spam-csv-2026-12-02-1" in english
    assert "0.938" in english  # the older version's stored ROC-AUC
    assert "0.812" in english  # and the one in force then, on the same slice
    assert "80.0%" in english  # its stored precision, with one decimal
    assert f'id="version-{newer}" class="in-force"' in english
    assert f'id="version-{older}"' in english
    assert "Roll back to spam-csv-2026-12-02-1" in english
    # Toxicity has no version of the site's: its shipped model is in force.
    assert f"the shipped model {model_versions.shipped_version('toxicity')}" in english
    assert 'id="shipped-toxicity" class="in-force"' in english
    assert "No comment decided by a moderator has scores yet." in english
    assert "The built-in models are switched off" in english

    french = client.get("/moderate/models?lang=fr").get_data(as_text=True)
    assert "<h1>Modèles</h1>" in french
    assert "0,938" in french
    assert "80,0\xa0%" in french
    assert "Revenir à spam-csv-2026-12-02-1" in french
    assert "Aucun commentaire décidé par un modérateur n’a encore de scores." in french
    assert "Toxicité" in french


def test_the_notice_about_switched_off_models_goes_once_they_are_on(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(builtin_models=True)
    page = admin(app).get("/moderate/models?lang=en").get_data(as_text=True)
    assert "The built-in models are switched off" not in page
    assert f"the shipped model {SHIPPED_SPAM}" in page


def test_moderators_are_refused_the_page_and_its_buttons(app: Flask) -> None:
    older, newer = seed_versions(app)
    client = signed_in_client(app, "mona", ModeratorRole.MODERATOR)
    assert client.get("/moderate/models").status_code == 403
    assert 'href="/moderate/models"' not in client.get("/moderate/").get_data(as_text=True)
    token = csrf_token(client, "/moderate/account")
    response = change(client, token=token, action="activate", kind="spam", version=str(older))
    assert response.status_code == 403
    assert in_force(app) == {"spam": newer}
    assert audit_entries(app) == []


def test_activate_and_rollback_change_the_version_in_force_and_are_audited(app: Flask) -> None:
    older, newer = seed_versions(app)
    client = admin(app)
    response = change(client, action="activate", kind="spam", version=str(older))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/moderate/models?done=activated&kind=spam")
    assert in_force(app) == {"spam": older}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        '<p class="alert success" role="status">Spam: spam-csv-2026-12-02-1 is now in force.</p>'
        in page
    )

    response = change(client, action="rollback", kind="spam", version=str(older))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("done=rolled_back&kind=spam")
    assert in_force(app) == {"spam": newer}

    # The shipped model, by its button.
    response = change(client, action="activate", kind="spam", version="shipped")
    assert response.status_code == 303
    assert in_force(app) == {}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Spam: the shipped model {SHIPPED_SPAM} is now in force." in page

    with app.app_context():
        ada = db.session.scalars(
            sa.select(Moderator).where(Moderator.email == "ada@example.org")
        ).one()
    entries = audit_entries(app)
    assert [e.action for e in entries] == [
        "model_activated",
        "model_rolled_back",
        "model_activated",
    ]
    assert {e.moderator_id for e in entries} == {ada.id}
    assert entries[0].details == {
        "kind": "spam",
        "from_id": newer,
        "to_id": older,
        "changes": {"spam": {"from": NEWER, "to": OLDER}},
    }
    assert entries[1].details["changes"] == {"spam": {"from": OLDER, "to": NEWER}}
    assert entries[2].details["to_id"] is None
    assert entries[2].details["changes"]["spam"]["to"] == SHIPPED_SPAM
    # The moderation log shows them in the reader's words.
    log = client.get("/moderate/log?kind=actions&lang=en").get_data(as_text=True)
    assert "Model version put in force" in log
    assert "Model version rolled back" in log


def test_activating_the_version_in_force_changes_and_records_nothing(app: Flask) -> None:
    _older, newer = seed_versions(app)
    client = admin(app)
    response = change(client, action="activate", kind="spam", version=str(newer))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Spam: this version was already in force; nothing changed." in page
    with app.app_context():
        row = db.session.get_one(ModelVersion, newer)
        assert row.activated_at is not None
        assert row.activated_at.replace(tzinfo=dt.UTC) == TRAINED + dt.timedelta(days=1)
    assert audit_entries(app) == []


def test_a_bad_version_or_a_stale_rollback_is_refused_and_changes_nothing(app: Flask) -> None:
    older, newer = seed_versions(app)
    client = admin(app)
    refusals = [
        ({"action": "activate", "kind": "spam", "version": "999999"}, 404, "does not exist"),
        # A spam version is not a toxicity model.
        ({"action": "activate", "kind": "toxicity", "version": str(older)}, 404, "not a version"),
        ({"action": "activate", "kind": "spam", "version": "abc"}, 422, "could not be understood"),
        ({"action": "activate", "kind": "bogus", "version": "1"}, 422, "could not be understood"),
        ({"action": "delete", "kind": "spam", "version": str(older)}, 422, "not be understood"),
        # The page showed the older version in force, but the newer one is: nothing is done.
        ({"action": "rollback", "kind": "spam", "version": str(older)}, 409, "changed since"),
        # Toxicity scores with its shipped model: there is nothing to go back to.
        ({"action": "rollback", "kind": "toxicity", "version": "shipped"}, 409, "nothing to roll"),
    ]
    for data, status, words in refusals:
        response = change(client, **data)
        assert response.status_code == status, data
        page = response.get_data(as_text=True)
        assert '<p class="alert error" role="alert">' in page, data
        assert words in page, data
        assert in_force(app) == {"spam": newer}, data
    assert audit_entries(app) == []


def test_a_change_without_the_csrf_token_is_refused(app: Flask) -> None:
    older, newer = seed_versions(app)
    client = admin(app)
    for action, version in (("activate", older), ("rollback", newer)):
        response = change(client, token=None, action=action, kind="spam", version=str(version))
        assert response.status_code == 400
        assert "This form has expired" in response.get_data(as_text=True)
        response = change(client, token="forged", action=action, kind="spam", version=str(version))
        assert response.status_code == 400
    assert in_force(app) == {"spam": newer}
    assert audit_entries(app) == []


def _row(page: str, name: str) -> str:
    """The table row whose header is ``name`` (up to the end of that row)."""
    start = page.index(f'<th scope="row">{name}')
    return page[start : page.index("</tr>", start)]


def test_the_shadow_report_shows_each_backends_figures(app: Flask) -> None:
    seed_scored_decisions(app)
    client = admin(app)
    page = client.get("/moderate/models?lang=en").get_data(as_text=True)
    assert "No comment decided by a moderator has scores yet." not in page
    assert '<caption id="shadow-caption">' in page
    summary = page[page.index('id="shadow-summary"') : page.index('id="shadow-curve"')]
    shadow = _row(summary, "perspective v1alpha1 · toxicity")
    cells = [c.split("</td>")[0].strip() for c in shadow.split("<td>")[1:]]
    # Mode, rows, positives, thresholds, agreement, decided alone, right when alone.
    assert cells == ["Shadow", "4", "3", "0.5 / 0.9", "75.0%", "75.0%", "66.7%"]
    live = _row(summary, "openai omni-moderation-latest · toxicity")
    assert "<td>Live</td>" in live
    curve = _row(page[page.index('id="shadow-curve"') :], "perspective v1alpha1 · toxicity")
    cells = [c.split("</td>")[0] for c in curve.split("<td>")[1:]]
    # At 0.5: both flagged are positive, 2 of the 3 positives found; at 0.95 nothing flagged.
    assert cells[2:4] == ["100.0%", "66.7%"]
    assert cells[-2:] == ["—", "0.0%"]
    assert "(in shadow)" in curve
    french = client.get("/moderate/models?lang=fr").get_data(as_text=True)
    assert "75,0\xa0%" in french
    assert "0,5 / 0,9" in french
    assert "Dans l’ombre" in french


def test_the_shadow_report_measures_at_the_thresholds_in_force(app: Flask) -> None:
    seed_scored_decisions(app)
    with app.app_context():
        # An admin lowered the hold threshold in the settings: the workers decide with it.
        db.session.add(SiteSetting(key="score_hold_at", value=0.25, updated_at=TRAINED))
        db.session.commit()
    page = admin(app).get("/moderate/models?lang=en").get_data(as_text=True)
    shadow = _row(page, "perspective v1alpha1 · toxicity")
    assert "<td>0.25 / 0.9</td>" in shadow
    # Every perspective score is now on the moderator's side of the hold threshold.
    assert "<td>100.0%</td>" in shadow
    # The command line reports the same figures.
    result = app.test_cli_runner().invoke(shadow_report_command, ["--json"])
    assert result.exit_code == 0, result.output
    [report] = [
        r
        for r in map(json.loads, result.output.splitlines())
        if r["backend"] == "perspective" and r["attribute"] == "toxicity"
    ]
    assert (report["hold_at"], report["agreement"]) == (0.25, 1.0)


def test_names_from_outside_backends_are_shown_as_text(app: Flask) -> None:
    # Backend, version and attribute names come from outside answers: never markup.
    seed_scored_decisions(app)
    hostile = '<img src=x onerror="alert(1)">'
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment).order_by(Comment.id).limit(1)).one()
        comment.scores = {
            hostile: {"model": hostile, "version": hostile, "attributes": {hostile: 0.7}}
        }
        db.session.commit()
    page = admin(app).get("/moderate/models?lang=en").get_data(as_text=True)
    assert hostile not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
