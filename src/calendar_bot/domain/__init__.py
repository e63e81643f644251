"""Pure domain logic: no I/O, no asyncio, no adapter imports. Every "now" is passed in."""
