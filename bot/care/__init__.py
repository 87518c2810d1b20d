"""The use cases of the clinic: what handlers and scheduled jobs both call (and the services they share)."""
