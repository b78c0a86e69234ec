"""Devices: drivers enumerate and open, sessions talk to one physical unit.

The UI reaches hardware only through this package.
"""
