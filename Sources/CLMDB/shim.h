#ifndef SWITCHYARD_CLMDB_SHIM_H
#define SWITCHYARD_CLMDB_SHIM_H
#include <lmdb.h>
#endif
