#!/usr/bin/env bash
# rules.sh - the configuration: rules check, --config, $AFTERSALES_CONFIG.
. "$(dirname "$0")/lib.sh"

as rules check
expect_rc "the built-in defaults are good" 0
expect_out_has "names the defaults" "(built-in defaults)"

printf 'business:\n  timezone: UTC\n' > "$T/utc.yaml"
as rules check "$T/utc.yaml"
expect_rc "a good file" 0
as --format json rules check "$T/utc.yaml"
expect_json "rules check --format json"

printf 'business:\n  timezone: Mars/Olympus\n  extra: 1\nnosuch: {}\n' > "$T/bad.yaml"
as rules check "$T/bad.yaml"
expect_rc "a bad file is exit 78" 78
expect_err_has "unknown key with line and column" "aftersales rules check: $T/bad.yaml:3:3: unknown key 'extra' in business"
expect_err_has "bad value with line and column" "$T/bad.yaml:2:13: 'Mars/Olympus' is not a time zone"
expect_err_has "unknown section" "$T/bad.yaml:4:1: unknown section 'nosuch'"

printf 'a: &x [1]\nb: *x\n' > "$T/alias.yaml"
as rules check "$T/alias.yaml"
expect_rc "aliases are refused" 78
printf 'business: [\n' > "$T/syntax.yaml"
as rules check "$T/syntax.yaml"
expect_rc "a YAML syntax error" 78
expect_err_has "syntax error is located" "syntax.yaml:2:1:"
as rules check "$T/none.yaml"
expect_rc "a missing file is exit 66" 66
as rules check a b
expect_rc "one file at most" 64

# --config and $AFTERSALES_CONFIG change how times are shown.
as init
as user add --id U1 --name x
as vehicle add --user U1 --plate 云A12345
as --config "$T/utc.yaml" vehicle odometer --plate 云A12345 --km 10 --at 2025-06-01T09:00:00+08:00
expect_out_has "--config: times in UTC" "km_at:      2025-06-01T01:00:00+00:00"
AFTERSALES_CONFIG="$T/utc.yaml" run "$AFTERSALES" --format tsv vehicle readings 云A12345
expect_out_has "\$AFTERSALES_CONFIG" "2025-06-01T01:00:00+00:00"
as --config "$T/utc.yaml" vehicle odometer --plate 云A12345 --km 20 --at "2025-06-02 09:00"
as --format tsv vehicle readings 云A12345
expect_out_has "a time without offset is read in the configured zone" "2025-06-02T17:00:00+08:00"
as --config "$T/bad.yaml" user list
expect_rc "a command with a bad --config is exit 78" 78
as --config "$T/none.yaml" user list
expect_rc "a command with a missing --config is exit 66" 66

finish
