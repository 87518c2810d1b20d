"""The minute's round: it calls the use cases of bot/care that decide what is due, and the outbox sends it."""
