"""The instance's vocabularies: words that must match from one entry to another.

A client's ``track`` must be one of a group's ``tracks``; a client's ``needs`` and a group's
``facilitator_specialties`` must be among a therapist's ``specialties``; a group's ``audience``
must be among a client's ``audiences``; a client's ``sites`` must name a group's ``site``
(version 2; a client with no sites may go anywhere, a group with no site is open to all). A
word that matches nothing on the other side does not make the instance invalid, but it quietly
leaves clients out (a client of track ``Substance Use`` when the groups say ``substance_use``)
or keeps a group from running.

Decision: words are compared exactly, by the solver and by the checker alike, and differences
of case, spacing, ``-`` or ``_`` are *not* normalised silently: a second, looser comparison
would make an instance mean something other than what the checker checks. Instead
:func:`vocabulary_warnings` reports every word that matches nothing, with a suggestion (the
word on the other side with the same key, the key being the word in lowercase without spaces,
``-`` and ``_``, or else the closest key by :func:`difflib.get_close_matches`) and the clients
who cannot be placed because of it (:mod:`solver.vocabulary_left_out`). A word that is
*wanted* (a client's track, a need, a facilitator specialty, a group's audience) and matches
nothing is always reported; a word that is *offered* (a group's track, a therapist's
specialty, a client's audience) only when it looks like a misspelling of a wanted word, since
offering what nobody asks for this week is normal.

Each vocabulary is one line of :data:`VOCABULARIES`: the fields whose words are wanted and the
fields that offer them, as ``"clients.track"`` (a list of entries, then a key of the entry
holding one word, a list of words or null), and whether one word of the wanted field is enough
(``any_of``, sites) or each must be offered (tracks, needs).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from solver.errors import Problem
from solver.instance import Client, Instance
from solver.vocabulary_left_out import (
    Loc,
    Relation,
    Reported,
    clients_left_out,
    entry_lists,
    field_words,
)

__all__ = [
    "VOCABULARIES",
    "Vocabulary",
    "VocabularyWarning",
    "group_hint",
    "log_vocabulary_warnings",
    "normal_key",
    "suggest",
    "therapist_hint",
    "vocabulary_warnings",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Vocabulary:
    """Words of ``wanted`` fields that must each match a word of an ``offered`` field."""

    name: str
    wanted: tuple[str, ...]
    offered: tuple[str, ...]
    any_of: bool = False
    """True: an entry fits another when one of its wanted words is offered, or when either
    side has no word (a client's ``sites``: empty means any site; a group's ``site``: null
    means open to all). False: every wanted word must be offered."""


VOCABULARIES: tuple[Vocabulary, ...] = (
    Vocabulary("track", wanted=("clients.track",), offered=("groups.tracks",)),
    Vocabulary(
        "specialty",
        wanted=("clients.needs", "groups.facilitator_specialties"),
        offered=("therapists.specialties",),
    ),
    Vocabulary("audience", wanted=("groups.audience",), offered=("clients.audiences",)),
    Vocabulary("site", wanted=("clients.sites",), offered=("groups.site",), any_of=True),
)
"""The instance's vocabularies (a version-1 file has no sites: nothing to compare)."""

_CLOSE = 0.75  # difflib's similarity cutoff for a suggestion


def normal_key(word: str) -> str:
    """The word compared loosely: lowercase, without spaces, ``-`` and ``_``."""
    return re.sub(r"[\s_-]+", "", word.lower())


def suggest(word: str, known: Iterable[str]) -> str | None:
    """The known word ``word`` most likely stands for, or None.

    The one with the same :func:`normal_key` (the most used spelling when several share it),
    else the closest key (:func:`difflib.get_close_matches`). Never ``word`` itself.
    """
    counts = Counter(k for k in known if k != word)
    by_key: dict[str, str] = {}
    for k, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        by_key.setdefault(normal_key(k), k)
    key = normal_key(word)
    if key in by_key:
        return by_key[key]
    close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=_CLOSE)
    return by_key[close[0]] if close else None


@dataclass(frozen=True)
class VocabularyWarning:
    """A word that matches nothing on the other side of its vocabulary."""

    entry: str
    """The entry, e.g. ``clients[3] (id C004)``."""
    key: str
    """The key in the entry, e.g. ``track`` or ``needs[0]``."""
    word: str
    vocabulary: str
    expected: str
    """What it should match, e.g. ``group's tracks``."""
    suggestion: str | None
    left_out: tuple[str, ...] = ()
    """Clients who cannot be placed because of it (empty when nothing breaks)."""

    @property
    def message(self) -> str:
        """E.g. ``'Trauma' matches no therapist's specialties; did you mean 'trauma'?``."""
        text = f"{self.word!r} matches no {self.expected}"
        if self.suggestion is not None:
            text += f"; did you mean {self.suggestion!r}?"
        if self.left_out:
            ids = ", ".join(self.left_out[:5])
            if len(self.left_out) > 5:
                ids += f" and {len(self.left_out) - 5} more"
            text += f" ({ids} cannot be placed because of it)"
        return text

    def problem(self, file: str = "") -> Problem:
        """The warning as a :class:`~solver.errors.Problem` (file, entry, key, message)."""
        return Problem(self.entry, self.key, self.message, file)

    def __str__(self) -> str:
        return str(self.problem())


@dataclass(frozen=True)
class _Use:
    loc: Loc
    item_id: str
    word: str

    @property
    def entry(self) -> str:
        return f"{self.loc[0]}[{self.loc[1]}] (id {self.item_id})"


def _uses(instance: Instance, path: str) -> Iterator[_Use]:
    kind, attr = path.split(".")
    for index, item in enumerate(entry_lists(instance)[kind]):
        for key, word in field_words(item, attr):
            yield _Use((kind, index, key), str(getattr(item, "id", "")), word)


def _describe(paths: Sequence[str]) -> str:
    """``("groups.tracks",)`` -> ``group's tracks``."""
    return " or ".join(f"{p.split('.')[0][:-1]}'s {p.split('.')[1]}" for p in paths)


def vocabulary_warnings(instance: Instance) -> list[VocabularyWarning]:
    """Every word of :data:`VOCABULARIES` that matches nothing, with its suggestion and the
    clients it leaves out; empty for a consistent instance."""
    found: list[tuple[_Use, VocabularyWarning]] = []
    for vocabulary in VOCABULARIES:
        wanted = [u for p in vocabulary.wanted for u in _uses(instance, p)]
        offered = [u for p in vocabulary.offered for u in _uses(instance, p)]
        sides = (
            (wanted, offered, vocabulary.offered, True),
            (offered, wanted, vocabulary.wanted, False),
        )
        for uses, others, other_paths, always in sides:
            other_words = Counter(u.word for u in others)
            suggestions: dict[str, str | None] = {}
            for use in uses:
                if use.word in other_words:
                    continue
                if use.word not in suggestions:
                    suggestions[use.word] = suggest(use.word, other_words.elements())
                suggestion = suggestions[use.word]
                if always or suggestion is not None:
                    warning = VocabularyWarning(
                        use.entry,
                        use.loc[2],
                        use.word,
                        vocabulary.name,
                        _describe(other_paths),
                        suggestion,
                    )
                    found.append((use, warning))
    specialists = list(_unprovided_kinds(instance))
    if not found:
        return specialists
    relations = [
        Relation(v.name, w, o, v.any_of) for v in VOCABULARIES for w in v.wanted for o in v.offered
    ]
    reported = [Reported(use.loc, w.vocabulary, w.word, w.suggestion) for use, w in found]
    left_out = clients_left_out(instance, relations, reported)
    words = [replace(w, left_out=tuple(left_out.get(use.loc, []))) for use, w in found]
    return words + specialists


def _unprovided_kinds(instance: Instance) -> Iterator[VocabularyWarning]:
    """A specialist appointment kind whose specialties no single therapist holds all of:
    nobody can provide it (clients asking for a required one cannot be placed; a wanted
    one is always missed)."""
    held = [set(t.specialties) for t in instance.therapists]
    every = {word for words in held for word in words}
    for k, kind in enumerate(instance.kinds):
        needed = set(kind.provider_specialties)
        if kind.provider != "specialist" or any(needed <= words for words in held):
            continue
        missing = sorted(needed - every) or sorted(needed)
        word = missing[0]
        left_out = tuple(
            c.id for c in instance.clients if kind.required and instance.requested(c, kind) > 0
        )
        yield VocabularyWarning(
            "program",
            f"appointment_kinds[{k}].provider_specialties",
            word,
            "specialty",
            f"therapist's specialties: nobody can provide appointment kind {kind.id!r}",
            suggest(word, every),
            left_out,
        )


def log_vocabulary_warnings(instance: Instance) -> None:
    """Log each of :func:`vocabulary_warnings` at WARNING level (nothing is worked out when
    that level is not logged)."""
    if not log.isEnabledFor(logging.WARNING):
        return
    for warning in vocabulary_warnings(instance):
        log.warning("%s", warning)


# ------------------------------------------------------------------ hints for the reasons


def group_hint(instance: Instance, client: Client) -> str:
    """``"; 'Substance Use' matches no adult group's tracks; did you mean 'substance_use'?"``
    and the like, for misspelt words that keep the client from every group; ``""`` if none."""
    hints: list[str] = []
    tracks = [t for g in instance.groups if g.population == client.population for t in g.tracks]
    if client.track not in tracks and (s := suggest(client.track, tracks)) is not None:
        hints.append(
            f"{client.track!r} matches no {client.population} group's tracks; did you mean {s!r}?"
        )
    specialties = {s for t in instance.therapists for s in t.specialties}
    for group in instance.groups:
        if group.population != client.population or client.track not in group.tracks:
            continue
        if group.audience is not None and group.audience not in client.audiences:
            if (s := suggest(group.audience, client.audiences)) is not None:
                hints.append(
                    f"{group.id} is for audience {group.audience!r}, and {client.id}'s "
                    f"audiences say {s!r}"
                )
            continue
        for word in group.facilitator_specialties:
            if word not in specialties and (s := suggest(word, specialties)) is not None:
                hints.append(
                    f"{group.id}'s facilitator specialty {word!r} matches no therapist's "
                    f"specialties; did you mean {s!r}?"
                )
    sites = {g.site for g in instance.groups if g.site is not None}
    for site in client.sites:
        if site not in sites and (s := suggest(site, sites)) is not None:
            hints.append(f"site {site!r} matches no group's site; did you mean {s!r}?")
    return "".join(f"; {h}" for h in hints)


def therapist_hint(instance: Instance, client: Client) -> str:
    """``"; 'Trauma' matches no therapist's specialties; did you mean 'trauma'?"`` for each of
    the client's needs that looks misspelt; ``""`` when none."""
    specialties = {s for t in instance.therapists for s in t.specialties}
    hints = [
        f"{need!r} matches no therapist's specialties; did you mean {s!r}?"
        for need in client.needs
        if need not in specialties and (s := suggest(need, specialties)) is not None
    ]
    return "".join(f"; {h}" for h in hints)
