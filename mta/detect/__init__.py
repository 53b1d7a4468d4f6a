"""Stack detectors: each looks at HostFacts and returns Apps with evidence.

``detect_apps(facts)`` runs every registered detector (most specific first),
settles which app owns which process (a master and its workers are one app;
a server started by another app is its own app), then names the apps
(DNS-1123, unique per host) and links them to the backing services they use.
``wanted_files(facts)`` lists the config files those detectors would like the
discover stage to fetch from the VM.

Confidence: about 0.9 when the main class / server and its config agree,
0.6-0.8 when only the process says so, 0.3-0.45 for guesses (an unknown
program on a port, a web server with no readable config). Every App says
why in ``evidence``: the process, port, file, package, unit or cron job.

A new stack is one module: subclass ``Detector``, set ``name`` and ``order``,
set ``stacks`` (each claimed by a recipe family in ``mta/plan/recipes/``),
implement ``wants`` and ``detect`` and decorate with ``@register``; every
module of the package is loaded, so there is no list to edit.
"""

from .registry import Detector, detect_apps, detectors, register, split_globs, wanted_files

__all__ = ["Detector", "detect_apps", "detectors", "register", "split_globs", "wanted_files"]
