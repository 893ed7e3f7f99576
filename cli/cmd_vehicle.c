/* cmd_vehicle.c - aftersales vehicle add|show|list|odometer|readings */
#include "cli.h"

#include <getopt.h>
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
    "-10, CNG, LNG, EV, ...  Exit 1 if the user does not exist, 65 if the plate is\n"
    "invalid or already registered.\n";

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
    "Record an odometer reading (TIME defaults to now; ISO 8601, a time without\n"
    "an offset is Beijing time).  A reading lower than an earlier one, or higher\n"
    "than a later one, is refused with exit 65 unless --force (the odometer was\n"
    "replaced).  Prints the vehicle.\n";

static const char service_help[] =
    "usage: aftersales vehicle service --plate PLATE --km KM [--at TIME]\n"
    "\n"
    "Record a maintenance service (and its odometer reading) at TIME (default\n"
    "now).  The maintenance reminder counts again from here.  Exit 65 if the\n"
    "reading is lower than an earlier one or a service is already recorded then.\n";

static const char readings_help[] =
    "usage: aftersales vehicle readings PLATE\n"
    "\n"
    "List a vehicle's odometer readings, oldest first.\n";

enum { OPT_USER = 256, OPT_PLATE, OPT_GRADE, OPT_KM, OPT_AT, OPT_FORCE };

typedef struct vopts {
    const char *user, *plate, *grade, *km, *at;
    int force;
} vopts;

static int parse(cli *c, int argc, char **argv, const struct option *opts, vopts *v)
{
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case OPT_USER: v->user = optarg; break;
        case OPT_PLATE: v->plate = optarg; break;
        case OPT_GRADE: v->grade = optarg; break;
        case OPT_KM: v->km = optarg; break;
        case OPT_AT: v->at = optarg; break;
        case OPT_FORCE: v->force = 1; break;
        default:
            return cli_usage(c, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

static void print_vehicle(printer *p, const as_vehicle *v)
{
    pr_begin(p);
    pr_str(p, "plate", v->plate);
    pr_str(p, "user_id", v->user_id);
    pr_str(p, "grade", v->grade);
    if (v->km >= 0)
        pr_int(p, "km", v->km);
    else
        pr_null(p, "km");
    pr_time(p, "km_at", v->km_at);
    pr_time(p, "created_at", v->created_at);
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

static int one_arg(cli *c, int argc, char **argv, const char *what)
{
    if (optind >= argc)
        return cli_usage(c, "give the %s", what);
    if (optind + 1 < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind + 1]);
    return 0;
}

static int vehicle_add(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(add_help, stdout), 0;
    static const struct option opts[] = {
        {"user", required_argument, NULL, OPT_USER},
        {"plate", required_argument, NULL, OPT_PLATE},
        {"grade", required_argument, NULL, OPT_GRADE},
        {NULL, 0, NULL, 0},
    };
    vopts v = {0};
    int code = parse(c, argc, argv, opts, &v);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if (!v.user || !v.plate)
        return cli_usage(c, "--user and --plate are required");
    if ((code = cli_open(c, 0)))
        return code;
    char *plate = NULL;
    as_status st = as_vehicle_add(c->db, v.user, v.plate, v.grade, &plate);
    if (st != AS_OK)
        return cli_fail(c, st);
    code = show_plate(c, plate);
    as_free(plate);
    return code;
}

static int vehicle_show(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(show_help, stdout), 0;
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    vopts v = {0};
    int code = parse(c, argc, argv, opts, &v);
    if (code || (code = one_arg(c, argc, argv, "PLATE")))
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    return show_plate(c, argv[optind]);
}

static int vehicle_list(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(list_help, stdout), 0;
    static const struct option opts[] = {{"user", required_argument, NULL, OPT_USER},
                                         {NULL, 0, NULL, 0}};
    vopts v = {0};
    int code = parse(c, argc, argv, opts, &v);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_vehicle_iter *it;
    as_status st = as_vehicle_iter_new(&it, c->db, v.user);
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
    if (cli_wants_help(argc, argv))
        return fputs(odometer_help, stdout), 0;
    static const struct option opts[] = {
        {"plate", required_argument, NULL, OPT_PLATE},
        {"km", required_argument, NULL, OPT_KM},
        {"at", required_argument, NULL, OPT_AT},
        {"force", no_argument, NULL, OPT_FORCE},
        {NULL, 0, NULL, 0},
    };
    vopts v = {0};
    int code = parse(c, argc, argv, opts, &v);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if (!v.plate || !v.km)
        return cli_usage(c, "--plate and --km are required");
    long long km = cli_parse_count(v.km);
    if (km < 0) {
        cli_error(c, "km: '%s' is not a whole number of kilometres", v.km);
        return EXIT_DATAERR;
    }
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at = (int64_t)time(NULL);
    if (v.at && as_time_parse(v.at, as_db_utc_offset(c->db), &at) != AS_OK) {
        cli_error(c, "at: '%s' is not a time (2026-11-24T09:00:00+08:00)", v.at);
        return EXIT_DATAERR;
    }
    as_status st = as_odometer_add(c->db, v.plate, km, at, v.force ? AS_ODOMETER_FORCE : 0);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_plate(c, v.plate);
}

static int vehicle_readings(cli *c, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return fputs(readings_help, stdout), 0;
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    vopts v = {0};
    int code = parse(c, argc, argv, opts, &v);
    if (code || (code = one_arg(c, argc, argv, "PLATE")))
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_odometer_iter *it;
    as_status st = as_odometer_iter_new(&it, c->db, argv[optind]);
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
    if (cli_wants_help(argc, argv))
        return fputs(service_help, stdout), 0;
    static const struct option opts[] = {
        {"plate", required_argument, NULL, OPT_PLATE},
        {"km", required_argument, NULL, OPT_KM},
        {"at", required_argument, NULL, OPT_AT},
        {NULL, 0, NULL, 0},
    };
    vopts v = {0};
    int code = parse(c, argc, argv, opts, &v);
    if (code)
        return code;
    if (optind < argc)
        return cli_usage(c, "unexpected argument '%s'", argv[optind]);
    if (!v.plate || !v.km)
        return cli_usage(c, "--plate and --km are required");
    long long km = cli_parse_count(v.km);
    if (km < 0) {
        cli_error(c, "km: '%s' is not a whole number of kilometres", v.km);
        return EXIT_DATAERR;
    }
    if ((code = cli_open(c, 0)))
        return code;
    int64_t at = (int64_t)time(NULL);
    if (v.at && as_time_parse(v.at, as_db_utc_offset(c->db), &at) != AS_OK) {
        cli_error(c, "at: '%s' is not a time (2026-11-24T09:00:00+08:00)", v.at);
        return EXIT_DATAERR;
    }
    as_status st = as_vehicle_service(c->db, v.plate, at, km);
    if (st != AS_OK)
        return cli_fail(c, st);
    return show_plate(c, v.plate);
}

int cmd_vehicle(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"add", vehicle_add, "register a vehicle"},
        {"show", vehicle_show, "show one vehicle"},
        {"list", vehicle_list, "list vehicles"},
        {"odometer", vehicle_odometer, "record an odometer reading"},
        {"readings", vehicle_readings, "list a vehicle's readings"},
        {"service", vehicle_service, "record a maintenance service"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "vehicle", table, argc, argv, group_help);
}
