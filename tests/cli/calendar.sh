#!/usr/bin/env bash
# calendar.sh - calendar list, check and add from the command line; bad
# calendar YAML reported with line and column.
. "$(dirname "$0")/lib.sh"

as init

for sub in list check add import; do
    as calendar $sub --help
    expect_rc "calendar $sub --help" 0
    expect_out_has "calendar $sub --help prints usage" "usage: aftersales calendar $sub"
done
as calendar
expect_rc "calendar without a subcommand" 64

as --format tsv calendar list
expect_rc "list" 0
expect_out "list as TSV" "name	always	timezone	hours	week_minutes	holidays	workdays	first_date	last_date	description	known_until
cn-office	false	+08:00	mon-fri 09:00-18:00	2700	61	11	2025-01-01	2026-10-10	办公时间 周一至周五 09:00-18:00, 法定节假日与调休	2026
24x7	true	+08:00	always (24/7)	10080	0	0			around the clock, for urgent and major-incident levels	"

# Friday 17:30 + 2 business hours is Monday 10:30.
as calendar add cn-office --at 2025-03-14T17:30:00+08:00 --minutes 120
expect_rc "add" 0
expect_out "add prints the due time" "calendar:         cn-office
at:               2025-03-14T17:30:00+08:00
minutes:          120
due:              2025-03-17T10:30:00+08:00
calendar_warning: -"

# The day before 国庆: due after the eight days off.
as --format json calendar add cn-office --at "2025-09-30 17:00" --minutes 120
expect_json "add --format json"
expect_eq "due after 国庆" "$(json_get 'd["due"]')" "2025-10-09T10:00:00+08:00"
# A 调休 Saturday is a working day.
as --format json calendar add cn-office --at 2025-10-10T17:00 --minutes 120
expect_eq "due on the 调休 Saturday" "$(json_get 'd["due"]')" "2025-10-11T10:00:00+08:00"
# Across 春节 2026 (2/15-2/23 off, 2/14 worked).
as --format jsonl calendar add cn-office --at 2026-02-14T17:00 --minutes 120
expect_eq "due after 春节 2026" "$(json_get 'd["due"]')" "2026-02-24T10:00:00+08:00"
# 24/7
as --format json calendar add 24x7 --at 2025-10-01T03:00:00+08:00 --minutes 30
expect_eq "24x7 counts every minute" "$(json_get 'd["due"]')" "2025-10-01T03:30:00+08:00"

as calendar check cn-office --from 2025-01-01 --to 2026-01-01
expect_rc "check" 0
expect_out "2025 has 248 working days" "calendar:         cn-office
from:             2025-01-01T00:00:00+08:00
to:               2026-01-01T00:00:00+08:00
business_minutes: 133920
business_seconds: 8035200
calendar_warning: -"
as --format tsv calendar check cn-office --from 2025-10-09T10:00 --to 2025-09-30T17:00
expect_out_has "a reversed span is negative" "-120	-7200"

as calendar add nope --at 2025-01-01 --minutes 1
expect_rc "unknown calendar" 1
expect_err_has "unknown calendar lists the known ones" "calendar 'nope' is not in the configuration (calendars: cn-office, 24x7)"
as calendar add cn-office --at yesterday --minutes 1
expect_rc "a malformed time is a usage error" 64
expect_err_has "bad time message" "--at: 'yesterday' is not a time"
as calendar add cn-office --at 2025-01-01 --minutes -5
expect_rc "negative minutes" 64
as calendar add cn-office --minutes 5
expect_rc "--at is required" 64
as calendar check cn-office --from 2025-01-01
expect_rc "--to is required" 64
as calendar check --from 2025-01-01 --to 2025-01-02
expect_rc "a name is required" 64
as calendar check a b --from 2025-01-01 --to 2025-01-02
expect_rc "one name" 64
as calendar list --bogus
expect_rc "unknown option" 64

# A configuration with its own calendar.
cat > "$T/cal.yaml" <<'YAML'
calendars:
  station-night:
    timezone: "+08:00"
    hours:
      mon: "22:00-06:00+1"
      sat: ["09:00-12:00", "13:00-17:00"]
    holidays:
      - 2025-03-10
YAML
as --config "$T/cal.yaml" calendar add station-night --at 2025-03-03T23:00 --minutes 120
expect_out_has "a shift past midnight" "due:              2025-03-04T01:00:00+08:00"
as --config "$T/cal.yaml" calendar add station-night --at 2025-03-08T11:30 --minutes 60
expect_out_has "split Saturday hours" "due:              2025-03-08T13:30:00+08:00"
as --config "$T/cal.yaml" calendar add station-night --at 2025-03-08T17:00 --minutes 60
expect_out_has "the holiday Monday's shift is skipped" "due:              2025-03-15T10:00:00+08:00"
as --config "$T/cal.yaml" calendar add cn-office --at 2025-03-08T17:00 --minutes 60
expect_rc "a calendars section replaces the default calendars" 1

# Bad calendar YAML: every problem with FILE:LINE:COL, exit 78.
cat > "$T/bad.yaml" <<'YAML'
calendars:
  office:
    hours:
      mon: "09:00-18:00"
      tue: "18:00-09:00"
      wed: "09:00-12:00, 11:30-18:00"
      funday: "09:00-18:00"
    holidays:
      - 2025-02-30
      - 2025-10-01..2025-10-07
    workdays:
      - 2025-10-04
YAML
as rules check "$T/bad.yaml"
expect_rc "bad calendars are exit 78" 78
expect_err_has "end before start" "$T/bad.yaml:5:12: '18:00-09:00': the end is not after the start"
expect_err_has "unknown weekday" "$T/bad.yaml:7:7: unknown weekday 'funday'"
expect_err_has "bad date" "$T/bad.yaml:9:9: '2025-02-30' is not a date"
expect_err_has "holiday and workday" "$T/bad.yaml:12:9: 2025-10-04 is both a holiday and a make-up working day (line 10)"
cat > "$T/overlap.yaml" <<'YAML'
calendars:
  office:
    hours:
      wed: "09:00-12:00, 11:30-18:00"
YAML
as rules check "$T/overlap.yaml"
expect_err_has "overlapping intervals" "$T/overlap.yaml:4:7: calendar 'office': wed hours overlap (11:30 starts before 12:00 ends)"
as --config "$T/overlap.yaml" calendar list
expect_rc "a command with a bad config is exit 78" 78

finish
