"""How common a word is in the language at large (wordfreq's Zipf scale, its "small" lists:
the 30,000-odd commonest words, about 3 MB), for unknown words.

The knowledge base tells how specific each of its own words is; a word it does not know has no
such figure and was counted as the most specific word there is. The language itself tells more:
a word met once in a million words ("kelontong", "baliho", "paspor") names a particular thing,
and is as likely the topic of a question as any; a word met once in a thousand ("rumah",
"depan") is the ordinary furniture of a sentence, the circumstances around a
question more often than its topic. An unknown word's weight is scaled accordingly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from wordfreq import zipf_frequency

# Zipf 5 is a hundred times in a million words: at or below it a word is specific enough to be
# the topic (the nouns that name another office's matter sit there: pajak 4.95, kelurahan
# 4.65, paspor 4.2, ijazah 3.95); at Zipf 6.5 (three times in a thousand) a word is everyday
# vocabulary (rumah 6.0, depan 5.8 and berasal 5.4 are well on the way).
SPECIFIC_ZIPF = 5.0
EVERYDAY_ZIPF = 6.5
EVERYDAY_SHARE = 0.5  # share of an unknown word's weight left to the most everyday words


@lru_cache(maxsize=65536)
def unknown_share(word: str, lang: Literal["id", "en"] = "id") -> float:
    """Share (EVERYDAY_SHARE to 1) of the full unknown-word weight that ``word`` carries."""
    zipf = zipf_frequency(word, lang, wordlist="small")
    if zipf <= SPECIFIC_ZIPF:
        return 1.0
    if zipf >= EVERYDAY_ZIPF:
        return EVERYDAY_SHARE
    span = (zipf - SPECIFIC_ZIPF) / (EVERYDAY_ZIPF - SPECIFIC_ZIPF)
    return 1.0 - span * (1.0 - EVERYDAY_SHARE)


# Zipf 3 is once in a million words: a word met that often is a word of the language in its
# own right, not a misspelling or two words run together.
WORD_ZIPF = 3.0


@lru_cache(maxsize=65536)
def is_word(word: str, lang: Literal["id", "en"]) -> bool:
    """Whether ``word`` is a word of the language in its own right (once in a million words)."""
    return zipf_frequency(word, lang, wordlist="small") >= WORD_ZIPF


# Zipf 4.5 is thirty times in a million words: common enough that, typed as it is spelt, the
# word is meant as written, unless the word it resembles is commoner still.
COMMON_ZIPF = 4.5


@lru_cache(maxsize=65536)
def meant_as_written(typed: str, resembles: str) -> bool:
    """Whether ``typed``, close to the Indonesian word ``resembles``, is a common Indonesian
    word that is commoner than that one: the word the citizen meant ("cari", to look for,
    beside "cair"). An English word the knowledge base uses ("asset") is what its Indonesian
    spelling ("aset") means."""
    if is_word(resembles, "en"):
        return False
    zipf = zipf_frequency(typed, "id", wordlist="small")
    return zipf >= COMMON_ZIPF and zipf > zipf_frequency(resembles, "id", wordlist="small")


def load() -> None:
    """Read both word lists now (a few milliseconds), not on some citizen's first message."""
    for lang in ("id", "en"):
        zipf_frequency("informasi", lang, wordlist="small")
