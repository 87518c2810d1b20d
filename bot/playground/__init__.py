"""The playground: the real bot on the local stand-in for Telegram, with a web page to try it in (issue 15).

`python -m bot playground` runs it; it binds 127.0.0.1 only and never talks to Telegram. Its data (database, clock,
patients) lives in a folder of its own, never DATABASE_PATH.
"""
