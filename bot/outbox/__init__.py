"""The one outbox: every message the bot sends on its own, stored with the state it reports, sent by one worker."""
