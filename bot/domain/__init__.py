"""Pure domain logic: no Telegram, no SQL, standard library only."""
