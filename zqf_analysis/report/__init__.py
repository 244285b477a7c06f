"""Report: charts, escaped notebook displays, the Excel workbook, and the rendered HTML pages with
their provenance and the index page."""
