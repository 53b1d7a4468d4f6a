"""Discovery: the POSIX sh probe, its section parsers, and the local collector.

``discover(transport)`` is the one entry point for any host; it runs the probe
in one round trip, parses it, then fetches in a second round trip the files
detectors ask for. It never changes the host.
"""
