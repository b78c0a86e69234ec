"""Label printers: ESC/POS through python-escpos, ZPL over raw TCP or the USB device file.

`session.PrinterSession.print_bitmap()` sends the renderer's bitmap unchanged: GS v 0
raster for ESC/POS, one ^GFA field for ZPL (or the layout's native ZPL when it asks).
"""
