"""The Bot API methods the sandbox answers, by concept: :mod:`.params` (reading a call's
parameters), :mod:`.polling` (getUpdates), :mod:`.webhooks` (setWebhook and delivery),
:mod:`.messages` (sending, editing, deleting), :mod:`.bot` (the bot's account, commands,
callback answers, files). :mod:`fieldbot.sandbox.server` routes to them in one table.
"""
