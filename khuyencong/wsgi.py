"""The WSGI application (``gunicorn khuyencong.wsgi``).

https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyencong.settings")

application = get_wsgi_application()

# Everything loaded so far lives as long as the worker. Moving it out of the collector's reach
# spares every full collection a walk over Django's hundreds of thousands of objects: a
# request that builds thousands of contract ledgers (the dashboard's first visit of the day)
# spends a third of its time in such walks otherwise. https://docs.python.org/3/library/gc.html#gc.freeze
gc.collect()
gc.freeze()
