"""One module per CLI command; each exports ``command``. See ``mta.cli``."""
