/* cmd_ops.c - aftersales backup DEST, aftersales check */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char backup_help[] =
    "usage: aftersales backup [--force] DEST\n"
    "\n"
    "Copy the database to DEST as one consistent snapshot, while other processes\n"
    "keep writing (SQLite's online backup).  DEST is written under a temporary\n"
    "name and renamed when complete; it is readable by its owner only.  An\n"
    "existing DEST is replaced only with --force (exit 65 otherwise).\n";

static const char check_help[] =
    "usage: aftersales check\n"
    "\n"
    "Verify the database: SQLite's integrity check, foreign keys, the\n"
    "application id, the schema version and the journal mode.  Prints one line\n"
    "per check; exit 0 when all pass, 65 when one fails.\n";

int cmd_backup(cli *c, int argc, char **argv)
{
    int force = 0;
    const char *dest = NULL;
    const cli_opt opts[] = {
        CLI_FLAG("force", &force),
        CLI_ARG("DEST", &dest),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, backup_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_status st = as_backup(c->db, dest, force ? AS_BACKUP_FORCE : 0);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "source", c->db_path);
    pr_str(p, "backup", dest);
    pr_int(p, "schema_version", as_db_schema_version(c->db));
    pr_end(p);
    return cli_print_end(c, p);
}

static void on_item(void *ud, const as_check_item *item)
{
    printer *p = ud;
    pr_begin(p);
    pr_str(p, "check", item->check);
    pr_bool(p, "ok", item->ok);
    pr_str(p, "detail", item->detail);
    pr_end(p);
}

int cmd_check(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, check_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    printer *p = cli_printer(c, PR_LIST);
    as_status st = as_check(c->db, on_item, p);
    if ((code = cli_print_end(c, p)))
        return code;
    return st == AS_OK ? 0 : cli_fail(c, st);
}
