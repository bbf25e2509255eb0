"""Gunicorn settings for Lianfang: `gunicorn -c deploy/gunicorn.conf.py lianfang.wsgi`.

Every value can be overridden from the environment (the systemd unit's EnvironmentFile).
"""

import multiprocessing
import os

wsgi_app = "lianfang.wsgi:application"

# nginx proxies to this address: keep it on loopback (or a socket, "unix:/run/lianfang/app.sock").
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: pages are short database-bound requests. 2 × cores + 1, at most 9 by default.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9)))
worker_class = "sync"
# Long imports and exports (Excel, PDF) finish well within this; raise it rather than kill them.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in a library never accumulates.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Trust X-Forwarded-* only from the local nginx.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs go to stdout/stderr, i.e. the journal. The access log leaves out the client's address
# and user agent: an anonymous complaint's reporter must not be identifiable, logs included.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# Load the application before forking: workers share its memory and a broken configuration
# fails at start instead of in every worker.
preload_app = True
