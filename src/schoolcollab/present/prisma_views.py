"""The PRISMA 2020 flow diagram for an updated review, drawn from the counts of :mod:`schoolcollab.prisma`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .style import PALETTE, theme

if TYPE_CHECKING:
    from matplotlib.figure import Figure

W, H = 2.3, 0.95  # box width and height, in axis units


def _n(value: Any) -> str:
    return "not reported" if value is None else f"{value:,}"


def _reasons(value: Any) -> str:
    if not value:
        return "not reported" if value is None else "none"
    return "\n".join(f"{r['reason']} (n = {r['n']:,})" for r in value)


def prisma_figure(edition: str, c: dict[str, Any]) -> Figure:
    """PRISMA 2020 for updated reviews: previous studies, new studies via databases and registers and via
    other methods, and the total; a dashed grey box is a stage the search does not report."""
    plt = theme()
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(11, 8.2))
    x = {"prev": 0.0, "dbr": 2.7, "dbr_out": 5.2, "oth": 7.9, "oth_out": 10.4}
    y = [6.0, 4.7, 3.4, 2.1, 0.8, -0.6]

    def box(
        col: str, row: int, lines: list[str], missing: bool = False, colour: str = PALETTE[0], width: float = W
    ) -> None:
        left, bottom = x[col], y[row]
        ax.add_patch(
            FancyBboxPatch(
                (left, bottom),
                width,
                H,
                boxstyle="round,pad=0.02,rounding_size=0.06",
                facecolor="#f2f2f2" if missing else "white",
                linewidth=1.1,
                edgecolor="#999999" if missing else colour,
                linestyle="--" if missing else "-",
            )
        )
        ax.text(
            left + width / 2,
            bottom + H / 2,
            "\n".join(lines),
            ha="center",
            va="center",
            fontsize=7.2,
            color="#555555" if missing else "#111111",
        )

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 1})

    def nr(*keys: str) -> bool:
        return all(c.get(k) is None for k in keys)

    for col, title, colour in (
        ("prev", "Previous studies", "#888888"),
        ("dbr", "New studies via databases and registers", PALETTE[1]),
        ("oth", "New studies via other methods", "#888888"),
    ):
        span = W if col == "prev" else 2 * W + 0.2
        ax.add_patch(
            FancyBboxPatch(
                (x[col], 7.2), span, 0.45, boxstyle="round,pad=0.02", facecolor=colour, edgecolor=colour, alpha=0.25
            )
        )
        ax.text(x[col] + span / 2, 7.42, title, ha="center", va="center", fontsize=8.5, weight="bold")
    box("prev", 0, ["Studies included in the previous", f"edition (n = {_n(c['previous_studies'])})"], colour="#666666")
    box(
        "dbr",
        0,
        [
            "Records identified from:",
            f"databases (n = {_n(c['database_results'])})",
            f"registers (n = {_n(c['register_results'])})",
        ],
        nr("database_results", "register_results"),
    )
    box(
        "dbr_out",
        0,
        [
            "Removed before screening:",
            f"duplicates (n = {_n(c['duplicates'])})",
            f"by automation (n = {_n(c['excluded_automatic'])})",
            f"other reasons (n = {_n(c['excluded_other'])})",
        ],
        nr("duplicates", "excluded_automatic", "excluded_other"),
    )
    box(
        "oth",
        0,
        [
            "Records identified from:",
            f"websites (n = {_n(c['website_results'])})",
            f"organisations (n = {_n(c['organisation_results'])})",
            f"citation searching (n = {_n(c['citations_results'])})",
        ],
        nr("website_results", "organisation_results", "citations_results"),
    )
    box("dbr", 1, ["Records screened", f"(n = {_n(c['records_screened'])})"], nr("records_screened"))
    box("dbr_out", 1, ["Records excluded", f"(n = {_n(c['records_excluded'])})"], nr("records_excluded"))
    box("dbr", 2, ["Reports sought for retrieval", f"(n = {_n(c['dbr_sought_reports'])})"], nr("dbr_sought_reports"))
    box(
        "dbr_out",
        2,
        ["Reports not retrieved", f"(n = {_n(c['dbr_notretrieved_reports'])})"],
        nr("dbr_notretrieved_reports"),
    )
    box(
        "oth", 2, ["Reports sought for retrieval", f"(n = {_n(c['other_sought_reports'])})"], nr("other_sought_reports")
    )
    box(
        "oth_out",
        2,
        ["Reports not retrieved", f"(n = {_n(c['other_notretrieved_reports'])})"],
        nr("other_notretrieved_reports"),
    )
    box("dbr", 3, ["Reports assessed for eligibility", f"(n = {_n(c['dbr_assessed'])})"], nr("dbr_assessed"))
    box("dbr_out", 3, ["Reports excluded:", _reasons(c["dbr_excluded"])], c["dbr_excluded"] is None)
    box("oth", 3, ["Reports assessed for eligibility", f"(n = {_n(c['other_assessed'])})"], nr("other_assessed"))
    box("oth_out", 3, ["Reports excluded:", _reasons(c["other_excluded"])], c["other_excluded"] is None)
    box(
        "dbr",
        4,
        [
            "New studies included",
            f"(n = {_n(c['new_studies'])})",
            f"reports of new studies (n = {_n(c['new_reports'])})",
        ],
        colour=PALETTE[2],
    )
    box(
        "prev",
        5,
        [
            "Total studies included in this edition",
            f"(n = {_n(c['total_studies'])})",
            f"reports of included studies (n = {_n(c['total_reports'])})",
        ],
        colour=PALETTE[2],
        width=W + 2.7,
    )
    for col in ("dbr", "oth"):
        mid = x[col] + W / 2
        for r0, r1 in ((0, 1), (1, 2), (2, 3), (3, 4)) if col == "dbr" else ((0, 2), (2, 3)):
            arrow(mid, y[r0], mid, y[r1] + H)
        for r in (0, 1, 2, 3) if col == "dbr" else (2, 3):
            arrow(x[col] + W, y[r] + H / 2, x[col + "_out"] if col + "_out" in x else x[col] + W + 0.2, y[r] + H / 2)
    arrow(x["oth"] + W / 2, y[3], x["dbr"] + W, y[4] + H / 2)
    arrow(x["prev"] + W / 2, y[0], x["prev"] + W / 2, y[5] + H)
    arrow(x["dbr"] + W / 2, y[4], x["dbr"] + W / 2, y[5] + H)
    for centre, label in (
        (y[0] + H / 2, "Identification"),
        (y[2] + H / 2, "Screening"),
        ((y[4] + y[5] + H) / 2, "Included"),
    ):
        ax.text(
            -0.35, centre, label, rotation=90, ha="center", va="center", fontsize=8.5, weight="bold", color=PALETTE[0]
        )
    which = f"edition {edition}" if edition[:1].isdigit() else f"the {edition}"
    ax.set_title(f"PRISMA 2020 flow of {which}", fontsize=10)
    ax.set_xlim(-0.6, 12.9)
    ax.set_ylim(-0.8, 7.8)
    ax.axis("off")
    return fig
