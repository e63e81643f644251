"""The Mattermost adapter: REST client, WebSocket listener, signed action contexts and the
rendering of transport-neutral views into posts and dialogs."""
