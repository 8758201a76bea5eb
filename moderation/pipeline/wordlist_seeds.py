"""Seed word lists, French and English: a modest starting point that each site extends.

Written for this project from the insults and slurs that recur in reader comments. The
actions follow one rule of thumb:

* ``reject``: slurs aimed at a group (racist, antisemitic, homophobic, transphobic) and
  calls to self-harm, which no context on a news site makes acceptable;
* ``hold``: insults aimed at a person, threats, and slurs with an innocent homonym
  ("tapette" is also a fly swatter): a person judges the context;
* ``flag``: vulgar words and mild insults that are common in heated but acceptable
  comments ("putain", "con", "stupid"): recorded for moderators, the verdict is unchanged.

Terms are written plainly: the matcher handles case, accents, plurals, repeated letters,
leetspeak and elisions, so no variant spellings are needed. Words whose other meaning in
the other language is common are scoped to one language ("bite" is French only, "retard"
is left out altogether because French readers are "en retard" every day).
"""

from __future__ import annotations

from moderation.pipeline.types import WordAction
from moderation.pipeline.types import WordEntry

_R, _H, _F = WordAction.REJECT, WordAction.HOLD, WordAction.FLAG

_FR: tuple[tuple[str, WordAction], ...] = (
    # Slurs against groups
    ("bougnoule", _R), ("bicot", _R), ("crouille", _R), ("youpin", _R), ("youtre", _R),
    ("bamboula", _R), ("chinetoque", _R), ("négresse", _R), ("sale race", _R),
    ("sale arabe", _R), ("sale juif", _R), ("sale noir", _R), ("sous-race", _R),
    ("pédé", _R), ("tarlouze", _R), ("gouine", _R), ("travelo", _R), ("enculé", _R),
    ("fils de pute", _R), ("nique ta mère", _R), ("va te pendre", _R), ("suicide-toi", _R),
    # Insults at a person, threats, slurs with an innocent homonym
    ("nègre", _H), ("tapette", _H), ("rital", _H), ("connard", _H), ("connasse", _H),
    ("salope", _H), ("salaud", _H), ("pute", _H), ("enfoiré", _H), ("ordure", _H),
    ("pourriture", _H), ("raclure", _H), ("pétasse", _H), ("pouffiasse", _H),
    ("grognasse", _H), ("bâtard", _H), ("trou du cul", _H), ("trouduc", _H),
    ("pauvre con", _H), ("gros con", _H), ("sale con", _H), ("ducon", _H),
    ("va te faire foutre", _H), ("ferme ta gueule", _H), ("ta gueule", _H), ("fdp", _H),
    ("ftg", _H), ("gogol", _H), ("triso", _H), ("abruti", _H), ("va crever", _H),
    ("je vais te buter", _H), ("on va te retrouver", _H),
    # Vulgar words and mild insults
    ("con", _F), ("conne", _F), ("merde", _F), ("putain", _F), ("chier", _F),
    ("bordel", _F), ("foutre", _F), ("cul", _F), ("bite", _F), ("couille", _F),
    ("nique", _F), ("niquer", _F), ("branleur", _F), ("glandu", _F), ("boloss", _F),
    ("teubé", _F), ("débile", _F), ("crétin", _F), ("imbécile", _F), ("idiot", _F),
    ("taré", _F), ("bouffon", _F), ("mongol", _F), ("attardé", _F), ("raton", _F),
    ("ntm", _F), ("tg", _F), ("crève", _F), ("vermine", _F),
)  # fmt: skip

_EN: tuple[tuple[str, WordAction], ...] = (
    # Slurs against groups, calls to self-harm
    ("nigger", _R), ("nigga", _R), ("faggot", _R), ("kike", _R), ("spic", _R),
    ("chink", _R), ("wetback", _R), ("raghead", _R), ("towelhead", _R), ("tranny", _R),
    ("gook", _R), ("paki", _R), ("beaner", _R), ("sand nigger", _R), ("kill yourself", _R),
    ("kys", _R), ("go hang yourself", _R),
    # Insults at a person, threats, slurs with an innocent homonym
    ("fag", _H), ("coon", _H), ("dyke", _H), ("cunt", _H), ("motherfucker", _H),
    ("asshole", _H), ("dickhead", _H), ("bitch", _H), ("whore", _H), ("slut", _H),
    ("bastard", _H), ("wanker", _H), ("twat", _H), ("prick", _H), ("douchebag", _H),
    ("scumbag", _H), ("piece of shit", _H), ("shut the fuck up", _H), ("stfu", _H),
    ("fuck you", _H), ("fuck off", _H), ("retarded", _H), ("cocksucker", _H),
    ("shithead", _H), ("dipshit", _H), ("libtard", _H), ("I will kill you", _H),
    ("you should die", _H),
    # Vulgar words and mild insults
    ("fuck", _F), ("fucking", _F), ("shit", _F), ("crap", _F), ("damn", _F),
    ("piss", _F), ("dick", _F), ("cock", _F), ("ass", _F), ("arse", _F),
    ("bollocks", _F), ("bullshit", _F), ("stupid", _F), ("idiot", _F), ("moron", _F),
    ("dumbass", _F), ("jackass", _F), ("loser", _F), ("pathetic", _F), ("wtf", _F),
    ("imbecile", _F), ("clown", _F),
)  # fmt: skip

SEED_FR: tuple[WordEntry, ...] = tuple(WordEntry(t, a, "fr") for t, a in _FR)
SEED_EN: tuple[WordEntry, ...] = tuple(WordEntry(t, a, "en") for t, a in _EN)
SEED_VERSION = "seed-2026.11-1"
