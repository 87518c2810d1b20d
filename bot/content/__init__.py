"""Content in data/: the language packs and their keys, the triage and sequence rules, all validated at start-up."""
