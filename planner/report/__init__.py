"""Stage 6, report: a plan's files (JSON, CSV, GeoJSON, xlsx, report.html) and figures."""
