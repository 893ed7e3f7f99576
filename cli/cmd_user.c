/* cmd_user.c - aftersales user add|update|show|list|import|forget */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales user COMMAND [ARGS]\n"
    "\n"
    "Users are keyed by the mini-program's id.  Phones are shown masked\n"
    "(138****8000) unless --reveal is given.\n";

static const char add_help[] =
    "usage: aftersales user add --id ID --name NAME [--phone PHONE] [--region CODE]\n"
    "                           [--consent-marketing yes|no] [--consent-service yes|no]\n"
    "                           [--quiet-hours HH:MM-HH:MM|none] [--beta-tester yes|no] [--reveal]\n"
    "\n"
    "Add a user and print it.  ID is 1-64 bytes without spaces; PHONE a mainland\n"
    "mobile number (optional +86); CODE a 6-digit administrative division code\n"
    "(530102).  Marketing consent defaults to no, service notices to yes.  A\n"
    "malformed value is a usage error (exit 64); exit 65 if the id exists.\n";

static const char update_help[] =
    "usage: aftersales user update ID [--name NAME] [--phone PHONE|\"\"] [--region CODE|\"\"]\n"
    "                                 [--consent-marketing yes|no] [--consent-service yes|no]\n"
    "                                 [--quiet-hours HH:MM-HH:MM|none] [--beta-tester yes|no]\n"
    "                                 [--reveal]\n"
    "\n"
    "Change the given fields of a user and print it (an empty --phone or --region\n"
    "clears it).  Exit 1 if there is no such user, 65 if the user was erased.\n";

static const char show_help[] =
    "usage: aftersales user show ID [--reveal]\n"
    "\n"
    "Print one user.  Exit 1 if there is no such user.\n";

static const char list_help[] =
    "usage: aftersales user list [--region CODE] [--segment NAME] [--tier NAME] [--beta]\n"
    "                            [--after ID] [--limit N] [--reveal]\n"
    "\n"
    "List users in id order.  --region 530000 matches the whole province, 530100\n"
    "the city, 530102 the district.  --segment and --tier keep the users of that\n"
    "segment or member tier now (profiles not current are computed for the\n"
    "listing; nothing is written).  --beta keeps the beta testers (产品体验官,\n"
    "beta_tester yes).  --after ID continues a listing after that id; --limit N\n"
    "(at least 1) stops after N users.\n";

static const char profile_help[] =
    "usage: aftersales user profile ID [--at TIME]\n"
    "\n"
    "Print a user's derived profile as the world stood at TIME (default now: only\n"
    "records at or before TIME count): fill-ups, median days between fill-ups of\n"
    "the same vehicle, litres per fill-up, preferred grade, top stations, km per\n"
    "day (from odometer readings, else estimated), 12-month spend, points, last\n"
    "service, segment, tier and its benefits, until when the figures hold, and\n"
    "the same per vehicle (with the next fill-up predicted).  A profile that is\n"
    "not current is computed for TIME without writing.  Exit 1 if the user is\n"
    "unknown or has no fueling record by TIME.\n";

static const char import_help[] =
    "usage: aftersales user import [--jsonl] [--encoding utf-8|gb18030|utf-16|utf-16le|utf-16be]\n"
    "                              [--delimiter ,|tab|;|pipe] [--skip-bad] [--dry-run] [--jobs N]\n"
    "                              [--rejects FILE [--force]] FILE|-\n"
    "\n"
    "Upsert users from CSV with a header (user_id,name,phone,region and optionally\n"
    "consent_marketing,consent_service,quiet_hours,beta_tester, in any order) or\n"
    "from JSON Lines (--jsonl) with the same keys.  Known ids are updated where a\n"
    "value differs; empty cells leave the stored value alone.\n"
    "\n"
    "CSV may be UTF-8, GB18030 or UTF-16 (a byte order mark is recognised, so\n"
    "Excel's \"Unicode text\" needs no --encoding) and comma-, tab-, semicolon- or\n"
    "pipe-separated (detected from the header unless --delimiter says).\n"
    "\n"
    "Every bad row is reported as FILE:LINE: field: reason.  If any row is bad,\n"
    "nothing is imported (exit 65) unless --skip-bad.  --rejects FILE writes the\n"
    "bad rows there (CSV: the header plus an error column).  --dry-run does the\n"
    "real work and rolls it back.  The summary (inserted, updated, unchanged,\n"
    "rejected) goes to stderr, or to stdout as an object with --format json|jsonl.\n\n"
    "--jobs N: threads for a CSV file (default one per processor; 1 none);\n"
    "the outcome and the messages are the same for every N.\n";

static const char forget_help[] =
    "usage: aftersales user forget ID --force\n"
    "\n"
    "Erase a user's personal data on request (PIPL): name, phone, quiet hours,\n"
    "consents and plates are cleared, and the name, phone and plates are replaced\n"
    "by [erased] wherever they were typed into free text: feedback, tickets and\n"
    "their history, surveys, notifications, the knowledge base.  Freed space is\n"
    "zeroed and the WAL checkpointed, so no old copy stays in the file.  The\n"
    "anonymous row stays for aggregates; its id can no longer be given personal\n"
    "data.  Prints the user and what the erasure did.  Needs --force.\n";

static void user_fields(printer *p, const as_user *u)
{
    char qh[32];
    pr_str(p, "user_id", u->user_id);
    pr_str(p, "name", u->name);
    pr_str(p, "phone", u->phone);
    pr_str(p, "region", u->region);
    pr_bool(p, "consent_service", u->consent_service);
    pr_bool(p, "consent_marketing", u->consent_marketing);
    if (u->quiet_start >= 0) {
        snprintf(qh, sizeof qh, "%02d:%02d-%02d:%02d", u->quiet_start / 60, u->quiet_start % 60,
                 u->quiet_end / 60, u->quiet_end % 60);
        pr_str(p, "quiet_hours", qh);
    } else {
        pr_null(p, "quiet_hours");
    }
    pr_bool(p, "beta_tester", u->beta_tester);
    pr_time(p, "created_at", u->created_at);
    pr_time(p, "updated_at", u->updated_at);
    pr_time(p, "erased_at", u->erased_at);
}

static void print_user(printer *p, const as_user *u)
{
    pr_begin(p);
    user_fields(p, u);
    pr_end(p);
}

static int show_one(cli *c, const char *id, unsigned flags)
{
    as_user *u = NULL;
    as_status st = as_user_get(&u, c->db, id, flags);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_user(p, u);
    as_user_free(u);
    return cli_print_end(c, p);
}

/* update: "" clears a phone or a region, so the checks let it through. */
static int phone_or_empty(const char *v, char *why, size_t whysz)
{
    return v[0] ? cli_check_phone(v, why, whysz) : 0;
}

static int region_or_empty(const char *v, char *why, size_t whysz)
{
    return v[0] ? cli_check_region(v, why, whysz) : 0;
}

/* The values of add and update, and which were given. */
typedef struct user_opts {
    const char *id, *name, *phone, *region, *quiet;
    int cmkt, csvc, beta, reveal;
    int name_given, phone_given, region_given, quiet_given, cmkt_given, csvc_given, beta_given;
} user_opts;

/* Copy the given options into in and the read flags into *flags. */
static void user_input(const user_opts *o, as_user_input *in, unsigned *flags)
{
    if (o->name_given) {
        in->fields |= AS_USER_NAME;
        in->name = o->name;
    }
    if (o->phone_given) {
        in->fields |= AS_USER_PHONE;
        in->phone = o->phone;
    }
    if (o->region_given) {
        in->fields |= AS_USER_REGION;
        in->region = o->region;
    }
    if (o->cmkt_given) {
        in->fields |= AS_USER_CONSENT_MARKETING;
        in->consent_marketing = o->cmkt;
    }
    if (o->csvc_given) {
        in->fields |= AS_USER_CONSENT_SERVICE;
        in->consent_service = o->csvc;
    }
    if (o->beta_given) {
        in->fields |= AS_USER_BETA_TESTER;
        in->beta_tester = o->beta;
    }
    if (o->quiet_given) {
        in->fields |= AS_USER_QUIET_HOURS;
        in->quiet_start = in->quiet_end = -1;
        /* checked by cli_check_quiet_hours: "none", "" or a window */
        if (strcmp(o->quiet, "none") != 0 && o->quiet[0])
            as_quiet_hours_parse(o->quiet, &in->quiet_start, &in->quiet_end);
    }
    *flags = o->reveal ? AS_REVEAL : 0;
}

/* The options add and update share (each table adds its own first). */
#define USER_FIELD_OPTS(o, phone_check, region_check)                                         \
    {.kind = CLI_O_STR, .name = "name", .metavar = "NAME", .dest = &(o).name,                   \
     .given = &(o).name_given},                                                               \
    {.kind = CLI_O_STR, .name = "phone", .metavar = "PHONE", .dest = &(o).phone,                \
     .check = (phone_check), .check_name = "phone", .given = &(o).phone_given},               \
    {.kind = CLI_O_STR, .name = "region", .metavar = "CODE", .dest = &(o).region,               \
     .check = (region_check), .check_name = "region", .given = &(o).region_given},            \
    CLI_YESNO("consent-marketing", &(o).cmkt, &(o).cmkt_given),                                 \
    CLI_YESNO("consent-service", &(o).csvc, &(o).csvc_given),                                   \
    {.kind = CLI_O_STR, .name = "quiet-hours", .metavar = "HH:MM-HH:MM|none",                   \
     .dest = &(o).quiet, .check = cli_check_quiet_hours, .check_name = "quiet-hours",           \
     .given = &(o).quiet_given},                                                              \
    CLI_YESNO("beta-tester", &(o).beta, &(o).beta_given),                                       \
    CLI_FLAG("reveal", &(o).reveal)

static int user_add(cli *c, int argc, char **argv)
{
    user_opts o = {0};
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("id", "ID", &o.id, cli_check_id, "id"),
        USER_FIELD_OPTS(o, cli_check_phone, cli_check_region),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, add_help);
    if (code != CLI_GO)
        return code;
    if (!o.name_given)
        return cli_usage(c, "--name NAME is required");
    as_user_input in = AS_USER_INPUT_INIT;
    unsigned flags;
    user_input(&o, &in, &flags);
    in.user_id = o.id;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_user_add(c->db, &in);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_one(c, in.user_id, flags);
}

static int user_update(cli *c, int argc, char **argv)
{
    user_opts o = {0};
    const cli_opt opts[] = {
        CLI_ARG("ID", &o.id),
        USER_FIELD_OPTS(o, phone_or_empty, region_or_empty),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, update_help);
    if (code != CLI_GO)
        return code;
    as_user_input in = AS_USER_INPUT_INIT;
    unsigned flags;
    user_input(&o, &in, &flags);
    in.user_id = o.id;
    if (!in.fields)
        return cli_usage(c, "nothing to change: give at least one option");
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_user_update(c->db, &in);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_one(c, in.user_id, flags);
}

static int user_show(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int reveal = 0;
    const cli_opt opts[] = {
        CLI_ARG("ID", &id),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_one(c, id, reveal ? AS_REVEAL : 0);
}

static int user_list(cli *c, int argc, char **argv)
{
    as_user_query q = AS_USER_QUERY_INIT;
    int reveal = 0;
    const cli_opt opts[] = {
        CLI_CHECKED("region", "CODE", &q.region, cli_check_region, "region"),
        CLI_STR("segment", "NAME", &q.segment),
        CLI_STR("tier", "NAME", &q.tier),
        CLI_FLAG("beta", &q.beta),
        CLI_STR("after", "ID", &q.after_id),
        CLI_INT("limit", "N", &q.limit, 1, INT64_MAX),
        CLI_FLAG("reveal", &reveal),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    q.flags = reveal ? AS_REVEAL : 0;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_user_iter *it;
    as_status st = as_user_iter_new(&it, c->db, &q);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_user *u;
    while ((st = as_user_next(it, &u)) == AS_OK)
        print_user(p, u);
    as_user_iter_free(it);
    code = cli_print_end(c, p);
    if (st != AS_DONE)
        return cli_fail(c, st);
    return code;
}

static int user_import(cli *c, int argc, char **argv)
{
    return cli_import(c, argc, argv, as_user_import, import_help, 1);
}

static int user_forget(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int force = 0;
    const cli_opt opts[] = {
        CLI_ARG("ID", &id),
        CLI_FLAG("force", &force),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, forget_help);
    if (code != CLI_GO)
        return code;
    if (!force)
        return cli_usage(c, "erasing '%s' cannot be undone; add --force", id);
    if ((code = cli_open(c, 0)))
        return code;
    as_forget_stats fs;
    as_status st = as_user_forget_ex(c->db, id, &fs);
    if (st != AS_OK)
        return cli_fail(c, st);
    as_user *u = NULL;
    if ((st = as_user_get(&u, c->db, id, 0)) != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    user_fields(p, u);
    as_user_free(u);
    pr_obj_begin(p, "erasure");
    pr_int(p, "rows", (int64_t)fs.rows);
    pr_int(p, "values", (int64_t)fs.values);
    pr_int(p, "tickets", (int64_t)fs.tickets);
    pr_bool(p, "checkpointed", fs.checkpointed);
    pr_bool(p, "vacuumed", fs.vacuumed);
    pr_bool(p, "file_clean", fs.file_clean);
    pr_obj_end(p);
    pr_end(p);
    return cli_print_end(c, p);
}

/* An array of strings (NULL-free) under key. */
static void pr_strings(printer *p, const char *key, const char *const *v, size_t n)
{
    pr_arr_begin(p, key);
    for (size_t i = 0; i < n; i++)
        pr_str(p, NULL, v[i]);
    pr_arr_end(p);
}

/* A number of days with one decimal from seconds, null below 0. */
static void pr_days(printer *p, const char *key, int64_t s)
{
    if (s >= 0)
        pr_real(p, key, (double)s / 86400.0, 1);
    else
        pr_null(p, key);
}

static void pr_km(printer *p, const char *key, double km)
{
    if (km >= 0)
        pr_real(p, key, km, 1);
    else
        pr_null(p, key);
}

static int user_profile(cli *c, int argc, char **argv)
{
    const char *id = NULL;
    int64_t at = 0;
    const cli_opt opts[] = {
        CLI_ARG("ID", &id),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, profile_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_profile *pf = NULL;
    as_status st = as_profile_get_at(&pf, c->db, id, at);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "user_id", pf->user_id);
    pr_int(p, "fillups", pf->fillups);
    pr_time(p, "first_at", pf->first_at);
    pr_time(p, "last_at", pf->last_at);
    pr_days(p, "median_interval_days", pf->median_interval_s);
    pr_real(p, "litres_per_fill", (double)pf->litres_ml_per_fill / 1000.0, 3);
    pr_str(p, "preferred_grade", pf->preferred_grade);
    pr_strings(p, "top_stations", pf->top_stations, pf->ntop_stations);
    pr_int(p, "stations", pf->stations);
    pr_int(p, "cities", pf->cities);
    pr_km(p, "km_per_day", pf->km_per_day);
    pr_str(p, "km_source", pf->km_source);
    pr_money(p, "spend_12m", pf->spend_12m_fen);
    pr_int(p, "points", pf->points);
    pr_time(p, "last_service_at", pf->last_service_at);
    pr_int_or_null(p, "last_service_km", pf->last_service_km, -1);
    pr_str(p, "segment", pf->segment);
    pr_str(p, "tier", pf->tier);
    pr_strings(p, "tier_benefits", pf->tier_benefits, pf->ntier_benefits);
    pr_time(p, "refreshed_at", pf->refreshed_at);
    pr_time(p, "valid_until", pf->valid_until);
    pr_arr_begin(p, "vehicles");
    for (size_t i = 0; i < pf->nvehicles; i++) {
        const as_profile_vehicle *v = &pf->vehicles[i];
        pr_obj_begin(p, NULL);
        pr_str(p, "plate", v->plate);
        pr_str(p, "registered_grade", v->registered_grade);
        pr_int(p, "fillups", v->fillups);
        pr_time(p, "first_at", v->first_at);
        pr_time(p, "last_at", v->last_at);
        pr_days(p, "median_interval_days", v->median_interval_s);
        if (v->fillups)
            pr_real(p, "litres_per_fill", (double)v->litres_ml_per_fill / 1000.0, 3);
        else
            pr_null(p, "litres_per_fill");
        pr_str(p, "preferred_grade", v->preferred_grade);
        pr_str(p, "last_grade", v->last_grade);
        pr_km(p, "km_per_day", v->km_per_day);
        pr_str(p, "km_source", v->km_source);
        pr_time(p, "expected_at", v->expected_at);
        pr_obj_end(p);
    }
    pr_arr_end(p);
    pr_end(p);
    as_profile_free(pf);
    return cli_print_end(c, p);
}

int cmd_user(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", user_add, "add a user"},
        {"update", user_update, "change a user's fields"},
        {"show", user_show, "show one user"},
        {"list", user_list, "list users"},
        {"import", user_import, "upsert users from CSV or JSON Lines"},
        {"forget", user_forget, "erase a user's personal data (PIPL)"},
        {"profile", user_profile, "show a user's derived profile"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "user", table, argc, argv, group_help);
}
