"""The hub's web console: server-rendered pages for site managers, auditors and admins, and the public
certificate check at /verify. Pages are Jinja2 templates with htmx (vendored in static/); every figure and
list is one query in PostgreSQL, scoped to the signed-in account's site."""
