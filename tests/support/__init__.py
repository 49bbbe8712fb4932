"""What the tests share: settings and clients, a browser without a browser, form helpers,
the outbox, metrics, the delivery endpoints and the leak guard (both pytest plugins).

Test modules and conftest files import from here; no test module imports another.
"""
