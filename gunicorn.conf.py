"""gunicorn's settings, read from the working directory: the access log names the path without its query, since
an OAuth callback's query carries the authorization code and state."""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
