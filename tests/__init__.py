"""The aftercare bot's tests."""
