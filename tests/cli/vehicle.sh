#!/usr/bin/env bash
# vehicle.sh - vehicles and odometer readings from the command line.
. "$(dirname "$0")/lib.sh"

as init
as user add --id U1 --name 张三
as user add --id U2 --name 李四

as vehicle add --user U1 --plate "云a 12345" --grade 95
expect_rc "add" 0
expect_out "add prints the normalised plate" "plate:      云A12345
user_id:    U1
grade:      95
km:         -
km_at:      -
created_at: <TIME>
grade_from: owner"

as vehicle add --user U2 --plate "云Ａ１２３４５"
expect_rc "the same plate in full-width" 65
expect_err_has "already registered" "plate 云A12345 is already registered to user 'U1'"
as vehicle add --user U1 --plate "京AD12345" --grade EV
expect_rc "a new-energy plate" 0
as vehicle add --user U1 --plate "ABC123"
expect_rc "a malformed --plate is a usage error" 64
expect_err_has "plate message names --plate" "--plate: 'ABC123' is not a licence plate"
as vehicle add --user U1 --plate "云B11111" --grade 91
expect_rc "a malformed --grade is a usage error" 64
expect_err_has "grade message names --grade" "--grade: '91' is not a fuel grade"
as vehicle add --user nobody --plate "云B11111"
expect_rc "unknown user" 1
as vehicle add --user U1
expect_rc "--plate is required" 64

as vehicle odometer --plate 云A12345 --km 48210 --at 2025-06-01T09:00:00+08:00
expect_rc "odometer" 0
expect_out_has "odometer shows the latest km" "km:         48210"
expect_out_has "odometer shows when" "km_at:      2025-06-01T09:00:00+08:00"
as vehicle odometer --plate 云A12345 --km 48000 --at 2025-06-02T09:00:00+08:00
expect_rc "a lower reading is refused" 65
expect_err_has "lower reading message" "km: 48000 is lower than the 48210 km recorded for 云A12345 at 2025-06-01T09:00:00+08:00"
as vehicle odometer --plate 云A12345 --km 48000 --at 2025-06-02T09:00:00+08:00 --force
expect_rc "--force accepts it" 0
as vehicle odometer --plate "云a12345" --km 48100 --at "2025/6/3 9:05"
expect_rc "Excel-style time, lower-case plate" 0
as vehicle odometer --plate 云A12345 --km 48300 --at 2025-06-01T09:00:00+08:00
expect_rc "a second reading at the same time" 65
as vehicle odometer --plate 云A12345 --km lots
expect_rc "--km must be a number (usage error)" 64
expect_err_has "--km is named" "--km: 'lots' is not a whole number"
as vehicle odometer --plate 云A12345 --km -1
expect_rc "--km below 0 is out of range" 64
as vehicle odometer --plate 云A12345 --km 10000000
expect_rc "--km above 9999999 is out of range" 64
expect_err_has "--km range message" "--km: 10000000 is out of range (0 to 9999999)"
as vehicle odometer --plate 云A12345 --km 1 --at tomorrow
expect_rc "--at must be a time (usage error)" 64
expect_err_has "--at is named" "--at: 'tomorrow' is not a time"
as vehicle readings "not a plate"
expect_rc "readings of a malformed plate is a usage error" 64
as vehicle odometer --plate 云A99999 --km 1
expect_rc "unknown plate" 1

as --format tsv vehicle readings 云A12345
expect_out "readings, oldest first" "plate	km	at	forced
云A12345	48210	2025-06-01T09:00:00+08:00	false
云A12345	48000	2025-06-02T09:00:00+08:00	true
云A12345	48100	2025-06-03T09:05:00+08:00	false"

as --format tsv vehicle list --user U1
expect_out "list by user" "plate	user_id	grade	km	km_at	created_at	grade_from
云A12345	U1	95	48100	2025-06-03T09:05:00+08:00	<TIME>	owner
京AD12345	U1	EV			<TIME>	owner"
as vehicle list --user nobody
expect_rc "list for an unknown user" 1
as vehicle show 云A00000
expect_rc "show an unknown plate" 1
as vehicle show
expect_rc "show needs a plate" 64

# The registered grade, as the owner gives it (what grade advice follows).
as --format json vehicle update 云A12345 --grade 92#
expect_json_where "update sets the registered grade" json 'd["grade"] == "92" and d["grade_from"] == "owner"'
as --format json vehicle update 云A12345 --grade ""
expect_json_where "an empty grade clears it" json 'd["grade"] is None and d["grade_from"] is None'
as vehicle update 云A12345 --grade 91
expect_rc "update: a malformed grade is a usage error" 64
as vehicle update 云A12345
expect_rc "update: --grade is required" 64
as vehicle update 云A99999 --grade 95
expect_rc "update: unknown plate" 1

as user forget U1 --force
as --format tsv vehicle list --user U1
expect_eq "forget removes plates" "$(printf '%s\n' "$OUT" | cut -f1 | tail -n +2 | tr '\n' ' ')" "  "

finish
