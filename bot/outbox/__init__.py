"""What the bot must get to someone whatever Telegram does: stored first, sent, and tried again until confirmed."""
