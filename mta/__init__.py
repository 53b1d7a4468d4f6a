"""mta: move applications off legacy Linux VMs into containers."""

__version__ = "0.1.0"
