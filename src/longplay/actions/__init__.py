"""Controller-side actions, one per file, registered by name (see ``base``)."""
