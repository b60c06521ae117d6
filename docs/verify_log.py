#!/usr/bin/env python3
"""An independent verifier of a Switchyard event log, written from docs/log-format.md alone.

Usage: verify_log.py LOG_DIRECTORY [--expect POS:HASH ...] [--no-lock]

Checks the hash chain, that `meta head` names the last record, that the `keys` index is exactly the records'
keys, and each receipt given. Prints `intact <head> <hash>` and exits 0, or `broken <position>: <reason>` and
exits 1. Needs the `lmdb` package (PyPI). Opens the environment with its lock (safe while a gateway runs);
--no-lock is only for a copy that no process has open.
"""
import hashlib
import struct
import sys

import lmdb


class Broken(Exception):
    def __init__(self, position, reason):
        super().__init__(f"broken {position}: {reason}")


def idempotency_key(record, position):
    """The record's idempotency key (bytes), or None; raises Broken if the fields do not parse."""
    try:
        offset = 1 + 8 + 8
        for _ in range(2):  # type, source
            length = struct.unpack(">I", record[offset:offset + 4])[0]
            offset += 4 + length
        flag = record[offset]
        offset += 1
        if flag == 0:
            return None
        if flag != 1:
            raise ValueError(f"key flag {flag}")
        length = struct.unpack(">I", record[offset:offset + 4])[0]
        key = record[offset + 4:offset + 4 + length]
        if len(key) != length:
            raise ValueError("short key")
        return key
    except (struct.error, IndexError, ValueError) as error:
        raise Broken(position, f"the record's fields do not parse ({error})")


def verify(path, receipts, lock=True):
    env = lmdb.open(path, readonly=True, max_dbs=8, lock=lock, subdir=True)
    try:
        events = env.open_db(b"events", create=False)
        keys = env.open_db(b"keys", create=False)
        meta = env.open_db(b"meta", create=False)
        with env.begin() as txn:
            expected, previous, keyed, previous_time = 1, bytes(32), 0, None
            for key, value in txn.cursor(db=events):
                position = struct.unpack(">Q", key)[0]
                if position != expected:
                    raise Broken(expected, f"position {expected} is missing; the next record is at {position}")
                if len(value) < 1 + 8 + 64 or value[0] != 1 or struct.unpack(">Q", value[1:9])[0] != position:
                    raise Broken(position, "bad header")
                canonical, link, stored = value[:-64], value[-64:-32], value[-32:]
                if link != previous:
                    raise Broken(position, "the previous-hash link does not match the record before")
                if hashlib.sha256(previous + canonical).digest() != stored:
                    raise Broken(position, "the stored hash does not match the record's bytes")
                recorded_at = struct.unpack(">q", value[9:17])[0]
                if previous_time is not None and recorded_at < previous_time:
                    raise Broken(position, "recorded before the record before it: recording times never go backwards")
                previous_time = recorded_at
                record_key = idempotency_key(value, position)
                if record_key is not None:
                    keyed += 1
                    indexed = txn.get(record_key, db=keys)
                    if indexed is None or struct.unpack(">Q", indexed)[0] != position:
                        raise Broken(position, "the keys index entry for this record's key is missing or points elsewhere")
                expected, previous = position + 1, stored
            head_position, head_hash = expected - 1, previous

            stored_head = txn.get(b"head", db=meta)
            if stored_head is None:
                if head_position > 0:
                    raise Broken(1, f"records up to {head_position} but no meta head")
            else:
                meta_position = struct.unpack(">Q", stored_head[:8])[0]
                meta_hash = stored_head[8:]
                if (meta_position, meta_hash) != (head_position, head_hash):
                    first = meta_position if meta_position == head_position else min(meta_position, head_position) + 1
                    raise Broken(first, f"meta head names position {meta_position} but the last record is at position {head_position}")

            entries = txn.stat(keys)["entries"]
            if entries != keyed:
                for key, value in txn.cursor(db=keys):
                    position = struct.unpack(">Q", value)[0]
                    record = txn.get(struct.pack(">Q", position), db=events)
                    if record is None or idempotency_key(record, position) != key:
                        raise Broken(position, f"the keys index has an entry {key[:80]!r} whose record does not have that key")

            for position, hash_hex in receipts:
                record = txn.get(struct.pack(">Q", position), db=events)
                found = record[-32:].hex() if record is not None else None
                if found != hash_hex:
                    raise Broken(position, f"receipt {position}:{hash_hex} not held (found {found})")
        return head_position, head_hash.hex()
    finally:
        env.close()


def main(arguments):
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    path, receipts, lock = arguments[0], [], True
    rest = arguments[1:]
    while rest:
        option = rest.pop(0)
        if option == "--expect" and rest:
            text = rest.pop(0)
            position, _, hash_hex = text.partition(":")
            receipts.append((int(position), hash_hex.lower()))
        elif option == "--no-lock":
            lock = False
        else:
            print(f"unknown argument {option}", file=sys.stderr)
            return 2
    try:
        head, head_hash = verify(path, receipts, lock)
    except Broken as broken:
        print(broken)
        return 1
    print("intact", head, head_hash)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
