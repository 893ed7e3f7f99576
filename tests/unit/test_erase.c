/* test_erase.c - erasure that erases (issue 12, point 2): after
 * as_user_forget() no table (FTS shadow tables included), no byte of the
 * database file and no byte of its -wal holds the person's name, phone or
 * plate; the append-only ticket history is redacted only through the
 * sanctioned path and says so; other people's data is left alone. */
#include "helpers.h"
#include "erase.h"

#include <sys/stat.h>

TestSuite(erase, .fini = th_cleanup);

#define NAME "张三丰"
#define PHONE "13912345678"
#define PLATE "云A12345"

/* The forms the scan looks for: the name, the phone as typed in the
 * comments (plain, spaced, dashed), the plate. */
static const char *const needles[] = {NAME, PHONE, "139 1234 5678", "139-1234-5678", PLATE,
                                      "云A·12345"};
enum { NNEEDLES = sizeof needles / sizeof needles[0] };

/* memmem() is a GNU extension: the project builds with POSIX only. */
static const void *mem_find(const void *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *h = hay;
    for (size_t i = 0; k && i + k <= n; i++)
        if (h[i] == needle[0] && memcmp(h + i, needle, k) == 0)
            return h + i;
    return NULL;
}

static void must(as_db *db, as_status st, const char *what)
{
    cr_assert_eq(st, AS_OK, "%s: %s", what, as_errmsg(db));
}

static void import_csv(as_db *db, as_status (*fn)(as_db *, FILE *, const char *,
                                                  const as_import_options *, as_import_stats *),
                       const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    cr_assert_not_null(f);
    as_import_stats st;
    as_status s = fn(db, f, "t.csv", NULL, &st);
    fclose(f);
    cr_assert_eq(s, AS_OK, "import: %s", as_errmsg(db));
    cr_assert_eq(st.rejected, 0);
}

/* A chain's worth of one person's data, with their identifiers typed into
 * free text everywhere a customer or an agent could type them, and one
 * other customer whose data must stay as it is. */
static as_db *populate(void)
{
    as_db *db = th_open_new();
    as_user_input u = AS_USER_INPUT_INIT;
    u.fields = AS_USER_NAME | AS_USER_PHONE | AS_USER_REGION;
    u.user_id = "U1";
    u.name = NAME;
    u.phone = PHONE;
    u.region = "530102";
    must(db, as_user_add(db, &u), "user");
    /* An update moves the row: its old copy must not linger either. */
    u.fields = AS_USER_REGION;
    u.region = "530103";
    must(db, as_user_update(db, &u), "update");
    as_user_input other = AS_USER_INPUT_INIT;
    other.fields = AS_USER_NAME | AS_USER_PHONE;
    other.user_id = "U2";
    other.name = "李四";
    other.phone = "13800138000";
    must(db, as_user_add(db, &other), "other user");
    must(db, as_vehicle_add(db, "U1", PLATE, "95", NULL), "vehicle");
    import_csv(db, as_fuel_import,
               "tx_id,user_id,station_id,filled_at,grade,litres,amount_yuan,plate\n"
               "T1,U1,S1,2026-01-05 09:00,95,40,300.00," PLATE "\n"
               "T2,U2,S1,2026-01-05 10:00,92,30,200.00,\n");

    /* Feedback: their comment (name and phone, spaced), an unknown
     * contact column, an urgent one that opens a ticket, an anonymous one
     * with their dashed number, and someone else's. */
    import_csv(db, as_feedback_import,
               "feedback_id,user_id,station_id,submitted_at,overall,comment,contact\n"
               "F1,U1,S1,2026-01-06 09:00,2,我是" NAME "，加油慢,\"" NAME " 139 1234 5678\"\n"
               "F2,U1,S1,2026-01-06 10:00,1,愤怒！多扣钱了，打" PHONE "找" NAME ",\n"
               "F3,,S1,2026-01-06 11:00,3,车牌云A·12345的车主电话139-1234-5678 " NAME ",\n"
               "F4,U2,S1,2026-01-06 12:00,4,李四觉得不错 13800138000,\n");
    /* A re-import changes F1: its old comment goes to the history. */
    import_csv(db, as_feedback_import,
               "feedback_id,user_id,station_id,submitted_at,overall,comment,contact\n"
               "F1,U1,S1,2026-01-06 09:00,3,已处理，谢谢,\"" NAME " 139 1234 5678\"\n");

    /* A ticket from an agent: the body, a reply, the resolution. */
    as_ticket_input t = AS_TICKET_INPUT_INIT;
    t.user_id = "U1";
    t.channel = "phone";
    t.category = "payment";
    t.subject = NAME "来电：多扣款";
    t.body = "客户" NAME "，回拨 " PHONE "，车牌 " PLATE;
    t.by = "alice";
    char tn[AS_TRACKING_BUFSIZE];
    must(db, as_ticket_open(db, &t, tn), "ticket");
    as_ticket_action a = AS_TICKET_ACTION_INIT;
    a.by = "alice";
    a.text = NAME "您好，已回拨139 1234 5678";
    must(db, as_ticket_reply(db, tn, &a, 0), "reply");
    as_kb_input k = AS_KB_INPUT_INIT;
    k.title = "多扣款处理";
    k.body = "例：客户13912345678重复扣款，核对后原路退回。";
    int64_t art = 0;
    must(db, as_kb_add(db, &k, &art), "kb");
    a.text = "已退款";
    must(db, as_ticket_resolve_kb(db, tn, art, &a), "resolve");
    char followup[AS_TRACKING_BUFSIZE];
    must(db, as_survey_record(db, tn, 1, "太慢了，" NAME "不满意，电话" PHONE, 0, followup),
         "survey");
    cr_assert(followup[0], "a low score opens a follow-up");

    /* A ticket of the other customer naming nobody. */
    t.user_id = "U2";
    t.subject = "发票";
    t.body = "李四要发票";
    must(db, as_ticket_open(db, &t, tn), "other ticket");

    /* Their notification (texts with the name), written as the outbox does. */
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw,
                              "INSERT INTO outbox (user_id, kind, dedupe_key, title, body, payload,"
                              " created_at, not_before) VALUES ('U1', 'tip', 'k1', '" NAME "您好',"
                              " '" NAME "，保养提醒', '{\"plate\":\"" PLATE "\"}', 1, 1)",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(raw));
    sqlite3_close(raw);
    return db;
}

/* Does any value of any table hold a needle? */
static void scan_tables(const char *path, int *found, char *where, size_t wsz)
{
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *tables = NULL;
    cr_assert_eq(sqlite3_prepare_v2(raw, "SELECT name FROM sqlite_schema WHERE type = 'table'",
                                    -1, &tables, NULL),
                 SQLITE_OK);
    int ntables = 0, shadow = 0;
    *found = 0;
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(tables, 0);
        ntables++;
        shadow += strncmp(t, "kb_fts_", 7) == 0;
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t);
        sqlite3_stmt *rows = NULL;
        cr_assert_eq(sqlite3_prepare_v2(raw, sql, -1, &rows, NULL), SQLITE_OK, "%s",
                     sqlite3_errmsg(raw));
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                const void *b = sqlite3_column_blob(rows, c);
                int n = sqlite3_column_bytes(rows, c);
                for (int k = 0; b && k < NNEEDLES; k++)
                    if (mem_find(b, (size_t)n, needles[k])) {
                        if (!*found)
                            snprintf(where, wsz, "%s.%s holds '%s'", t,
                                     sqlite3_column_name(rows, c), needles[k]);
                        (*found)++;
                    }
            }
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    sqlite3_close(raw);
    cr_assert_gt(ntables, 20, "every table was scanned (%d)", ntables);
    cr_assert_geq(shadow, 4, "the FTS shadow tables too (%d)", shadow);
}

/* Does the file hold a needle as bytes? */
static const char *file_holds(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;   /* no file: nothing in it */
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc(n > 0 ? (size_t)n : 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    const char *hit = NULL;
    for (int k = 0; k < NNEEDLES && !hit; k++)
        if (mem_find(buf, (size_t)n, needles[k]))
            hit = needles[k];
    free(buf);
    return hit;
}

Test(erase, nothing_of_the_person_is_left_in_any_table_or_byte_of_the_file)
{
    as_db *db = populate();
    int found;
    char where[200] = "";
    scan_tables(th_path, &found, where, sizeof where);
    cr_assert_gt(found, 10, "the scan sees the data before the erasure (%d)", found);

    as_forget_stats st;
    must(db, as_user_forget_ex(db, "U1", &st), "forget");
    cr_assert_eq(st.checkpointed, 1, "the WAL was checkpointed");
    cr_assert_eq(st.file_clean, 1);
    cr_assert_gt(st.values, 10, "%llu values redacted", (unsigned long long)st.values);
    cr_assert_geq(st.tickets, 3, "their ticket, the feedback's and the follow-up (%llu)",
                  (unsigned long long)st.tickets);

    scan_tables(th_path, &found, where, sizeof where);
    cr_assert_eq(found, 0, "%d values left, first: %s", found, where);
    const char *hit = file_holds(th_path);
    cr_assert_null(hit, "the database file holds '%s'", hit);
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", th_path);
    hit = file_holds(wal);
    cr_assert_null(hit, "the -wal holds '%s'", hit);
    struct stat sb;
    cr_assert(stat(wal, &sb) != 0 || sb.st_size == 0, "the WAL is truncated");

    /* The handle is still in good order: reads work, the check passes. */
    as_check_iter *it = NULL;
    must(db, as_check_iter_new(&it, db), "check");
    const as_check_item *item;
    while (as_check_next(it, &item) == AS_OK)
        cr_assert(item->ok, "%s: %s", item->check, item->detail);
    as_check_iter_free(it);
    as_close(db);
    hit = file_holds(th_path);
    cr_assert_null(hit, "after closing, the file holds '%s'", hit);
}

/* Leave bytes of older writes in the file, outside any live row, written
 * without secure_delete. */
static void leave_leftovers(const char *sql)
{
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "PRAGMA secure_delete = OFF", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(raw));
    cr_assert_eq(sqlite3_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    cr_assert_not_null(file_holds(th_path), "the leftovers are in the file");
}

/* A table dropped whole (as a migration that rebuilds a table leaves it):
 * its pages, on the free list, still hold the name.  The erasure
 * overwrites the free pages. */
Test(erase, free_pages_are_overwritten)
{
    as_db *db = populate();
    as_close(db);
    leave_leftovers("CREATE TABLE scratch (x TEXT);"
                    " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                    " INSERT INTO scratch SELECT '" NAME " ' || i || hex(zeroblob(300)) FROM n;"
                    " DROP TABLE scratch;");
    cr_assert_gt(th_count("SELECT freelist_count FROM pragma_freelist_count"), 10);
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    as_forget_stats st;
    must(db, as_user_forget_ex(db, "U1", &st), "forget");
    cr_assert_eq(st.vacuumed, 0, "no rebuild was needed");
    const char *hit = file_holds(th_path);
    cr_assert_null(hit, "the database file holds '%s'", hit);
    as_close(db);
}

/* A row deleted from a page that stays: its bytes, with the phone, sit in
 * the page's free space, which only a rebuild reaches.  The erasure finds
 * them in the file and rebuilds it. */
Test(erase, bytes_left_inside_pages_are_found_and_the_file_rebuilt)
{
    as_db *db = populate();
    as_close(db);
    leave_leftovers("INSERT INTO demand_links (topic, backlog_id, linked_at)"
                    " VALUES ('keep', 'B1', 1), ('" NAME " " PHONE "', 'B2', 1);"
                    " DELETE FROM demand_links WHERE backlog_id = 'B2';");
    as_open_options o = AS_OPEN_OPTIONS_INIT;
    cr_assert_eq(as_open(&db, th_path, &o, NULL), AS_OK);
    as_forget_stats st;
    must(db, as_user_forget_ex(db, "U1", &st), "forget");
    cr_assert_eq(st.vacuumed, 1, "the deleted row's bytes needed a rebuild");
    cr_assert_eq(st.file_clean, 1);
    const char *hit = file_holds(th_path);
    cr_assert_null(hit, "the database file holds '%s'", hit);
    int found;
    char where[200] = "";
    scan_tables(th_path, &found, where, sizeof where);
    cr_assert_eq(found, 0, "%s", where);
    cr_assert_eq(th_count("SELECT count(*) FROM demand_links"), 1, "the live row stays");
    as_close(db);
}

static int64_t count(const char *sql)
{
    return th_count(sql);
}

Test(erase, other_people_and_anonymous_aggregates_stay)
{
    as_db *db = populate();
    must(db, as_user_forget(db, "U1"), "forget");
    /* The other customer's texts are untouched. */
    cr_assert_eq(count("SELECT count(*) FROM feedback WHERE feedback_id = 'F4'"
                       " AND comment = '李四觉得不错 13800138000'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM users WHERE user_id = 'U2' AND name = '李四'"
                       " AND phone = '13800138000'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM tickets WHERE body = '李四要发票'"), 1);
    /* The anonymous feedback that named their number and plate is redacted,
     * the name in it too; the rest of the sentence stays. */
    cr_assert_eq(count("SELECT count(*) FROM feedback WHERE feedback_id = 'F3' AND comment ="
                       " '车牌[erased]的车主电话[erased] [erased]'"), 1);
    /* Scores, sentiment and amounts stay for aggregates; the rows stay. */
    cr_assert_eq(count("SELECT count(*) FROM feedback WHERE user_id = 'U1' AND overall > 0"), 2);
    cr_assert_eq(count("SELECT amount_fen FROM fuelings WHERE tx_id = 'T1'"), 30000);
    cr_assert_eq(count("SELECT count(*) FROM fuelings WHERE plate IS NOT NULL"), 0);
    /* The erasure is recorded, finished, and its pad is empty. */
    cr_assert_eq(count("SELECT count(*) FROM privacy_erasures WHERE user_id = 'U1'"
                       " AND finished_at IS NOT NULL AND pad IS NULL AND rows > 10"), 1);
    /* Each redacted ticket says so in its history. */
    cr_assert_eq(count("SELECT count(*) FROM tickets t WHERE t.user_id = 'U1' AND NOT EXISTS"
                       " (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id"
                       "  AND e.kind = 'redacted' AND e.actor = 'privacy')"), 0);
    cr_assert_eq(count("SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id"
                       " WHERE t.user_id = 'U2' AND e.kind = 'redacted'"), 0);
    /* The knowledge base article that quoted the number lost it; search
     * still finds the article by its other words. */
    cr_assert_eq(count("SELECT count(*) FROM kb_articles WHERE body LIKE '%[erased]%'"), 1);
    as_kb_iter *it = NULL;
    must(db, as_kb_search_iter_new(&it, db, "重复扣款", NULL), "search");
    const as_kb_article *art;
    cr_assert_eq(as_kb_next(it, &art), AS_OK);
    as_kb_iter_free(it);
    must(db, as_kb_search_iter_new(&it, db, "13912345678", NULL), "search the number");
    cr_assert_eq(as_kb_next(it, &art), AS_DONE, "the number is gone from the index");
    as_kb_iter_free(it);
    /* The feedback still reads back (the JSON of extra was rewritten). */
    as_feedback *f = NULL;
    must(db, as_feedback_get(&f, db, "F1"), "feedback");
    cr_assert_eq(f->nextra, 1);
    cr_assert_str_eq(f->extra[0].text, "[erased] [erased]");
    as_feedback_free(f);
    as_close(db);
}

/* The append-only history: the trigger still refuses every change that is
 * not an erasure's, and an erasure may change an event's text only. */
Test(erase, the_history_stays_append_only_outside_an_erasure)
{
    as_db *db = populate();
    as_close(db);
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(th_path, &raw), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(raw, "UPDATE ticket_events SET body = 'x' WHERE id = 1", NULL, NULL,
                               NULL),
                  SQLITE_OK, "an update outside an erasure");
    cr_assert(strstr(sqlite3_errmsg(raw), "append-only"), "%s", sqlite3_errmsg(raw));
    cr_assert_neq(sqlite3_exec(raw, "DELETE FROM ticket_events WHERE id = 1", NULL, NULL, NULL),
                  SQLITE_OK, "a delete");
    /* Inside an erasure: the text may change, the time may not. */
    cr_assert_eq(sqlite3_exec(raw, "BEGIN; INSERT INTO privacy_erasures (user_id, started_at)"
                                   " VALUES ('U1', 1)", NULL, NULL, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "UPDATE ticket_events SET body = 'x' WHERE id = 1", NULL, NULL,
                              NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(raw));
    cr_assert_neq(sqlite3_exec(raw, "UPDATE ticket_events SET at = at + 1 WHERE id = 1", NULL,
                               NULL, NULL),
                  SQLITE_OK, "the time of an event never changes");
    cr_assert_neq(sqlite3_exec(raw, "UPDATE ticket_events SET kind = 'x' WHERE id = 1", NULL,
                               NULL, NULL),
                  SQLITE_OK, "nor its kind");
    sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(raw);
}

Test(erase, forgetting_again_changes_nothing)
{
    as_db *db = populate();
    must(db, as_user_forget(db, "U1"), "forget");
    int64_t events = count("SELECT count(*) FROM ticket_events");
    as_forget_stats st;
    must(db, as_user_forget_ex(db, "U1", &st), "forget again");
    cr_assert_eq(st.rows, 0);
    cr_assert_eq(count("SELECT count(*) FROM ticket_events"), events);
    cr_assert_eq(count("SELECT count(*) FROM privacy_erasures"), 1);
    cr_assert_eq(as_user_forget_ex(db, "nobody", &st), AS_NOTFOUND);
    cr_assert_eq(as_user_forget_ex(NULL, "U1", &st), AS_MISUSE);
    cr_assert_eq(as_user_forget_ex(db, NULL, &st), AS_MISUSE);
    as_close(db);
}

/* The redaction of one text: the written forms, JSON, a Latin name. */
Test(erase, text_redaction)
{
    as__erase_ids ids = {0};
    ids.name = strdup("Li Wei");
    ids.name_len = strlen(ids.name);
    ids.name_ascii = 1;
    memcpy(ids.phone, "13912345678", 12);
    char *plates[] = {strdup("云A12345"), strdup("京AD12345")};
    ids.plates = plates;
    ids.nplates = 2;
    static const struct {
        const char *in, *want;
        int with_name;
    } cases[] = {
        {"call LI WEI at +86 139 1234 5678", "call [erased] at [erased]", 1},
        {"call LI WEI at +86 139 1234 5678", "call LI WEI at [erased]", 0},
        {"Li Weimin is another man", "Li Weimin is another man", 1},
        /* Found by fuzzing: the name glued to the number, and to a plate
         * that ends in a letter, is found too (redaction runs to a fixed
         * point, so redacting again changes nothing). */
        {"13912345678Li Wei!", "[erased][erased]!", 1},
        {"京AD12345Li Wei", "[erased][erased]", 1},
        {"车牌云a·12345和京AD 12345", "车牌[erased]和[erased]", 0},
        {"云A123456 is not the plate", "云A123456 is not the plate", 0},
        {"１３９１２３４５６７８", "[erased]", 0},
        {"13912345679 is another number", "13912345679 is another number", 0},
        {"{\"contact\":\"Li Wei 13912345678\",\"n\":13912345678,\"ok\":1}",
         "{\"contact\":\"[erased] [erased]\",\"n\":\"[erased]\",\"ok\":1}", 1},
        {"[\"x\",{\"13912345678\":true}]", "[\"x\",{\"[erased]\":true}]", 0},
        {"{not json 13912345678", "{not json [erased]", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = as__erase_text(&ids, cases[i].in, cases[i].with_name);
        cr_assert_not_null(out);
        cr_assert_str_eq(out, cases[i].want, "'%s'", cases[i].in);
        free(out);
    }
    free(ids.name);
    free(plates[0]);
    free(plates[1]);
}
