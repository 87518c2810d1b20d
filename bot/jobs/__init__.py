"""Work the bot does on its own, by the clock: reminders, nudges, the aftercare sequence, broadcasts, retention."""
