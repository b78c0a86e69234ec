"""Simulated devices for demo mode and tests.

Each simulation is a real peer of the code under test (a pty, a TCP listener, a video
file, an ADB wire-protocol server, an image file), never a Python stand-in for a driver.
"""
