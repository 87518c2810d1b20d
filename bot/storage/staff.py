"""Staff added by invitation, and the single-use invitations that add them."""

from dataclasses import dataclass
from datetime import datetime

from bot.storage.shared import SharedConnection, moment_from, utc_text


@dataclass(frozen=True)
class StaffMember:
    """A staff member added by invitation (the admins from the settings are not stored)."""

    user_id: int
    added_by: int
    added_at: datetime


class StaffStore:
    """Reads and writes staff members and invitations."""

    def __init__(self, sql: SharedConnection) -> None:
        self._sql = sql

    async def is_member(self, user_id: int) -> bool:
        """Tell whether this user was added as staff by invitation."""
        return await self._sql.row("SELECT 1 FROM staff_member WHERE user_id = ?", (user_id,)) is not None

    async def members(self) -> list[StaffMember]:
        """Return the invited staff, earliest first."""
        rows = await self._sql.rows("SELECT user_id, added_by, added_at FROM staff_member ORDER BY added_at, user_id")
        return [StaffMember(int(row[0]), int(row[1]), moment_from(row[2])) for row in rows]

    async def remove(self, user_id: int) -> bool:
        """Remove an invited staff member; tell whether there was one."""
        return await self._sql.run("DELETE FROM staff_member WHERE user_id = ?", (user_id,)) == 1

    async def create_invite(self, token: str, created_by: int, now: datetime, expires_at: datetime) -> None:
        """Store a new single-use invitation."""
        await self._sql.run(
            "INSERT INTO staff_invite (token, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token, created_by, utc_text(now), utc_text(expires_at)),
        )

    async def redeem(self, token: str, user_id: int, now: datetime) -> bool:
        """Use an unused, unexpired invitation to add this user as staff; False when it cannot be used."""
        async with self._sql.transaction() as sql:
            used = await sql.run(
                "UPDATE staff_invite SET used_by = ?, used_at = ?"
                " WHERE token = ? AND used_by IS NULL AND expires_at > ?",
                (user_id, utc_text(now), token, utc_text(now)),
            )
            if used != 1:
                return False
            await sql.run(
                "INSERT INTO staff_member (user_id, added_by, added_at)"
                " SELECT ?, created_by, ? FROM staff_invite WHERE token = ? ON CONFLICT (user_id) DO NOTHING",
                (user_id, utc_text(now), token),
            )
        return True
