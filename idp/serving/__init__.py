"""How requests reach the app: the ASGI bridge, gunicorn worker and logger, trusted proxies."""
