"""Plan-time security: which copied files are configuration, the scan that
finds their secrets, the per-format rewriters that put ``${MTA_SECRET_X}``
placeholders into them, the withheld files, and digest locks for images."""
