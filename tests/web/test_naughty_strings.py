"""Every naughty string in every field: a clear answer, never a server error."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import shared_data
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import valid


def test_naughty_strings_never_cause_a_server_error(app: Flask, client: FlaskClient) -> None:
    strings = json.loads(shared_data("naughty-strings", "blns.json").read_text(encoding="utf-8"))
    assert len(strings) > 500
    add_article(app)
    outcomes: dict[int, int] = {}
    for index, text in enumerate(strings):
        for field in ("author_name", "body", "website", "email"):
            values = {"body": f"Commentaire {index} {field}", field: text}
            response = client.post(URL.format(key="a1"), json=valid(**values))
            outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
            assert response.status_code in (202, 409, 422), (field, text, response.status_code)
            if response.status_code == 202 and field == "author_name":
                token = {"Moderation-Author-Token": response.get_json()["author_token"]}
                shown = client.get(response.headers["Location"], headers=token).get_json()
                assert shown["author_name"] == text.strip()
    assert outcomes[202] > 500
    assert outcomes[422] > 100
