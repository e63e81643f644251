"""The dispatcher's handlers, one module per concern; they share handlers.base."""
