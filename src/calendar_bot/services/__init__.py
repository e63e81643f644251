"""Use cases over the ports: connect, list, create, respond, sync, remind, digest, deliver."""
