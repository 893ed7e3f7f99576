/* cmd_ops.c - aftersales backup DEST, aftersales check */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char backup_help[] =
    "usage: aftersales backup [--force] DEST\n"
    "\n"
    "Copy the database to DEST as one consistent snapshot, while other processes\n"
    "keep writing (SQLite's online backup).  DEST is written as DEST.tmp-PID in\n"
    "its directory and renamed when complete; it is readable by its owner only.\n"
    "Temporaries of earlier backups to DEST that were killed are removed.  An\n"
    "existing DEST is replaced only with --force (exit 65 otherwise); a database\n"
    "locked by another process for longer than --busy-timeout is exit 75.\n";

static const char check_help[] =
    "usage: aftersales check\n"
    "\n"
    "Verify the database: SQLite's integrity check, foreign keys, the\n"
    "application id, the schema version, the journal mode and the points ledger\n"
    "(per user, its sum equals what its lots hold and is not negative).  Prints\n"
    "one line per check; exit 0 when all pass, 65 when one fails.\n";

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
    if (st == AS_EXISTS) {
        cli_error(c, "%s: already exists (--force replaces it)", dest);
        return EXIT_DATAERR;
    }
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

int cmd_check(cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    int code = cli_parse(c, argc, argv, opts, check_help);
    if (code != CLI_GO)
        return code;
    if ((code = cli_open(c, AS_OPEN_READONLY)))
        return code;
    as_check_iter *it;
    as_status st = as_check_iter_new(&it, c->db);
    if (st != AS_OK)
        return cli_fail(c, st);
    printer *p = cli_printer(c, PR_LIST);
    const as_check_item *item;
    int failed = 0;
    char first[600] = "";
    while ((st = as_check_next(it, &item)) == AS_OK) {
        pr_begin(p);
        pr_str(p, "check", item->check);
        pr_bool(p, "ok", item->ok);
        pr_str(p, "detail", item->detail);
        pr_end(p);
        if (!item->ok && !failed++)
            snprintf(first, sizeof first, "%s: %s", item->check, item->detail);
    }
    as_check_iter_free(it);
    if ((code = cli_print_end(c, p)))
        return code;
    if (st != AS_DONE)
        return cli_fail(c, st);
    if (failed) {
        cli_error(c, "%s: %d check%s failed; first: %s", c->db_path, failed,
                  failed == 1 ? "" : "s", first);
        return EXIT_DATAERR;
    }
    return 0;
}
