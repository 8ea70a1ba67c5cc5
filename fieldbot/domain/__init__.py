"""The pure domain: states, rules, money, working-hours arithmetic. No Telegram, no SQL."""
