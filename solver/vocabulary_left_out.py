"""Who the words that match nothing leave out (see :mod:`solver.vocabulary`).

A client is left out by the words when, as far as the words go (and the client's population,
level of care and busy hours, which often leave a client one group), it has no group someone
may lead or no possible primary therapist, but would have both with every reported word fixed:
replaced by its suggestion, or matching anything when it has none. Words linked by
suggestions (``LCDC`` on a group and ``lcdc`` on a therapist) form a class, fixed together.
This module imports only the instance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from solver.instance import MINUTES_PER_DAY, Client, Group, Instance, Therapist

__all__ = ["Loc", "Relation", "Reported", "clients_left_out", "entry_lists", "field_words"]

Loc = tuple[str, int, str]
"""Where a word is: the list (``clients``), the entry's index and the key (``needs[1]``)."""


class Relation(NamedTuple):
    """Words of the ``wanted`` field (``"clients.track"``) must be among the ``offered`` field's
    words of the other entry: each of them, or one of them when ``any_of`` (a side without
    words then fits anything)."""

    vocabulary: str
    wanted: str
    offered: str
    any_of: bool = False


class Reported(NamedTuple):
    """A word that matches nothing, and the word it likely stands for."""

    loc: Loc
    vocabulary: str
    word: str
    suggestion: str | None


def entry_lists(instance: Instance) -> dict[str, Sequence[object]]:
    """The instance's lists of entries by name."""
    return {
        "groups": instance.groups,
        "therapists": instance.therapists,
        "clients": instance.clients,
    }


def field_words(item: object, attr: str) -> list[tuple[str, str]]:
    """The (key, word) pairs of one field of an entry: ``[("needs[0]", "trauma")]``."""
    value = getattr(item, attr, None)
    if value is None:
        return []
    if isinstance(value, str):
        return [(attr, value)]
    return [(f"{attr}[{k}]", word) for k, word in enumerate(value)]


_Token = tuple[str, ...]
_ANY: _Token = ("any",)  # a wanted word fixed without a suggestion: it matches anything
_Root = tuple[str, str]  # a class of words linked by suggestions: (vocabulary, word)
_Active = frozenset[_Root] | None  # the classes fixed (None: all)


@dataclass
class _Fixes:
    """The reported words and how they are fixed: each class of words linked by suggestions
    (``LCDC`` on a group and ``lcdc`` on a therapist) becomes one word, and a wanted word
    without a suggestion matches anything."""

    roots: dict[_Root, _Root]
    any_locs: set[Loc]
    classes: dict[_Root, list[Loc]]

    @classmethod
    def of(cls, found: Sequence[Reported]) -> _Fixes:
        parent: dict[_Root, _Root] = {}

        def find(node: _Root) -> _Root:
            while parent.setdefault(node, node) != node:
                node = parent[node]
            return node

        for w in found:
            root = find((w.vocabulary, w.word))
            if w.suggestion is not None and root != find((w.vocabulary, w.suggestion)):
                parent[root] = find((w.vocabulary, w.suggestion))
        classes: dict[_Root, list[Loc]] = defaultdict(list)
        for w in found:
            classes[find((w.vocabulary, w.word))].append(w.loc)
        return cls(
            {node: find(node) for node in list(parent)},
            {w.loc for w in found if w.suggestion is None},
            dict(classes),
        )


_Profile = tuple[frozenset[_Token], ...]


class _Week:
    """What the words allow, as they are (``fixes`` None) or with the reported words of the
    ``active`` classes fixed (all of them when None): who may join which group, lead which
    group and be whose primary therapist. Entries with the same words share the work."""

    def __init__(
        self,
        instance: Instance,
        relations: Sequence[Relation],
        fixes: _Fixes | None,
        times: _Times,
    ) -> None:
        self.instance = instance
        self.fixes = fixes
        self.times = times
        self.lists = entry_lists(instance)
        # (vocabulary, attribute, whether the attribute is the wanted side, any_of)
        self._fields: dict[tuple[str, str], list[tuple[str, str, bool, bool]]] = defaultdict(list)
        for name, wanted, offered, any_of in relations:
            (w_kind, w_attr), (o_kind, o_attr) = wanted.split("."), offered.split(".")
            self._fields[w_kind, o_kind].append((name, w_attr, True, any_of))
            self._fields[o_kind, w_kind].append((name, o_attr, False, any_of))
        self._profiles: dict[tuple[str, int, str, _Active], _Profile] = {}
        self._options: dict[tuple[object, ...], list[int]] = {}

    def profile(self, kind: str, index: int, other: str, active: _Active) -> _Profile:
        """The entry's tokens, one set per field related to ``other`` entries."""
        key = (kind, index, other, active)
        if key not in self._profiles:
            self._profiles[key] = tuple(
                frozenset(self._tokens(name, kind, index, attr, active))
                for name, attr, _, _ in self._fields[kind, other]
            )
        return self._profiles[key]

    def _tokens(
        self, vocabulary: str, kind: str, index: int, attr: str, active: _Active
    ) -> Iterator[_Token]:
        for key, word in field_words(self.lists[kind][index], attr):
            root = None if self.fixes is None else self.fixes.roots.get((vocabulary, word))
            if root is None or (active is not None and root not in active):
                yield ("word", word)
            elif self.fixes is not None and (kind, index, key) in self.fixes.any_locs:
                yield _ANY
            else:
                yield ("class", *root)

    def options(self, kind: str, index: int, other: str, active: _Active) -> list[int]:
        """The ``other`` entries whose words fit this entry's: therapists with caseload (for a
        client) or groups (for a group) to give, groups of the client's population."""
        key = self._key(kind, index, other, active)
        if key not in self._options:
            mine = self.profile(kind, index, other, active)
            who = _population_level(self.lists[kind][index])
            self._options[key] = [
                j
                for j, entry in enumerate(self.lists[other])
                if _open(entry, kind, who)
                and self._fit(kind, mine, other, self.profile(other, j, kind, active))
            ]
        return self._options[key]

    def _key(self, kind: str, index: int, other: str, active: _Active) -> tuple[object, ...]:
        """Entries with the same key have the same options."""
        who = _population_level(self.lists[kind][index])
        mine = self.profile(kind, index, other, active)
        return (kind, other, mine, who if other == "groups" else None, active)

    def _fit(self, kind: str, mine: _Profile, other: str, theirs: _Profile) -> bool:
        for k, (_, _, wanted, any_of) in enumerate(self._fields[kind, other]):
            want, offer = (mine[k], theirs[k]) if wanted else (theirs[k], mine[k])
            if any_of:
                if want and offer and _ANY not in want and not want & offer:
                    return False
            elif any(token != _ANY and token not in offer for token in want):
                return False
        return True

    def leaders(self, gi: int, active: _Active) -> list[int]:
        return self.options("groups", gi, "therapists", active)

    def primaries(self, ci: int, active: _Active) -> list[int]:
        return self.options("clients", ci, "therapists", active)

    def groups(self, ci: int, active: _Active) -> Iterator[int]:
        """The groups the client may join, someone may lead, and that meet when the client
        is free (the one rule besides the words that often leaves a client one group)."""
        key = ("led", *self._key("clients", ci, "groups", active))
        if key not in self._options:
            joins = self.options("clients", ci, "groups", active)
            self._options[key] = [g for g in joins if self.leaders(g, active)]
        return (g for g in self._options[key] if self.times.free(ci, g))

    def placeable(self, ci: int, active: _Active = None) -> bool:
        return bool(self.primaries(ci, active)) and any(True for _ in self.groups(ci, active))


class _Times:
    """Whether a group meets when a client is free, worked out once per pair."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self._free: dict[tuple[int, int], bool] = {}
        self._spans: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def _of(self, kind: str, index: int) -> list[tuple[int, int]]:
        if (kind, index) not in self._spans:
            if kind == "groups":
                intervals = self.instance.groups[index].meetings
            else:
                intervals = self.instance.clients[index].busy
            self._spans[kind, index] = [
                (
                    i.day_index * MINUTES_PER_DAY + i.start_minute,
                    i.day_index * MINUTES_PER_DAY + i.end_minute,
                )
                for i in intervals
            ]
        return self._spans[kind, index]

    def free(self, ci: int, gi: int) -> bool:
        if (ci, gi) not in self._free:
            busy = self._of("clients", ci)
            self._free[ci, gi] = not any(
                lo < b_hi and b_lo < hi for lo, hi in self._of("groups", gi) for b_lo, b_hi in busy
            )
        return self._free[ci, gi]


def _population_level(entry: object) -> tuple[str, str] | None:
    """A client's population and level of care (None for other entries)."""
    if isinstance(entry, Client):
        return entry.population, entry.level_id
    return None


def _open(entry: object, kind: str, who: tuple[str, str] | None) -> bool:
    """A therapist with caseload for a client or groups for a group; a group of the client's
    population that serves the client's level of care (``who``)."""
    if isinstance(entry, Therapist):
        return (entry.max_caseload if kind == "clients" else entry.max_groups) > 0
    if not isinstance(entry, Group) or who is None:
        return False
    population, level = who
    return entry.population == population and level in entry.level_ids


def clients_left_out(
    instance: Instance, relations: Sequence[Relation], found: Sequence[Reported]
) -> dict[Loc, list[str]]:
    """For each reported word, the ids of the clients it leaves out (``relations``: which
    words must match which).

    The words to blame for a client left out are those of each class without which it still
    could not be placed and, when those and the client's own words are not enough (two
    misspelt groups, either would do), those of each class that would make them enough.
    """
    fixes = _Fixes.of(found)
    times = _Times(instance)
    exact = _Week(instance, relations, None, times)
    fixed = _Week(instance, relations, fixes, times)
    roots_of: dict[tuple[str, int], set[_Root]] = defaultdict(set)
    for root, locs in fixes.classes.items():
        for kind, index, _ in locs:
            roots_of[kind, index].add(root)
    shared = {r for (kind, _), roots in roots_of.items() if kind != "clients" for r in roots}
    everyone = frozenset(fixes.classes)
    out: dict[Loc, list[str]] = defaultdict(list)
    candidates = range(len(instance.clients)) if shared else sorted(i for _, i in roots_of)
    for ci in candidates:
        if exact.placeable(ci) or not fixed.placeable(ci):
            continue
        own = roots_of.get(("clients", ci), set())
        blamed = [
            r
            for r in sorted(shared | own)
            if _touches_every_option(fixed, ci, r, roots_of)
            and not fixed.placeable(ci, everyone - {r})
        ]
        base = own | set(blamed)
        if not fixed.placeable(ci, frozenset(base)):
            blamed += [r for r in sorted(shared) if fixed.placeable(ci, frozenset(base | {r}))]
        for root in blamed:
            for loc in fixes.classes[root]:
                if loc[0] != "clients" or loc[1] == ci:
                    out[loc].append(instance.clients[ci].id)
    return out


def _touches_every_option(
    week: _Week, ci: int, root: _Root, roots_of: Mapping[tuple[str, int], set[_Root]]
) -> bool:
    """Whether unfixing the class could matter to the client: it holds one of the client's
    words, or a word of every therapist or of every group (or every leader of it) left to it.
    Fixing only adds matches, so otherwise the client keeps an option."""

    def touched(kind: str, index: int) -> bool:
        return root in roots_of.get((kind, index), ())

    if touched("clients", ci):
        return True
    if all(touched("therapists", ti) for ti in week.primaries(ci, None)):
        return True
    return all(
        touched("groups", gi) or all(touched("therapists", ti) for ti in week.leaders(gi, None))
        for gi in week.groups(ci, None)
    )
