"""The value loop's data: lifecycle tags per model and the price bands the hub computes from outcomes.

Qt-free and database-free: loaders and lookups both ends share. The hub writes these documents
(station/sync/hub/value*), publishes them as configuration, and stations read them with these loaders.
"""
