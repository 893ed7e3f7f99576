/* consumer.c - station software as it would use the installed library:
 * built against the installed header, libaftersales.a and aftersales.pc. */
#include <aftersales.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(as_version(), AS_VERSION_STRING) != 0)
        return 2;
    as_open_options opts = AS_OPEN_OPTIONS_INIT;
    opts.flags = AS_OPEN_CREATE;
    as_db *db;
    char *err;
    if (as_open(&db, argv[1], &opts, &err) != AS_OK) {
        fprintf(stderr, "%s\n", err);
        as_free(err);
        return 1;
    }
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME | AS_USER_PHONE;
    in.user_id = "station-7";
    in.name = "加油站用户";
    in.phone = "13800138000";
    as_status st = as_user_add(db, &in);
    as_user *u = NULL;
    if (st == AS_OK)
        st = as_user_get(&u, db, "station-7", 0);
    if (st == AS_OK)
        printf("%s %s\n", u->user_id, u->phone);
    else
        fprintf(stderr, "%s: %s\n", as_status_string(st), as_errmsg(db));
    as_user_free(u);
    /* The database check, through its iterator: every finding must pass. */
    as_check_iter *it = NULL;
    const as_check_item *item;
    int failed = 0, checked = st == AS_OK;
    if (checked)
        st = as_check_iter_new(&it, db);
    while (st == AS_OK && (st = as_check_next(it, &item)) == AS_OK)
        failed += !item->ok;
    if (st == AS_DONE)
        st = failed ? AS_INVALID : AS_OK;
    if (checked && st != AS_OK)
        fprintf(stderr, "check: %s (%d failed): %s\n", as_status_string(st), failed,
                as_errmsg(db));
    as_check_iter_free(it);
    as_close(db);
    return st == AS_OK ? 0 : 1;
}
