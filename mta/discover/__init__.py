"""Discovery: the POSIX sh probe, its section parsers, and the local collector.

``collect.discover(transport)`` is the one entry point for any host; it runs the
probe in one round trip, parses it, then fetches in a second round trip the
files detectors ask for. It never changes the host.

This package's own module is empty on purpose: ``script`` (the probe's text and
its run) imports only the standard library and the transport, so ``mta
discover`` can start a host's probe before it imports the parsers, the models
and the detectors, and import them while the probe runs.
"""
