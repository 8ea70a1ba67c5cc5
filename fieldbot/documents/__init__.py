"""Report files made from plain data and labels (no database, no Telegram): an XLSX workbook
(:mod:`.workbook`) and a PNG chart (:mod:`.chart`) that renders Chinese on any machine with
the CJK font shipped here (:mod:`.fonts`); :mod:`.files` writes them to a directory. The daily
and the monthly reports use them."""
