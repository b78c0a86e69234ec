"""The firmware-erase VM rig: a throwaway QEMU guest with a scratch disk on every storage bus.

See docs/vm-rig.md. tests/rig/fixtures.py holds the pytest fixtures; tests/vm/ uses them.
"""
