"""FAQ engine of Loket: normalization, knowledge-base loading, matching and grouping.

Pure Python on top of rapidfuzz; nothing is built at import time. Typical use::

    kb = load_knowledge_base(default_paths())
    index = FaqIndex(kb)
    match = index.match("min jam brp buka?")
"""

from faq.cluster import group_similar
from faq.index import FaqIndex, Match
from faq.kb import Entry, KnowledgeBase, KnowledgeBaseError, default_paths, load_knowledge_base
from faq.normalize import normalize

__all__ = [
    "Entry",
    "FaqIndex",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Match",
    "default_paths",
    "group_similar",
    "load_knowledge_base",
    "normalize",
]
