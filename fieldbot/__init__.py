"""fieldbot: the after-sales field service rules (售后服务管理制度) run as a Telegram bot."""

__version__ = "0.1.0"
