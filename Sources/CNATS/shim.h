#ifndef SWITCHYARD_CNATS_SHIM_H
#define SWITCHYARD_CNATS_SHIM_H
#include <nats/nats.h>
#endif
