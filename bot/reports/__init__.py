"""What the clinic reads out of the bot: charts, the CSV export, and the triage report for the medical director."""
