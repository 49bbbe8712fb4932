"""Password hashing with argon2id at the configured cost."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from idp.cpus import usable_cores


class Passwords:
    def __init__(self, time_cost: int, memory_cost: int, parallelism: int, concurrency: int = 1) -> None:
        # At most `concurrency` hashes at once in this process: more than the cores can run
        # only interleave (each finishing later) and hold 64 MiB apiece; the rest queue.
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        # Checked against when the account is unknown, so a miss costs what a hit does.
        self._decoy = self._hasher.hash("decoy-password-for-timing")

    @classmethod
    def from_settings(cls, settings) -> Passwords:
        cores_per_worker = usable_cores() // settings.worker_processes
        return cls(
            settings.argon2_time_cost,
            settings.argon2_memory_cost,
            settings.argon2_parallelism,
            concurrency=max(1, cores_per_worker // settings.argon2_parallelism),
        )

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            with self._slots:
                return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
