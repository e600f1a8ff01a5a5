"""Plans: what customers can buy, at what price, on what terms.

Two kinds of plan: :class:`SeatPlan` (priced per team member per year, Teams: 3 to 40
seats) and :class:`PupilPlan` (priced per pupil, in grade bands, Focus PO). A
:class:`Catalog` holds plans by id and loads from and dumps to dicts, JSON and TOML, so a
platform keeps its catalog as data. :func:`default_catalog` holds the published plans.

>>> from subscriptionkit import plans
>>> catalog = plans.default_catalog()
>>> print(plans.quote(catalog["focus-po-1-2"], pupils={1: 28, 2: 30}).format("nl_NL"))
Focus PO 1-2
Groep   Leerlingen  Per leerling per maand  Per maand  Per leerling per jaar  Per jaar
1-2             58                  € 0,96    € 55,68                € 11,50  € 667,00
Totaal          58                            € 55,68                         € 667,00
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._catalog import (
        FOCUS_PO_TERMS,
        TEAMS_TERMS,
        Catalog,
        default_catalog,
        focus_po_plans,
        teams_plan,
    )
    from ._model import ALL_GRADES, GradeBand, Plan, PupilPlan, SeatPlan, plan_from_dict
    from ._quote import Comparison, Quote, QuoteLine, compare, quote
    from ._terms import SeatProration, Span, Terms
    from ._vat import DEFAULT_VAT, VatKind, VatTreatment

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "ALL_GRADES",
    "DEFAULT_VAT",
    "FOCUS_PO_TERMS",
    "TEAMS_TERMS",
    "Catalog",
    "Comparison",
    "GradeBand",
    "Plan",
    "PupilPlan",
    "Quote",
    "QuoteLine",
    "SeatPlan",
    "SeatProration",
    "Span",
    "Terms",
    "VatKind",
    "VatTreatment",
    "compare",
    "default_catalog",
    "focus_po_plans",
    "plan_from_dict",
    "quote",
    "teams_plan",
]
