# contract/86-report-html.sh - report html --output over the shared
# database: the record of what was written (the page itself is HTML and is
# checked by tests/cli/report_html.sh).
contract_both "report html" report html --from 2026-09-01T00:00:00+08:00 \
    --to 2026-11-01T00:00:00+08:00 -o "$T/contract-report.html"
as --format json report html --from 2026-09-01T00:00:00+08:00 --to 2026-11-01T00:00:00+08:00 \
    --sections sla,fuel --output "$T/contract-report.html"
expect_json_where "report html: the path, its size, the sections in page order" json \
    "d['path'] == '$T/contract-report.html' and d['bytes'] > 1000 and d['sections'] == ['sla', 'fuel']"
