/* The engine's own ceiling for the JetStream benchmark: JetStream publishes of SIZE-byte messages to a stream of
 * REPLICAS replicas for SECONDS, acknowledged one at a time (sync, as one writer that waits for each ack) or with
 * up to 256 in flight (async, like `nats bench --js`). Prints "rate=<acks/s>".
 * Usage: nats_publish URLS STREAM REPLICAS SECONDS sync|async SIZE */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: %s URLS STREAM REPLICAS SECONDS sync|async SIZE\n", argv[0]); return 2; }
    natsConnection *nc = NULL; jsCtx *js = NULL; jsErrCode jerr = 0; jsStreamInfo *si = NULL;
    if (natsConnection_ConnectTo(&nc, argv[1]) != NATS_OK) { fprintf(stderr, "connect failed\n"); return 1; }
    jsOptions jo; jsOptions_Init(&jo); jo.PublishAsync.MaxPending = 256;
    if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK) { fprintf(stderr, "jetstream failed\n"); return 1; }
    char subject[256]; snprintf(subject, sizeof subject, "%s.records", argv[2]);
    const char *subjects[] = { subject };
    jsStreamConfig cfg; jsStreamConfig_Init(&cfg);
    cfg.Name = argv[2]; cfg.Subjects = subjects; cfg.SubjectsLen = 1; cfg.Replicas = atoi(argv[3]); cfg.Storage = js_FileStorage;
    natsStatus s = NATS_ERR;
    /* A new cluster elects its meta leader first: retry for up to 30 s. */
    for (double begin = now(); now() - begin < 30; ) {
        s = js_AddStream(&si, js, &cfg, NULL, &jerr);
        if (s == NATS_OK) break;
        struct timespec pause = {0, 200000000}; nanosleep(&pause, NULL);
    }
    if (s != NATS_OK) { fprintf(stderr, "add stream failed: %s (%d)\n", natsStatus_GetText(s), jerr); return 1; }
    jsStreamInfo_Destroy(si);
    int size = atoi(argv[6]); char *data = malloc(size); memset(data, 'x', size);
    int async = strcmp(argv[5], "async") == 0; double seconds = atof(argv[4]); long acks = 0;
    double start = now();
    while (now() - start < seconds) {
        if (async) {
            if (js_PublishAsync(js, subject, data, size, NULL) != NATS_OK) { fprintf(stderr, "publish failed\n"); return 1; }
            acks++;
        } else {
            jsPubAck *pa = NULL;
            if (js_Publish(&pa, js, subject, data, size, NULL, &jerr) != NATS_OK) { fprintf(stderr, "publish failed\n"); return 1; }
            jsPubAck_Destroy(pa); acks++;
        }
    }
    if (async) {
        jsPubOptions po; jsPubOptions_Init(&po); po.MaxWait = 30000;
        if (js_PublishAsyncComplete(js, &po) != NATS_OK) { fprintf(stderr, "async acks did not complete\n"); return 1; }
    }
    double elapsed = now() - start;
    printf("rate=%.0f acks=%ld seconds=%.2f\n", acks / elapsed, acks, elapsed);
    return 0;
}
