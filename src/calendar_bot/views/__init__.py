"""Domain objects -> transport-neutral messages, through the i18n catalogs."""
