"""The reason codes of problems: one stable name per check, declared once.

Every :class:`~schoolcollab.errors.Problem` carries one of these codes, printed at the end of its line as
``[code]``. A message's wording may change; its code does not, so a script, a test or an author's notes can
refer to a kind of problem by it. A code is ``area.what_is_wrong``; the table says what each means.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    # reading any input file
    "file.missing": "the file does not exist",
    "file.unreadable": "the file exists but cannot be read",
    "file.too_large": "the file is too large to be an input of the book",
    "file.not_utf8": "the file is not UTF-8 text",
    "file.empty": "the file is empty or holds only blank lines or comments",
    # YAML
    "yaml.syntax": "the file is not valid YAML",
    "yaml.control_character": "the file holds a control character YAML does not allow (a binary file?)",
    "yaml.duplicate_key": "a mapping gives the same field twice",
    "yaml.too_complex": "the data are nested too deep or expand to too many values",
    "yaml.not_a_mapping": "the top level of the file is not 'field: value' pairs",
    # CSV
    "csv.unclosed_quote": "a quoted cell is never closed",
    "csv.syntax": "the file is not valid CSV",
    "csv.no_header": "the file has no header row",
    "csv.duplicate_column": "the header names a column twice",
    "csv.missing_column": "the header lacks a column the file needs",
    "csv.ragged_row": "a row has more or fewer cells than the header",
    "csv.no_rows": "the file has a header but no rows",
    # JSON-Schema checks of YAML and CSV rows (validation.describe)
    "schema.required_field": "a required field is missing",
    "schema.unknown_field": "a field the file does not take",
    "schema.unknown_value": "a value outside the allowed values",
    "schema.wrong_type": "a value of the wrong kind (text for a number, a list for text, ...)",
    "schema.out_of_range": "a number below the minimum or above the maximum",
    "schema.empty_list": "a list that must have items is empty",
    "schema.empty_text": "a text that must not be empty is empty",
    "schema.bad_format": "a text not in the required form (an id's pattern)",
    "schema.repeated_item": "a list repeats an item",
    "schema.theme_field": "a finding has a domain or factor its theme does not take",
    "schema.invalid": "a value the schema rejects for another reason",
    # codebook vocabularies
    "vocab.unknown_term": "a value that is not a term of the codebook's vocabulary",
    "vocab.factor_of_other_theme": "a factor that is a term of another theme's list",
    "codebook.not_a_mapping": "the codebook is not a mapping of vocabularies",
    "codebook.missing_vocabulary": "a vocabulary the book needs is missing or empty",
    "codebook.term_without_label": "a term has no label",
    "codebook.bad_term_link": "a term's attribute is missing or names no term of the vocabulary it refers to",
    "codebook.unknown_attribute": "a term has an attribute the codebook does not take",
    # references.bib
    "bib.parser_failed": "the BibTeX parser gave up on the file",
    "bib.duplicate_key": "two entries have the same key",
    "bib.unparseable_entry": "an entry cannot be parsed",
    "bib.unknown_entry_type": "an entry type the book does not use",
    "bib.key_convention": "a key that breaks the key convention",
    "bib.latex_quote": "a LaTeX single quotation mark, which the references page prints as typed",
    "bib.no_entries": "the file holds no @entries",
    "ref.missing_field": "a reference lacks a field its type needs (title, year, author, journal, ...)",
    "ref.bad_year": "a year that is not a publication year",
    # importing RIS or BibTeX exports
    "import.unknown_format": "the file is neither RIS nor BibTeX",
    "import.no_records": "the file holds no records",
    "import.no_latin_name": "the first author's name has no Latin letters to make a key from",
    "import.file_changed": "references.bib changed while the import ran",
    "ris.missing_er": "a RIS record has no ER line to close it",
    "ris.empty_type": "a RIS TY line names no type",
    "ris.orphan_er": "an ER line closes no record",
    "ris.outside_record": "a RIS line outside any record",
    # citations in chapters
    "cite.unknown_key": "a chapter cites a key that is not in references.bib",
    # source records (data/sources/)
    "record.key_mismatch": "a record's key is not its file name",
    "record.unknown_key": "a record's key is not in references.bib",
    "record.unknown_seed": "a record's coded_from seed is not in references.bib",
    "record.unknown_initiative": "a record's initiative is not an id of data/review/initiatives.csv",
    "record.unknown_claim": "a finding links to a claim that is not in data/findings.yaml",
    "record.placeholder": "a record still holds a placeholder of the template",
    # the claim ledger (data/findings.yaml)
    "claim.duplicate_id": "two claims have the same id",
    "claim.unknown_source": "a claim's evidence names a key that is not in references.bib",
    # the review's appendices (data/review/)
    "initiative.unknown_source": "an initiative's source is not in references.bib",
    "initiative.end_before_start": "an initiative ends before it starts",
    "initiative.no_start_year": "an initiative has no start year and no note saying why",
    "initiative.ongoing_with_end": "an ongoing initiative has an end year",
    "initiative.duplicate_id": "two initiatives have the same id",
    "review.unknown_source": "a glossary or role item's source is not in references.bib",
    "review.no_included_count": "the search strategy's last screening stage has no count",
    # searches and editions (data/searches/, data/editions/, CITATION.cff)
    "search.edition_mismatch": "a search file's edition is not its file name",
    "search.count_exceeds": "a PRISMA stage counts more than the stage before it leaves",
    "search.new_studies_mismatch": "new_studies differs from the records the edition adds",
    "citation.unreadable": "CITATION.cff cannot be read as YAML",
    "citation.stale": "CITATION.cff differs from what the editions and _config.yml give",
    # the matched-schools study (data/muijs2015/)
    "partnership.not_a_number": "a partnership number is not a whole number",
    "partnership.duplicate": "a partnership is listed twice",
    "partnership.not_boolean": "a true/false cell holds something else",
    "partnership.unknown_type": "a partnership type that is not I, II or III",
    "partnership.type_mismatch": "a partnership's type does not follow from who improved",
    "process.duplicate_id": "two process items have the same id",
    "process.types_without_partnerships": "an item gives partnership types but no partnerships",
    "process.unknown_partnership": "an item names a partnership that is not in partnerships.csv",
    "process.types_mismatch": "an item's partnership types differ from those of its partnerships",
    "study.not_a_count": "a count of the study that is not a whole number above 0",
    "published.unknown_table": "a published table that is not 2, 3 or 4",
    "published.model_mismatch": "a row's model is not the model of its table",
    "published.unknown_sample": "a sample the study does not report",
    "published.unknown_year": "a year the study does not report",
    "published.unknown_term": "a model term or variance quantity the published tables do not hold",
    "published.duplicate_cell": "a table cell given twice",
    "published.not_a_number": "a coefficient that is not a number",
    "published.bad_se": "a standard error that is not a positive number",
    "published.empty_without_note": "an empty cell without a note saying why",
    "published.not_a_percentage": "a variance share that is not a number from 0 to 100",
    # facts the chapters' running text states (present.theme_facts)
    "text.missing_value": "a value the book's text states is missing from the data",
}


def check_code(code: str) -> str:
    """``code`` itself if it is declared in :data:`CODES`; a ValueError naming it otherwise."""
    if code not in CODES:
        raise ValueError(f"unknown problem code {code!r}: declare it in schoolcollab.problem_codes.CODES")
    return code
