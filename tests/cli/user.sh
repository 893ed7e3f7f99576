#!/usr/bin/env bash
# user.sh - user add, show, update, list, forget from the command line.
. "$(dirname "$0")/lib.sh"

as init

as user add --id U1 --name 张三 --phone 13800138000 --region 530102 --consent-marketing yes --quiet-hours 22:00-08:00
expect_rc "add" 0
expect_out "add prints the user, phone masked" "user_id:           U1
name:              张三
phone:             138****8000
region:            530102
consent_service:   yes
consent_marketing: yes
quiet_hours:       22:00-08:00
beta_tester:       no
created_at:        <TIME>
updated_at:        <TIME>
erased_at:         -"

as user show U1 --reveal
expect_out_has "--reveal shows the whole phone" "phone:             13800138000"
as user show U1
expect_out_has "show masks by default" "138****8000"

as user add --id U2 --name 李四 --phone "+86 139-0000-1111" --region 530421
as user add --id U3 --name 王五 --region 110105 --beta-tester yes
as user add --id U4 --name Zhao

as --format tsv user list
expect_out "list as TSV" "user_id	name	phone	region	consent_service	consent_marketing	quiet_hours	beta_tester	created_at	updated_at	erased_at
U1	张三	138****8000	530102	true	true	22:00-08:00	false	<TIME>	<TIME>	
U2	李四	139****1111	530421	true	false		false	<TIME>	<TIME>	
U3	王五		110105	true	false		true	<TIME>	<TIME>	
U4	Zhao			true	false		false	<TIME>	<TIME>	"

as user list --region 530000
expect_rc "list by province" 0
n=$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)
expect_eq "530000 matches the province" "$n" "2"
as --format jsonl user list --region 530100
# (printf '%s\n' of an empty output is one line too: check the ids.)
expect_json_where "530100 matches the city" jsonl '[u["user_id"] for u in d] == ["U1"]'
as --format jsonl user list --after U1 --limit 2
expect_eq "--after and --limit page" "$(printf '%s\n' "$OUT" | cut -c1-16 | tr '\n' ' ')" '{"user_id":"U2", {"user_id":"U3", '
as user list --limit 0
expect_rc "--limit 0 is a usage error" 64
as user list --region 99
expect_rc "a malformed --region filter is a usage error" 64
expect_err_has "a bad --region filter names the option" "--region: '99' is not a 6-digit region code"

as user update U2 --name 李四四 --quiet-hours none --consent-marketing no
expect_rc "update" 0
expect_out_has "update changes the name" "name:              李四四"
as user update U2
expect_rc "update without changes is a usage error" 64
as user update nobody --name x
expect_rc "update of an unknown user" 1
as user update U2 --phone 123
expect_rc "update with a malformed --phone is a usage error" 64
expect_err_has "bad phone message names --phone" "--phone: '123' is not a mainland mobile number"
as user update U2 --quiet-hours 25:00-08:00
expect_rc "update with malformed --quiet-hours is a usage error" 64
expect_err_has "quiet hours message names --quiet-hours" "--quiet-hours: '25:00-08:00'"
as user update U2 --region 110000 --beta-tester yes --consent-service no
expect_rc "update region, beta tester and service consent" 0
as --format json user update U2 --phone "" --region ""
expect_json_where "an empty --phone and --region clear them" json \
    'd["phone"] is None and d["region"] is None and d["beta_tester"] is True and d["consent_service"] is False'
as user update U2 --beta-tester perhaps
expect_rc "--beta-tester takes yes or no" 64
expect_err_has "--beta-tester is named" "--beta-tester: 'perhaps' is not yes or no"
as user update U2 --consent-marketing maybe
expect_rc "a yes/no option with another value" 64
as user update --id U2 --name x
expect_rc "update takes the id as an argument" 64

as user add --id U5 --name $'bad\xffname'
expect_rc "invalid UTF-8 in --name is a usage error" 64
expect_err_has "invalid UTF-8 names the option and the byte" "--name: invalid UTF-8 at byte 4"
as user add --id U5 --name "$(printf 'Jose\xcc\x81')"
as --format json user show U5
expect_eq "names are NFC-normalised" "$(json_get 'd["name"]')" "José"
as user add --id "U 6" --name x
expect_rc "an --id with a space is a usage error" 64
expect_err_has "a bad --id is named" "--id: 'U 6' is not an id"
as user add --name x
expect_rc "--id is required" 64
as user add --id U6
expect_rc "--name is required" 64
expect_err_has "the missing --name is named" "--name NAME is required"
as user add --id U1 --name again
expect_rc "adding an existing id" 65
expect_err_has "existing id message" "user 'U1' already exists"

as user forget U1
expect_rc "forget needs --force" 64
as user forget U1 --force
expect_rc "forget" 0
expect_out_has "forget erases the name" "name:              -"
expect_out_has "forget keeps the region" "region:            530102"
as user forget U1 --force
expect_rc "forget is idempotent" 0
as user update U1 --name 张三
expect_rc "an erased user cannot get personal data back" 65
expect_err_has "erased message" "erased on request"
as user forget nobody --force
expect_rc "forget of an unknown user" 1

finish
