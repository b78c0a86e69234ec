"""Cameras through OpenCV (opencv-python-headless only: the GUI wheel's Qt plugins break PySide6)."""
