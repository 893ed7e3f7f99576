/* vehicle.c - vehicles and odometer readings. */
#include "internal.h"
#include "profile.h"
#include "vehicle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Normalise a plate argument, recording a clear failure. */
static as_status plate_arg(as_db *db, const char *plate, char **out)
{
    as_status st = as_plate_normalize(plate, out);
    if (st == AS_INVALID)
        return as__fail(db, st,
                        "plate: '%s' is not a Chinese licence plate (e.g. 云A12345, or 云AD12345"
                        " for a new-energy vehicle)", plate);
    if (st != AS_OK)
        return as__fail(db, st, "plate: %s", as_status_string(st));
    return AS_OK;
}

as_status as_vehicle_add(as_db *db, const char *user_id, const char *plate, const char *grade,
                         char **plate_out)
{
    if (plate_out)
        *plate_out = NULL;
    if (!db || !user_id || !plate)
        return db ? as__fail(db, AS_MISUSE, "as_vehicle_add: NULL argument") : AS_MISUSE;
    char *norm = NULL, g[8] = "";
    as_status st = plate_arg(db, plate, &norm);
    if (st != AS_OK)
        return st;
    if (grade && grade[0] && as_grade_normalize(grade, g) != AS_OK) {
        free(norm);
        return as__fail(db, AS_INVALID,
                        "grade: '%s' is not a fuel grade (92, 95, 98, E92, 0 for diesel, ...)",
                        grade);
    }
    static const char user_sql[] = "SELECT erased_at IS NOT NULL FROM users WHERE user_id = ?1";
    static const char plate_sql[] = "SELECT user_id FROM vehicles WHERE plate = ?1";
    static const char ins_sql[] =
        "INSERT INTO vehicles (user_id, plate, grade, grade_given, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    if ((st = as__write_begin(db)) != AS_OK) {
        free(norm);
        return st;
    }
    sqlite3_stmt *s = as__stmt(db, user_sql);
    if (!s) {
        st = AS_INTERNAL;
    } else {
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            st = as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
        else if (rc != SQLITE_ROW)
            st = as__sqlfail(db, rc, "reading a user");
        else if (sqlite3_column_int(s, 0))
            st = as__fail(db, AS_INVALID, "user '%s' was erased; no vehicle can be added", user_id);
        sqlite3_reset(s);
    }
    if (st == AS_OK && (s = as__stmt(db, plate_sql)) != NULL) {
        sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            st = as__fail(db, AS_EXISTS, "plate %s is already registered to user '%s'", norm,
                          as__column_text(s, 0));
        else if (rc != SQLITE_DONE)
            st = as__sqlfail(db, rc, "reading a vehicle");
        sqlite3_reset(s);
    }
    if (st == AS_OK && (s = as__stmt(db, ins_sql)) != NULL) {
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, norm, -1, SQLITE_STATIC);
        if (g[0])
            sqlite3_bind_text(s, 3, g, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, g[0] != '\0');
        sqlite3_bind_int64(s, 5, as__now());
        st = as__step_done(db, s, "adding a vehicle");
    }
    /* The user's fill-ups with this plate now form the vehicle's stream. */
    if (st == AS_OK)
        st = as__profile_dirty(db, user_id);
    st = as__write_end(db, st);
    if (st == AS_OK && plate_out)
        *plate_out = norm;
    else
        free(norm);
    return st;
}

#define VEHICLE_SELECT                                                                       \
    "SELECT v.plate, v.user_id, v.grade,"                                                    \
    " (SELECT km FROM odometer_readings o WHERE o.vehicle_id = v.id ORDER BY at DESC LIMIT 1)," \
    " (SELECT at FROM odometer_readings o WHERE o.vehicle_id = v.id ORDER BY at DESC LIMIT 1)," \
    " v.created_at, v.grade_given FROM vehicles v"

static void read_vehicle(sqlite3_stmt *st, as_vehicle *v)
{
    v->plate = as__column_text(st, 0);
    v->user_id = as__column_text(st, 1);
    v->grade = as__column_text(st, 2);
    v->km = as__column_int64_or(st, 3, -1);
    v->km_at = sqlite3_column_int64(st, 4);
    v->created_at = sqlite3_column_int64(st, 5);
    v->grade_given = sqlite3_column_int(st, 6);
}

as_status as_vehicle_get(as_vehicle **out, as_db *db, const char *plate)
{
    if (!out || !db || !plate)
        return db ? as__fail(db, AS_MISUSE, "as_vehicle_get: NULL argument") : AS_MISUSE;
    *out = NULL;
    char *norm;
    as_status st = plate_arg(db, plate, &norm);
    if (st != AS_OK)
        return st;
    static const char sql[] = VEHICLE_SELECT " WHERE v.plate = ?1";
    sqlite3_stmt *s = as__stmt(db, sql);
    if (!s) {
        free(norm);
        return AS_INTERNAL;
    }
    sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        as_vehicle v;
        read_vehicle(s, &v);
        size_t lp = strlen(v.plate) + 1, lu = strlen(v.user_id) + 1,
               lg = v.grade ? strlen(v.grade) + 1 : 0;
        as_vehicle *copy = malloc(sizeof *copy + lp + lu + lg);
        if (!copy) {
            st = as__fail(db, AS_NOMEM, "out of memory");
        } else {
            char *p = (char *)(copy + 1);
            *copy = v;
            copy->plate = memcpy(p, v.plate, lp);
            copy->user_id = memcpy(p + lp, v.user_id, lu);
            copy->grade = v.grade ? memcpy(p + lp + lu, v.grade, lg) : NULL;
            *out = copy;
        }
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no vehicle with plate %s", norm);
    } else {
        st = as__sqlfail(db, rc, "reading a vehicle");
    }
    sqlite3_reset(s);
    free(norm);
    if (st == AS_OK)
        as__ok(db);
    return st;
}

void as_vehicle_free(as_vehicle *vehicle)
{
    free(vehicle);
}

struct as_vehicle_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_vehicle view;
};

as_status as_vehicle_iter_new(as_vehicle_iter **out, as_db *db, const char *user_id)
{
    if (!out || !db)
        return db ? as__fail(db, AS_MISUSE, "as_vehicle_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    if (user_id) {
        static const char sql[] = "SELECT 1 FROM users WHERE user_id = ?1";
        sqlite3_stmt *s = as__stmt(db, sql);
        if (!s)
            return AS_INTERNAL;
        sqlite3_bind_text(s, 1, user_id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE)
            return as__fail(db, AS_NOTFOUND, "no user '%s'", user_id);
        if (rc != SQLITE_ROW)
            return as__sqlfail(db, rc, "reading a user");
    }
    static const char sql[] = VEHICLE_SELECT " WHERE ?1 IS NULL OR v.user_id = ?1"
                                             " ORDER BY v.plate IS NULL, v.plate, v.id";
    as_vehicle_iter *it = calloc(1, sizeof *it);
    if (!it)
        return as__fail(db, AS_NOMEM, "out of memory");
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(it);
        return as__sqlfail(db, rc, "listing vehicles");
    }
    if (user_id)
        sqlite3_bind_text(it->st, 1, user_id, -1, SQLITE_TRANSIENT);
    it->db = db;
    *out = it;
    as__ok(db);
    return AS_OK;
}

as_status as_vehicle_next(as_vehicle_iter *it, const as_vehicle **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing vehicles");
    read_vehicle(it->st, &it->view);
    *view = &it->view;
    return AS_OK;
}

void as_vehicle_iter_free(as_vehicle_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}

/* ---- odometer ------------------------------------------------------ */

as_status as__vehicle_find(as_db *db, const char *plate, sqlite3_int64 *vid, char *user_id,
                           size_t n)
{
    static const char find_sql[] = "SELECT id, user_id FROM vehicles WHERE plate = ?1";
    sqlite3_stmt *s = as__stmt(db, find_sql);
    if (!s)
        return AS_INTERNAL;
    as_status st = AS_OK;
    sqlite3_bind_text(s, 1, plate, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *vid = sqlite3_column_int64(s, 0);
        snprintf(user_id, n, "%s", as__column_text(s, 1));
    } else if (rc == SQLITE_DONE) {
        st = as__fail(db, AS_NOTFOUND, "no vehicle with plate %s", plate);
    } else {
        st = as__sqlfail(db, rc, "reading a vehicle");
    }
    sqlite3_reset(s);
    return st;
}

as_status as__odometer_record(as_db *db, sqlite3_int64 vid, const char *user_id,
                              const char *plate, int64_t km, int64_t at, unsigned flags,
                              const char *source)
{
    static const char prev_sql[] =
        "SELECT km, at FROM odometer_readings WHERE vehicle_id = ?1 AND at < ?2"
        " ORDER BY at DESC LIMIT 1";
    static const char next_sql[] =
        "SELECT km, at FROM odometer_readings WHERE vehicle_id = ?1 AND at > ?2"
        " ORDER BY at ASC LIMIT 1";
    static const char same_sql[] =
        "SELECT km FROM odometer_readings WHERE vehicle_id = ?1 AND at = ?2";
    static const char ins_sql[] =
        "INSERT INTO odometer_readings (vehicle_id, user_id, km, at, forced, source, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (km < 0 || km > 9999999)
        return as__fail(db, AS_INVALID, "km: %" PRId64 " is out of range (0 to 9999999)", km);
    char when[AS_TIME_BUFSIZE];
    as_status st = AS_OK;
    sqlite3_stmt *s = as__stmt(db, same_sql);
    if (!s)
        return AS_INTERNAL;
    sqlite3_bind_int64(s, 1, vid);
    sqlite3_bind_int64(s, 2, at);
    if (sqlite3_step(s) == SQLITE_ROW) {
        int64_t same = sqlite3_column_int64(s, 0);
        if ((flags & AS__ODOMETER_SAME_OK) && same == km) {
            sqlite3_reset(s);
            return AS_OK;
        }
        st = as__fail(db, AS_EXISTS, "%s already has a reading of %lld km at %s", plate,
                      (long long)same, as_time_format(at, db->utc_offset, when));
    }
    sqlite3_reset(s);
    if (st == AS_OK && !(flags & AS_ODOMETER_FORCE)) {
        /* The reading must fit between its neighbours in time. */
        const char *sqls[2] = {prev_sql, next_sql};
        for (int i = 0; i < 2 && st == AS_OK; i++) {
            if (!(s = as__stmt(db, sqls[i])))
                return AS_INTERNAL;
            sqlite3_bind_int64(s, 1, vid);
            sqlite3_bind_int64(s, 2, at);
            if (sqlite3_step(s) == SQLITE_ROW) {
                int64_t other = sqlite3_column_int64(s, 0);
                int64_t other_at = sqlite3_column_int64(s, 1);
                if (i == 0 && km < other)
                    st = as__fail(db, AS_INVALID,
                                  "km: %" PRId64 " is lower than the %" PRId64
                                  " km recorded for %s at %s (use force if the odometer was replaced)",
                                  km, other, plate, as_time_format(other_at, db->utc_offset, when));
                else if (i == 1 && km > other)
                    st = as__fail(db, AS_INVALID,
                                  "km: %" PRId64 " is higher than the %" PRId64
                                  " km recorded later for %s at %s", km, other, plate,
                                  as_time_format(other_at, db->utc_offset, when));
            }
            sqlite3_reset(s);
        }
    }
    if (st == AS_OK && (s = as__stmt(db, ins_sql)) != NULL) {
        sqlite3_bind_int64(s, 1, vid);
        sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, km);
        sqlite3_bind_int64(s, 4, at);
        sqlite3_bind_int(s, 5, (flags & AS_ODOMETER_FORCE) ? 1 : 0);
        sqlite3_bind_text(s, 6, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, as__now());
        st = as__step_done(db, s, "recording a reading");
    } else if (st == AS_OK) {
        st = AS_INTERNAL;
    }
    /* km per day changes with every reading. */
    if (st == AS_OK)
        st = as__profile_dirty(db, user_id);
    return st;
}

as_status as_odometer_add(as_db *db, const char *plate, int64_t km, int64_t at, unsigned flags)
{
    if (!db || !plate)
        return db ? as__fail(db, AS_MISUSE, "as_odometer_add: NULL argument") : AS_MISUSE;
    if (km < 0 || km > 9999999)
        return as__fail(db, AS_INVALID, "km: %" PRId64 " is out of range (0 to 9999999)", km);
    char *norm;
    as_status st = plate_arg(db, plate, &norm);
    if (st != AS_OK)
        return st;
    if ((st = as__write_begin(db)) != AS_OK) {
        free(norm);
        return st;
    }
    sqlite3_int64 vid = 0;
    char user_id[80] = "";
    st = as__vehicle_find(db, norm, &vid, user_id, sizeof user_id);
    if (st == AS_OK)
        st = as__odometer_record(db, vid, user_id, norm, km, at, flags & AS_ODOMETER_FORCE,
                                 "manual");
    free(norm);
    return as__write_end(db, st);
}

as_status as_vehicle_service(as_db *db, const char *plate, int64_t at, int64_t km)
{
    if (!db || !plate)
        return db ? as__fail(db, AS_MISUSE, "as_vehicle_service: NULL argument") : AS_MISUSE;
    char *norm;
    as_status st = plate_arg(db, plate, &norm);
    if (st != AS_OK)
        return st;
    if ((st = as__write_begin(db)) != AS_OK) {
        free(norm);
        return st;
    }
    sqlite3_int64 vid = 0;
    char user_id[80] = "";
    char when[AS_TIME_BUFSIZE];
    static const char ins_sql[] =
        "INSERT INTO services (vehicle_id, user_id, at, km, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (vehicle_id, at) DO NOTHING";
    st = as__vehicle_find(db, norm, &vid, user_id, sizeof user_id);
    if (st == AS_OK)
        st = as__odometer_record(db, vid, user_id, norm, km, at, AS__ODOMETER_SAME_OK, "service");
    sqlite3_stmt *s;
    if (st == AS_OK && (s = as__stmt(db, ins_sql)) != NULL) {
        sqlite3_bind_int64(s, 1, vid);
        sqlite3_bind_text(s, 2, user_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, at);
        sqlite3_bind_int64(s, 4, km);
        sqlite3_bind_int64(s, 5, as__now());
        st = as__step_done(db, s, "recording a service");
        if (st == AS_OK && sqlite3_changes(db->sql) == 0)
            st = as__fail(db, AS_EXISTS, "%s already has a service at %s", norm,
                          as_time_format(at, db->utc_offset, when));
    }
    if (st == AS_OK)
        st = as__profile_dirty(db, user_id);
    free(norm);
    return as__write_end(db, st);
}

as_status as_vehicle_set_grade(as_db *db, const char *plate, const char *grade)
{
    if (!db || !plate)
        return db ? as__fail(db, AS_MISUSE, "as_vehicle_set_grade: NULL argument") : AS_MISUSE;
    char *norm, g[8] = "";
    as_status st = plate_arg(db, plate, &norm);
    if (st != AS_OK)
        return st;
    if (grade && grade[0] && as_grade_normalize(grade, g) != AS_OK) {
        free(norm);
        return as__fail(db, AS_INVALID,
                        "grade: '%s' is not a fuel grade (92, 95, 98, E92, 0 for diesel, ...)",
                        grade);
    }
    if ((st = as__write_begin(db)) != AS_OK) {
        free(norm);
        return st;
    }
    static const char sql[] =
        "UPDATE vehicles SET grade = ?2, grade_given = ?3 WHERE plate = ?1";
    sqlite3_int64 vid = 0;
    char user_id[80] = "";
    st = as__vehicle_find(db, norm, &vid, user_id, sizeof user_id);
    sqlite3_stmt *s;
    if (st == AS_OK && (s = as__stmt(db, sql)) != NULL) {
        sqlite3_bind_text(s, 1, norm, -1, SQLITE_STATIC);
        if (g[0])
            sqlite3_bind_text(s, 2, g, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, g[0] != '\0');
        st = as__step_done(db, s, "setting a vehicle's grade");
    } else if (st == AS_OK) {
        st = AS_INTERNAL;
    }
    if (st == AS_OK)
        st = as__profile_dirty(db, user_id);
    free(norm);
    return as__write_end(db, st);
}

struct as_odometer_iter {
    as_db *db;
    sqlite3_stmt *st;
    as_odometer view;
};

as_status as_odometer_iter_new(as_odometer_iter **out, as_db *db, const char *plate)
{
    if (!out || !db || !plate)
        return db ? as__fail(db, AS_MISUSE, "as_odometer_iter_new: NULL argument") : AS_MISUSE;
    *out = NULL;
    as_vehicle *v = NULL;
    as_status st = as_vehicle_get(&v, db, plate);
    if (st != AS_OK)
        return st;
    as_vehicle_free(v);
    char *norm;
    if ((st = plate_arg(db, plate, &norm)) != AS_OK)
        return st;
    static const char sql[] =
        "SELECT v.plate, o.km, o.at, o.forced FROM odometer_readings o"
        " JOIN vehicles v ON v.id = o.vehicle_id WHERE v.plate = ?1 ORDER BY o.at";
    as_odometer_iter *it = calloc(1, sizeof *it);
    if (!it) {
        free(norm);
        return as__fail(db, AS_NOMEM, "out of memory");
    }
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &it->st, NULL);
    if (rc != SQLITE_OK) {
        free(norm);
        free(it);
        return as__sqlfail(db, rc, "listing readings");
    }
    sqlite3_bind_text(it->st, 1, norm, -1, SQLITE_TRANSIENT);
    free(norm);
    it->db = db;
    *out = it;
    return AS_OK;
}

as_status as_odometer_next(as_odometer_iter *it, const as_odometer **view)
{
    if (!it || !view)
        return AS_MISUSE;
    int rc = sqlite3_step(it->st);
    if (rc == SQLITE_DONE)
        return AS_DONE;
    if (rc != SQLITE_ROW)
        return as__sqlfail(it->db, rc, "listing readings");
    it->view.plate = as__column_text(it->st, 0);
    it->view.km = sqlite3_column_int64(it->st, 1);
    it->view.at = sqlite3_column_int64(it->st, 2);
    it->view.forced = sqlite3_column_int(it->st, 3);
    *view = &it->view;
    return AS_OK;
}

void as_odometer_iter_free(as_odometer_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->st);
    free(it);
}
