"""The error answer of the Bot API, as the local stand-in for Telegram gives it."""


class ApiError(Exception):
    """An error reply of the Bot API: the HTTP status, the description and, for 429, retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


class NotInChatError(AssertionError):
    """What a caller looked for is not in the chat: no such button, no message yet, or output that was not expected.

    An AssertionError, so that a test driving the chats fails with its message as a plain assertion would.
    """
