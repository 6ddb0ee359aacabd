"""Tables and figures for the chapters: one short call each, one look for the whole book."""
from .review_tables import (databases_table, glossary_table, initiatives_table, initiatives_timeline,
                            screening_table, search_strings_table, supplementary_table, template_table)

__all__ = ["databases_table", "glossary_table", "initiatives_table", "initiatives_timeline", "screening_table",
           "search_strings_table", "supplementary_table", "template_table"]
