"""Telegram handlers: parse the update, check who, call a service, render."""
