"""One file per panel. Each panel refreshes itself on `Changes.changed` and on unit change."""
