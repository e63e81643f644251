"""Service tests without a transport: a service over the real store (and, where it needs
one, a real CalDAV server), no Mattermost in between."""
