/* test_vehicle.c - vehicles and odometer readings through the C API. */
#include "helpers.h"
#include "internal.h"

TestSuite(vehicle, .fini = th_cleanup);

static as_db *with_user(void)
{
    as_db *db = th_open_new();
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME;
    in.user_id = "U1";
    in.name = "张三";
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    return db;
}

Test(vehicle, add_normalises_the_plate)
{
    as_db *db = with_user();
    char *plate = NULL;
    cr_assert_eq(as_vehicle_add(db, "U1", "云a 12345", "95#", &plate), AS_OK, "%s",
                 as_errmsg(db));
    cr_assert_str_eq(plate, "云A12345");
    as_free(plate);
    as_vehicle *v;
    cr_assert_eq(as_vehicle_get(&v, db, "云Ａ１２３４５"), AS_OK);
    cr_assert_str_eq(v->plate, "云A12345");
    cr_assert_str_eq(v->user_id, "U1");
    cr_assert_str_eq(v->grade, "95");
    cr_assert_eq(v->km, -1);
    as_vehicle_free(v);
    as_close(db);
}

Test(vehicle, add_failures)
{
    as_db *db = with_user();
    cr_assert_eq(as_vehicle_add(db, "U1", "云A12345", NULL, NULL), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U1", "云a12345", NULL, NULL), AS_EXISTS);
    cr_assert_eq(as_vehicle_add(db, "U9", "云A54321", NULL, NULL), AS_NOTFOUND);
    cr_assert_eq(as_vehicle_add(db, "U1", "ABC", NULL, NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "plate: 'ABC'"), "%s", as_errmsg(db));
    cr_assert_eq(as_vehicle_add(db, "U1", "云A54321", "91", NULL), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "grade"), "%s", as_errmsg(db));
    cr_assert_eq(as_vehicle_add(db, NULL, "云A54321", NULL, NULL), AS_MISUSE);
    as_close(db);
}

Test(vehicle, new_energy_plates)
{
    as_db *db = with_user();
    cr_assert_eq(as_vehicle_add(db, "U1", "京AD12345", "EV", NULL), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_vehicle_add(db, "U1", "京A12345F", NULL, NULL), AS_OK, "%s", as_errmsg(db));
    as_close(db);
}

Test(vehicle, list_by_user)
{
    as_db *db = with_user();
    as_user_input in = AS_USER_INPUT_INIT;
    in.fields = AS_USER_NAME;
    in.user_id = "U2";
    in.name = "李四";
    cr_assert_eq(as_user_add(db, &in), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U1", "云B00001", NULL, NULL), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U1", "云A00001", NULL, NULL), AS_OK);
    cr_assert_eq(as_vehicle_add(db, "U2", "京A00001", NULL, NULL), AS_OK);
    as_vehicle_iter *it;
    cr_assert_eq(as_vehicle_iter_new(&it, db, "U1"), AS_OK);
    const as_vehicle *v;
    cr_assert_eq(as_vehicle_next(it, &v), AS_OK);
    cr_assert_str_eq(v->plate, "云A00001");
    cr_assert_eq(as_vehicle_next(it, &v), AS_OK);
    cr_assert_str_eq(v->plate, "云B00001");
    cr_assert_eq(as_vehicle_next(it, &v), AS_DONE);
    as_vehicle_iter_free(it);
    cr_assert_eq(as_vehicle_iter_new(&it, db, NULL), AS_OK);
    int n = 0;
    while (as_vehicle_next(it, &v) == AS_OK)
        n++;
    cr_assert_eq(n, 3);
    as_vehicle_iter_free(it);
    cr_assert_eq(as_vehicle_iter_new(&it, db, "U9"), AS_NOTFOUND);
    as_vehicle_iter_free(NULL);
    as_close(db);
}

#define T0 1763946000   /* 2026-11-24T09:00:00+08:00 */
#define DAY 86400

Test(vehicle, odometer_readings_must_not_go_backwards)
{
    as_db *db = with_user();
    cr_assert_eq(as_vehicle_add(db, "U1", "云A12345", NULL, NULL), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A12345", 48210, T0, 0), AS_OK, "%s", as_errmsg(db));
    cr_assert_eq(as_odometer_add(db, "云A12345", 49000, T0 + 10 * DAY, 0), AS_OK);
    /* Lower than the one before it. */
    cr_assert_eq(as_odometer_add(db, "云A12345", 48000, T0 + 11 * DAY, 0), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "lower than the 49000 km"), "%s", as_errmsg(db));
    /* Back-dated between two readings: must fit between them. */
    cr_assert_eq(as_odometer_add(db, "云A12345", 48500, T0 + 5 * DAY, 0), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A12345", 49500, T0 + 6 * DAY, 0), AS_INVALID);
    cr_assert_not_null(strstr(as_errmsg(db), "higher than the 49000 km recorded later"), "%s",
                       as_errmsg(db));
    /* Same moment twice. */
    cr_assert_eq(as_odometer_add(db, "云A12345", 48210, T0, 0), AS_EXISTS);
    /* Forced: an odometer replaced. */
    cr_assert_eq(as_odometer_add(db, "云A12345", 10, T0 + 20 * DAY, AS_ODOMETER_FORCE), AS_OK);
    cr_assert_eq(as_odometer_add(db, "云A12345", -1, T0 + 21 * DAY, 0), AS_INVALID);
    cr_assert_eq(as_odometer_add(db, "云A99999", 1, T0, 0), AS_NOTFOUND);

    as_vehicle *v;
    cr_assert_eq(as_vehicle_get(&v, db, "云A12345"), AS_OK);
    cr_assert_eq(v->km, 10);
    cr_assert_eq(v->km_at, T0 + 20 * DAY);
    as_vehicle_free(v);

    as_odometer_iter *it;
    cr_assert_eq(as_odometer_iter_new(&it, db, "云a12345"), AS_OK);
    const as_odometer *r;
    int64_t kms[8];
    int forced[8], n = 0;
    while (as_odometer_next(it, &r) == AS_OK && n < 8) {
        kms[n] = r->km;
        forced[n++] = r->forced;
    }
    as_odometer_iter_free(it);
    cr_assert_eq(n, 4);
    cr_assert_eq(kms[0], 48210);
    cr_assert_eq(kms[1], 48500);
    cr_assert_eq(kms[2], 49000);
    cr_assert_eq(kms[3], 10);
    cr_assert_eq(forced[3], 1);
    cr_assert_eq(forced[0], 0);
    cr_assert_eq(as_odometer_iter_new(&it, db, "云A99999"), AS_NOTFOUND);
    as_close(db);
}
