"""The workspace templates' own ``_``/``ngettext``: the catalog's words, escaped as Jinja's."""

from __future__ import annotations

from flask import Flask

from moderation.web.workspace.templating import _bound_gettext


def _render(app: Flask, source: str, lang: str = "fr", **context: object) -> str:
    with app.test_request_context(f"/moderate/?lang={lang}"):
        template = app.jinja_env.from_string(source)
        return template.render(**_bound_gettext(), **context)


def test_strings_come_from_the_readers_catalog_every_time(app: Flask) -> None:
    source = '{{ _("Approve") }}|{{ gettext("Approve") }}|{{ _("Approve") }}'
    assert _render(app, source) == "Approuver|Approuver|Approuver"
    assert _render(app, source, lang="en") == "Approve|Approve|Approve"


def test_variables_are_escaped_and_the_translation_is_a_format_string(app: Flask) -> None:
    source = (
        '{{ _("Said %(who)s", who=name) }}/{{ _("Said %(who)s", who="Léa") }}'
        '/{{ _("100%% sure") }}/{{ _("100%% sure") }}'
    )
    rendered = _render(app, source, name="<script>x</script>")
    assert rendered == "Said &lt;script&gt;x&lt;/script&gt;/Said Léa/100% sure/100% sure"


def test_without_autoescape_nothing_is_escaped(app: Flask) -> None:
    source = (
        '{{ _("<b>%(who)s</b>", who=name) }}'
        '{% autoescape false %}|{{ _("<b>%(who)s</b>", who=name) }}|{{ _("<b>") }}'
        '{% endautoescape %}|{{ _("<b>") }}'
    )
    rendered = _render(app, source, name="<i>")
    assert rendered == "<b>&lt;i&gt;</b>|<b><i></b>|<b>|<b>"


def test_plurals_pick_by_the_count_and_name_it(app: Flask) -> None:
    source = (
        '{{ ngettext("%(num)d report:", "%(num)d reports:", 1) }}'
        ' {{ ngettext("%(num)d report:", "%(num)d reports:", 3) }}'
        ' {{ ngettext("%(num)d for %(who)s", "%(num)d for %(who)s", 2, who=name) }}'
    )
    assert _render(app, source, lang="en", name="<a>") == "1 report: 3 reports: 2 for &lt;a&gt;"
    french = _render(app, source, name="<a>")
    assert french == "1 signalement : 3 signalements : 2 for &lt;a&gt;"
