"""Barcode scanners: serial (USB-CDC) through pyserial, keyboard-wedge decoding, AIM identifiers.

The Qt side (QSocketNotifier, the application event filter) lives in station/ui/scanner_*.py
and uses only what is here.
"""
