"""Thin handlers: each turns a Telegram update into domain calls and a reply."""
