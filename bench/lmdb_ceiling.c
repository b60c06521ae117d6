/* The ceiling for the log benchmark: the same-size records written with LMDB directly, BATCH records per
 * synced write transaction, big-endian keys with MDB_APPEND, plus an idempotency-key entry per record with the
 * same keys LogBench uses, as the log writes them. Usage: lmdb_ceiling DIR BATCH SECONDS RECORD_BYTES. Prints `batch=B records=N seconds=S rate=R`. */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CHECK(rc, what) do { int _rc = (rc); if (_rc) { fprintf(stderr, "%s: %s\n", what, mdb_strerror(_rc)); exit(1); } } while (0)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: lmdb_ceiling DIR BATCH SECONDS RECORD_BYTES\n"); return 2; }
    const char *dir = argv[1];
    int batch = atoi(argv[2]);
    double seconds = atof(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    mkdir(dir, 0755);
    MDB_env *env;
    CHECK(mdb_env_create(&env), "mdb_env_create");
    CHECK(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs");
    CHECK(mdb_env_set_mapsize(env, (size_t)8 << 30), "mdb_env_set_mapsize");
    CHECK(mdb_env_open(env, dir, MDB_NOTLS, 0644), "mdb_env_open");
    MDB_txn *txn;
    MDB_dbi events, keys;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
    CHECK(mdb_dbi_open(txn, "events", MDB_CREATE, &events), "mdb_dbi_open");
    CHECK(mdb_dbi_open(txn, "keys", MDB_CREATE, &keys), "mdb_dbi_open");
    CHECK(mdb_txn_commit(txn), "mdb_txn_commit");

    unsigned char *record = malloc(size);
    memset(record, 'x', size);
    uint64_t position = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        CHECK(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
        for (int i = 0; i < batch; i++) {
            position++;
            unsigned char key[8];
            for (int b = 0; b < 8; b++) key[b] = (unsigned char)(position >> (56 - 8 * b));
            MDB_val k = { 8, key }, v = { size, record };
            CHECK(mdb_put(txn, events, &k, &v, MDB_APPEND), "mdb_put events");
            char idem[64];
            /* The same keys as LogBench: appender i's n-th event is "bench-i-n". */
            int n = snprintf(idem, sizeof idem, "bench-%d-%llu", i, (unsigned long long)(position - 1) / batch);
            MDB_val ik = { (size_t)n, idem }, iv = { 8, key };
            CHECK(mdb_put(txn, keys, &ik, &iv, 0), "mdb_put keys");
        }
        CHECK(mdb_txn_commit(txn), "mdb_txn_commit");
    }
    double elapsed = now() - start;
    printf("batch=%d records=%llu seconds=%.2f rate=%.0f\n", batch, (unsigned long long)position, elapsed, position / elapsed);
    mdb_env_close(env);
    return 0;
}
