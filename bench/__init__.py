"""Benchmarks of fieldbot against a floor measured in the same run.

``python -m bench [--quick]`` (``make bench``) runs a bare python-telegram-bot echo bot and
then fieldbot on the same Bot API sandbox, with the same phones, messages and limits, and
prints each figure as a ratio against the floor next to the absolute numbers. It judges no
figure: the numbers are for people to read and compare between commits.
"""
