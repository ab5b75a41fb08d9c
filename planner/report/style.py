"""The report's stylesheet, inlined into ``report.html``: screen (laptop first) and print.

Print: A4 landscape, one section per page, figures kept whole, table headers repeated on
every page, colours printed as on screen.
"""

CSS = """
:root{--ink:#1d2733;--muted:#5f6b7a;--rule:#dde2e8;--head:#f0f3f7;--accent:#0b5394}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#eef1f5;color:var(--ink);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:22px 30px 48px;background:#fff}
header h1{font-size:24px;margin:0 0 2px}
.meta{color:var(--muted);margin:0 0 8px}
nav ol{list-style:none;display:flex;flex-wrap:wrap;gap:2px 18px;padding:8px 0;margin:0;
  border-top:1px solid var(--rule);border-bottom:1px solid var(--rule)}
nav a{color:var(--accent);text-decoration:none}
section{margin-top:30px}
h2{font-size:19px;margin:0 0 12px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:18px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:10px}
.card{border:1px solid var(--rule);border-radius:6px;padding:9px 12px;background:#fbfcfd}
.card .k{color:var(--muted);font-size:12px}
.card .v{font-size:19px;font-weight:600;font-variant-numeric:tabular-nums}
.card .v.long{font-size:13px;font-weight:500;overflow-wrap:anywhere}
.card .v table{font-size:12px;font-weight:400}
.warn{border-left:4px solid #c0392b;background:#fdf2f2;padding:8px 12px;margin-top:12px}
.table-wrap{overflow-x:auto;max-width:100%;margin:6px 0 14px}
table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);padding:2px 0 6px;font-size:12px}
th,td{padding:3px 9px;border-bottom:1px solid var(--rule);text-align:left;white-space:nowrap;vertical-align:top}
thead th{background:var(--head);position:sticky;top:0;white-space:normal;min-width:4.5em;max-width:11em}
.num{text-align:right}
table.kv th{font-weight:500;color:var(--muted)}
table.kv td{white-space:normal;overflow-wrap:anywhere}
table.nested th,table.nested td{border:0;padding:0 8px 0 0}
details{margin:6px 0 14px}
summary{cursor:pointer;color:var(--accent)}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px 22px}
figure{margin:0 0 12px}
figure h3{margin:8px 0 4px}
figcaption{font-size:12px;color:var(--muted);margin-top:4px;max-width:75ch}
svg.chart,svg.map{width:100%;height:auto;display:block}
svg.map{max-width:760px;border:1px solid var(--rule);background:#fafbf8}
svg text{font-size:11px;fill:#34404d}
svg text.title{font-size:12.5px;font-weight:600;fill:var(--ink)}
svg text.unit{fill:var(--muted)}
svg line.grid{stroke:#e6e9ee}
svg line.zero{stroke:#8a939e}
svg polyline.line{fill:none;stroke-width:1.6}
svg line.scale{stroke:#222;stroke-width:3}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 14px;padding:0;margin:4px 0 0;
  font-size:12px;color:var(--muted)}
.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;background:var(--c)}
.swatch.dashed{width:18px;height:0;background:none;border-top:2px dashed var(--c);vertical-align:3px}
.swatch.hatched{background:repeating-linear-gradient(45deg,var(--c) 0 2px,transparent 2px 5px);
  outline:1px solid var(--c)}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--rule);padding-top:8px}
@page{size:A4 landscape;margin:12mm}
@media print{
  body{background:#fff}
  main{max-width:none;padding:0}
  nav{display:none}
  section{break-before:page}
  section#headline{break-before:auto}
  figure,.card,tr{break-inside:avoid}
  thead{display:table-header-group}
  thead th{position:static}
  .table-wrap{overflow:visible}
  details:not([open]){display:none}
  .grid2{grid-template-columns:1fr 1fr}
}
"""
