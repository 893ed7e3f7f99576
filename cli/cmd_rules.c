/* cmd_rules.c - aftersales rules check */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char group_help[] =
    "usage: aftersales rules COMMAND [ARGS]\n"
    "\n"
    "The configuration is one YAML file of sections; a section the file leaves\n"
    "out comes from the built-in defaults (share/aftersales/default.yaml).\n";

static const char check_help[] =
    "usage: aftersales rules check [FILE]\n"
    "\n"
    "Check a configuration file (default: --config, $AFTERSALES_CONFIG, or the\n"
    "built-in defaults).  Every problem is reported as FILE:LINE:COL: problem;\n"
    "the exit status is 78 if there is any, 66 if the file does not exist.\n"
    "Prints the file and its sections when it is good.\n";

static int rules_check(cli *c, int argc, char **argv)
{
    const char *file = NULL;
    const cli_opt opts[] = {
        CLI_ARG_OPT("FILE", &file),
        CLI_END,
    };
    int code = cli_parse(c, argc, argv, opts, check_help);
    if (code != CLI_GO)
        return code;
    if (file)
        c->config_path = file;
    if ((code = cli_load_config(c)))
        return code;
    printer *p = cli_printer(c, PR_ONE);
    pr_begin(p);
    pr_str(p, "file", as_config_source(c->config));
    pr_str(p, "status", "ok");
    pr_end(p);
    return cli_print_end(c, p);
}

int cmd_rules(cli *c, int argc, char **argv)
{
    static const cli_command table[] = {
        {"check", rules_check, "check a configuration file"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(c, "rules", table, argc, argv, group_help);
}
