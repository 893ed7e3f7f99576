/* cmd_vehicle.c - aftersales vehicle add|update|show|list|odometer|readings|service */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char group_help[] =
    "usage: aftersales vehicle COMMAND [ARGS]\n"
    "\n"
    "Vehicles belong to a user and are keyed by their plate, stored normalised\n"
    "(\"云a 12345\" becomes 云A12345).  Odometer readings track kilometres.\n";

static const char add_help[] =
    "usage: aftersales vehicle add --user ID --plate PLATE [--grade GRADE]\n"
    "\n"
    "Register a vehicle and print it.  PLATE is a Chinese plate (云A12345, or the\n"
    "8-character new-energy 云AD12345); full-width characters, lower case and\n"
    "spaces are normalised.  GRADE is the preferred fuel: 92, 95, 98, E92, 0 (diesel),\n"
    "-10, CNG, LNG, EV, ...  A malformed plate or grade is a usage error (exit 64).\n"
    "Exit 1 if the user does not exist, 65 if the plate is already registered.\n";

static const char update_help[] =
    "usage: aftersales vehicle update PLATE --grade GRADE|\"\"\n"
    "\n"
    "Set the fuel grade the vehicle needs, as its owner says (\"\" clears it), and\n"
    "print the vehicle.  This registered grade is what fuel-grade advice follows\n"
    "(a grade the fueling import took from a first fill-up is not).  A malformed\n"
    "grade is a usage error (exit 64); exit 1 if the plate is unknown.\n";

static const char show_help[] =
    "usage: aftersales vehicle show PLATE\n"
    "\n"
    "Print one vehicle with its latest odometer reading.  Exit 1 if unknown.\n";

static const char list_help[] =
    "usage: aftersales vehicle list [--user ID]\n"
    "\n"
    "List vehicles (of one user) in plate order.  Exit 1 if the user is unknown.\n";

static const char odometer_help[] =
    "usage: aftersales vehicle odometer --plate PLATE --km KM [--at TIME] [--force]\n"
    "\n"
    "Record an odometer reading of KM kilometres (0 to 9999999) at TIME (default\n"
    "now; ISO 8601, a time without an offset is in the business zone).  A reading\n"
    "lower than an earlier one, or higher than a later one, is refused with exit\n"
    "65 unless --force (the odometer was replaced).  Prints the vehicle.\n";

static const char service_help[] =
    "usage: aftersales vehicle service --plate PLATE --km KM [--at TIME]\n"
    "\n"
    "Record a maintenance service (and its odometer reading, KM 0 to 9999999) at\n"
    "TIME (default now).  The maintenance reminder counts again from here.  Exit 65\n"
    "if the reading is lower than an earlier one or a service is already recorded\n"
    "then.\n";

static const char readings_help[] =
    "usage: aftersales vehicle readings PLATE\n"
    "\n"
    "List a vehicle's odometer readings, oldest first.\n";

enum { KM_MAX = 9999999 };

static void print_vehicle(printer *p, const as_vehicle *v)
{
    pr_begin(p);
    pr_str(p, "plate", v->plate);
    pr_str(p, "user_id", v->user_id);
    pr_str(p, "grade", v->grade);
    pr_int_or_null(p, "km", v->km, -1);
    pr_time(p, "km_at", v->km_at);
    pr_time(p, "created_at", v->created_at);
    /* who gave the grade: its owner (what grade advice follows), or the
     * first fill-up when the fueling import registered the plate */
    pr_str(p, "grade_from", !v->grade ? NULL : v->grade_given ? "owner" : "fuel");
    pr_end(p);
}

static int show_plate(cli *c, const char *plate)
{
    as_vehicle *v = NULL;
    as_status st = as_vehicle_get(&v, c->db, plate);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    print_vehicle(p, v);
    as_vehicle_free(v);
    return cli_print_end(c, p);
}

static int vehicle_add(cli *c, int argc, char **argv)
{
    const char *user = NULL, *plate = NULL, *grade = NULL;
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("user", "ID", &user, cli_check_id, "id"),
        CLI_CHECKED_REQ("plate", "PLATE", &plate, cli_check_plate, "plate"),
        CLI_CHECKED("grade", "GRADE", &grade, cli_check_grade, "grade"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, add_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    char *norm = NULL;
    as_status st = as_vehicle_add(c->db, user, plate, grade, &norm);
    if (st != AS_OK)
        return cli_fail(c, st);
    code = show_plate(c, norm);
    as_free(norm);
    return code;
}

static int grade_or_empty(const char *v, char *why, size_t whysz)
{
    return v[0] ? cli_check_grade(v, why, whysz) : 0;
}

static int vehicle_update(cli *c, int argc, char **argv)
{
    const char *plate = NULL, *grade = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("PLATE", &plate, cli_check_plate, "plate"),
        {.kind = CLI_O_STR, .name = "grade", .metavar = "GRADE", .dest = &grade,
         .check = grade_or_empty, .check_name = "grade", .required = 1},
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, update_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_vehicle_set_grade(c->db, plate, grade);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_plate(c, plate);
}

static int vehicle_show(cli *c, int argc, char **argv)
{
    const char *plate = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("PLATE", &plate, cli_check_plate, "plate"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, show_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_plate(c, plate);
}

static int vehicle_list(cli *c, int argc, char **argv)
{
    const char *user = NULL;
    const cli_opt opts[] = {
        CLI_CHECKED("user", "ID", &user, cli_check_id, "id"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, list_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_vehicle_iter *it;
    as_status st = as_vehicle_iter_new(&it, c->db, user);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_vehicle *view;
    while ((st = as_vehicle_next(it, &view)) == AS_OK)
        print_vehicle(p, view);
    as_vehicle_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int vehicle_odometer(cli *c, int argc, char **argv)
{
    const char *plate = NULL;
    int64_t km = -1, at = (int64_t)time(NULL);
    int force = 0;
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("plate", "PLATE", &plate, cli_check_plate, "plate"),
        CLI_INT_REQ("km", "KM", &km, 0, KM_MAX),
        CLI_TIME("at", &at),
        CLI_FLAG("force", &force),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, odometer_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_odometer_add(c->db, plate, km, at, force ? AS_ODOMETER_FORCE : 0);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_plate(c, plate);
}

static int vehicle_readings(cli *c, int argc, char **argv)
{
    const char *plate = NULL;
    const cli_opt opts[] = {
        CLI_ARG_CHECKED("PLATE", &plate, cli_check_plate, "plate"),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, readings_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_odometer_iter *it;
    as_status st = as_odometer_iter_new(&it, c->db, plate);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_odometer *r;
    while ((st = as_odometer_next(it, &r)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "plate", r->plate);
        pr_int(p, "km", r->km);
        pr_time(p, "at", r->at);
        pr_bool(p, "forced", r->forced);
        pr_end(p);
    }
    as_odometer_iter_free(it);
    code = cli_print_end(c, p);
    return st != AS_DONE ? cli_fail(c, st) : code;
}

static int vehicle_service(cli *c, int argc, char **argv)
{
    const char *plate = NULL;
    int64_t km = -1, at = (int64_t)time(NULL);
    const cli_opt opts[] = {
        CLI_CHECKED_REQ("plate", "PLATE", &plate, cli_check_plate, "plate"),
        CLI_INT_REQ("km", "KM", &km, 0, KM_MAX),
        CLI_TIME("at", &at),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, service_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, 0)))
        return code;
    as_status st = as_vehicle_service(c->db, plate, at, km);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_plate(c, plate);
}

int cmd_vehicle(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", vehicle_add, "register a vehicle"},
        {"update", vehicle_update, "set the grade a vehicle needs"},
        {"show", vehicle_show, "show one vehicle"},
        {"list", vehicle_list, "list vehicles"},
        {"odometer", vehicle_odometer, "record an odometer reading"},
        {"readings", vehicle_readings, "list a vehicle's readings"},
        {"service", vehicle_service, "record a maintenance service"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "vehicle", table, argc, argv, group_help);
}
