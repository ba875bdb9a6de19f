"""Grouping of similar texts (for the report of unanswered questions)."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from faq.index import content_words


def group_similar(
    texts: Sequence[str], threshold: float = 70.0
) -> list[tuple[str, int, list[str]]]:
    """Group texts that say nearly the same thing, most frequent group first.

    Texts are compared on their normalized content words with rapidfuzz ``token_set_ratio``
    (greedy leader clustering: a text joins the first group whose representative scores at
    least ``threshold``). Each group is ``(representative, count, members)``; the
    representative is the member text that occurs most often (then the shortest), members keep
    their original text and order. Ties in size keep first-seen order.
    """
    leaders: list[str] = []  # normalized key of each group's first member
    groups: list[list[str]] = []
    for text in texts:
        key = " ".join(content_words(text)) or text.strip().lower()
        for gid, leader in enumerate(leaders):
            if key == leader or fuzz.token_set_ratio(key, leader) >= threshold:
                groups[gid].append(text)
                break
        else:
            leaders.append(key)
            groups.append([text])
    out: list[tuple[str, int, list[str]]] = []
    for members in groups:
        counts: dict[str, int] = {}
        for member in members:
            counts[member] = counts.get(member, 0) + 1
        representative = min(counts, key=lambda m: (-counts[m], len(m)))
        out.append((representative, len(members), members))
    out.sort(key=lambda g: -g[1])
    return out
