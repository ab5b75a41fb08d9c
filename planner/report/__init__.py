"""Stage 6, report: a plan's files, figures and the reports a person opens.

Modules, data flowing one way (a plan, or its dict and frames, in; text or files out):

- :mod:`planner.report.files`: every file of a plan, written atomically;
- :mod:`planner.report.plots`: matplotlib figures (power split, cash flows, build-out);
- :mod:`planner.report.units`: labels and units from column and KPI names, number formats;
- :mod:`planner.report.layout`: hall modules placed on a site's land (deterministic packing);
- :mod:`planner.report.svg`, :mod:`planner.report.figures`, :mod:`planner.report.sitemap`,
  :mod:`planner.report.style`: inline SVG charts, parcel maps and CSS of the HTML report;
- :mod:`planner.report.html`: the self-contained ``report.html``;
- :mod:`planner.report.xlsx`: the tables as ``plan.xlsx``, one sheet per table.
"""
