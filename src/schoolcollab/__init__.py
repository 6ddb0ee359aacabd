"""schoolcollab: the evidence base of the school-collaboration review, and the book built from it.

Chapters use the loaders below (each validates what it reads and raises ``InputError`` naming every
problem) and the table and figure functions in :mod:`schoolcollab.present`.
"""
from . import present
from .errors import InputError, Problem
from .load import bibliography, evidence, glossary, initiatives, search_strategy, summary_template
from .review import included_count

__all__ = ["InputError", "Problem", "bibliography", "evidence", "glossary", "included_count", "initiatives",
           "present", "search_strategy", "summary_template"]
