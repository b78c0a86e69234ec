"""Drive hardware: discovery, hot-plug, facts from the drive tools and their parsers, the command runner."""
