"""The aftercare bot: guides patients through the days after microneedling."""
