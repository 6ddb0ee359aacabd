"""APA 7 references: the list (schoolcollab.build.apa_style) and the citations in the text (apa_cite).

The unit tests format the hard cases of the book's own references.bib and compare whole strings; the
slow test reads the built HTML (the hostile copy of conftest, whose PDF test_pdf reads)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from pybtex.database import BibliographyData, parse_file, parse_string
from pybtex.plugin import find_plugin
from pybtex.richtext import Text
from sphinxcontrib.bibtex.plugin import find_plugin as find_referencing_style
from sphinxcontrib.bibtex.style.referencing import format_references
from sphinxcontrib.bibtex.style.template import SphinxReferenceInfo

from schoolcollab.build.apa_cite import ApaReferenceStyle
from schoolcollab.build.apa_style import ApaStyle, sentence_case

from conftest import ROOT


@pytest.fixture(scope="module")
def bib() -> BibliographyData:
    return parse_file(str(ROOT / "references.bib"))


@pytest.fixture(scope="module")
def listed(bib) -> dict[str, object]:
    """Every entry of references.bib formatted as the reference list formats it, by key, in list order."""
    return {e.key: e for e in ApaStyle().format_entries(bib.entries.values())}


def text(listed, key: str) -> str:
    return listed[key].text.render_as("text")


def html(listed, key: str) -> str:
    return listed[key].text.render_as("html")


def test_the_styles_are_the_ones_the_book_configures() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert find_plugin("pybtex.style.formatting", config["bibtex_default_style"]) is ApaStyle
    assert (
        find_referencing_style("sphinxcontrib.bibtex.style.referencing", config["bibtex_reference_style"])
        is ApaReferenceStyle
    )


def test_report_with_institution_and_number(listed) -> None:
    assert text(listed, "armstrong2015effective") == (
        "Armstrong, P. (2015). Effective school partnerships and collaboration for school improvement: "
        "A review of the evidence (Research Report DFE-RR466). Department for Education."
    )
    assert html(listed, "armstrong2015effective").startswith("Armstrong, P. (2015). <em>Effective school partnerships")
    # a bare number is a "No."; a report without a number has its description in brackets
    assert text(listed, "aiston2002school").endswith("West Sussex specialist schools (Report No. 36). NFER.")
    assert text(listed, "rasbash2012user") == (
        "Rasbash, J., Steele, F., Browne, W. J., & Goldstein, H. (2012). A user's guide to MLwiN, version 2.26 "
        "[Software manual]. Centre for Multilevel Modelling, University of Bristol."
    )


def test_corporate_author_is_spelled_out_and_not_repeated_as_publisher(listed) -> None:
    assert text(listed, "dfe2010importance") == (
        "Department for Education. (2010). The importance of teaching: The schools white paper [White paper]."
    )
    assert listed["dfe2010importance"].label == "Department for Education, 2010"
    assert text(listed, "nctl2014governance") == (
        "National College for Teaching and Leadership. (2014). The governance of federations. "
        "Department for Education (DfE)."
    )


def test_chapter_in_an_edited_book(listed) -> None:
    assert text(listed, "carlisle2013role") == (
        "Carlisle, K., & Hughes, J. (2013). The role of inter-school collaboration in promoting inter-group "
        "relations: The Northern Ireland perspective. In H. Biseth & H. B. Holmarsdottir (Eds.), Human rights "
        "in the field of comparative education (pp. 125–145). Sense Publishers."
    )
    assert "(Eds.), <em>Human rights in the field of comparative education</em> (pp. 125–145)." in html(
        listed, "carlisle2013role"
    )
    assert text(listed, "hargreaves2008finnish") == (
        "Hargreaves, A., Halasz, G., & Pont, B. (2008). The Finnish approach to system leadership. In B. Pont, "
        "D. Nusche, & D. Hopkins (Eds.), Improving school leadership volume 2: Case studies on system "
        "leadership (pp. 69–102). OECD."
    )


def test_edited_book_and_edition(listed) -> None:
    assert text(listed, "pont2008improvingb") == (
        "Pont, B., Nusche, D., & Hopkins, D. (Eds.). (2008b). Improving school leadership volume 2: Case studies "
        "on system leadership. OECD."
    )
    assert text(listed, "raudenbush2002hierarchical") == (
        "Raudenbush, S. W., & Bryk, A. S. (2002). Hierarchical linear models: Applications and data analysis "
        "methods (2nd ed.). Sage."
    )


def test_journal_article_italics_issue_pages_and_doi(listed) -> None:
    assert html(listed, "rosenbaum1983central") == (
        "Rosenbaum, P. R., &amp; Rubin, D. B. (1983). The central role of the propensity score in observational "
        "studies for causal effects. <em>Biometrika</em>, <em>70</em>(1), 41–55. "
        '<a href="https://doi.org/10.1093/biomet/70.1.41">https://doi.org/10.1093/biomet/70.1.41</a>'
    )
    # no issue: volume alone; no volume: the pages follow the journal
    assert text(listed, "ainscow2007working").endswith("School Leadership and Management, 27, 285–300.")
    assert text(listed, "feys2014what") == (
        "Feys & Devos. (2014). What comes out of incentivized collaboration: A qualitative analysis of eight "
        "Flemish school networks. Educational Management Administration & Leadership, 1–17."
    )


def test_sentence_case_keeps_protected_proper_nouns_and_capitalises_subtitles(listed) -> None:
    assert text(listed, "ainscow2014towards") == (
        "Ainscow, M. (2014). Towards self-improving school systems: Lessons from a City Challenge. Routledge."
    )
    assert "Academy federations, chains, and teaching schools in England: Reflections on" in text(
        listed, "chapman2013academy"
    )
    assert "collaboration? A review of network-based innovations in education in the UK." in text(
        listed, "hadfield2006what"
    )
    assert (
        str(sentence_case(Text.from_latex("Inquiry, Eh? {School} Improvement -- {OECD} Views")))
        == "Inquiry, eh? School improvement – OECD views"
    )


def test_every_author_up_to_twenty_then_an_ellipsis_and_the_last() -> None:
    people = " and ".join(f"Person{chr(65 + i)}, {chr(65 + i)}." for i in range(21))
    data = parse_string(
        f"@article{{many2020x, author = {{{people}}}, title = {{X}}, journal = {{J}}, year = {{2020}}}}", "bibtex"
    )
    shown = next(ApaStyle().format_entries(data.entries.values())).text.render_as("text")
    assert shown.startswith("PersonA, A., PersonB, B., ") and ", PersonS, S., . . . PersonU, U. (2020)." in shown
    assert "PersonT" not in shown
    seven = parse_file(str(ROOT / "references.bib")).entries["hutchings2012evaluation"]
    assert (
        next(ApaStyle().format_entries([seven]))
        .text.render_as("text")
        .startswith(
            "Hutchings, M., Greenwood, C., Hollingworth, S., Mansaray, A., Rose, A., Minty, S., & Glass, K. (2012)."
        )
    )


def test_same_authors_same_year_get_letters_in_text_and_list(listed) -> None:
    assert listed["chapman2009impact"].label == "Chapman et al., 2009a"
    assert listed["chapman2009emerging"].label == "Chapman et al., 2009b"
    assert "(2009a). The impact of federations" in text(listed, "chapman2009impact")
    dfe = [key for key in listed if key.startswith("dfe2014")]
    assert [listed[k].label for k in dfe] == [f"Department for Education, 2014{c}" for c in "abcd"]
    # letters the file does not give are added, after any it does give, in the order of the list
    data = parse_string(
        "@book{ofsted2012b, author = {{Ofsted}}, title = {Beta}, publisher = {P}, year = {2012}}\n"
        "@book{ofsted2012a, author = {{Ofsted}}, title = {Alpha}, publisher = {P}, year = {2012}}\n"
        "@book{ofsted2012c, author = {{Ofsted}}, title = {Zeta}, publisher = {P}, year = {2012a}}\n"
        "@book{ofsted2013x, author = {{Ofsted}}, title = {Other}, publisher = {P}, year = {2013}}\n"
        "@book{nodate, author = {{Ofsted}}, title = {Undated}, publisher = {P}}\n",
        "bibtex",
    )
    labels = {e.key: e.label for e in ApaStyle().format_entries(data.entries.values())}
    assert labels == {
        "nodate": "Ofsted, n.d.",
        "ofsted2012c": "Ofsted, 2012a",
        "ofsted2012a": "Ofsted, 2012b",
        "ofsted2012b": "Ofsted, 2012c",
        "ofsted2013x": "Ofsted, 2013",
    }
    assert list(labels) == ["nodate", "ofsted2012c", "ofsted2012a", "ofsted2012b", "ofsted2013x"]


def test_the_list_is_in_apa_order(listed) -> None:
    keys = list(listed)
    chapman = [k for k in keys if k.startswith("chapman")]
    assert chapman[:4] == [
        "chapman2013academy",
        "chapman2009emerging",
        "chapman2005partnerships",
        "chapman2006collaborative",
    ]  # one author first; then by the second author
    assert keys.index("day2008flemish") < keys.index("dayashley2006inter")  # nothing precedes something
    assert keys.index("chapman2014school") < keys.index("chapmanforthcominginternational")
    assert "(in press)" in text(listed, "chapmanforthcominginternational")
    assert len(listed) == 105 and len({e.label for e in listed.values()}) == 105  # every label unique


def test_first_authors_sharing_a_surname_are_told_apart_by_initials(listed) -> None:
    assert listed["woods2014understanding"].label == "P. A. Woods & Simkins, 2014"
    assert listed["woods2013perfect"].label == "C. Woods et al., 2013"
    assert listed["hargreaves2010creating"].label == "D. H. Hargreaves, 2010"
    assert listed["hill2012growth"].label == "Hill et al., 2012"


def test_a_work_without_a_title_says_so(listed) -> None:
    assert text(listed, "pearson2013") == "Pearson/RSA. (2013). [Title not known]."


_FORMATTED: dict[int, tuple[BibliographyData, dict[str, object]]] = {}


def _formatted(bib: BibliographyData) -> dict[str, object]:
    """Every entry of ``bib`` formatted once per bibliography (the letters of a year depend on all of them)."""
    if id(bib) not in _FORMATTED:  # the bibliography is kept with its entries, so its id is never reused
        _FORMATTED[id(bib)] = (bib, {e.key: e for e in ApaStyle().format_entries(bib.entries.values())})
    return _FORMATTED[id(bib)][1]


def cite(bib, role: str, *keys: str, pre: str = "", post: str = "") -> str:
    """The text of a citation role, as sphinxcontrib-bibtex builds it (the links' targets aside)."""
    formatted = _formatted(bib)
    info = SphinxReferenceInfo(
        builder=None, fromdocname="", todocname="", citation_id="", title=None, pre_text=pre, post_text=post
    )
    refs = [(bib.entries[k], formatted[k], info) for k in keys]
    return str(format_references(ApaReferenceStyle(), role, refs))


def test_in_text_citations(bib) -> None:
    assert cite(bib, "p", "armstrong2015effective") == "(Armstrong, 2015)"
    assert cite(bib, "t", "armstrong2015effective") == "Armstrong (2015)"
    assert cite(bib, "p", "chapman2014school") == "(Chapman & Muijs, 2014)"
    assert cite(bib, "t", "chapman2014school") == "Chapman and Muijs (2014)"
    assert cite(bib, "p", "hill2012growth") == "(Hill et al., 2012)"
    assert cite(bib, "t", "hill2012growth") == "Hill et al. (2012)"
    assert cite(bib, "p", "dfe2010importance") == "(Department for Education, 2010)"
    assert cite(bib, "p", "chapman2009emerging") == "(Chapman et al., 2009b)"
    assert cite(bib, "t", "woods2006diversity") == "P. A. Woods et al. (2006)"


def test_several_works_in_one_parenthesis_follow_the_list_and_share_names(bib) -> None:
    assert (
        cite(bib, "p", "hill2012growth", "chapman2014school", "chapman2013collaborative")
        == "(Chapman & Muijs, 2013, 2014; Hill et al., 2012)"
    )
    assert cite(bib, "p", "dfe2014academies", "dfe2014maths") == "(Department for Education, 2014a, 2014d)"
    assert cite(bib, "p", "chapman2009impact", pre="see", post="p. 4") == "(see Chapman et al., 2009a, p. 4)"
    assert cite(bib, "alp", "armstrong2015effective") == "Armstrong, 2015"
    assert cite(bib, "ps", "hopkins2014school") == "(Hopkins, Stringfield, Harris, Stoll, & Mackay, 2014)"


def test_no_year_reads_nd() -> None:
    data = parse_string("@misc{ofstednd, author = {{Ofsted}}, title = {Undated guidance}}", "bibtex")
    assert cite(data, "p", "ofstednd") == "(Ofsted, n.d.)"
    assert cite(data, "t", "ofstednd") == "Ofsted (n.d.)"


# -- the built book -----------------------------------------------------------------------------------

APA_PARENTHETICAL = re.compile(r"^\((.+?, (\d{4}[a-z]?|n\.d\.|in press)(, \d{4}[a-z]?)*(; )?)+\)$")
APA_NARRATIVE = re.compile(r"^[^()]+ \((\d{4}[a-z]?|n\.d\.|in press)\)$")


@pytest.mark.slow
def test_the_built_book_cites_and_lists_in_apa_form(hostile_book) -> None:
    html_dir = hostile_book.build_dir / "html" / "chapters"
    refs = BeautifulSoup((html_dir / "references.html").read_text(), "html.parser")
    entry = refs.find(id="cite-carlisle2013role")
    assert entry.find("p").get_text(" ", strip=True).replace(" ,", ",").replace(" .", ".") == (
        "Carlisle, K., & Hughes, J. (2013). The role of inter-school collaboration in promoting inter-group "
        "relations: The Northern Ireland perspective. In H. Biseth & H. B. Holmarsdottir (Eds.), Human rights "
        "in the field of comparative education (pp. 125–145). Sense Publishers."
    )
    listed = {
        div["id"].removeprefix("cite-"): div.find("p").get_text("", strip=False)
        for div in refs.find_all("div", class_="citation")
    }
    assert len(listed) == 105
    years_in_list = {
        key: re.search(r"\((\d{4}[a-z]?|n\.d\.|in press)[,)]", shown).group(1) for key, shown in listed.items()
    }
    seen = {"p": 0, "t": 0}
    for page in html_dir.glob("*.html"):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for span in soup.find_all("span", class_="bibtex-citation"):
            shown = " ".join(span.get_text().split())
            kind = "p" if shown.startswith("(") else "t"
            assert (APA_PARENTHETICAL if kind == "p" else APA_NARRATIVE).match(shown), (page.name, shown)
            seen[kind] += 1
            for link in span.find_all("a", href=True):  # every year shown is the year its entry lists
                key = link["href"].split("#cite-")[1]
                year = re.search(r"(\d{4}[a-z]?|n\.d\.|in press)$", link.get_text())
                assert year is None or year.group(1) == years_in_list[key], (page.name, shown, key)
    assert seen["p"] > 300 and seen["t"] > 15
    structure = BeautifulSoup((html_dir / "structure.html").read_text(), "html.parser").get_text("")
    flat = " ".join(structure.split())
    assert "Hill et al. (2012) separate" in flat and "(Armstrong, 2015)" in flat
    assert "Chapman and Muijs (2014) drew six broad kinds" in flat


def test_entries_kept_from_the_last_build_are_the_ones_it_would_format_and_an_edit_is_formatted_again(
    bib, tmp_path, monkeypatch
) -> None:
    from schoolcollab.build import apa_style

    kept = tmp_path / "kept.pickle"
    apa_style.load_kept(kept)  # none yet
    first = {e.key: e.text.render_as("text") for e in ApaStyle().format_entries(bib.entries.values())}
    apa_style.save_kept(kept)

    edited = parse_file(str(ROOT / "references.bib"))
    key = "carlisle2013role"
    edited.entries[key].fields["title"] = "A title changed since the last build"
    formatted: list[str] = []
    real = ApaStyle._format

    def counting(self, label, entry, citation):
        formatted.append(entry.key)
        return real(self, label, entry, citation)

    monkeypatch.setattr(ApaStyle, "_format", counting)
    apa_style.load_kept(kept)
    again = {e.key: e.text.render_as("text") for e in ApaStyle().format_entries(edited.entries.values())}
    assert formatted == [key]  # the only entry whose fields changed
    assert "A title changed since the last build" in again[key]
    assert {k: v for k, v in again.items() if k != key} == {k: v for k, v in first.items() if k != key}
    apa_style.load_kept(tmp_path / "missing.pickle")
    kept.write_bytes(b"not a pickle")
    apa_style.load_kept(kept)  # unreadable: everything is formatted again
    formatted.clear()
    list(ApaStyle().format_entries(bib.entries.values()))
    assert len(formatted) == len(bib.entries)
