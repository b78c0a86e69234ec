"""Grade labels: layouts as data, one 1-bit renderer, and the print queue.

The bitmap the renderer returns is what the preview shows and what the printer gets,
byte for byte; nothing downstream scales, dithers or re-lays it out.
"""
