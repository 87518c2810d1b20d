"""What the bot shows: text and buttons built from the content pack and the clinic's records, with no sending."""
