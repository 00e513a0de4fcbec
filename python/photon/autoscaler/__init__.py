"""Photon's autoscaler, seen from a job: `photon.autoscaler.sdk`."""
