"""The process around the bot: the composition root that builds it once, and logging that never carries a secret."""
