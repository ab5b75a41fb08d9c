"""Reports a person opens: a self-contained ``report.html`` and a ``plan.xlsx`` workbook.

Modules, data flowing one way (plan dict and frames in, text or a file out):

- :mod:`planner.report.units`: labels and units from column and KPI names, number formats;
- :mod:`planner.report.layout`: hall modules placed on a site's land (deterministic packing);
- :mod:`planner.report.svg`: inline SVG charts and parcel maps, drawn in Python;
- :mod:`planner.report.html`: the HTML report, one file with its styles inlined;
- :mod:`planner.report.xlsx`: the tables as an Excel workbook, one sheet per table.
"""
