"""Stack detectors: each looks at HostFacts and returns Apps with evidence."""
