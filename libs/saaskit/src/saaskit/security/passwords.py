"""argon2id password hashing (argon2-cffi), PHC strings, rehash on parameter change.

``verify_or_dummy`` spends the same time whether or not the user exists, so login
timing does not reveal which usernames are registered.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from saaskit.settings import Settings


class PasswordService:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy_hash = self._hasher.hash("dummy password, never matches a real one")

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordService:
        return cls(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_or_dummy(self, password_hash: str | None, password: str) -> bool:
        """Verify against the stored hash, or burn the same time on a dummy one."""
        if password_hash is None:
            self.verify(self._dummy_hash, password)
            return False
        return self.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
