"""Integration tests: the bot's services against real servers, under load and crashes."""
