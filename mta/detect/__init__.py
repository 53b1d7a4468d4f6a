"""Stack detectors: each looks at HostFacts and returns Apps with evidence.

``detect_apps(facts)`` runs every registered detector (most specific first),
groups a master and its workers into one app, and links apps to the backing
services they use. ``wanted_files(facts)`` lists the config files those
detectors would like the discover stage to fetch from the VM.
"""

from .registry import Detector, detect_apps, detectors, register, split_globs, wanted_files

__all__ = ["Detector", "detect_apps", "detectors", "register", "split_globs", "wanted_files"]
